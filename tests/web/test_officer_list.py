"""The officer's list of cases: filtering by state and paging through many cases."""

from __future__ import annotations

import pytest

from grants.views.officer import PER_PAGE
from tests.web.conftest import page
from workflows import State


@pytest.fixture
def officer_client(make_user, signed_in):
    return signed_in(make_user("officer"))


def _references(response) -> list[str]:
    doc = page(response)
    return [td.text for td in doc.find_all("td", class_="ref")]


def test_the_list_is_paged_newest_first(make_application, officer_client) -> None:
    cases = [make_application(State.SUBMITTED) for _ in range(PER_PAGE + 3)]
    newest_first = [c.reference for c in reversed(cases)]

    first = officer_client.get("/handlaggning/")
    second = officer_client.get("/handlaggning/?sida=2")

    assert _references(first) == newest_first[:PER_PAGE]
    assert _references(second) == newest_first[PER_PAGE:]
    assert "Sida 1 av 2" in first.get_data(as_text=True)
    assert 'href="/handlaggning/?sida=2"' in first.get_data(as_text=True)
    assert 'href="/handlaggning/?sida=1"' in second.get_data(as_text=True)


def test_the_state_filter_shows_only_that_state_with_counts(make_application,
                                                            officer_client) -> None:
    submitted = make_application(State.SUBMITTED)
    granted = make_application(State.GRANTED)
    make_application(State.DRAFT)  # drafts never reach the officer

    response = officer_client.get("/handlaggning/?status=granted")

    assert _references(response) == [granted.reference]
    html = response.get_data(as_text=True)
    assert "Alla (2)" in html and "Beviljad (1)" in html and "Inkommen (1)" in html
    assert submitted.reference not in html


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5", "99999999999", "²", "٣"])
def test_a_malformed_page_number_is_a_400_with_a_swedish_message(officer_client, value) -> None:
    response = officer_client.get(f"/handlaggning/?sida={value}")
    assert response.status_code == 400
    assert "Sidnumret" in response.get_data(as_text=True)


def test_a_page_past_the_end_says_so(make_application, officer_client) -> None:
    make_application(State.SUBMITTED)
    response = officer_client.get("/handlaggning/?sida=7")
    assert response.status_code == 200
    assert "Sidan 7 finns inte; listan har 1 sida." in page(response).text

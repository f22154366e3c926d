"""The applicant's dashboard lists the organisation's applications 20 a page, newest first, with
the timelines of the page's applications only (a busy organisation's page stays short)."""

from __future__ import annotations

from grants.views.applicant import PER_PAGE
from tests.web.conftest import page
from workflows import State


def test_a_busy_organisations_dashboard_shows_20_applications_a_page_with_their_timelines(
    make_user, make_application, signed_in
) -> None:
    applicant = make_user("applicant")
    titles = [f"Pilot nummer {n}" for n in range(PER_PAGE + 1)]
    for n, title in enumerate(titles):
        make_application(State.SUBMITTED if n % 2 else State.DRAFT, applicant=applicant,
                         title=title)
    client = signed_in(applicant)

    first = page(client.get("/mina-ansokningar/"))
    second = page(client.get("/mina-ansokningar/?sida=2"))

    def listed(doc):
        return [row.find_all("td")[1].text for row in doc.one("table").find_all("tr")[1:]]

    assert listed(first) == titles[:0:-1]  # the newest first
    assert listed(second) == titles[:1]
    assert len(first.find_all("details", class_="timeline")) == PER_PAGE
    assert len(second.find_all("details", class_="timeline")) == 1
    assert "Sida 1 av 2" in first.one("nav", class_="pagination").text
    assert "21 ansökningar, 20 per sida" in first.text
    assert first.one("a", rel="next").attrs["href"] == "/mina-ansokningar/?sida=2"
    assert second.one("a", rel="prev").attrs["href"] == "/mina-ansokningar/?sida=1"


def test_a_page_past_the_end_says_so_and_links_to_the_first(
    make_user, make_application, signed_in
) -> None:
    applicant = make_user("applicant")
    make_application(State.DRAFT, applicant=applicant)

    doc = page(signed_in(applicant).get("/mina-ansokningar/?sida=3"))

    assert "Sidan 3 finns inte; listan har 1 sida." in doc.text
    assert doc.find("table") is None

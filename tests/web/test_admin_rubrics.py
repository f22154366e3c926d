"""The admin's rubric pages: the versions, and the form that edits the newest one (in place while
unused; as a new version once a review uses it)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from grants.db import session
from grants.models import Review, Rubric
from grants.operations import assessment
from tests.web.conftest import Element, error_summary, field_error, page
from workflows import State

LIST = "/admin/bedomningsmallar"
EDIT = "/admin/bedomningsmallar/ny"
SEEDED = 11
"""The default rubric: eight scored RUS criteria and three horizontal ones (grants/reference.py)."""


def form_values(doc: Element) -> dict[str, str]:
    """What a browser would send for the page's rubric form, unchanged."""
    form = doc.one("form", attrs={"action": EDIT})
    values: dict[str, str] = {}
    for control in form.find_all("input"):
        kind = control.attrs.get("type", "text")
        if kind in ("submit", "button") or (kind == "checkbox" and "checked" not in control.attrs):
            continue
        values[control.attrs["name"]] = control.attrs.get("value", "y" if kind == "checkbox"
                                                          else "")
    for area in form.find_all("textarea"):
        values[area.attrs["name"]] = area.value
    for select in form.find_all("select"):
        chosen = select.find("option", selected="") or select.find("option")
        values[select.attrs["name"]] = chosen.attrs.get("value", "") if chosen else ""
    return values


def submit(client: Any, **changes: str) -> Any:
    values = form_values(page(client.get(EDIT)))
    values.update({"reason": "Styrgruppen ändrade vikterna.", **changes})
    return client.post(EDIT, data=values)


def rubrics() -> list[Rubric]:
    session.expire_all()
    return list(session.scalars(sa.select(Rubric).order_by(Rubric.number)))


NEW_ROW = {"criteria-11-title": "Barnens egna röster", "criteria-11-kind": "scored",
           "criteria-11-weight": "3", "criteria-11-level_0": "Saknas",
           "criteria-11-level_1": "Nämns", "criteria-11-level_2": "Finns med",
           "criteria-11-level_3": "Bär projektet"}


@pytest.fixture
def admin_client(make_user, signed_in) -> Any:
    return signed_in(make_user("admin"))


@pytest.fixture
def used_review(make_application, staff) -> Review:
    application = make_application(State.SUBMITTED)
    assessment.save_screening(application, actor=staff["officer"], complete=True,
                              eligible_applicant=True, within_aims=True, state_aid_handled=True)
    review = assessment.assign_reviewer(application, actor=staff["officer"],
                                        reviewer=staff["reviewer"])
    session.commit()
    return review


def test_the_versions_page_lists_each_version_and_the_newest_criteria(admin_client) -> None:
    doc = page(response := admin_client.get(LIST))

    assert response.status_code == 200
    [row] = doc.one("table", id="versions").find("tbody").find_all("tr")
    assert "Version 1" in row.text and "används i 0 granskningar" in row.text
    assert "Kan ändras" in row.text
    criteria = doc.one("table", id="criteria")
    assert "Kunskapslyft och utbildning" in criteria.text and "Jämställdhet" in criteria.text
    assert doc.find("a", href=EDIT) is not None


def test_the_form_shows_every_criterion_and_two_empty_rows(admin_client) -> None:
    doc = page(admin_client.get(EDIT))

    assert len(doc.find_all("fieldset", class_="row-group")) == SEEDED + 2
    values = form_values(doc)
    assert values["criteria-0-title"] == "Hög och jämlik livskvalitet och goda uppväxtvillkor"
    assert values["criteria-0-weight"] == "2" and values["criteria-0-kind"] == "scored"
    assert values["criteria-0-level_3"] == "Tydligt och mätbart bidrag"
    assert values["criteria-10-kind"] == "horizontal" and values["criteria-10-weight"] == ""
    assert values[f"criteria-{SEEDED}-title"] == "" and values["reason"] == ""
    assert "ändras version 1 direkt" in doc.one(id="new-version").text
    for control in doc.find_all("input") + doc.find_all("textarea") + doc.find_all("select"):
        if control.attrs.get("type") not in ("hidden", "submit"):
            assert doc.find("label", attrs={"for": control.attrs["id"]}) is not None


def test_an_unused_rubric_is_changed_in_place(admin_client, make_user) -> None:
    response = submit(admin_client, **{"criteria-0-weight": "5"}, **NEW_ROW)

    assert response.status_code == 302 and response.headers["Location"] == LIST
    [rubric] = rubrics()
    assert rubric.number == 1 and len(rubric.criteria) == SEEDED + 1
    assert rubric.criteria[0].weight == 5
    added = rubric.criteria[-1]
    assert (added.title, added.weight, added.level_labels) == (
        "Barnens egna röster", 3, ["Saknas", "Nämns", "Finns med", "Bär projektet"])
    assert rubric.note == "Styrgruppen ändrade vikterna."
    shown = page(admin_client.get(LIST))
    assert "Version 1 av bedömningsmallen är sparad." in shown.text
    assert "Barnens egna röster" in shown.text


def test_a_used_rubric_is_frozen_and_saving_makes_version_two(admin_client,
                                                              used_review: Review) -> None:
    doc = page(admin_client.get(EDIT))
    notice = doc.one(id="new-version").text
    assert "används i 1 granskning och är låst" in notice and "version 2" in notice
    before = [(c.id, c.title, c.weight) for c in used_review.rubric.criteria]

    response = submit(admin_client, **{"criteria-0-weight": "5", "criteria-4-remove": "y"})

    assert response.status_code == 302
    old, new = rubrics()
    assert [(c.id, c.title, c.weight) for c in old.criteria] == before
    assert new.number == 2 and len(new.criteria) == SEEDED - 1
    assert new.criteria[0].weight == 5 and "Nytänkande" not in {c.title for c in new.criteria}
    assert assessment.current_rubric().id == new.id
    listing = page(admin_client.get(LIST))
    assert "sparad som version 2" in listing.text
    rows = listing.one("table", id="versions").find("tbody").find_all("tr")
    assert "Version 2" in rows[0].text and "Kan ändras" in rows[0].text
    assert "Version 1" in rows[1].text and "Låst" in rows[1].text
    assert "används i 1 granskning" in rows[1].text


def test_an_older_version_can_be_read(admin_client, used_review) -> None:
    assert submit(admin_client, **{"criteria-0-title": "Ny rubrik"}).status_code == 302

    old = page(admin_client.get(f"{LIST}?version=1"))
    new = page(admin_client.get(LIST))

    assert "Hög och jämlik livskvalitet" in old.one("table", id="criteria").text
    assert "Ny rubrik" in new.one("table", id="criteria").text
    assert admin_client.get(f"{LIST}?version=99").status_code == 404


def test_empty_rows_are_not_criteria(admin_client) -> None:
    assert submit(admin_client).status_code == 302

    [rubric] = rubrics()
    assert len(rubric.criteria) == SEEDED


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"criteria-0-weight": "0"}, "criteria-0-weight", "Kriterium 1: ange en vikt mellan 1 och 10"),
    ({"criteria-1-weight": "11"}, "criteria-1-weight", "Kriterium 2: ange en vikt mellan 1 och 10"),
    ({"criteria-1-weight": "två"}, "criteria-1-weight", "Ange vikten som ett heltal"),
    ({"criteria-2-level_2": ""}, "criteria-2-level_2", "Kriterium 3: skriv vad var och en av"),
    ({**NEW_ROW, "criteria-11-level_3": ""}, "criteria-11-level_3", "Kriterium 12: skriv vad"),
    ({**NEW_ROW, "criteria-11-title": ""}, "criteria-11-title", "Kriterium 12: skriv en rubrik"),
    ({"criteria-9-weight": "2"}, "criteria-9-weight", "Kriterium 10: ett horisontellt"),
    ({"criteria-0-title": "R" * 201}, "criteria-0-title", "högst 200 tecken"),
    ({"criteria-0-kind": "bonus"}, "criteria-0-kind", "Välj ett av alternativen"),
    ({"reason": ""}, "reason", "Skriv varför mallen ändras"),
])
def test_a_bad_rubric_is_refused_at_the_field_with_every_value_kept(
    admin_client, changes: dict[str, str], field: str, message: str
) -> None:
    response = submit(admin_client, **{"criteria-5-title": "Min ändrade rubrik"}, **changes)

    assert response.status_code == 422
    doc = page(response)
    assert message in (field_error(doc, field) or "")
    assert message in (error_summary(doc) or "")
    assert doc.one("a", href=f"#{field}") is not None
    sent = form_values(doc)
    assert sent["criteria-5-title"] == "Min ändrade rubrik"
    for name, value in changes.items():
        if name != "criteria-0-kind":  # a value not in the list cannot be shown as chosen
            assert sent[name] == value
    [rubric] = rubrics()
    assert rubric.criteria[5].title != "Min ändrade rubrik" and rubric.note != changes.get(
        "reason", "Styrgruppen ändrade vikterna.")


def test_a_rubric_without_scored_criteria_is_refused(admin_client) -> None:
    removed = {f"criteria-{i}-remove": "y" for i in range(8)}

    response = submit(admin_client, **removed)

    assert response.status_code == 422
    assert "minst ett kriterium som ger poäng" in (error_summary(page(response)) or "")
    assert len(rubrics()[0].criteria) == SEEDED


def test_a_second_admin_saving_over_a_newer_rubric_is_warned(admin_client, make_user,
                                                             signed_in) -> None:
    stale = form_values(page(admin_client.get(EDIT)))
    other = signed_in(make_user("admin"))
    assert submit(other, **{"criteria-0-title": "Den andras ändring"}).status_code == 302

    stale.update({"criteria-1-title": "Min ändring", "reason": "Jag ändrar också."})
    response = admin_client.post(EDIT, data=stale)

    assert response.status_code == 422
    doc = page(response)
    assert "Någon annan har ändrat bedömningsmallen" in (error_summary(doc) or "")
    assert form_values(doc)["criteria-1-title"] == "Min ändring"
    assert [c.title for c in rubrics()[0].criteria][:2] == [
        "Den andras ändring", "Kunskapslyft och utbildning"]
    # Having seen the warning, saving again goes ahead.
    assert admin_client.post(EDIT, data=form_values(doc)).status_code == 302
    assert rubrics()[0].criteria[1].title == "Min ändring"


def test_more_empty_rows_can_be_asked_for(admin_client) -> None:
    doc = page(admin_client.get(f"{EDIT}?rader=5"))

    assert len(doc.find_all("fieldset", class_="row-group")) == SEEDED + 5

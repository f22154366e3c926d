"""The content operations and the completeness rules, without the web layer."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from grants.completeness import problems, today
from grants.db import session
from grants.models import Attachment, Pot, ResultIndicator
from grants.operations import applications as ops
from grants.operations import content
from grants.operations.errors import InvalidInput, NotPermitted
from workflows import State, TransitionRefused


def _fields(application) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in problems(application):
        found.setdefault(problem.field or "", []).append(problem.message)
    return found


def test_a_complete_application_has_no_problems_and_submits(make_application) -> None:
    application = make_application()
    assert problems(application) == []
    ops.submit_application(application, actor=application.created_by)
    assert application.state == State.SUBMITTED


def test_an_empty_draft_names_a_problem_in_every_required_section(make_application) -> None:
    draft = make_application(complete=False, title="", summary="")
    sections = {p.section for p in problems(draft)}
    assert sections == {"projekt", "malgrupp", "indikatorer", "budget", "jamstalldhet",
                        "hallbarhet", "statsstod", "kontakt"}


def test_budget_rules_name_the_figures(make_application) -> None:
    application = make_application()
    year = today().year
    content.save_budget(
        application, actor=application.created_by,
        lines=[{"year": year, "cost_type": "travel", "description": "", "amount": 100_000}],
        co_financing=[], requested={year: 60_000},
    )
    messages = " ".join(m for ms in _fields(application).values() for m in ms)
    assert "högst 50\u00a0000\u00a0kr" in messages  # half of 100 000
    assert "Budgeten går inte ihop" in messages


def test_money_from_a_closed_pot_is_refused_by_the_rules(make_application) -> None:
    application = make_application()
    year = today().year
    session.get(Pot, year).is_open = False
    assert any("stängd" in m for m in _fields(application)[f"requested_{year}"])
    with pytest.raises(TransitionRefused):
        ops.submit_application(application, actor=application.created_by)


def test_project_dates_are_checked_against_today_and_each_other(make_application) -> None:
    application = make_application()
    start = today() - timedelta(days=1)
    content.save_project(
        application, actor=application.created_by, title="T", summary="S", background="B",
        aim="A", activities="X", start_date=start, end_date=start - timedelta(days=3),
        partners="",
    )
    found = _fields(application)
    assert any("tidigast" in m for m in found["start_date"])
    assert any("före startdatum" in m for m in found["end_date"])


@pytest.mark.parametrize("bad", [
    {"year": 1999}, {"cost_type": "champagne"}, {"amount": -1}, {"amount": 1.5},
    {"amount": 10**12},
])
def test_save_budget_refuses_values_no_form_would_send(make_application, bad) -> None:
    application = make_application()
    line = {"year": today().year, "cost_type": "travel", "description": "", "amount": 1, **bad}
    with pytest.raises(InvalidInput):
        content.save_budget(application, actor=application.created_by, lines=[line],
                            co_financing=[], requested={})


def test_save_target_refuses_unknown_codes(make_application) -> None:
    application = make_application()
    with pytest.raises(InvalidInput):
        content.save_target(application, actor=application.created_by, focus_areas=["golf"],
                            municipalities=["1880"], age_bands=[], target_group="",
                            participants_girls=None, participants_boys=None,
                            participants_other=None)


def test_personnummer_in_free_text_is_refused_by_the_operation(make_application) -> None:
    application = make_application()
    with pytest.raises(InvalidInput, match="personnummer"):
        content.save_contact(application, actor=application.created_by, name="Anna 811218-9876",
                             role="x", email="a@b.se", phone="019-10 10 10")


def test_content_is_frozen_once_submitted_and_editable_again_when_returned(
    make_application, staff
) -> None:
    application = make_application(State.SUBMITTED)
    applicant = application.created_by
    with pytest.raises(NotPermitted):
        content.save_indicators(application, actor=applicant, rows=[])
    ops.return_application_for_completion(application, actor=staff["officer"],
                                          reason="Komplettera indikatorerna.")
    content.save_indicators(application, actor=applicant, rows=[
        {"name": "Ny", "unit": "st", "baseline": "0", "target": "5", "by_sex": False}])
    assert [i.name for i in application.indicators] == ["Ny"]
    ops.resubmit_application(application, actor=applicant)
    assert application.state == State.SUBMITTED


def test_only_the_organisations_members_may_change_content(make_application, make_user) -> None:
    application = make_application()
    for outsider in (make_user("applicant"), make_user("officer")):
        with pytest.raises(NotPermitted):
            content.save_contact(application, actor=outsider, name="x", role="x", email="",
                                 phone="")


def test_replacing_indicators_leaves_no_orphans(make_application) -> None:
    application = make_application()
    content.save_indicators(application, actor=application.created_by, rows=[
        {"name": "Bara en", "unit": "st", "baseline": "", "target": "1", "by_sex": False}])
    session.commit()
    rows = session.scalars(sa.select(ResultIndicator)
                           .where(ResultIndicator.application_id == application.id)).all()
    assert [r.name for r in rows] == ["Bara en"]


def test_a_removed_attachment_is_kept_but_no_longer_listed(make_application) -> None:
    application = make_application()
    attachment = content.add_attachment(application, actor=application.created_by,
                                        filename="plan.pdf", data=b"%PDF-1.4 test")
    content.remove_attachment(attachment, actor=application.created_by)
    session.commit()
    assert application.attachments == []
    assert session.get(Attachment, attachment.id).removed_at is not None


def test_returning_for_completion_tells_the_applicant_by_mail(make_application, staff) -> None:
    from grants.models import OutboxMessage

    application = make_application(State.SUBMITTED)
    ops.return_application_for_completion(application, actor=staff["officer"],
                                          reason="Budgeten saknar medfinansiering.")
    session.commit()
    messages = session.scalars(sa.select(OutboxMessage)
                               .where(OutboxMessage.key.like("returned:%"))).all()
    assert [m.recipient for m in messages] == [application.created_by.email]
    assert "Budgeten saknar medfinansiering." in messages[0].body

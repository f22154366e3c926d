"""List pages issue a fixed number of SQL queries however many rows they show (no N+1).

Queries are counted with a ``before_cursor_execute`` listener on the app's engine around one
request; each request runs with its own fresh session (see ``OwnContextClient`` in
tests/conftest.py), so nothing is served from an identity map the test filled.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from grants.completeness import today
from grants.db import session
from grants.models import Application, User
from grants.operations import applications as ops
from grants.operations import content as content_ops
from tests.conftest import REASON
from tests.web.conftest import history, page
from workflows import State


@contextmanager
def counting_queries(app: Flask) -> Iterator[list[str]]:
    engine = app.extensions["pilotfonden.engine"]
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    session.commit()  # end the test's own transaction outside the count
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def queries_for(app: Flask, client: Any, url: str) -> tuple[list[str], Any]:
    with counting_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return statements, response


def table_rows(response: Any) -> int:
    return len(page(response).one("table", class_="data").one("tbody").find_all("tr"))


def same_count_message(few: list[str], many: list[str]) -> str:
    return "\n".join(["2 rows:", *few, "", "12 rows:", *many])


STATES = [State.SUBMITTED, State.ASSESSED, State.GRANTED, State.RETURNED]


@pytest.mark.parametrize("url", ["/handlaggning/", "/handlaggning/?status=submitted"])
def test_officer_list_issues_as_many_queries_for_12_applications_as_for_2(
    app, make_user, make_application, signed_in, url: str
) -> None:
    client = signed_in(make_user("officer"))
    make_application(State.DRAFT)  # never listed
    for _ in range(2):
        make_application(State.SUBMITTED)
    client.get(url)  # warm-up: first-request work is not what is measured

    few, few_page = queries_for(app, client, url)
    for n in range(10):
        # Each from its own organisation (and applicant), in varied states.
        make_application(STATES[n % len(STATES)] if "status" not in url else State.SUBMITTED)
    many, many_page = queries_for(app, client, url)

    assert (table_rows(few_page), table_rows(many_page)) == (2, 12)
    assert len(many) == len(few), same_count_message(few, many)


def test_applicant_list_issues_as_many_queries_for_12_applications_as_for_2(
    app, make_user, make_application, signed_in
) -> None:
    applicant = make_user("applicant")
    colleague = make_user("applicant", organisation=applicant.organisation)
    client = signed_in(applicant)
    make_application(State.SUBMITTED)  # another organisation's: never listed
    make_application(State.DRAFT, applicant=applicant)
    make_application(State.SUBMITTED, applicant=colleague)
    client.get("/mina-ansokningar/")

    few, few_page = queries_for(app, client, "/mina-ansokningar/")
    for n in range(10):
        make_application([State.DRAFT, *STATES][n % 5], applicant=(applicant, colleague)[n % 2])
    many, many_page = queries_for(app, client, "/mina-ansokningar/")

    assert (table_rows(few_page), table_rows(many_page)) == (2, 12)
    assert len(many) == len(few), same_count_message(few, many)


def test_case_page_issues_as_many_queries_for_a_long_history_as_for_a_short_one(
    app, make_user, make_application, signed_in, staff
) -> None:
    applicant = make_user("applicant")
    application = make_application(State.SUBMITTED, applicant=applicant)
    client = signed_in(make_user("officer"))
    url = f"/handlaggning/arenden/{application.id}"
    client.get(url)

    short, short_page = queries_for(app, client, url)
    for _ in range(5):  # ten more events, by two different people
        ops.return_application_for_completion(application, actor=staff["officer"], reason=REASON)
        ops.resubmit_application(application, actor=applicant, reason=REASON)
    session.commit()
    long, long_page = queries_for(app, client, url)

    assert (len(history(page(short_page))), len(history(page(long_page)))) == (2, 12)
    assert len(long) == len(short), same_count_message(short, long)


MUNICIPALITIES = ["1880", "1881", "1882", "1883", "1884", "1885", "1860", "1861"]
PDF = b"%PDF-1.4\n%%EOF\n"


def with_rows(application: Application, applicant: User, n: int) -> Application:
    """``application`` with ``n`` of each repeated thing: indicators, cost and co-financing
    lines, municipalities and attachments (the totals stay the same, so it stays complete)."""
    year = today().year
    content_ops.save_indicators(application, actor=applicant, rows=[
        {"name": f"Indikator {i}", "unit": "antal", "baseline": "0", "target": "10",
         "by_sex": i % 2 == 0} for i in range(n)
    ])
    content_ops.save_budget(
        application, actor=applicant,
        lines=[{"year": year, "cost_type": "own_staff", "description": f"Rad {i}",
                "amount": 200_000 // n} for i in range(n)],
        co_financing=[{"year": year, "kind": "cash", "funder": f"Bidragsgivare {i}",
                       "amount": 100_000 // n} for i in range(n)],
        requested={year: 100_000},
    )
    content_ops.save_target(
        application, actor=applicant, focus_areas=["leisure"], municipalities=MUNICIPALITIES[:n],
        age_bands=["13-15"], target_group="Unga i området.", participants_girls=10,
        participants_boys=10, participants_other=0,
    )
    for i in range(n):
        content_ops.add_attachment(application, actor=applicant, filename=f"bilaga-{i}.pdf",
                                   data=PDF)
    session.commit()
    return application


@pytest.mark.parametrize("where", ["review", "applicant-case", "officer-case"])
def test_pages_showing_a_whole_application_issue_as_many_queries_for_8_rows_as_for_1(
    app, make_user, make_application, signed_in, where: str
) -> None:
    applicant = make_user("applicant")
    officer = make_user("officer")
    applications = []
    for n in (1, 8):
        application = with_rows(make_application(State.DRAFT, applicant=applicant), applicant, n)
        if where != "review":
            ops.submit_application(application, actor=applicant, reason=REASON)
            session.commit()
        applications.append(application)
    client = signed_in(officer if where == "officer-case" else applicant)
    urls = [{"review": f"/mina-ansokningar/{a.id}/granska",
             "applicant-case": f"/mina-ansokningar/{a.id}",
             "officer-case": f"/handlaggning/arenden/{a.id}"}[where] for a in applications]
    client.get(urls[0])

    few, few_page = queries_for(app, client, urls[0])
    many, many_page = queries_for(app, client, urls[1])

    assert "Indikator 7" in page(many_page).text and "Indikator 1" not in page(few_page).text
    assert "bilaga-7.pdf" in page(many_page).text
    if where == "review":
        assert page(many_page).find("div", id="error-summary") is None, "complete"
    assert len(many) == len(few), "\n".join(["1 row:", *few, "", "8 rows:", *many])

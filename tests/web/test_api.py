"""The read API: public pot figures for anyone, the ledger for finance staff and admins — JSON
in every answer, refusals included (401 without login, 403 for other roles, 400 for bad input).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from grants.completeness import today
from grants.db import session
from grants.models import Application, Pot, User
from grants.operations import finance as fin
from workflows import State

YEAR = today().year
ENTRY_KEYS = {"id", "date", "year", "kind", "kind_label", "amount", "case_reference",
              "organisation", "payment_date", "payment_kind", "payment_kind_label",
              "payment_reference", "note", "recorded_by"}


@pytest.fixture
def finance(make_user: Callable[..., User]) -> User:
    return make_user("finance")


@pytest.fixture
def booked(make_application: Callable[..., Application], finance: User) -> Application:
    """A pilot granted 100 000 kr of this year's money, paid 20 000 kr, released 10 000 kr."""
    application = make_application(State.GRANTED, title="Fritidsbanken på hjul")
    fin.record_payment(application, actor=finance, payment=fin.PaymentInput(
        amount=20_000, payment_date=date(YEAR, 3, 4), kind="advance", reference="Rekvisition 1"))
    fin.release_money(application, actor=finance, year=YEAR, amount=10_000,
                      reason="Projektet blev billigare.")
    session.commit()
    return application


def json_of(response: Any) -> Any:
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    return response.get_json()


# Pots -------------------------------------------------------------------------------------------


def test_pots_are_public_json_with_the_pot_rows_figures(client: FlaskClient, booked) -> None:
    response = client.get("/api/v1/pots")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=60"
    expected = [
        {"year": pot.year, "reserved": pot.reserved, "committed": pot.committed - pot.released,
         "paid": pot.paid, "remaining": pot.reserved - pot.committed + pot.released}
        for pot in session.scalars(sa.select(Pot).order_by(Pot.year))
    ]
    assert json_of(response) == {"pots": expected, "currency": "SEK"}
    assert expected[0] == {"year": YEAR, "reserved": 1_000_000, "committed": 90_000,
                           "paid": 20_000, "remaining": 910_000}
    assert [p["year"] for p in expected] == [YEAR, YEAR + 1]


def test_pots_hold_no_personal_data(client: FlaskClient, booked, finance) -> None:
    text = client.get("/api/v1/pots").get_data(as_text=True)

    for private in (finance.name, finance.email, booked.organisation.name, booked.title,
                    booked.reference, "Rekvisition 1", "Projektet blev billigare."):
        assert private not in text


# Ledger: access ---------------------------------------------------------------------------------


def test_ledger_answers_an_anonymous_caller_401_json_not_a_login_redirect(
    client: FlaskClient
) -> None:
    response = client.get("/api/v1/ledger")

    assert response.status_code == 401
    assert "Location" not in response.headers
    assert "Logga in" in json_of(response)["error"]


@pytest.mark.parametrize("role", ["applicant", "officer", "decider", "reviewer"])
def test_ledger_answers_other_roles_403_json(signed_in, make_user, role: str) -> None:
    response = signed_in(make_user(role)).get("/api/v1/ledger")

    assert response.status_code == 403
    assert json_of(response) == {"error": "Bara ekonomi och administratörer kan läsa "
                                          "huvudboken."}


@pytest.mark.parametrize("role", ["finance", "admin"])
def test_ledger_is_open_to_finance_staff_and_admins(signed_in, make_user, role: str) -> None:
    response = signed_in(make_user(role)).get("/api/v1/ledger")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert json_of(response) == {"entries": [], "page": 1, "pages": 1, "total": 0}


# Ledger: content --------------------------------------------------------------------------------


def test_ledger_entries_carry_the_csv_fields_with_english_keys(
    signed_in, finance, booked, staff
) -> None:
    body = json_of(signed_in(finance).get("/api/v1/ledger"))

    assert (body["page"], body["pages"], body["total"]) == (1, 1, 3)
    grant, payment, release = body["entries"]
    assert all(set(e) == ENTRY_KEYS for e in body["entries"])
    assert grant | {"id": 0, "date": ""} == {
        "id": 0, "date": "", "year": YEAR, "kind": "commitment", "kind_label": "Beviljat",
        "amount": 100_000, "case_reference": booked.reference,
        "organisation": booked.organisation.name, "payment_date": None, "payment_kind": None,
        "payment_kind_label": None, "payment_reference": "",
        "note": f"Beviljat stöd {booked.reference}",
        "recorded_by": staff["decider"].name,
    }
    assert date.fromisoformat(grant["date"]) <= today()
    assert (payment["kind_label"], payment["amount"], payment["payment_date"],
            payment["payment_kind"], payment["payment_kind_label"], payment["payment_reference"],
            payment["recorded_by"]) == (
        "Utbetalning (förskott)", 20_000, f"{YEAR}-03-04", "advance", "Förskott",
        "Rekvisition 1", finance.name)
    assert (release["kind"], release["amount"], release["note"]) == (
        "release", 10_000, "Projektet blev billigare.")
    assert grant["id"] < payment["id"] < release["id"]


def test_ledger_filtered_by_year_has_only_that_years_entries(signed_in, finance, booked) -> None:
    fin.change_reservation(actor=finance, year=YEAR + 1, reserved=700_000, reason="Budget.")
    session.commit()
    client = signed_in(finance)

    next_year = json_of(client.get(f"/api/v1/ledger?ar={YEAR + 1}"))
    this_year = json_of(client.get(f"/api/v1/ledger?ar={YEAR}"))

    assert [(e["year"], e["kind"], e["amount"]) for e in next_year["entries"]] == [
        (YEAR + 1, "reservation", 1_000_000), (YEAR + 1, "reservation", -300_000)]
    assert next_year["total"] == 2
    assert {e["year"] for e in this_year["entries"]} == {YEAR} and this_year["total"] == 3


def test_ledger_comes_100_entries_a_page(signed_in, finance) -> None:
    # 1 opening entry and 149 changes of next year's reservation: 150 entries.
    for n in range(149):
        fin.change_reservation(actor=finance, year=YEAR + 1, reserved=1_000_001 + n,
                               reason=f"Ändring {n}.")
    session.commit()
    client = signed_in(finance)

    first = json_of(client.get("/api/v1/ledger"))
    second = json_of(client.get("/api/v1/ledger?sida=2"))

    assert (first["page"], first["pages"], first["total"], len(first["entries"])) == (
        1, 2, 150, 100)
    assert (second["page"], second["pages"], second["total"], len(second["entries"])) == (
        2, 2, 150, 50)
    ids = [e["id"] for e in first["entries"] + second["entries"]]
    assert ids == sorted(ids) and len(set(ids)) == 150
    assert second["entries"][-1]["note"] == "Ändring 148."
    assert json_of(client.get(f"/api/v1/ledger?sida=2&ar={YEAR}"))["error"] == (
        "Sidan 2 finns inte: det finns 1 sida.")


@pytest.mark.parametrize(("query", "message"), [
    ("ar=abc", "«abc» är inget budgetår"),
    ("ar=1999", "Det finns ingen pott för 1999"),
    ("sida=0", "Sidnumret «0» är inte giltigt"),
    ("sida=-1", "Sidnumret «-1» är inte giltigt"),
    ("sida=tva", "Sidnumret «tva» är inte giltigt"),
    ("sida=3", "Sidan 3 finns inte"),
])
def test_ledger_answers_bad_filters_400_json_in_swedish(
    signed_in, finance, query: str, message: str
) -> None:
    response = signed_in(finance).get(f"/api/v1/ledger?{query}")

    assert response.status_code == 400
    assert message in json_of(response)["error"]


"""``flask --app wsgi finance verify``: every year's figures, and every cached total checked
against the append-only ledger (exit code 1 and each difference when one is off)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from grants.completeness import today
from grants.db import session
from grants.models import Application, Pot, User
from grants.money import format_kronor
from grants.operations import finance as fin
from workflows import State

YEAR = today().year
CLEAN = "Allt stämmer med huvudboken."


@pytest.fixture
def booked(make_application, make_user) -> Application:
    """Real operations: a grant of 100 000 kr (the decision), a payment of 30 000 kr, a release
    of 5 000 kr, and next year's reservation raised."""
    finance: User = make_user("finance")
    application = make_application(State.GRANTED)
    fin.record_payment(application, actor=finance, payment=fin.PaymentInput(
        amount=30_000, payment_date=date(YEAR, 5, 2), kind="costs", reference="Rekvisition 7"))
    fin.release_money(application, actor=finance, year=YEAR, amount=5_000,
                      reason="Projektet blev billigare.")
    fin.change_reservation(actor=finance, year=YEAR + 1, reserved=1_200_000, reason="Budget.")
    session.commit()
    return application


def verify(app):
    return app.test_cli_runner().invoke(args=["finance", "verify"])


def test_verify_prints_each_years_figures_and_finds_nothing_after_real_operations(
    app, booked
) -> None:
    result = verify(app)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["År", "Avsatt", "Beviljat", "Återfört", "Utbetalt", "Kvar"]
    this_year = next(line for line in lines if line.startswith(str(YEAR)))
    assert [format_kronor(a) for a in (1_000_000, 100_000, 5_000, 30_000, 905_000)] == [
        cell.strip() for cell in this_year.split("  ") if cell.strip()][1:]
    assert any(line.startswith(str(YEAR + 1)) and format_kronor(1_200_000) in line
               for line in lines)
    assert lines[-1] == CLEAN


def test_verify_names_a_pot_total_that_differs_from_the_ledger_and_exits_1(app, booked) -> None:
    # The pot caches its totals (it is not append-only): a stray UPDATE can make them wrong.
    session.execute(sa.text("UPDATE pot SET paid = paid + 1 WHERE year = :year"), {"year": YEAR})
    session.commit()

    result = verify(app)

    assert result.exit_code == 1
    assert CLEAN not in result.output
    assert (f"{YEAR} utbetalt: cachat {format_kronor(30_001)}, "
            f"huvudboken {format_kronor(30_000)}") in result.output.splitlines()
    assert session.get(Pot, YEAR, populate_existing=True).paid == 30_001, "verify changes nothing"


def test_verify_names_the_pilot_whose_account_differs_from_the_ledger(app, booked) -> None:
    session.execute(sa.text("UPDATE pilot_account SET granted = granted + 500 "
                            "WHERE application_id = :id"), {"id": booked.id})
    session.commit()

    result = verify(app)

    assert result.exit_code == 1
    assert (f"{booked.reference} beviljat: cachat {format_kronor(100_500)}, "
            f"huvudboken {format_kronor(100_000)}") in result.output.splitlines()
    assert "1 punkt" in result.output

"""The finance exports: the ledger and the per-pilot summary as CSV (for Swedish Excel) and XLSX,
for all years or one, for finance staff and admins only.

Money is booked through the real operations (a grant by the decision, a payment, a release, a
reservation change); the files are read back with the csv module and openpyxl, as a finance
system would read them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from grants.completeness import STOCKHOLM, today
from grants.db import session
from grants.models import Application, User
from grants.operations import finance as fin
from tests.web.conftest import page
from tests.web.test_query_counts import counting_queries
from workflows import State

YEAR = today().year
GRANT = 100_000
"""What the test factory's applications are granted, all from this year's pot."""
PAID, RELEASED = 20_000, 10_000
LEDGER_HEADERS = ["Datum", "Budgetår", "Typ", "Belopp", "Ärende", "Organisation",
                  "Betalningsdag", "Betalningstyp", "Underlag", "Anteckning", "Registrerad av"]
PILOT_HEADERS = ["Ärende", "Titel", "Organisation", "Status", "Beviljat", "Återfört", "Utbetalt",
                 "Kvar att betala", "Återkrävt", "Återbetalt"]
URLS = ["/ekonomi/export/huvudbok.csv", "/ekonomi/export/huvudbok.xlsx",
        "/ekonomi/export/piloter.csv", "/ekonomi/export/piloter.xlsx"]


def pay(application: Application, finance: User, amount: int = PAID, *,
        paid_on: date | None = None, basis: str = "Rekvisition 1") -> None:
    fin.record_payment(application, actor=finance, payment=fin.PaymentInput(
        amount=amount, payment_date=paid_on or date(YEAR, 3, 4), kind="costs", reference=basis))


@pytest.fixture
def finance(make_user: Callable[..., User]) -> User:
    return make_user("finance")


@pytest.fixture
def booked(make_application: Callable[..., Application], finance: User) -> Application:
    """A pilot granted 100 000 kr, paid 20 000 kr and released 10 000 kr; this year's reservation
    lowered by 50 000 kr (after its opening entry)."""
    application = make_application(State.GRANTED, title="Fritidsbanken på hjul")
    pay(application, finance)
    fin.release_money(application, actor=finance, year=YEAR, amount=RELEASED,
                      reason="Projektet blev billigare.")
    fin.change_reservation(actor=finance, year=YEAR, reserved=950_000,
                           reason="Regionstyrelsens budgetbeslut.")
    session.commit()
    return application


def read_csv(response: Any) -> list[list[str]]:
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark for Excel"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def read_xlsx(response: Any) -> Any:
    return load_workbook(io.BytesIO(response.get_data())).active


def by_header(rows: list[list[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def attachment_name(response: Any) -> str:
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    return disposition.split("filename=", 1)[1].strip('"')


# The ledger -------------------------------------------------------------------------------------


def test_ledger_csv_has_a_bom_semicolons_swedish_headers_and_amounts_as_plain_integers(
    signed_in, finance, booked
) -> None:
    response = signed_in(finance).get("/ekonomi/export/huvudbok.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert attachment_name(response) == "pilotfonden-huvudbok.csv"
    assert response.headers["Cache-Control"] == "private, no-store"
    rows = read_csv(response)
    assert rows[0] == LEDGER_HEADERS
    entries = by_header(rows)
    assert [(e["Typ"], e["Belopp"]) for e in entries] == [
        ("Beviljat", "100000"),
        ("Utbetalning (mot redovisade kostnader)", "20000"),
        ("Återfört till året", "10000"),
        ("Ändrad avsättning", "1000000"),  # the opening entry of a pot set up before the ledger
        ("Ändrad avsättning", "-50000"),   # signed: the reservation went down
    ]
    local_today = datetime.now(STOCKHOLM).date().isoformat()
    grant, payment, release, _, lowered = entries
    assert grant["Datum"] == local_today and grant["Budgetår"] == str(YEAR)
    assert grant["Ärende"] == booked.reference
    assert grant["Organisation"] == booked.organisation.name
    assert payment["Betalningsdag"] == f"{YEAR}-03-04"
    assert payment["Betalningstyp"] == "Mot redovisade kostnader"
    assert payment["Underlag"] == "Rekvisition 1"
    assert payment["Registrerad av"] == finance.name
    assert release["Anteckning"] == "Projektet blev billigare."
    assert (lowered["Ärende"], lowered["Organisation"], lowered["Betalningsdag"]) == ("", "", "")
    assert lowered["Anteckning"] == "Regionstyrelsens budgetbeslut."


def test_ledger_export_for_one_year_has_only_that_years_entries(
    signed_in, finance, booked
) -> None:
    fin.change_reservation(actor=finance, year=YEAR + 1, reserved=700_000, reason="Budget.")
    session.commit()
    client = signed_in(finance)

    this_year = client.get(f"/ekonomi/export/huvudbok.csv?ar={YEAR}")
    next_year = client.get(f"/ekonomi/export/huvudbok.csv?ar={YEAR + 1}")
    everything = client.get("/ekonomi/export/huvudbok.csv")

    assert attachment_name(this_year) == f"pilotfonden-huvudbok-{YEAR}.csv"
    assert {e["Budgetår"] for e in by_header(read_csv(this_year))} == {str(YEAR)}
    assert len(by_header(read_csv(this_year))) == 5
    assert [(e["Budgetår"], e["Belopp"]) for e in by_header(read_csv(next_year))] == [
        (str(YEAR + 1), "1000000"), (str(YEAR + 1), "-300000")]
    assert len(by_header(read_csv(everything))) == 7


def test_ledger_xlsx_has_numbers_dates_and_a_bold_frozen_header(
    signed_in, finance, booked
) -> None:
    response = signed_in(finance).get(f"/ekonomi/export/huvudbok.xlsx?ar={YEAR}")

    assert response.status_code == 200
    assert response.mimetype == ("application/vnd.openxmlformats-officedocument."
                                 "spreadsheetml.sheet")
    assert attachment_name(response) == f"pilotfonden-huvudbok-{YEAR}.xlsx"
    sheet = read_xlsx(response)
    header = [cell.value for cell in sheet[1]]
    assert header == LEDGER_HEADERS
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["D"].width >= len("1,000,000 kr")
    payment = {h: cell for h, cell in zip(header, sheet[3], strict=True)}
    amounts = [row[3].value for row in sheet.iter_rows(min_row=2)]
    assert amounts == [100_000, 20_000, 10_000, 1_000_000, -50_000]
    assert all(type(a) is int for a in amounts)
    assert "#,##0" in payment["Belopp"].number_format
    assert type(payment["Budgetår"].value) is int
    assert payment["Betalningsdag"].is_date
    assert payment["Betalningsdag"].value.date() == date(YEAR, 3, 4)
    assert payment["Datum"].value.date() == datetime.now(STOCKHOLM).date()
    assert payment["Registrerad av"].value == finance.name


# The pilots -------------------------------------------------------------------------------------


def test_pilot_summary_has_one_row_per_pilot_with_its_money_and_grants_per_year(
    signed_in, finance, booked, make_application
) -> None:
    other = make_application(State.GRANTED, title="Läxhjälp i Hallsberg")
    fin.commit_from_pot(other, year=YEAR + 1, amount=40_000, actor=finance)
    make_application(State.SUBMITTED)  # no money: not a pilot in the summary
    session.commit()

    rows = read_csv(signed_in(finance).get("/ekonomi/export/piloter.csv"))

    assert rows[0] == [*PILOT_HEADERS, f"Beviljat {YEAR}", f"Beviljat {YEAR + 1}"]
    pilots = {p["Ärende"]: p for p in by_header(rows)}
    assert set(pilots) == {booked.reference, other.reference}
    assert pilots[booked.reference] == {
        "Ärende": booked.reference, "Titel": "Fritidsbanken på hjul",
        "Organisation": booked.organisation.name, "Status": State.GRANTED.label,
        "Beviljat": "100000", "Återfört": "10000", "Utbetalt": "20000",
        "Kvar att betala": "70000", "Återkrävt": "0", "Återbetalt": "0",
        f"Beviljat {YEAR}": "100000", f"Beviljat {YEAR + 1}": "0",
    }
    assert (pilots[other.reference]["Beviljat"], pilots[other.reference][f"Beviljat {YEAR + 1}"],
            pilots[other.reference]["Kvar att betala"]) == ("140000", "40000", "140000")


def test_pilot_summary_for_one_year_has_the_pilots_with_money_that_year_and_that_years_amounts(
    signed_in, finance, booked, make_application
) -> None:
    other = make_application(State.GRANTED)
    fin.commit_from_pot(other, year=YEAR + 1, amount=40_000, actor=finance)
    session.commit()
    client = signed_in(finance)

    next_year = read_csv(client.get(f"/ekonomi/export/piloter.csv?ar={YEAR + 1}"))
    this_year = read_csv(client.get(f"/ekonomi/export/piloter.csv?ar={YEAR}"))

    assert next_year[0] == [*PILOT_HEADERS, f"Beviljat {YEAR + 1}"]
    assert [(p["Ärende"], p["Beviljat"], p["Kvar att betala"]) for p in by_header(next_year)] == [
        (other.reference, "40000", "40000")]
    assert {p["Ärende"]: p["Beviljat"] for p in by_header(this_year)} == {
        booked.reference: "100000", other.reference: "100000"}


def test_pilot_summary_xlsx_has_int_amounts_and_a_bold_header(
    signed_in, finance, booked
) -> None:
    response = signed_in(finance).get("/ekonomi/export/piloter.xlsx")

    assert attachment_name(response) == "pilotfonden-piloter.xlsx"
    sheet = read_xlsx(response)
    assert [c.value for c in sheet[1]] == [*PILOT_HEADERS, f"Beviljat {YEAR}"]
    assert all(cell.font.b for cell in sheet[1]) and sheet.freeze_panes == "A2"
    values = [c.value for c in sheet[2]]
    assert values[:4] == [booked.reference, "Fritidsbanken på hjul", booked.organisation.name,
                          State.GRANTED.label]
    assert values[4:] == [100_000, 10_000, 20_000, 70_000, 0, 0, 100_000]
    assert all(type(v) is int for v in values[4:])


def test_text_that_looks_like_a_formula_is_exported_as_text(
    signed_in, finance, make_application
) -> None:
    title = '=HYPERLINK("http://example.com","Klicka")'
    make_application(State.GRANTED, title=title)
    client = signed_in(finance)

    csv_title = by_header(read_csv(client.get("/ekonomi/export/piloter.csv")))[0]["Titel"]
    cell = read_xlsx(client.get("/ekonomi/export/piloter.xlsx"))["B2"]

    assert csv_title == "'" + title
    assert (cell.value, cell.data_type) == (title, "s")


# Bad input and access ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["abc", "20255", "1999", str(YEAR + 5), "２０２５"])
@pytest.mark.parametrize("url", URLS)
def test_an_unknown_or_malformed_year_is_a_400_with_a_swedish_message(
    signed_in, finance, url: str, value: str
) -> None:
    response = signed_in(finance).get(url, query_string={"ar": value})

    assert response.status_code == 400
    text = page(response).text
    assert "Felaktig begäran" in text
    assert ("Det finns ingen pott för" in text) if value.isascii() and len(value) == 4 else (
        "är inget budgetår" in text)


@pytest.mark.parametrize("url", ["/ekonomi/export/huvudbok.pdf", "/ekonomi/export/piloter.json",
                                 "/ekonomi/export/huvudbok.CSV"])
def test_an_unknown_format_is_404(signed_in, finance, url: str) -> None:
    assert signed_in(finance).get(url).status_code == 404


@pytest.mark.parametrize("url", URLS)
def test_anonymous_visitors_are_sent_to_the_login_page(client: FlaskClient, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/logga-in")


@pytest.mark.parametrize("role", ["applicant", "officer", "decider", "reviewer"])
@pytest.mark.parametrize("url", URLS)
def test_only_finance_staff_and_admins_may_export(
    signed_in, make_user, url: str, role: str
) -> None:
    assert signed_in(make_user(role)).get(url).status_code == 403
    assert signed_in(make_user("admin")).get(url).status_code == 200
    assert signed_in(make_user("finance")).get(url).status_code == 200


# Query counts -----------------------------------------------------------------------------------


def test_exports_issue_as_many_queries_for_20_ledger_entries_as_for_2(
    app: Flask, signed_in, make_user, make_application, finance
) -> None:
    pilots = [make_application(State.GRANTED) for _ in range(2)]
    client = signed_in(finance)
    urls = ["/ekonomi/export/huvudbok.csv", f"/ekonomi/export/huvudbok.xlsx?ar={YEAR}",
            "/ekonomi/export/piloter.csv", f"/ekonomi/export/piloter.xlsx?ar={YEAR}"]
    for url in urls:
        client.get(url)  # warm-up

    few = {}
    for url in urls:
        with counting_queries(app) as statements:
            assert client.get(url).status_code == 200
        few[url] = list(statements)
    pilots += [make_application(State.GRANTED) for _ in range(2)]
    cashiers = [finance, make_user("finance")]
    for n in range(16):  # each by one of two people, to one of four pilots
        pay(pilots[n % 4], cashiers[n % 2], 1_000, basis=f"Rekvisition {n}")
    session.commit()
    many = {}
    for url in urls:
        with counting_queries(app) as statements:
            response = client.get(url)
        many[url] = list(statements)
        if url.startswith("/ekonomi/export/huvudbok.csv"):
            assert len(read_csv(response)) == 1 + 20
        if url.startswith("/ekonomi/export/piloter.csv"):
            assert len(read_csv(response)) == 1 + 4

    for url in urls:
        assert len(many[url]) == len(few[url]), "\n".join(
            [url, "2 entries:", *few[url], "", "20 entries:", *many[url]])

"""Finance staff's pages driven through HTTP like a browser: the dashboard (figures per year from
the ledger, the chart, the forecast, the pilots), a budget year (its ledger, the reserved amount,
the year-end close, carry-over) and a pilot (payments, releases, repayments).

Every form goes through the real operation. Input that cannot be read answers 422 with the
message at the field and the typed value kept; a money rule that refuses answers 409 with the
figures; either way nothing is booked. Forms that book money carry a one-time key: the same form
sent twice books one movement.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from grants.completeness import today
from grants.db import session
from grants.models import (
    Application,
    Decision,
    LedgerEntry,
    LedgerKind,
    PilotAccount,
    Pot,
    User,
)
from grants.money import format_kronor
from grants.operations import amendments
from grants.operations import finance as fin
from tests.conftest import csrf_token
from tests.web.conftest import Element, error_summary, field_error, page
from tests.web.test_decision_pages import decide
from tests.web.test_query_counts import counting_queries, same_count_message
from workflows import State

GRANT = 100_000
"""What the test factory's granted pilots get (this year's pot)."""
POT = 1_000_000
"""What the test app reserves for this year and the next."""
REASON = "Beslut i regionstyrelsen om budgeten."


# Helpers ----------------------------------------------------------------------------------------


def kr(amount: int) -> str:
    """An amount as the page's text reads it (the reader makes no-break spaces plain ones)."""
    return format_kronor(amount).replace("\u00a0", " ")


def this_year() -> int:
    return today().year


def year_url(year: int | None = None) -> str:
    return f"/ekonomi/ar/{year or this_year()}"


def pilot_url(application: Application) -> str:
    return f"/ekonomi/piloter/{application.id}"


def form_values(form: Element) -> dict[str, str]:
    """What a browser sends for ``form`` as shown: inputs, textareas, checked radios and each
    select's selected option (or its first)."""
    values: dict[str, str] = {}
    for element in form.iter():
        name = element.attrs.get("name")
        if not name:
            continue
        kind = element.attrs.get("type", "text")
        if element.tag == "input" and kind not in ("radio", "checkbox", "submit", "button"):
            values[name] = element.value
        elif element.tag == "input" and kind == "radio" and "checked" in element.attrs:
            values[name] = element.value
        elif element.tag == "textarea":
            values[name] = element.value
        elif element.tag == "select":
            options = element.find_all("option")
            chosen = [o for o in options if "selected" in o.attrs] or options[:1]
            if chosen:
                values[name] = chosen[0].attrs.get("value", chosen[0].text)
    return values


def fill(client: FlaskClient, page_url: str, action: str, **changes: Any) -> dict[str, str]:
    """The form posting to ``action`` on ``page_url`` as shown, with ``changes`` (field names
    without the form's prefix; ``None`` leaves a field out)."""
    response = client.get(page_url)
    assert response.status_code == 200, response.get_data(as_text=True)
    form = page(response).one("form", method="post", action=action)
    data = form_values(form)
    prefix = next(n for n in data if n.endswith("csrf_token")).removesuffix("csrf_token")
    for name, value in changes.items():
        if value is None:
            data.pop(prefix + name, None)
        else:
            data[prefix + name] = str(value)
    return data


def submit(client: FlaskClient, page_url: str, action: str, **changes: Any) -> Any:
    return client.post(action, data=fill(client, page_url, action, **changes))


def pay(client: FlaskClient, application: Application, amount: int | str, **changes: Any) -> Any:
    return submit(client, pilot_url(application), f"{pilot_url(application)}/utbetalning",
                  **{"amount": amount, "kind": "costs", "reference": "Rekvisition 1",
                     **changes})


def ledger_count(kind: LedgerKind | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(LedgerEntry)
    if kind is not None:
        query = query.where(LedgerEntry.kind == kind.value)
    return session.scalar(query) or 0


def pot(year: int | None = None) -> Pot:
    found = session.get(Pot, year or this_year(), populate_existing=True)
    assert found is not None
    return found


def account(application: Application) -> PilotAccount:
    found = session.get(PilotAccount, application.id, populate_existing=True)
    assert found is not None
    return found


def table(doc: Element, caption_start: str) -> Element:
    found = [t for t in doc.find_all("table")
             if (c := t.find("caption")) is not None and c.text.startswith(caption_start)]
    assert len(found) == 1, f"expected one table captioned «{caption_start}…»"
    return found[0]


def cells(row: Element) -> list[str]:
    return [c.text for c in row.children if isinstance(c, Element) and c.tag in ("th", "td")]


def body_rows(doc: Element, caption_start: str) -> list[list[str]]:
    return [cells(tr) for tr in table(doc, caption_start).one("tbody").find_all("tr")]


def year_row(doc: Element, year: int) -> list[str]:
    """The dashboard's row for ``year``: year, reserved, committed, paid, released, remaining."""
    rows = [r for r in body_rows(doc, "Avsatt, beviljat") if r[0].startswith(str(year))]
    assert len(rows) == 1
    return rows[0]


@pytest.fixture
def finance_user(make_user: Callable[..., User]) -> User:
    return make_user("finance")


@pytest.fixture
def finance_client(signed_in: Callable[[User], FlaskClient], finance_user: User) -> FlaskClient:
    return signed_in(finance_user)


@pytest.fixture
def granted(make_application: Callable[..., Application]) -> Application:
    return make_application(State.GRANTED)


# The dashboard ----------------------------------------------------------------------------------


def test_dashboard_answers_how_much_is_left_and_paid_per_year_and_links_each_year(
    finance_client, granted
) -> None:
    assert pay(finance_client, granted, 30_000).status_code == 302

    doc = page(finance_client.get("/ekonomi/"))

    year = this_year()
    assert year_row(doc, year)[1:] == [kr(POT), kr(GRANT), kr(30_000), kr(0), kr(POT - GRANT),
                                       "Öppet"]
    assert year_row(doc, year + 1)[1:] == [kr(POT), kr(0), kr(0), kr(0), kr(POT), "Öppet"]
    link = table(doc, "Avsatt, beviljat").one("tbody").find_all("a")[0]
    assert link.attrs["href"] == f"/ekonomi/ar/{year}"
    headers = [c.text for c in table(doc, "Avsatt, beviljat").one("thead").find_all("th")]
    assert headers == ["Budgetår", "Avsatt", "Beviljat", "Utbetalt", "Återfört",
                       "Kvar att bevilja", "Året"]
    assert all(th.attrs.get("scope") == "col"
               for th in table(doc, "Avsatt, beviljat").one("thead").find_all("th"))


def test_dashboard_chart_is_an_svg_image_described_by_its_figures_without_style_or_script(
    finance_client, granted
) -> None:
    pay(finance_client, granted, 20_000)

    response = finance_client.get("/ekonomi/")

    html = response.get_data(as_text=True)
    doc = page(response)
    svg = doc.one("svg")
    assert svg.attrs["role"] == "img"
    title_id, desc_id = svg.attrs["aria-labelledby"].split()
    assert doc.one(id=title_id).tag == "title" and doc.one(id=desc_id).tag == "desc"
    year = this_year()
    assert (f"{year}: avsatt {kr(POT)}, beviljat {kr(GRANT)}, utbetalt {kr(20_000)}, kvar att "
            f"bevilja {kr(POT - GRANT)}.") in doc.one(id=desc_id).text
    bars = svg.find_all("rect")
    assert len(bars) == 6  # three per year, two years
    widths = [float(b.attrs["width"]) for b in bars[:3]]
    assert widths[0] > widths[1] > widths[2] > 0  # reserved > granted > paid
    assert " style=" not in html and "<style" not in html
    assert all("src" in s.attrs for s in doc.find_all("script"))


def test_dashboard_forecast_puts_unpaid_money_in_the_quarter_the_project_ends(
    finance_client, make_application, granted
) -> None:
    ended = make_application(State.GRANTED)
    decision = session.scalars(sa.select(Decision).where(
        Decision.application_id == ended.id)).one()
    decision.project_end = today() - timedelta(days=1)
    session.commit()
    pay(finance_client, granted, 30_000)

    doc = page(finance_client.get("/ekonomi/"))

    end = granted.current_decision.project_end
    label = f"{end.year} kvartal {(end.month - 1) // 3 + 1}"
    rows = body_rows(doc, "Ej utbetalt stöd per kvartal")
    assert rows[0] == ["Projektet har redan slutat", "1", kr(GRANT)]
    assert [r for r in rows if r[0].startswith(label)][0][1:] == ["1", kr(GRANT - 30_000)]
    assert "slutar enligt beslutet" in doc.text


def test_dashboard_forecast_follows_the_amendment_in_force_and_counts_each_pilot_once(
    finance_client, granted, make_user
) -> None:
    staff_decider = make_user("decider")
    owner = session.get(User, granted.created_by_id)
    new_end = date(granted.current_decision.project_end.year + 1, 11, 30)
    request = amendments.request_change(granted, actor=owner, change=amendments.ChangeInput(
        reason="Vi behöver ett år till.", new_project_end=new_end))
    amendments.decide_change(request, actor=staff_decider, approve=True,
                             terms=amendments.DeciderTerms(
                                 decision_date=today(), minutes_posted=today(),
                                 reasons="Skälen är goda.", jav_confirmed=True))
    session.commit()

    rows = body_rows(page(finance_client.get("/ekonomi/")), "Ej utbetalt stöd per kvartal")

    counted = [r for r in rows if r[1] != "0"]
    assert counted == [[f"{new_end.year} kvartal 4 (okt–dec)", "1", kr(GRANT)]], rows


def test_dashboard_forecast_keeps_a_pilot_whose_amendment_was_refused(
    finance_client, granted, make_user
) -> None:
    """A refused amendment is a decision too, but the grant's terms stay in force."""
    end = granted.current_decision.project_end
    owner = session.get(User, granted.created_by_id)
    request = amendments.request_change(granted, actor=owner, change=amendments.ChangeInput(
        reason="Vi behöver ett år till.", new_project_end=end + timedelta(days=365)))
    amendments.decide_change(request, actor=make_user("decider"), approve=False,
                             terms=amendments.DeciderTerms(
                                 decision_date=today(), minutes_posted=today(),
                                 reasons="Förlängningen ryms inte i projektet.",
                                 jav_confirmed=True))
    session.commit()

    rows = body_rows(page(finance_client.get("/ekonomi/")), "Ej utbetalt stöd per kvartal")

    label = f"{end.year} kvartal {(end.month - 1) // 3 + 1}"
    assert [r for r in rows if r[1] != "0"] == [
        [r[0] for r in rows if r[0].startswith(label)] + ["1", kr(GRANT)]], rows


def test_dashboard_lists_the_pilots_with_granted_paid_and_unpaid_linking_to_each(
    finance_client, granted
) -> None:
    pay(finance_client, granted, 40_000)

    doc = page(finance_client.get("/ekonomi/"))

    assert body_rows(doc, "Piloter med beviljat stöd") == [[
        granted.reference, granted.title, granted.organisation.name, kr(GRANT), kr(40_000),
        kr(GRANT - 40_000), "Beviljad",
    ]]
    link = table(doc, "Piloter med beviljat stöd").one("a")
    assert link.attrs["href"] == pilot_url(granted)


def test_dashboard_links_to_the_ledger_and_pilot_exports_in_csv_and_xlsx(finance_client) -> None:
    doc = page(finance_client.get("/ekonomi/"))

    hrefs = {a.attrs["href"] for a in doc.find_all("a")}
    assert {"/ekonomi/export/huvudbok.csv", "/ekonomi/export/huvudbok.xlsx",
            "/ekonomi/export/piloter.csv", "/ekonomi/export/piloter.xlsx"} <= hrefs
    year_doc = page(finance_client.get(year_url()))
    assert f"/ekonomi/export/huvudbok.csv?ar={this_year()}" in {
        a.attrs["href"] for a in year_doc.find_all("a")}


def test_dashboard_issues_as_many_queries_for_10_granted_pilots_as_for_2(
    app, finance_client, finance_user, make_application
) -> None:
    pot().reserved = 5_000_000  # room for twelve pilots
    session.commit()

    def granted_and_paid() -> None:
        application = make_application(State.GRANTED)
        fin.record_payment(application, actor=finance_user, payment=fin.PaymentInput(
            amount=10_000, payment_date=today(), kind="costs", reference="R1"))
        session.commit()

    for _ in range(2):
        granted_and_paid()
    finance_client.get("/ekonomi/")  # warm-up: first-request work is not what is measured
    with counting_queries(app) as few:
        few_page = finance_client.get("/ekonomi/")
    for _ in range(10):
        granted_and_paid()
    with counting_queries(app) as many:
        many_page = finance_client.get("/ekonomi/")

    assert len(body_rows(page(few_page), "Piloter med beviljat stöd")) == 2
    assert len(body_rows(page(many_page), "Piloter med beviljat stöd")) == 12
    assert year_row(page(many_page), this_year())[3] == kr(120_000)
    assert len(many) == len(few), same_count_message(few, many)


def test_admin_sees_the_dashboard_and_both_finance_and_admin_get_the_nav_link(
    make_user, signed_in
) -> None:
    for role in ("finance", "admin"):
        response = signed_in(make_user(role)).get("/ekonomi/")
        assert response.status_code == 200
        nav = page(response).one("nav", attrs={"aria-label": "Huvudmeny"})
        assert any(a.text == "Ekonomi" and a.attrs["href"] == "/ekonomi/"
                   for a in nav.find_all("a"))
    officer_page = page(signed_in(make_user("officer")).get("/handlaggning/"))
    assert "Ekonomi" not in officer_page.one("nav", attrs={"aria-label": "Huvudmeny"}).text


# Access -----------------------------------------------------------------------------------------


def finance_urls(application: Application) -> list[tuple[str, str]]:
    year, pilot = year_url(), pilot_url(application)
    return [("GET", "/ekonomi/"), ("GET", year), ("GET", pilot),
            ("POST", f"{year}/avsattning"), ("POST", f"{year}/stang"), ("POST", f"{year}/overfor"),
            ("POST", f"{pilot}/utbetalning"), ("POST", f"{pilot}/aterfor"),
            ("POST", f"{pilot}/aterkrav"), ("POST", f"{pilot}/aterbetalning")]


@pytest.mark.parametrize("role", ["officer", "decider", "applicant", "reviewer"])
def test_other_roles_get_403_on_every_finance_page_and_change_nothing(
    make_user, signed_in, granted, role: str
) -> None:
    client = signed_in(make_user(role))
    token = csrf_token(client, "/")
    before = ledger_count()

    for method, url in finance_urls(granted):
        response = (client.get(url) if method == "GET" else client.post(url, data={
            "csrf_token": token, "payment-csrf_token": token, "payment-amount": "1000"}))
        assert response.status_code == 403, (method, url)

    assert ledger_count() == before


def test_anonymous_visitors_are_sent_to_the_login_page_from_every_finance_page(
    client, granted
) -> None:
    token = csrf_token(client, "/logga-in")

    for method, url in finance_urls(granted):
        response = client.get(url) if method == "GET" else client.post(
            url, data={"csrf_token": token})
        assert response.status_code == 302, (method, url)
        assert urlsplit(response.headers["Location"]).path == "/logga-in"


# A budget year ----------------------------------------------------------------------------------


def test_an_unknown_year_is_404(finance_client) -> None:
    assert finance_client.get("/ekonomi/ar/1999").status_code == 404
    token = csrf_token(finance_client, "/ekonomi/")
    response = finance_client.post("/ekonomi/ar/1999/avsattning", data={
        "reservation-csrf_token": token, "reservation-reserved": "5", "reservation-reason": "x"})
    assert response.status_code == 404


def test_the_years_ledger_is_newest_first_50_a_page(finance_client, finance_user) -> None:
    for n in range(1, 56):
        fin.change_reservation(actor=finance_user, year=this_year(), reserved=POT + n * 1000,
                               reason=f"Ändring {n}")
    session.commit()  # 56 entries: the opening reservation and 55 changes

    first = page(finance_client.get(year_url()))
    second = page(finance_client.get(year_url() + "?sida=2"))

    first_rows = body_rows(first, "Händelser för")
    assert len(first_rows) == 50 and len(body_rows(second, "Händelser för")) == 6
    assert first_rows[0][3] == kr(1000) and first_rows[0][6] == "Ändring 55"
    assert body_rows(second, "Händelser för")[-1][6] == "Ingående avsättning"
    assert first.one("a", rel="next").attrs["href"] == f"{year_url()}?sida=2#huvudbok"
    assert finance_client.get(year_url() + "?sida=tva").status_code == 400


def test_changing_the_reservation_books_it_with_the_reason_and_shows_the_new_amount(
    finance_client
) -> None:
    response = submit(finance_client, year_url(), f"{year_url()}/avsattning",
                      reserved="1 200 000", reason=REASON)

    assert response.status_code == 302
    assert pot().reserved == 1_200_000
    notes = session.scalars(sa.select(LedgerEntry.note).where(
        LedgerEntry.kind == LedgerKind.RESERVATION.value).order_by(LedgerEntry.id)).all()
    assert notes == ["Ingående avsättning", REASON]
    doc = page(finance_client.get(response.headers["Location"]))
    assert f"Avsättningen för {this_year()} är nu {kr(1_200_000)}." in doc.text
    assert fin.verify_ledger() == []


def test_lowering_the_reservation_below_what_is_granted_is_refused_409_with_the_figures(
    finance_client, granted
) -> None:
    before = ledger_count()

    response = submit(finance_client, year_url(), f"{year_url()}/avsattning",
                      reserved="50 000", reason=REASON)

    assert response.status_code == 409
    doc = page(response)
    assert (f"Avsättningen för {this_year()} kan inte bli {kr(50_000)}: {kr(GRANT)} är redan "
            "beviljat och inte återfört.") in error_summary(doc)
    assert doc.one("input", name="reservation-reserved").value == "50 000"
    assert doc.one("textarea", name="reservation-reason").value == REASON
    assert pot().reserved == POT and ledger_count() == before


BAD_AMOUNTS = [
    ("-100", "Beloppet kan inte vara negativt."),
    ("12,50", "Ange beloppet i hela kronor, utan ören (till exempel 25 000)."),
    ("tolv", "Beloppet får bara innehålla siffror, till exempel 25 000."),
]


@pytest.mark.parametrize(("typed", "message"), BAD_AMOUNTS)
def test_a_reservation_that_is_not_whole_kronor_is_422_at_the_field_with_the_value_kept(
    finance_client, typed: str, message: str
) -> None:
    response = submit(finance_client, year_url(), f"{year_url()}/avsattning",
                      reserved=typed, reason=REASON)

    assert response.status_code == 422
    doc = page(response)
    assert message in field_error(doc, "reservation-reserved")
    assert doc.one("div", id="error-summary").one("a").attrs["href"] == "#reservation-reserved"
    assert doc.one("input", name="reservation-reserved").value == typed
    assert pot().reserved == POT and ledger_count() == 0


def test_a_reservation_change_without_a_reason_is_422(finance_client) -> None:
    response = submit(finance_client, year_url(), f"{year_url()}/avsattning",
                      reserved="900 000", reason="  ")

    assert response.status_code == 422
    assert "Skriv varför avsättningen ändras." in field_error(page(response), "reservation-reason")
    assert pot().reserved == POT


@pytest.mark.parametrize(("form", "changes"), [
    ("avsattning", {"reserved": "900 000", "reason": REASON}),
    ("overfor", {"to_year": this_year() + 1, "amount": "1 000", "reason": REASON}),
])
def test_a_form_without_its_one_time_key_books_nothing_and_gets_a_fresh_key(
    finance_client, form: str, changes: dict[str, Any]
) -> None:
    response = submit(finance_client, year_url(), f"{year_url()}/{form}", key=None, **changes)

    assert response.status_code == 422
    doc = page(response)
    assert "engångskod" in error_summary(doc)
    assert (pot().reserved, pot(this_year() + 1).reserved) == (POT, POT)
    assert ledger_count() == 0
    prefix = {"avsattning": "reservation", "overfor": "carry"}[form]
    assert len(doc.one("input", name=f"{prefix}-key").value) == 32


def test_closing_the_year_shows_what_is_unused_and_then_a_grant_from_it_is_refused(
    finance_client, signed_in, staff, make_application, granted
) -> None:
    waiting = make_application(State.ASSESSED)
    form_page = page(finance_client.get(year_url()))
    assert f"Oanvänt om året stängs nu: {kr(POT - GRANT)}" in form_page.text

    response = submit(finance_client, year_url(), f"{year_url()}/stang", reason="Bokslut.")

    assert response.status_code == 302
    assert pot().closed and pot().close_note == "Bokslut."
    doc = page(finance_client.get(response.headers["Location"]))
    assert (f"Budgetåret {this_year()} är stängt: inga nya beviljanden. {kr(POT - GRANT)} är "
            "oanvänt") in doc.text
    assert doc.find("form", action=f"{year_url()}/stang") is None
    assert year_row(page(finance_client.get("/ekonomi/")), this_year())[-1] == "Stängt"

    refused = decide(signed_in(staff["decider"]), waiting, reasons="Väl förankrad.")

    assert refused.status_code == 409
    assert f"Budgetåret {this_year()} är stängt" in error_summary(page(refused))
    assert session.get(Application, waiting.id, populate_existing=True).state == State.ASSESSED
    assert pot().committed == GRANT


def test_closing_an_already_closed_year_is_refused_422(finance_client, finance_user) -> None:
    fin.close_year(actor=finance_user, year=this_year(), reason="Bokslut.")
    session.commit()
    token = csrf_token(finance_client, "/ekonomi/")

    response = finance_client.post(f"{year_url()}/stang", data={
        "close-csrf_token": token, "close-reason": "Igen."})

    assert response.status_code == 422
    assert f"Budgetåret {this_year()} är redan stängt." in error_summary(page(response))
    assert pot().close_note == "Bokslut."


def test_carrying_money_over_moves_it_once_even_when_the_form_is_sent_twice(
    finance_client, granted
) -> None:
    year = this_year()
    data = fill(finance_client, year_url(), f"{year_url()}/overfor",
                to_year=year + 1, amount="300 000", reason=REASON)

    first = finance_client.post(f"{year_url()}/overfor", data=data)
    again = finance_client.post(f"{year_url()}/overfor", data=data)

    assert first.status_code == again.status_code == 302
    assert (pot(year).reserved, pot(year + 1).reserved) == (POT - 300_000, POT + 300_000)
    # Per year: its opening reservation and the change.
    assert ledger_count(LedgerKind.RESERVATION) == 4
    assert fin.verify_ledger() == []
    assert "formuläret skickades två gånger" in page(
        finance_client.get(again.headers["Location"])).text


def test_carrying_over_more_than_is_unused_is_refused_409_with_the_figures(
    finance_client, granted
) -> None:
    year = this_year()

    response = submit(finance_client, year_url(), f"{year_url()}/overfor",
                      to_year=year + 1, amount="950 000", reason=REASON)

    assert response.status_code == 409
    doc = page(response)
    assert (f"{year} har bara {kr(POT - GRANT)} oanvänt; {kr(950_000)} kan inte föras över."
            in error_summary(doc))
    assert doc.one("input", name="carry-amount").value == "950 000"
    assert (pot(year).reserved, pot(year + 1).reserved) == (POT, POT)


def test_carrying_over_to_a_year_not_in_the_list_is_422(finance_client) -> None:
    response = submit(finance_client, year_url(), f"{year_url()}/overfor",
                      to_year=1999, amount="1 000", reason=REASON)

    assert response.status_code == 422
    assert "Välj ett av alternativen i listan." in field_error(page(response), "carry-to_year")
    assert ledger_count() == 0


# A pilot ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [State.SUBMITTED, State.REJECTED, State.WITHDRAWN])
def test_a_case_never_granted_has_no_pilot_page_and_a_payment_posted_to_it_changes_nothing(
    finance_client, make_application, state: State
) -> None:
    application = make_application(state)
    token = csrf_token(finance_client, "/ekonomi/")
    before = ledger_count()

    assert finance_client.get(pilot_url(application)).status_code == 404
    response = finance_client.post(f"{pilot_url(application)}/utbetalning", data={
        "payment-csrf_token": token, "payment-key": "a" * 32, "payment-amount": "10 000",
        "payment-payment_date": today().isoformat(), "payment-kind": "costs",
        "payment-reference": "Rekvisition 1"})

    assert response.status_code == 404
    assert ledger_count() == before
    assert session.get(PilotAccount, application.id) is None
    assert finance_client.get("/ekonomi/piloter/99999").status_code == 404


def test_the_pilot_page_shows_the_grant_per_year_and_payments_by_both_years(
    finance_client, granted
) -> None:
    next_january = date(this_year() + 1, 1, 15)
    assert pay(finance_client, granted, 20_000, payment_date=next_january.isoformat(),
               kind="advance").status_code == 302
    assert pay(finance_client, granted, 30_000).status_code == 302

    doc = page(finance_client.get(pilot_url(granted)))

    year = this_year()
    assert body_rows(doc, "Per budgetår") == [
        [str(year), kr(GRANT), kr(GRANT), kr(0), kr(50_000), kr(GRANT - 50_000)]]
    assert body_rows(doc, "Utbetalningar per år då pengarna betalades ut") == [
        [str(year), kr(30_000)], [str(year + 1), kr(20_000)]]
    assert f"Utbetalt{kr(50_000)}, varav förskott {kr(20_000)}" in doc.text
    ledger = body_rows(doc, "Händelser för")
    assert [r[1] for r in ledger] == ["Utbetalning (mot redovisade kostnader)",
                                      "Utbetalning (förskott)", "Beviljat"]
    assert ledger[1][4] == next_january.isoformat() and ledger[1][5] == "Rekvisition 1"
    # The year page shows the same payments by the year they left the region.
    year_doc = page(finance_client.get(year_url()))
    assert body_rows(year_doc, "Utbetalningar mot") == [
        [str(year), kr(30_000)], [str(year + 1), kr(20_000)]]


def test_the_payment_form_offers_today_and_the_oldest_year_with_money_left(
    finance_client, granted
) -> None:
    doc = page(finance_client.get(pilot_url(granted)))

    assert doc.one("input", name="payment-payment_date").value == today().isoformat()
    options = doc.one("select", name="payment-year").find_all("option")
    assert options[0].text == "Äldsta året med pengar kvar" and options[0].value == ""
    assert options[1].attrs["value"] == str(this_year())
    assert len(doc.one("input", name="payment-key").value) == 32
    assert [label.text for label in doc.one("fieldset", id="payment-kind").find_all("label")] == [
        "Förskott", "Mot redovisade kostnader"]


def test_the_same_payment_form_sent_twice_books_one_payment(finance_client, granted) -> None:
    data = fill(finance_client, pilot_url(granted), f"{pilot_url(granted)}/utbetalning",
                amount="25 000", kind="costs", reference="Rekvisition 7")

    first = finance_client.post(f"{pilot_url(granted)}/utbetalning", data=data)
    again = finance_client.post(f"{pilot_url(granted)}/utbetalning", data=data)

    assert first.status_code == again.status_code == 302
    assert ledger_count(LedgerKind.PAYMENT) == 1
    assert account(granted).paid == 25_000 and pot().paid == 25_000
    assert "Den är bokförd en gång." in page(
        finance_client.get(again.headers["Location"])).text


def test_the_same_payment_sent_at_the_same_moment_is_stopped_by_the_database(
    finance_client, granted, monkeypatch
) -> None:
    data = fill(finance_client, pilot_url(granted), f"{pilot_url(granted)}/utbetalning",
                amount="25 000", kind="costs", reference="Rekvisition 7")
    assert finance_client.post(f"{pilot_url(granted)}/utbetalning", data=data).status_code == 302
    # As if the first request had not committed when the second looked for its key: only the
    # unique key in the database can notice.
    monkeypatch.setattr(fin, "_existing", lambda key: None)

    response = finance_client.post(f"{pilot_url(granted)}/utbetalning", data=data)

    assert response.status_code == 409
    assert "Det här försöket bokförde ingenting" in error_summary(page(response))
    assert ledger_count(LedgerKind.PAYMENT) == 1 and account(granted).paid == 25_000


def test_a_payment_is_booked_and_the_page_says_so(finance_client, granted) -> None:
    response = pay(finance_client, granted, "25 000")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{pilot_url(granted)}#huvudbok")
    doc = page(finance_client.get(response.headers["Location"]))
    assert (f"Utbetalningen på {kr(25_000)} till {granted.reference} är registrerad mot "
            f"beviljandet för {this_year()}.") in doc.text
    entry = session.scalars(sa.select(LedgerEntry).where(
        LedgerEntry.kind == LedgerKind.PAYMENT.value)).one()
    assert (entry.amount, entry.payment_kind, entry.payment_date, entry.reference) == (
        25_000, "costs", today(), "Rekvisition 1")


@pytest.mark.parametrize(("typed", "message"), [*BAD_AMOUNTS,
                                                ("0", "Beloppet måste vara större än 0 kr.")])
def test_a_payment_that_is_not_whole_kronor_above_0_is_422_at_the_field_with_values_kept(
    finance_client, granted, typed: str, message: str
) -> None:
    response = pay(finance_client, granted, typed, reference="Rapport 3")

    assert response.status_code == 422
    doc = page(response)
    assert message in field_error(doc, "payment-amount")
    assert doc.one("input", name="payment-amount").value == typed
    assert doc.one("input", name="payment-reference").value == "Rapport 3"
    assert doc.one("input", name="payment-kind", value="costs").attrs.get("checked") is not None
    assert ledger_count(LedgerKind.PAYMENT) == 0


def test_a_payment_without_date_kind_or_reference_is_422_with_a_message_at_each(
    finance_client, granted
) -> None:
    response = pay(finance_client, granted, "10 000", payment_date="31/12", kind=None,
                   reference="")

    assert response.status_code == 422
    doc = page(response)
    assert "Ange datumet som ÅÅÅÅ-MM-DD" in field_error(doc, "payment-payment_date")
    assert "förskott eller mot redovisade kostnader" in field_error(doc, "payment-kind")
    assert "Ange vilket underlag" in field_error(doc, "payment-reference")
    assert doc.one("input", name="payment-payment_date").value == "31/12"
    assert ledger_count(LedgerKind.PAYMENT) == 0


def test_a_payment_over_the_grant_is_refused_409_with_the_figures(finance_client, granted) -> None:
    pay(finance_client, granted, 70_000)

    response = pay(finance_client, granted, "40 000")

    assert response.status_code == 409
    doc = page(response)
    assert (f"Utbetalningen {kr(40_000)} är mer än det som återstår av stödet: {kr(30_000)} "
            f"(beviljat {kr(GRANT)}, utbetalt {kr(70_000)}).") in error_summary(doc)
    assert doc.one("input", name="payment-amount").value == "40 000"
    assert account(granted).paid == 70_000 and ledger_count(LedgerKind.PAYMENT) == 1


def test_an_advance_over_half_the_grant_is_refused_409(finance_client, granted) -> None:
    response = pay(finance_client, granted, "60 000", kind="advance")

    assert response.status_code == 409
    assert (f"Förskott får vara högst hälften av stödet och aldrig mer än {kr(400_000)}: högst "
            f"{kr(GRANT // 2)} i förskott, {kr(0)} är redan utbetalt som förskott."
            ) in error_summary(page(response))
    assert ledger_count(LedgerKind.PAYMENT) == 0
    assert pay(finance_client, granted, "50 000", kind="advance").status_code == 302


def test_releasing_money_gives_it_back_to_its_year(finance_client, granted) -> None:
    pay(finance_client, granted, 40_000)

    response = submit(finance_client, pilot_url(granted), f"{pilot_url(granted)}/aterfor",
                      year=this_year(), amount="30 000", reason="Sänkt stöd.")

    assert response.status_code == 302
    assert account(granted).unpaid == GRANT - 40_000 - 30_000
    assert pot().remaining == POT - GRANT + 30_000
    doc = page(finance_client.get("/ekonomi/"))
    assert year_row(doc, this_year())[1:6] == [kr(POT), kr(GRANT - 30_000), kr(40_000),
                                               kr(30_000), kr(POT - GRANT + 30_000)]


def test_releasing_more_than_is_granted_and_unpaid_is_refused_409(finance_client, granted) -> None:
    pay(finance_client, granted, 80_000)

    response = submit(finance_client, pilot_url(granted), f"{pilot_url(granted)}/aterfor",
                      year=this_year(), amount="30 000", reason="Sänkt stöd.")

    assert response.status_code == 409
    assert (f"Det går inte att återföra {kr(30_000)}: {kr(80_000)} är redan utbetalt av "
            f"{kr(GRANT)}.") in error_summary(page(response))
    assert ledger_count(LedgerKind.RELEASE) == 0


def test_a_repayment_claim_and_the_repayment_received_are_booked_once(
    finance_client, granted
) -> None:
    pay(finance_client, granted, 40_000)
    claim = submit(finance_client, pilot_url(granted), f"{pilot_url(granted)}/aterkrav",
                   amount="10 000", reason="Kostnaderna redovisades inte.")
    assert claim.status_code == 302
    data = fill(finance_client, pilot_url(granted), f"{pilot_url(granted)}/aterbetalning",
                amount="10 000", reference="Inbetalning 55")

    first = finance_client.post(f"{pilot_url(granted)}/aterbetalning", data=data)
    again = finance_client.post(f"{pilot_url(granted)}/aterbetalning", data=data)

    assert first.status_code == again.status_code == 302
    assert (account(granted).claimed, account(granted).repaid) == (10_000, 10_000)
    assert ledger_count(LedgerKind.REPAYMENT) == 1
    over = submit(finance_client, pilot_url(granted), f"{pilot_url(granted)}/aterkrav",
                  amount="40 000", reason="Mer.")
    assert over.status_code == 409
    assert f"{kr(30_000)}" in error_summary(page(over))


# The figures and the ledger agree ----------------------------------------------------------------


def test_after_a_payment_a_release_and_a_reservation_change_the_page_shows_the_ledger_sums(
    finance_client, granted
) -> None:
    year = this_year()
    assert pay(finance_client, granted, 35_000).status_code == 302
    assert submit(finance_client, pilot_url(granted), f"{pilot_url(granted)}/aterfor",
                  year=year, amount="15 000", reason="Sänkt stöd.").status_code == 302
    assert submit(finance_client, year_url(), f"{year_url()}/avsattning",
                  reserved="800 000", reason=REASON).status_code == 302

    assert fin.verify_ledger() == []
    sums = fin.ledger_totals()[year]
    reserved, committed = sums[LedgerKind.RESERVATION], sums[LedgerKind.COMMITMENT]
    released, paid = sums[LedgerKind.RELEASE], sums[LedgerKind.PAYMENT]
    assert (reserved, committed, released, paid) == (800_000, GRANT, 15_000, 35_000)
    row = year_row(page(finance_client.get("/ekonomi/")), year)
    assert row[1:6] == [kr(reserved), kr(committed - released), kr(paid), kr(released),
                        kr(reserved - committed + released)]
    year_doc = page(finance_client.get(year_url()))
    assert f"Kvar att bevilja{kr(reserved - committed + released)}" in year_doc.text


# Markup -----------------------------------------------------------------------------------------


def test_each_finance_page_has_one_h1_headings_in_order_and_unique_ids(
    finance_client, granted
) -> None:
    pay(finance_client, granted, 60_000)
    submit(finance_client, pilot_url(granted), f"{pilot_url(granted)}/aterkrav",
           amount="5 000", reason="Kostnaderna redovisades inte.")
    refused = pay(finance_client, granted, "12,50")
    assert refused.status_code == 422

    for response in (finance_client.get("/ekonomi/"), finance_client.get(year_url()),
                     finance_client.get(pilot_url(granted)), refused):
        doc = page(response)
        ids = [e.attrs["id"] for e in doc.iter() if "id" in e.attrs]
        assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
        levels = [int(e.tag[1]) for e in doc.iter() if e.tag in ("h1", "h2", "h3", "h4")]
        assert levels.count(1) == 1 and levels[0] == 1
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels
        for control in doc.find_all("input") + doc.find_all("select") + doc.find_all("textarea"):
            if control.attrs.get("type") in ("hidden", "submit", "radio"):
                continue
            assert doc.find("label", attrs={"for": control.attrs["id"]}) is not None, control.attrs
        for th in doc.find_all("th"):
            assert th.attrs.get("scope") in ("col", "row")


def test_the_dashboard_shows_the_ledger_sums_and_warns_when_a_cached_total_differs(
    finance_client, granted
) -> None:
    pot().committed = GRANT + 5_000  # the cache drifts from the ledger (as if edited by hand)
    session.commit()

    doc = page(finance_client.get("/ekonomi/"))

    assert year_row(doc, this_year())[2] == kr(GRANT)
    assert f"Summorna stämmer inte för {this_year()}." in doc.one("div", class_="notice").text
    assert fin.verify_ledger() != []

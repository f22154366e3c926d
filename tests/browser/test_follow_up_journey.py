"""After the grant in real Chromium: a pilot owner writes the follow-up report (with a count
typed wrong first), the officer approves it and the case is followed up; the pilot owner reports
the scale-up, the officer approves that and the case is scaled into ordinary work. And another
pilot is closed by the officer, its unspent money going back to its year, which finance sees.

Each person has their own browser context and logs in through the login form. Fields are found
by their labels and groups, as a screen reader would find them, and filled the way a person
does: clicking into a field or tabbing to the next one and typing, ticking a box with the mouse,
choosing in a list by typing the start of an option. A screenshot of each step goes to
test-artifacts/browser/follow-up-NN-<step>.png and closing-NN-<step>.png.

The journeys change the seeded pilots (PILOT_TITLE and CLOSING_TITLE), so they run in a module
of their own (their own live server).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from grants.completeness import today
from tests.browser.conftest import CLOSING_PAID, CLOSING_TITLE, PILOT_TITLE, LiveServer
from tests.browser.test_applicant_journey import Steps, date_keystrokes, tab_and_type
from tests.browser.test_decision_journey import case_status, log_in

REFERENCE = re.compile(r"^PF-\d{4}-\d{4}$")
GRANTED = 100_000
"""What each seeded pilot is granted (grants.demo.fill_application asks for 100 000 kr)."""
PERIOD = re.compile(r"Projektperioden i beslutet är (\d{4}-\d\d-\d\d) – (\d{4}-\d\d-\d\d)")
NEGATIVE = "13–15 år, flickor: antalet kan inte vara negativt."
APPROVAL_NOTE = "Tack för en tydlig rapport. Resultaten är goda och lärdomarna värdefulla."


def kronor(text: str) -> int:
    """An amount as a page shows it (``60 000 kr``, any spaces) in whole kronor."""
    digits = re.sub(r"\D", "", text)
    assert digits, f"no amount in {text!r}"
    return int(digits)


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    """``new_page()``: a page in a browser context of its own (one per person)."""
    contexts = []

    def make() -> Page:
        context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


def post(page: Page, action: Callable[[], None]) -> int:
    """Do ``action`` (press a button) and return the status of the POST it sends."""
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        action()
    page.wait_for_load_state()
    return response.value.status


def type_into(field: Locator, text: str) -> None:
    """Click into ``field`` with the mouse and type ``text``."""
    field.click()
    expect(field).to_be_focused()
    field.page.keyboard.type(text)


def cells(table: Locator, row_header: str) -> Locator:
    """The data cells of the row of ``table`` whose header starts with ``row_header``."""
    return table.get_by_role("row").filter(has=table.page.get_by_role(
        "rowheader", name=re.compile("^" + re.escape(row_header)))).get_by_role("cell")


def open_reports_overview(page: Page) -> Locator:
    """The officer follows «Rapporter» in the main menu; returns the table of handed-in reports
    waiting for review."""
    page.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name="Rapporter", exact=True).click()
    page.wait_for_url(re.compile(r"/handlaggning/rapporter$"))
    expect(page.get_by_role("heading", name="Rapporter att följa upp", level=1)).to_be_visible()
    return page.get_by_role("table", name="Inlämnade rapporter som väntar på granskning")


def test_pilot_owner_reports_follow_up_and_scale_up_and_the_officer_approves_both(
    page: Page, new_page: Callable[[], Page], live_server: LiveServer
) -> None:
    steps = Steps("follow-up")

    # (a) The pilot owner finds «Rapporter och ändringar» of the granted pilot -------------------
    owner = page
    log_in(owner, live_server, live_server.emails["applicant"], "/mina-ansokningar/")
    row = owner.get_by_role("table", name="Organisationens ansökningar").get_by_role(
        "row").filter(has_text=PILOT_TITLE)
    expect(row).to_contain_text("Beviljad")
    row.get_by_role("link", name=REFERENCE).click()
    owner.wait_for_url(f"{live_server.url}/mina-ansokningar/{live_server.pilot_id}")
    owner.get_by_role("link", name="Rapporter och ändringar").click()
    reports_url = f"{live_server.url}/mina-ansokningar/{live_server.pilot_id}/rapporter"
    owner.wait_for_url(reports_url)
    expect(owner.get_by_role("heading", name="Rapporter och ändringar", level=1)).to_be_visible()
    slots = owner.get_by_role("table", name="Rapporter som beslutet begär och rapporter ni har "
                                            "skrivit")
    expect(slots.get_by_role("row").filter(has_text="Uppföljningsrapport")).to_contain_text(
        "Inte påbörjad")
    # The scale-up report waits for the approved follow-up, and says so.
    expect(owner.get_by_text("Rapporten om införande i ordinarie verksamhet kan lämnas först "
                             "när uppföljningsrapporten är godkänd.")).to_be_visible()
    steps.shot(owner, "owner-reports")

    # (b) Starting the follow-up report ---------------------------------------------------------
    owner.get_by_role("button", name="Påbörja uppföljningsrapport", exact=True).click()
    owner.wait_for_url(re.compile(rf"^{re.escape(reports_url)}/\d+$"))
    report_url = owner.url
    expect(owner.get_by_role("status")).to_contain_text("Uppföljningsrapport är påbörjad.")
    expect(owner.get_by_role("heading", name="Uppföljningsrapport", level=1)).to_be_visible()
    expect(owner.get_by_text("Skriv aldrig namn, personnummer eller andra uppgifter om enskilda "
                             "barn", exact=False)).to_be_visible()
    steps.shot(owner, "owner-report-empty")

    # (c) Every part, by mouse and keyboard; a count typed as -3 --------------------------------
    period = PERIOD.search(owner.get_by_role("region", name="Period").inner_text())
    assert period, "the report form shows the decision's project period"
    start, end = (date.fromisoformat(day) for day in period.groups())
    owner.get_by_label("Från och med").press_sequentially(date_keystrokes(owner.context, start))
    expect(owner.get_by_label("Från och med")).to_have_value(start.isoformat())
    owner.keyboard.press("Tab")  # the date field's calendar button
    tab_and_type(owner, owner.get_by_label("Till och med"), date_keystrokes(owner.context, end))
    expect(owner.get_by_label("Till och med")).to_have_value(end.isoformat())
    owner.keyboard.press("Tab")
    tab_and_type(owner, owner.get_by_label("Vad har ni gjort?"),
                 "Guidade turer varje lördag, planerade av en grupp unga guider.")
    tab_and_type(owner, owner.get_by_label("Vad blev annorlunda än planerat, och varför?"),
                 "Två turer ställdes in när det stormade.")

    indicators = {
        "Unga som deltar minst fyra gånger": ("46", "25", "21", "Nästan hela målet nåddes."),
        "Deltagare som känner sig trygga på vägen hem": ("78", "74", "82", "Enkät i december."),
    }
    for name, (total, girls, boys, comment) in indicators.items():
        group = owner.get_by_role("group", name=name)
        type_into(group.get_by_label("Utfall totalt"), total)
        tab_and_type(owner, group.get_by_label("Utfall för flickor"), girls)
        tab_and_type(owner, group.get_by_label("Utfall för pojkar"), boys)
        tab_and_type(owner, group.get_by_label("Kommentar"), comment)

    young = owner.get_by_role("group", name="13–15 år (i ansökans målgrupp)")
    type_into(young.get_by_label("Flickor"), "-3")
    tab_and_type(owner, young.get_by_label("Pojkar"), "11")
    tab_and_type(owner, young.get_by_label("Övriga eller okänt kön"), "1")
    older = owner.get_by_role("group", name="16–19 år (i ansökans målgrupp)")
    tab_and_type(owner, older.get_by_label("Flickor"), "9")
    tab_and_type(owner, older.get_by_label("Pojkar"), "8")
    tab_and_type(owner, older.get_by_label("Övriga eller okänt kön"), "0")

    year = str(start.year)
    cost1 = owner.get_by_role("group", name="Kostnad 1")
    # A closed list takes typed letters (type-ahead) and picks the matching option.
    cost1.get_by_label("År").press_sequentially(year)
    tab_and_type(owner, cost1.get_by_label("Kostnadsslag"), "Egen")
    tab_and_type(owner, cost1.get_by_label("Belopp (kr)"), "118 000")
    tab_and_type(owner, cost1.get_by_label("Beskrivning"), "Guidernas arvoden och handledare")
    cost2 = owner.get_by_role("group", name="Kostnad 2")
    tab_and_type(owner, cost2.get_by_label("År"), year)
    tab_and_type(owner, cost2.get_by_label("Kostnadsslag"), "Externa")
    tab_and_type(owner, cost2.get_by_label("Belopp (kr)"), "82 000")
    tab_and_type(owner, cost2.get_by_label("Beskrivning"), "Bussresor till reservatet")
    for select, value in ((cost1.get_by_label("År"), year),
                          (cost1.get_by_label("Kostnadsslag"), "own_staff"),
                          (cost2.get_by_label("Kostnadsslag"), "external_services")):
        expect(select).to_have_value(value)
    co1 = owner.get_by_role("group", name="Medfinansiering 1")
    tab_and_type(owner, co1.get_by_label("År"), year)
    tab_and_type(owner, co1.get_by_label("Slag"), "Arbetad")
    tab_and_type(owner, co1.get_by_label("Belopp (kr)"), "60 000")
    tab_and_type(owner, co1.get_by_label("Vem bidrog"), "Testföreningen")
    expect(co1.get_by_label("Slag")).to_have_value("work_time")
    type_into(owner.get_by_label("Totala kostnader enligt er bokföring (kr)"), "200 000")
    tab_and_type(owner, owner.get_by_label("Kommentar om kostnaderna"),
                 "Resorna blev något dyrare än budgeterat.")

    type_into(owner.get_by_label("Vad fungerade bra?"),
              "Unga guider nådde yngre barn som aldrig varit i reservatet.")
    tab_and_type(owner, owner.get_by_label("Vad fungerade inte?"),
                 "Tidiga lördagsmorgnar passade inte tonåringarna.")
    tab_and_type(owner, owner.get_by_label("Vad bör andra som vill göra något liknande veta?"),
                 "Betala guiderna; det gör att de stannar hela säsongen.")
    publish = owner.get_by_label("Lärdomarna får publiceras")
    publish.click()
    expect(publish).to_be_checked()

    type_into(owner.get_by_label("Hur blev det? (fråga 4)"),
              "Båda indikatorerna följdes upp per kön.")
    type_into(owner.get_by_label("Hur gick det med jämställdheten?"),
              "Lika många flickor som pojkar var guider, och flickorna valde rutterna.")
    type_into(owner.get_by_label("Hur gick det med hållbarhet och integration?"),
              "Turerna hölls på svenska och arabiska; vi åkte kollektivt.")
    type_into(owner.get_by_label("Begärt belopp, kronor"), "30 000")
    steps.shot(owner, "owner-report-filled")

    # (d) Saved: refused with the error summary, every typed value kept -----------------------
    save = owner.get_by_role("button", name="Spara utkast")
    assert post(owner, save.click) == 422
    summary = owner.get_by_role("alert")
    expect(summary).to_contain_text(NEGATIVE)
    expect(summary).to_be_focused()
    girls = young.get_by_label("Flickor")
    expect(girls).to_have_value("-3")
    expect(girls).to_have_attribute("aria-invalid", "true")
    expect(owner.locator(".error-message").filter(has_text=NEGATIVE)).to_be_visible()
    for field, value in (
        (owner.get_by_label("Från och med"), start.isoformat()),
        (owner.get_by_label("Vad har ni gjort?"),
         "Guidade turer varje lördag, planerade av en grupp unga guider."),
        (owner.get_by_role("group", name="Unga som deltar minst fyra gånger").get_by_label(
            "Utfall för flickor"), "25"),
        (young.get_by_label("Pojkar"), "11"),
        (cost1.get_by_label("Belopp (kr)"), "118 000"),
        (cost2.get_by_label("Kostnadsslag"), "external_services"),
        (owner.get_by_label("Hur gick det med jämställdheten?"),
         "Lika många flickor som pojkar var guider, och flickorna valde rutterna."),
        (owner.get_by_label("Begärt belopp, kronor"), "30 000"),
    ):
        expect(field).to_have_value(value)
    expect(publish).to_be_checked()
    steps.shot(owner, "owner-report-refused")

    # (e) Fixed from the error summary's link, and handed in ----------------------------------
    summary.get_by_role("link", name=NEGATIVE).click()
    expect(girls).to_be_focused()
    owner.keyboard.press("ControlOrMeta+a")
    owner.keyboard.type("14")
    expect(girls).to_have_value("14")
    assert post(owner, owner.get_by_role("button", name="Lämna in").click) == 302
    owner.wait_for_url(report_url)
    expect(owner.get_by_role("status")).to_contain_text(
        "Uppföljningsrapport är inlämnad. Handläggaren granskar den och hör av sig.")
    expect(owner.get_by_role("alert")).to_have_count(0)
    expect(owner.get_by_text("Rapporten är inlämnad och väntar på handläggarens granskning.")
           ).to_be_visible()
    expect(owner.get_by_role("button", name="Lämna in")).to_have_count(0)
    # Read-only now, as handed in: the corrected count is stored.
    handed_in = owner.get_by_role("table", name="Deltagare per åldersgrupp och kön (bara antal)")
    expect(cells(handed_in, "13–15 år")).to_have_text(["14", "11", "1", "26"])
    expect(owner.get_by_text("Lärdomarna får publiceras i det offentliga registret.")
           ).to_be_visible()
    steps.shot(owner, "owner-report-handed-in")

    # (f) The officer: «Rapporter», the report, approved: the case is followed up -------------
    officer = new_page()
    log_in(officer, live_server, live_server.officer_email, "/handlaggning/")
    waiting = open_reports_overview(officer)
    steps.shot(officer, "officer-overview")
    waiting.get_by_role("row").filter(has_text=PILOT_TITLE).get_by_role(
        "link", name=re.compile("^Läs uppföljningsrapport")).click()
    officer.wait_for_url(re.compile(
        rf"/handlaggning/arenden/{live_server.pilot_id}/rapporter/\d+$"))
    expect(officer.get_by_role("heading", name=f"Uppföljningsrapport: {PILOT_TITLE}",
                               level=1)).to_be_visible()
    participants = officer.get_by_role("table", name="Deltagare per åldersgrupp och kön")
    # Girls, boys, others, total.
    expect(cells(participants, "13–15 år")).to_have_text(["14", "11", "1", "26"])
    expect(cells(participants, "16–19 år")).to_have_text(["9", "8", "0", "17"])
    expect(cells(participants, "Totalt")).to_have_text(["23", "19", "1", "43"])
    outcomes = officer.get_by_role("table", name="Resultatindikatorer: mål och utfall")
    for name, (total, girls_, boys, comment) in indicators.items():
        # Unit, baseline, target, outcome, girls, boys, comment.
        expect(cells(outcomes, name).nth(3)).to_have_text(total)
        expect(cells(outcomes, name).nth(4)).to_have_text(girls_)
        expect(cells(outcomes, name).nth(5)).to_have_text(boys)
        expect(cells(outcomes, name).nth(6)).to_have_text(comment)
    expect(officer.get_by_text("Får publiceras:")).to_be_visible()
    expect(officer.get_by_text("Lika många flickor som pojkar var guider")).to_be_visible()
    expect(officer.get_by_text("Turerna hölls på svenska och arabiska")).to_be_visible()
    payment = officer.get_by_role("region", name="Rekvisition (begäran om utbetalning)")
    expect(payment).to_contain_text(re.compile(r"Begärt belopp\s*30\s000\skr"))
    steps.shot(officer, "officer-follow-up-report")
    type_into(officer.get_by_label("Kommentar till piloten (frivillig)"), APPROVAL_NOTE)
    assert post(officer, officer.get_by_role(
        "button", name="Godkänn – ärendet blir uppföljt").click) == 302
    expect(officer.get_by_role("status")).to_contain_text(
        "Uppföljningsrapport är godkänd. Ärendet har nu status «Uppföljd».")
    expect(officer.get_by_role("term").filter(has_text="Ärendets status").locator(
        "xpath=following-sibling::dd[1]")).to_have_text("Uppföljd")
    expect(officer.get_by_role("heading", name="Granska rapporten")).to_have_count(0)
    officer.get_by_role("link", name="Till ärendet").click()
    officer.wait_for_url(re.compile(rf"/handlaggning/arenden/{live_server.pilot_id}(#.*)?$"))
    expect(case_status(officer)).to_have_text("Uppföljd")
    expect(officer.locator("#case-reports").get_by_role("row").filter(
        has_text="Uppföljningsrapport")).to_contain_text("Godkänd")
    steps.shot(officer, "officer-followed-up")

    # (g) The pilot owner writes the scale-up report and hands it in ----------------------------
    owner.goto(reports_url)
    expect(slots.get_by_role("row").filter(has_text="Uppföljningsrapport")).to_contain_text(
        "Godkänd")
    expect(owner.get_by_role("link", name="Ansök om ändring")).to_be_visible()
    owner.get_by_role("button", name="Påbörja rapport om införande i ordinarie verksamhet",
                      exact=True).click()
    owner.wait_for_url(re.compile(rf"^{re.escape(reports_url)}/\d+$"))
    scale_url = owner.url
    expect(owner.get_by_role("heading", name="Rapport om införande i ordinarie verksamhet",
                             level=1)).to_be_visible()
    ordinary_from = end + timedelta(days=1)
    type_into(owner.get_by_label("Organisation som tar över arbetet"), "Örebro kommun")
    tab_and_type(owner, owner.get_by_label("Förvaltning eller enhet"),
                 "Kultur- och fritidsförvaltningen")
    tab_and_type(owner, owner.get_by_label("Hur finansieras arbetet efter piloten?"),
                 "Fritidsförvaltningens ordinarie budget, 120 000 kr per år.")
    tab_and_type(owner, owner.get_by_label(
        "Från vilket datum ingår arbetet i ordinarie verksamhet?"),
        date_keystrokes(owner.context, ordinary_from))
    expect(owner.get_by_label("Från vilket datum ingår arbetet i ordinarie verksamhet?")
           ).to_have_value(ordinary_from.isoformat())
    owner.keyboard.press("Tab")
    tab_and_type(owner, owner.get_by_label("Vad ändras i den ordinarie verksamheten?"),
                 "Guidade lördagsturer med unga guider blir en del av fritidsutbudet.")
    tab_and_type(owner, owner.get_by_label(
        "Vilket stöd behöver ni för att arbetet ska fortsätta?"),
        "Hjälp att utbilda nya guider varje vår.")
    steps.shot(owner, "owner-scale-up-filled")
    assert post(owner, owner.get_by_role("button", name="Lämna in").click) == 302
    owner.wait_for_url(scale_url)
    expect(owner.get_by_role("status")).to_contain_text(
        "Rapport om införande i ordinarie verksamhet är inlämnad.")
    steps.shot(owner, "owner-scale-up-handed-in")

    # (h) The officer approves it: the case is scaled into ordinary work ------------------------
    waiting = open_reports_overview(officer)
    waiting.get_by_role("row").filter(has_text=PILOT_TITLE).get_by_role(
        "link", name=re.compile("^Läs rapport om införande")).click()
    expect(officer.get_by_role(
        "heading", name=f"Rapport om införande i ordinarie verksamhet: {PILOT_TITLE}", level=1)
    ).to_be_visible()
    scale_up = officer.get_by_role("region", name="Införande i ordinarie verksamhet")
    for text in ("Örebro kommun", "Kultur- och fritidsförvaltningen",
                 "120 000 kr per år", ordinary_from.isoformat(),
                 "Hjälp att utbilda nya guider varje vår."):
        expect(scale_up).to_contain_text(text)
    steps.shot(officer, "officer-scale-up-report")
    assert post(officer, officer.get_by_role(
        "button", name="Godkänn – ärendet blir infört i ordinarie verksamhet").click) == 302
    expect(officer.get_by_role("status")).to_contain_text(
        "Rapport om införande i ordinarie verksamhet är godkänd. Ärendet har nu status «Införd "
        "i ordinarie verksamhet».")
    officer.get_by_role("link", name="Till ärendet").click()
    expect(case_status(officer)).to_have_text("Införd i ordinarie verksamhet")
    steps.shot(officer, "officer-scaled")

    # (i) The pilot owner sees the outcome ------------------------------------------------------
    owner.goto(f"{live_server.url}/mina-ansokningar/")
    expect(row).to_contain_text("Införd i ordinarie verksamhet")
    owner.goto(reports_url)
    expect(owner.get_by_text("det tar inte emot fler rapporter", exact=False)).to_be_visible()
    expect(owner.get_by_role("button", name=re.compile("^Påbörja"))).to_have_count(0)
    steps.shot(owner, "owner-scaled")


def year_figures(page: Page, year: int) -> dict[str, int]:
    """Finance's dashboard: the figures of ``year`` in «Pengarna per budgetår», by column."""
    table = page.get_by_role("table", name="Avsatt, beviljat, utbetalt, återfört och kvar per "
                                           "budgetår")
    headers = [h.strip() for h in table.get_by_role("columnheader").all_inner_texts()]
    row = table.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=re.compile(rf"^{year}\b")))
    expect(row).to_have_count(1)
    cells = row.locator("td").all_inner_texts()
    # The row header is the first column; the last one says whether the year is open.
    return {name: kronor(text) for name, text in zip(headers[1:-1], cells[:-1], strict=True)}


def test_officer_closes_a_pilot_and_finance_sees_the_unspent_money_back_in_its_year(
    page: Page, new_page: Callable[[], Page], live_server: LiveServer
) -> None:
    steps = Steps("closing")
    year = today().year
    released = GRANTED - CLOSING_PAID

    # (a) Finance's figures for the year before -------------------------------------------------
    finance = page
    log_in(finance, live_server, live_server.emails["finance"], "/ekonomi/")
    before = year_figures(finance, year)
    steps.shot(finance, "finance-before")

    # (b) The officer opens the pilot from «Rapporter» and its close page -------------------------
    officer = new_page()
    log_in(officer, live_server, live_server.officer_email, "/handlaggning/")
    open_reports_overview(officer)
    officer.get_by_role("table", name="Rapporter som ska lämnas, närmast sista dag först"
                        ).get_by_role("row").filter(has_text=CLOSING_TITLE).get_by_role(
        "link", name=re.compile("^Till ärendet")).click()
    case_url = f"{live_server.url}/handlaggning/arenden/{live_server.closing_id}"
    officer.wait_for_url(re.compile(rf"^{re.escape(case_url)}(#.*)?$"))
    expect(case_status(officer)).to_have_text("Beviljad")
    expect(officer.locator("#case-reports").get_by_role("row").filter(
        has_text="Ekonomisk slutrapport")).to_contain_text("Godkänd")
    officer.get_by_role("link", name="Avsluta piloten").first.click()
    officer.wait_for_url(case_url + "/avsluta")
    expect(officer.get_by_role("heading", name="Avsluta piloten", level=1)).to_be_visible()
    expect(officer.get_by_text("Inget hindrar att piloten avslutas")).to_be_visible()
    by_year = officer.get_by_role("table", name=re.compile("^Per budgetår: det som återförs"))
    year_row = by_year.get_by_role("row").filter(
        has=officer.get_by_role("rowheader", name=str(year), exact=True))
    expect(year_row).to_have_count(1)
    cells = year_row.locator("td")
    assert kronor(cells.nth(0).inner_text()) == released  # Återförs
    assert kronor(cells.nth(4).inner_text()) - kronor(cells.nth(3).inner_text()) == released
    expect(by_year.get_by_role("row").filter(has_text="Totalt")).to_contain_text(
        re.compile(rf"{released // 1000}\s000\skr"))
    steps.shot(officer, "officer-close-page")

    # (c) Closed, with a reason ------------------------------------------------------------------
    type_into(officer.get_by_label("Skäl för avslut"),
              "Piloten är genomförd och slutredovisad men förs inte in i ordinarie verksamhet.")
    assert post(officer, officer.get_by_role(
        "button", name="Avsluta piloten och återför pengarna").click) == 302
    officer.wait_for_url(re.compile(rf"^{re.escape(case_url)}(#.*)?$"))
    flash = officer.get_by_role("status")
    expect(flash).to_contain_text("Piloten är avslutad.")
    expect(flash).to_contain_text(re.compile(
        rf"återfördes till budgetåren \({year}: {released // 1000}\s000\skr\)"))
    expect(case_status(officer)).to_have_text("Avslutad")
    expect(officer.get_by_role("link", name="Avsluta piloten")).to_have_count(0)
    steps.shot(officer, "officer-closed")

    # (d) Finance's figures for the year: the unspent money is back -----------------------------
    finance.reload()
    after = year_figures(finance, year)
    assert after["Återfört"] == before["Återfört"] + released
    assert after["Beviljat"] == before["Beviljat"] - released
    assert after["Kvar att bevilja"] == before["Kvar att bevilja"] + released
    assert after["Utbetalt"] == before["Utbetalt"]
    assert after["Avsatt"] == before["Avsatt"]
    steps.shot(finance, "finance-after")

"""A new applicant's whole journey in real Chromium, with the keyboard: registering, filling every
section, making a format error and fixing it, submitting, the receipt page and the receipt e-mail
in the outbox; then the officer finds the case.

Fields are reached with Tab (or, to start in a part of a page, ``press_sequentially``, ``press`` or
``focus``, which move focus there the way a screen reader's jump would); checkboxes and radio
buttons are ticked with Space or the arrow keys; forms are sent with Enter.
Nothing is clicked and nothing is ``fill``-ed. A screenshot of each step goes to
test-artifacts/browser/journey-NN-<step>.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Response, expect

from grants.completeness import today
from tests.browser.conftest import ARTIFACTS, LiveServer
from tests.browser.test_login_keyboard import assert_focus_visible, focused, tab_to

NAME = "Nora Nyström"
EMAIL = "nora.nystrom@kumla.example.se"
NEW_PASSWORD = "sommarlov-i-kumla-2026"
ORG_NUMBER = "212000-1884"  # Kumla kommun: Luhn-valid and not among the seeded organisations.
CONTACT_EMAIL = "kim.kontakt@kumla.example.se"
TITLE = "Kvällsöppet i Kumla"
REFERENCE = re.compile(r"^PF-\d{4}-\d{4}$")
SPACE = r"\s"  # sv-SE groups thousands with a no-break space, which \s matches.


def kronor(text: str) -> re.Pattern[str]:
    """A total as the page shows it: ``"200 000"`` matches ``200 000 kr`` with any spaces."""
    return re.compile("^" + text.replace(" ", SPACE) + SPACE + "kr$")


class Steps:
    """Numbered screenshots of the journey."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.count = 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def shot(self, page: Page, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(ARTIFACTS / f"{self.prefix}-{self.count:02d}-{name}.png"),
                        full_page=True)


@pytest.fixture
def steps() -> Steps:
    return Steps("journey")


@pytest.fixture
def officer_page(browser: Browser) -> Iterator[Page]:
    """A second browser context: the officer's own cookies, nothing shared with the applicant."""
    context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


# Keyboard helpers ------------------------------------------------------------------------------


def tab_and_type(page: Page, field: Locator, text: str) -> None:
    """Tab to the next field, check it is ``field``, and type ``text`` into it."""
    page.keyboard.press("Tab")
    expect(field).to_be_focused()
    page.keyboard.type(text)


def send(page: Page, key_target: Locator, key: str = "Enter") -> Response:
    """Press ``key`` on ``key_target`` (a button, or a text field: implicit submission) and
    return the response to the POST it sends."""
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        key_target.press(key)
    page.wait_for_load_state()
    return response.value


def date_keystrokes(context: BrowserContext, day: date) -> str:
    """The digits to type into ``<input type="date">`` for ``day``: Chromium orders the parts
    of the field by its own user-interface language (month first on an English one), whatever
    the page's language. A scratch page shows which order this browser uses."""
    probe = context.new_page()
    try:
        probe.set_content('<input type="date" aria-label="Datum">')
        probe.get_by_label("Datum").press_sequentially("01022003")
        value = probe.get_by_label("Datum").input_value()
    finally:
        probe.close()
    order = {"2003-01-02": "%m%d%Y", "2003-02-01": "%d%m%Y"}.get(value, "%Y%m%d")
    return day.strftime(order)


def received_mail(outbox: Path, reference: str) -> dict[str, EmailMessage]:
    """The .eml files in ``outbox`` whose body names ``reference``, by recipient."""
    found = {}
    for path in sorted(outbox.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        body = message.get_body(preferencelist=("plain",))
        if body is not None and f"Referens: {reference}" in body.get_content():
            found[str(message["To"])] = message
    return found


# The journey -----------------------------------------------------------------------------------


def test_new_applicant_registers_fills_every_section_by_keyboard_and_submits(
    page: Page, officer_page: Page, live_server: LiveServer, steps: Steps
) -> None:
    start = today()
    end = min(start + timedelta(days=90), date(start.year, 12, 31))
    year = start.year

    # Start page → «Skapa konto och sök» -------------------------------------------------------
    page.goto(live_server.url + "/")
    steps.shot(page, "start")
    link = tab_to(page, text="Skapa konto och sök")
    assert_focus_visible(link)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/registrera")
    expect(page.get_by_role("heading", name="Skapa konto för att söka", level=1)).to_be_visible()

    # Register, with a new organisation ---------------------------------------------------------
    page.get_by_label("Ditt namn").press_sequentially(NAME)
    tab_and_type(page, page.get_by_label("E-postadress"), EMAIL)
    tab_and_type(page, page.get_by_label("Välj lösenord"), NEW_PASSWORD)
    tab_and_type(page, page.get_by_label("Upprepa lösenordet"), NEW_PASSWORD)
    tab_and_type(page, page.get_by_label("Organisationsnummer"), ORG_NUMBER)
    tab_and_type(page, page.get_by_label("Organisationens namn"), "Kumla kommun")
    # A closed <select> takes typed letters (type-ahead) and picks the matching option.
    tab_and_type(page, page.get_by_label("Sorts organisation"), "Kommun")
    tab_and_type(page, page.get_by_label("Kommun där organisationen finns"), "Kumla")
    expect(page.get_by_label("Sorts organisation")).to_have_value("municipality")
    expect(page.get_by_label("Kommun där organisationen finns")).to_have_value("1881")
    steps.shot(page, "register")
    assert send(page, page.get_by_label("Organisationens namn")).status == 302
    page.wait_for_url(live_server.url + "/mina-ansokningar/")
    expect(page.get_by_role("status")).to_contain_text("Ditt konto är skapat.")
    expect(page.get_by_text(f"Inloggad: {NAME}")).to_be_visible()
    steps.shot(page, "registered")

    # A new application -------------------------------------------------------------------------
    page.get_by_role("link", name="Starta en ny ansökan").press("Enter")
    page.wait_for_url(live_server.url + "/mina-ansokningar/ny")
    page.get_by_label("Projektets titel").press_sequentially(TITLE)
    tab_and_type(page, page.get_by_label("Sammanfattning"),
                 "Fritidsgården har öppet två kvällar extra i veckan, med unga som medarrangörer.")
    send(page, page.get_by_label("Projektets titel"))
    page.wait_for_url(re.compile(r"/mina-ansokningar/\d+/redigera$"))
    application_url = page.url.removesuffix("/redigera")
    progress = page.get_by_role("navigation", name="Ansökans avsnitt")
    expect(progress.get_by_role("listitem").filter(has_text="Projektet")).to_contain_text(
        "Inte påbörjat")
    steps.shot(page, "overview-new")
    progress.get_by_role("link", name="Projektet", exact=True).press("Enter")
    page.wait_for_url(application_url + "/avsnitt/projekt")

    # Projektet ---------------------------------------------------------------------------------
    expect(page.get_by_label("Projektets titel")).to_have_value(TITLE)
    page.get_by_label("Bakgrund och problemanalys").press_sequentially(
        "Få unga i Kumla har en mötesplats på kvällarna, särskilt flickor 13–15 år.")
    tab_and_type(page, page.get_by_label("Syfte och mål"),
                 "Fler unga har en meningsfull fritid med trygga vuxna omkring sig.")
    tab_and_type(page, page.get_by_label("Aktiviteter och tidsplan"),
                 "Månad 1: planera med unga. Månad 2–3: kvällsöppet. Månad 3: utvärdera.")
    # Typing a date's digits moves through its parts; after them, the field's calendar button
    # is one more Tab stop before the next field.
    tab_and_type(page, page.get_by_label("Startdatum"), date_keystrokes(page.context, start))
    expect(page.get_by_label("Startdatum")).to_have_value(start.isoformat())
    page.keyboard.press("Tab")
    tab_and_type(page, page.get_by_label("Slutdatum"), date_keystrokes(page.context, end))
    expect(page.get_by_label("Slutdatum")).to_have_value(end.isoformat())
    page.keyboard.press("Tab")
    tab_and_type(page, page.get_by_label("Samverkan"), "Fritidsgården och skolan tillsammans.")
    steps.shot(page, "section-projekt")
    page.keyboard.press("Tab")
    save = page.get_by_role("button", name="Spara och fortsätt")
    expect(save).to_be_focused()
    assert send(page, save).status == 302
    page.wait_for_url(application_url + "/avsnitt/malgrupp")
    expect(page.get_by_role("status")).to_contain_text("«Projektet» är sparat")

    # Målgrupp och insatsområden ----------------------------------------------------------------
    page.get_by_role("checkbox", name="Meningsfull fritid").press("Space")
    page.get_by_role("checkbox", name="Kumla").press("Space")
    page.get_by_role("checkbox", name="13–15 år").press("Space")
    page.keyboard.press("Tab")  # to the next age band, ticked with Space too
    expect(page.get_by_role("checkbox", name="16–19 år")).to_be_focused()
    page.keyboard.press("Space")
    for name in ("Meningsfull fritid", "Kumla", "13–15 år", "16–19 år"):
        expect(page.get_by_role("checkbox", name=name)).to_be_checked()
    page.get_by_label("Beskriv målgruppen").press_sequentially(
        "Unga 13–19 år i centrala Kumla, särskilt flickor.")
    tab_and_type(page, page.get_by_label("Flickor"), "30")
    tab_and_type(page, page.get_by_label("Pojkar"), "25")
    tab_and_type(page, page.get_by_label("Övriga eller okänt kön"), "5")
    steps.shot(page, "section-malgrupp")
    assert send(page, page.get_by_label("Övriga eller okänt kön")).status == 302
    page.wait_for_url(application_url + "/avsnitt/indikatorer")

    # Resultatindikatorer -----------------------------------------------------------------------
    first = page.get_by_role("group", name="Indikator 1")
    first.get_by_label("Indikator").press_sequentially("Unga som deltar minst fyra gånger")
    tab_and_type(page, first.get_by_label("Enhet"), "antal")
    tab_and_type(page, first.get_by_label("Utgångsvärde"), "0")
    tab_and_type(page, first.get_by_label("Målvärde"), "50")
    page.keyboard.press("Tab")
    expect(first.get_by_label("Följs upp per kön")).to_be_focused()
    page.keyboard.press("Space")
    expect(first.get_by_label("Följs upp per kön")).to_be_checked()
    steps.shot(page, "section-indikatorer")
    # In this form Enter in a field would mean «Spara och lägg till fler rader» (the first
    # button); a keyboard user who wants to go on presses Enter on «Spara och fortsätt».
    assert send(page, page.get_by_role("button", name="Spara och fortsätt")).status == 302
    page.wait_for_url(application_url + "/avsnitt/budget")

    # Budget och finansiering, with a format error ----------------------------------------------
    costs = page.locator('output[data-total="costs"]')
    cofinancing = page.locator('output[data-total="cofinancing"]')
    requested = page.locator('output[data-total="requested"]')
    financing = page.locator('output[data-total="requested cofinancing"]')
    for output in (costs, cofinancing, requested, financing):
        expect(output).to_have_text(kronor("0"))

    cost1 = page.get_by_role("group", name="Kostnad 1")
    cost1.get_by_label("År", exact=True).press_sequentially(str(year))
    tab_and_type(page, cost1.get_by_label("Kostnadsslag"), "Egen")
    tab_and_type(page, cost1.get_by_label("Belopp (kr)"), "12,50")  # öre: a format error
    expect(costs).to_have_text(kronor("0"))
    tab_and_type(page, cost1.get_by_label("Beskrivning"), "Fritidsledare 50 %")
    cost2 = page.get_by_role("group", name="Kostnad 2")
    tab_and_type(page, cost2.get_by_label("År", exact=True), str(year))
    tab_and_type(page, cost2.get_by_label("Kostnadsslag"), "Externa")
    tab_and_type(page, cost2.get_by_label("Belopp (kr)"), "80 000")
    expect(costs).to_have_text(kronor("80 000"))
    tab_and_type(page, cost2.get_by_label("Beskrivning"), "Samtalsledare")
    co1 = page.get_by_role("group", name="Medfinansiering 1")
    tab_and_type(page, co1.get_by_label("År", exact=True), str(year))
    tab_and_type(page, co1.get_by_label("Slag", exact=True), "Arbetad")
    tab_and_type(page, co1.get_by_label("Belopp (kr)"), "100000")
    expect(cofinancing).to_have_text(kronor("100 000"))
    tab_and_type(page, co1.get_by_label("Vem bidrar"), "Kumla kommun, fritidsförvaltningen")
    page.get_by_label(f"Sökt stöd {year} (kr)").press_sequentially("100 000")
    expect(requested).to_have_text(kronor("100 000"))
    expect(financing).to_have_text(kronor("200 000"))
    steps.shot(page, "section-budget-typed")

    response = send(page, page.get_by_label(f"Sökt stöd {year} (kr)"))
    assert response.status == 422
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()  # static/app.js: the keyboard user starts at the problem
    expect(summary).to_contain_text("Ange beloppet i hela kronor, utan ören (till exempel 25 000).")
    cost1 = page.get_by_role("group", name="Kostnad 1")
    amount1 = cost1.get_by_label("Belopp (kr)")
    expect(amount1).to_have_value("12,50")
    expect(amount1).to_have_attribute("aria-invalid", "true")
    expect(cost1.locator(".error-message")).to_contain_text("utan ören")
    # Everything else typed is still there, and the totals count what is on the page.
    expect(page.get_by_role("group", name="Kostnad 2").get_by_label("Belopp (kr)")).to_have_value(
        "80 000")
    expect(page.get_by_label(f"Sökt stöd {year} (kr)")).to_have_value("100 000")
    expect(costs).to_have_text(kronor("80 000"))
    expect(financing).to_have_text(kronor("200 000"))
    steps.shot(page, "section-budget-error")

    # From the summary, Tab reaches its link; Enter follows it to the field.
    page.keyboard.press("Tab")
    error_link = summary.get_by_role("link", name=re.compile("utan ören"))
    expect(error_link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#budget_lines-0-amount$"))
    expect(amount1).to_be_focused()
    amount1.press("Control+a")
    page.keyboard.type("120 000")
    expect(costs).to_have_text(kronor("200 000"))
    steps.shot(page, "section-budget-fixed")
    assert send(page, page.get_by_role("button", name="Spara och fortsätt")).status == 302
    page.wait_for_url(application_url + "/avsnitt/jamstalldhet")

    # Jämställdhet and Hållbarhet: Space picks «Ja» (the first answer), Tab goes on --------------
    for section, following in (("jamstalldhet", "hallbarhet"), ("hallbarhet", "statsstod")):
        questions = page.locator(".question")
        count = questions.count()
        assert count >= 4, f"{section} has {count} questions"
        questions.first.get_by_role("radio", name="Ja").focus()
        for index in range(count):
            question = questions.nth(index)
            if index:
                page.keyboard.press("Tab")  # into the next question's answers
            expect(question.get_by_role("radio", name="Ja")).to_be_focused()
            page.keyboard.press("Space")
            tab_and_type(page, question.get_by_label("Förklaring"),
                         f"Så här gör vi, punkt {index + 1}.")
        for index in range(count):
            expect(questions.nth(index).get_by_role("radio", name="Ja")).to_be_checked()
        steps.shot(page, f"section-{section}")
        assert send(page, page.get_by_role("button", name="Spara och fortsätt")).status == 302
        page.wait_for_url(application_url + f"/avsnitt/{following}")

    # Statligt stöd: Arrow keys move within a radio group (and choose) --------------------------
    market = page.get_by_role("group", name=re.compile("Bedriver organisationen ekonomisk"))
    market.get_by_role("radio", name="Ja").focus()
    page.keyboard.press("ArrowDown")
    expect(market.get_by_role("radio", name="Nej")).to_be_checked()
    expect(market.get_by_role("radio", name="Ja")).not_to_be_checked()
    steps.shot(page, "section-statsstod")
    assert send(page, market.get_by_role("radio", name="Nej")).status == 302
    page.wait_for_url(application_url + "/bilagor")

    # Bilagor (optional): the file chooser opens from the keyboard ------------------------------
    with page.expect_file_chooser() as chooser:
        page.get_by_label("Välj fil").press("Space")
    chooser.value.set_files(files=[{"name": "avsiktsforklaring.pdf", "mimeType": "application/pdf",
                                   "buffer": b"%PDF-1.4\n%%EOF\n"}])
    tab_and_type(page, page.get_by_label("Vad är det för bilaga?"), "Avsiktsförklaring från skolan")
    assert send(page, page.get_by_label("Vad är det för bilaga?")).status == 302
    expect(page.get_by_role("table", name=re.compile("Uppladdade bilagor"))).to_contain_text(
        "avsiktsforklaring.pdf")
    steps.shot(page, "attachments")
    page.get_by_role("link", name="Vidare till kontaktperson").press("Enter")
    page.wait_for_url(application_url + "/avsnitt/kontakt")

    # Kontaktperson: Enter in the last field saves the last section ------------------------------
    page.get_by_label("Namn", exact=True).press_sequentially("Kim Kontakt")
    tab_and_type(page, page.get_by_label("Roll eller befattning"), "Fritidschef")
    tab_and_type(page, page.get_by_label("E-postadress"), CONTACT_EMAIL)
    tab_and_type(page, page.get_by_label("Telefon"), "019-58 80 00")
    steps.shot(page, "section-kontakt")
    assert send(page, page.get_by_label("Telefon")).status == 302
    page.wait_for_url(application_url + "/redigera")
    progress = page.get_by_role("navigation", name="Ansökans avsnitt")
    for item in progress.get_by_role("listitem").filter(has=page.locator(".progress-state")).all():
        expect(item).to_contain_text("Klart")
    expect(page.get_by_text("9 av 9 avsnitt är klara")).to_be_visible()
    steps.shot(page, "overview-complete")

    # Granska och skicka in ---------------------------------------------------------------------
    page.get_by_role("link", name="Granska och skicka in").first.press("Enter")
    page.wait_for_url(application_url + "/granska")
    expect(page.get_by_role("alert")).to_have_count(0)  # nothing left to fix
    expect(page.get_by_text("blir den en allmän handling")).to_be_visible()
    page.get_by_label("Meddelande till handläggaren (frivilligt)").press_sequentially(
        "Tack för en tydlig blankett!")
    steps.shot(page, "review")
    page.keyboard.press("Tab")
    submit = page.get_by_role("button", name="Skicka in ansökan")
    expect(submit).to_be_focused()
    assert_focus_visible(focused(page))
    assert send(page, submit).status == 302

    # The receipt --------------------------------------------------------------------------------
    page.wait_for_url(application_url + "/kvitto")
    expect(page.get_by_role("heading", name="Ansökan har kommit in", level=1)).to_be_visible()
    reference = page.locator("dd.ref").inner_text().strip()
    assert REFERENCE.match(reference), f"the receipt shows {reference!r}"
    expect(page.get_by_text(f"skickas med e-post till {EMAIL} och {CONTACT_EMAIL}")).to_be_visible()
    steps.shot(page, "receipt")

    # The receipt e-mails in the outbox ----------------------------------------------------------
    mails = received_mail(live_server.outbox, reference)
    assert set(mails) == {EMAIL, CONTACT_EMAIL}, f"receipts for {reference}: {sorted(mails)}"
    receipt = mails[EMAIL]
    assert receipt["Subject"] == f"Mottagningsbevis {reference}: {TITLE}"
    body = receipt.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert f"Titel: {TITLE}" in text
    assert f"Sökande: Kumla kommun ({ORG_NUMBER})" in text
    assert f"Skickad av: {NAME}" in text

    # The officer finds the case -----------------------------------------------------------------
    officer = officer_page
    officer.goto(live_server.url + "/logga-in")
    officer.get_by_label("E-postadress").press_sequentially(live_server.officer_email)
    tab_and_type(officer, officer.get_by_label("Lösenord"), live_server.password)
    officer.keyboard.press("Enter")
    officer.wait_for_url(live_server.url + "/handlaggning/")
    cases = officer.get_by_role("table", name="Inkomna ansökningar")
    case_link = cases.get_by_role("link", name=reference)
    expect(case_link).to_be_visible()
    row = cases.get_by_role("row").filter(has=officer.get_by_role("link", name=reference))
    expect(row).to_contain_text(TITLE)
    steps.shot(officer, "officer-cases")
    case_link.press("Enter")
    officer.wait_for_url(re.compile(r"/handlaggning/arenden/\d+$"))
    expect(officer.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(officer.get_by_text(reference).first).to_be_visible()
    for heading in ("Projektet", "Målgrupp och insatsområden", "Resultatindikatorer",
                    "Budget och finansiering", "Jämställdhet", "Hållbarhet och integration",
                    "Statligt stöd", "Bilagor", "Kontaktperson"):
        expect(officer.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(officer.get_by_role("link", name="avsiktsforklaring.pdf")).to_be_visible()
    expect(officer.get_by_text("Tack för en tydlig blankett!")).to_be_visible()
    steps.shot(officer, "officer-case")
    # WCAG 2.4.2 Page Titled: the tab names the case, and holds no markup.
    title = officer.title()
    assert title == f"{reference} {TITLE} – Pilotfonden", (
        f"the case page's <title> is {len(title)} characters long: {title[:100]!r}…"
    )

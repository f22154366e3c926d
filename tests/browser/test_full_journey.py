"""One pilot's whole life in real Chromium, every step through the pages as the people do it.

A new applicant registers an account and an organisation, fills every section of the application
(the gender-equality and sustainability checklists and the budget included) and submits it; the
officer registers the Dnr, does the formal check and assigns two reviewers; each reviewer declares
no jäv and scores the application against the RUS criteria; the officer assesses; the decider
grants with a special condition; the applicant downloads the decision letter as PDF; finance pays
an advance; the pilot owner hands in the follow-up report (its learnings may be published) and the
scale-up report, and the officer approves both; and a visitor who is not logged in finds the pilot
in the public register, with what it taught, on its page and among all learnings.

Each person has their own browser context (their own cookies); the staff log in through the login
form, the applicant stays logged in from the registration. A screenshot of each step goes to
test-artifacts/browser/full_journey/NN-<step>.png. The journey makes its own application (the
seeded cases are not touched) but changes the pot of this year, so it runs in a module of its own.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from pypdf import PdfReader

from grants.completeness import today
from tests.browser.conftest import ARTIFACTS, PANEL, PDF_BYTES, LiveServer
from tests.browser.test_decision_journey import case_status, log_in
from tests.browser.test_follow_up_journey import cells, open_reports_overview, post

NBSP = "\u00a0"
NAME = "Lina Lindqvist"
EMAIL = "lina.lindqvist@kvallsljus.example.se"
NEW_PASSWORD = "kvallsljus-pa-lekeberg-2026"
ORG_NUMBER = "802555-0008"  # Luhn-valid, not among the seeded organisations
ORG_NAME = "Föreningen Kvällsljus"
MUNICIPALITY = "Lekeberg"
TITLE = "Kvällsljus: unga leder kvällsaktiviteter i Lekeberg"
SUMMARY = "Unga 13–19 år planerar och leder kvällsaktiviteter i Fjugesta två kvällar i veckan."
INDICATOR = "Unga som deltar minst fem kvällar"
REQUESTED = 120_000
ADVANCE = REQUESTED // 2  # the most an advance may be: half the grant
REFERENCE = re.compile(r"^PF-\d{4}-\d{4}$")
CONDITION = "Föreningen bjuder in fondens handläggare till en av kvällarna under hösten."
REASONS = "Piloten låter unga själva leda verksamheten och har en tydlig plan för införande."
LEARNINGS = {
    "Vad fungerade bra?": "När de unga själva bestämde kvällens program kom kompisarna också.",
    "Vad fungerade inte?": "Sista bussen hem gick för tidigt; vi fick sluta en timme tidigare.",
    "Vad bör andra som vill göra något liknande veta?":
        "Sätt av pengar till skjuts hem redan i budgeten, annars stannar flickorna hemma.",
}
THEMES = ("Det här fungerade", "Det här fungerade inte", "Det här bör andra veta")
SHOTS = ARTIFACTS / "full_journey"


def kronor(amount: int) -> str:
    """An amount as the app writes it: ``120 000 kr`` with no-break spaces."""
    return f"{amount:,}".replace(",", NBSP) + NBSP + "kr"


def text_of(locator: Locator) -> str:
    """The rendered text, its no-break spaces kept (expect's text matching turns every kind of
    space into a plain one, so it cannot tell them apart)."""
    return locator.inner_text()


class Shots:
    """Numbered full-page screenshots: full_journey/01-<name>.png, 02-… in the order taken."""

    def __init__(self) -> None:
        self.count = 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        for old in SHOTS.glob("*.png"):  # a shorter earlier run leaves no stale steps behind
            old.unlink()

    def __call__(self, page: Page, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(SHOTS / f"{self.count:02d}-{name}.png"), full_page=True)


@pytest.fixture
def person(browser: Browser) -> Iterator[Callable[[str], Page]]:
    """``person(who)``: the page of ``who``'s own browser context, made on first use and the
    same page after that (the applicant comes back, still logged in, after the decision)."""
    pages: dict[str, Page] = {}

    def page_of(who: str) -> Page:
        if who not in pages:
            context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
            context.set_default_timeout(10_000)
            pages[who] = context.new_page()
        return pages[who]

    try:
        yield page_of
    finally:
        for page in pages.values():
            page.context.close()


def save_and_continue(page: Page, following: str) -> None:
    """Press «Spara och fortsätt» on an application section; the next section opens."""
    assert post(page, page.get_by_role("button", name="Spara och fortsätt").click) == 302
    page.wait_for_url(re.compile(rf"/mina-ansokningar/\d+/{following}$"))


def hand_in_review(page: Page, shot: Shots, who: str, *, score: int) -> None:
    """The logged-in reviewer opens the case from «Granskning», declares no jäv (seeing only the
    title, organisation and summary before that), scores every RUS criterion ``score`` with a
    reason, rates every horizontal criterion, recommends the amount applied for and hands in."""
    row = page.get_by_role("table", name="Mina granskningar").get_by_role("row").filter(
        has_text=TITLE)
    expect(row).to_contain_text("Ej påbörjad")
    expect(row).to_contain_text(ORG_NAME)
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Är du jävig?")).to_be_visible()
    expect(page.get_by_text(SUMMARY)).to_be_visible()
    expect(page.get_by_role("heading", name="Budget och finansiering")).to_have_count(0)
    page.get_by_role("group", name="Är du jävig i det här ärendet?").get_by_role(
        "radio", name="Jag är inte jävig").check()
    page.get_by_role("button", name="Lämna jävsdeklarationen").click()
    expect(page.get_by_role("status")).to_contain_text("Du har intygat att du inte är jävig.")
    expect(page.get_by_role("heading", name="Budget och finansiering")).to_be_visible()

    scored = page.get_by_role("group", name=re.compile(r"^\d+\. "))
    expect(scored.first).to_be_visible()
    criteria = scored.locator("legend").all_inner_texts()
    assert len(criteria) >= 5, f"the RUS rubric has {len(criteria)} scored criteria"
    assert any("livskvalitet" in c.lower() for c in criteria), criteria
    for index, legend in enumerate(criteria):
        title = legend.split(". ", 1)[1].strip()
        scored.nth(index).get_by_role("radio", name=re.compile(rf"^{score}( |$)")).check()
        page.get_by_label(f"Motivering: {title}", exact=True).fill(
            f"{score} poäng: ansökan visar det i både aktiviteter och budget.")
    horizontal = page.get_by_role("group").filter(
        has=page.get_by_role("radio", name="Delvis", exact=True))
    for index in range(horizontal.count()):
        horizontal.nth(index).get_by_role("radio", name="Aktivt", exact=True).check()
    page.get_by_role("group", name="Vad rekommenderar du?").get_by_role(
        "radio", name="Bevilja sökt belopp").check()
    page.get_by_label("Kommentar till handläggaren").fill("Unga leder själva: bra förankring.")
    page.get_by_role("button", name="Lämna in granskningen").click()
    expect(page.get_by_role("status")).to_contain_text("Granskningen är inlämnad. Tack!")
    expect(page.get_by_role("table", name="Poäng – din granskning")).to_be_visible()
    shot(page, f"{who}-review-handed-in")


def test_a_pilot_goes_from_a_new_account_to_the_public_register(
    person: Callable[[str], Page], live_server: LiveServer
) -> None:
    url = live_server.url
    shot = Shots()
    start = today()
    end = min(start + timedelta(days=90), date(start.year, 12, 31))
    year = start.year
    dnr = f"{year % 100:02d}RS4711"

    # 1. A new applicant registers an account and an organisation -------------------------------
    applicant = person("applicant")
    applicant.goto(url + "/")
    applicant.get_by_role("link", name="Skapa konto och sök").first.click()
    applicant.wait_for_url(url + "/registrera")
    applicant.get_by_label("Ditt namn").fill(NAME)
    applicant.get_by_label("E-postadress").fill(EMAIL)
    applicant.get_by_label("Välj lösenord").fill(NEW_PASSWORD)
    applicant.get_by_label("Upprepa lösenordet").fill(NEW_PASSWORD)
    applicant.get_by_label("Organisationsnummer").fill(ORG_NUMBER)
    applicant.get_by_label("Organisationens namn").fill(ORG_NAME)
    applicant.get_by_label("Sorts organisation").select_option(
        label="Förening eller annan organisation i civilsamhället")
    applicant.get_by_label("Kommun där organisationen finns").select_option(label=MUNICIPALITY)
    shot(applicant, "register")
    assert post(applicant, applicant.get_by_role("button", name="Skapa konto").click) == 302
    applicant.wait_for_url(url + "/mina-ansokningar/")
    expect(applicant.get_by_role("status")).to_contain_text("Ditt konto är skapat.")
    expect(applicant.get_by_text(f"Ansökningar från {ORG_NAME}.")).to_be_visible()

    # 2. … fills every section of a new application -------------------------------------------
    applicant.get_by_role("link", name="Starta en ny ansökan").click()
    applicant.get_by_label("Projektets titel").fill(TITLE)
    applicant.get_by_label("Sammanfattning").fill(SUMMARY)
    assert post(applicant, applicant.get_by_role("button", name="Spara utkast").click) == 302
    applicant.wait_for_url(re.compile(r"/mina-ansokningar/\d+/redigera$"))
    application_url = applicant.url.removesuffix("/redigera")
    applicant.get_by_role("navigation", name="Ansökans avsnitt").get_by_role(
        "link", name="Projektet", exact=True).click()

    applicant.get_by_label("Bakgrund och problemanalys").fill(
        "Det finns ingen mötesplats för unga i Fjugesta på kvällarna; flickor 13–15 år saknas "
        "helt i den organiserade fritiden.")
    applicant.get_by_label("Syfte och mål").fill(
        "Fler unga, särskilt flickor, har en meningsfull och trygg fritid på kvällarna.")
    applicant.get_by_label("Aktiviteter och tidsplan").fill(
        "Vecka 1–2: unga planerar. Därefter kvällsaktiviteter två kvällar i veckan. Sist: "
        "utvärdering med deltagarna.")
    applicant.get_by_label("Startdatum").fill(start.isoformat())
    applicant.get_by_label("Slutdatum").fill(end.isoformat())
    applicant.get_by_label("Samverkan").fill("Lekebergs kommuns fritidsgård och skolan.")
    shot(applicant, "section-projekt")
    save_and_continue(applicant, "avsnitt/malgrupp")

    for box in ("Meningsfull fritid", MUNICIPALITY, "13–15 år", "16–19 år"):
        applicant.get_by_role("checkbox", name=box).check()
    applicant.get_by_label("Beskriv målgruppen").fill("Unga 13–19 år i Fjugesta, särskilt flickor.")
    applicant.get_by_label("Flickor").fill("25")
    applicant.get_by_label("Pojkar").fill("20")
    applicant.get_by_label("Övriga eller okänt kön").fill("2")
    save_and_continue(applicant, "avsnitt/indikatorer")

    indicator = applicant.get_by_role("group", name="Indikator 1")
    indicator.get_by_label("Indikator").fill(INDICATOR)
    indicator.get_by_label("Enhet").fill("antal")
    indicator.get_by_label("Utgångsvärde").fill("0")
    indicator.get_by_label("Målvärde").fill("40")
    indicator.get_by_label("Följs upp per kön").check()
    save_and_continue(applicant, "avsnitt/budget")

    def money_row(group: str, kind_label: str, kind: str, amount: str, who: str,
                  who_label: str) -> None:
        row = applicant.get_by_role("group", name=group)
        row.get_by_label("År", exact=True).select_option(str(year))
        row.get_by_label(kind_label, exact=True).select_option(label=kind)
        row.get_by_label("Belopp (kr)").fill(amount)
        row.get_by_label(who_label).fill(who)

    money_row("Kostnad 1", "Kostnadsslag", "Egen personal", "150 000",
              "Två fritidsledare på kvällarna", "Beskrivning")
    money_row("Kostnad 2", "Kostnadsslag", "Externa tjänster", "90 000",
              "Skjuts hem och lokalhyra", "Beskrivning")
    money_row("Medfinansiering 1", "Slag", "Arbetad tid", "120 000",
              "Lekebergs kommun, fritidsgården", "Vem bidrar")
    applicant.get_by_label(f"Sökt stöd {year} (kr)").fill("120 000")
    expect(applicant.locator('output[data-total="costs"]')).to_have_text(
        re.compile(r"^240\s000\skr$"))
    shot(applicant, "section-budget")
    save_and_continue(applicant, "avsnitt/jamstalldhet")

    # The gender-equality and the sustainability checklist: every question answered.
    for following in ("avsnitt/hallbarhet", "avsnitt/statsstod"):
        questions = applicant.locator(".question")
        assert questions.count() >= 4, f"{applicant.url} has {questions.count()} questions"
        for index in range(questions.count()):
            question = questions.nth(index)
            question.get_by_role("radio", name="Ja").check()
            question.get_by_label("Förklaring").fill(f"Så här gör vi, punkt {index + 1}.")
        shot(applicant, f"section-{applicant.url.rsplit('/', 1)[1]}")
        save_and_continue(applicant, following)

    applicant.get_by_role("group", name=re.compile("Bedriver organisationen ekonomisk")
                          ).get_by_role("radio", name="Nej").check()
    save_and_continue(applicant, "bilagor")
    applicant.get_by_label("Välj fil").set_input_files(files=[{
        "name": "avsiktsforklaring.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}])
    applicant.get_by_label("Vad är det för bilaga?").fill("Avsiktsförklaring från fritidsgården")
    assert post(applicant, applicant.get_by_role("button", name="Ladda upp bilagan").click) == 302
    expect(applicant.get_by_role("table", name=re.compile("Uppladdade bilagor"))).to_contain_text(
        "avsiktsforklaring.pdf")
    applicant.get_by_role("link", name="Vidare till kontaktperson").click()
    applicant.get_by_label("Namn", exact=True).fill(NAME)
    applicant.get_by_label("Roll eller befattning").fill("Ordförande")
    applicant.get_by_label("E-postadress").fill(EMAIL)
    applicant.get_by_label("Telefon").fill("0585-123 45")
    save_and_continue(applicant, "redigera")
    expect(applicant.get_by_text("9 av 9 avsnitt är klara")).to_be_visible()
    shot(applicant, "application-complete")

    # 3. … and submits it -----------------------------------------------------------------------
    applicant.get_by_role("link", name="Granska och skicka in").first.click()
    applicant.wait_for_url(application_url + "/granska")
    expect(applicant.get_by_role("alert")).to_have_count(0)
    assert post(applicant, applicant.get_by_role("button", name="Skicka in ansökan").click) == 302
    applicant.wait_for_url(application_url + "/kvitto")
    expect(applicant.get_by_role("heading", name="Ansökan har kommit in", level=1)).to_be_visible()
    reference = applicant.locator("dd.ref").inner_text().strip()
    assert REFERENCE.match(reference), f"the receipt shows {reference!r}"
    shot(applicant, "submitted-receipt")

    # 4. The officer registers the Dnr, does the formal check and assigns two reviewers ----------
    officer = person("officer")
    log_in(officer, live_server, live_server.officer_email, "/handlaggning/")
    officer.get_by_role("table", name="Inkomna ansökningar").get_by_role(
        "link", name=reference).click()
    officer.wait_for_url(re.compile(r"/handlaggning/arenden/\d+$"))
    case_url = officer.url
    expect(officer.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(case_status(officer)).to_have_text("Inkommen")
    assert kronor(REQUESTED) in text_of(officer.locator("dl.facts").first)
    expect(officer.get_by_text("Ärendet har inget diarienummer ännu.")).to_be_visible()
    officer.get_by_label("Diarienummer").fill(dnr.lower())  # stored as the registry writes it
    assert post(officer, officer.get_by_role("button", name="Registrera diarienummer").click
                ) == 302
    expect(officer.get_by_role("status")).to_contain_text(f"Diarienumret {dnr} är registrerat.")
    expect(officer.get_by_text(f"Ärendet är diariefört som {dnr}.")).to_be_visible()

    for check in ("Ansökan är komplett", "Sökanden får söka (juridisk person av rätt slag)",
                  "Inom fondens syfte och insatsområden", "Frågan om statligt stöd är hanterad"):
        officer.get_by_label(check).check()
    officer.get_by_label("Anteckning", exact=True).fill(
        "Organisationsnumret stämmer; ingen ekonomisk verksamhet på en marknad.")
    assert post(officer, officer.get_by_role("button", name="Spara kontrollen").click) == 302
    expect(officer.get_by_role("status")).to_contain_text(
        "Alla punkter är godkända: ärendet kan gå till granskning.")

    expect(officer.get_by_text("Ärendet behöver 2 inlämnade granskningar")).to_be_visible()
    reviewers = officer.get_by_role("table", name="Granskare i ärendet")
    for _email, name in PANEL:
        officer.get_by_label("Tilldela granskare").select_option(label=name)
        assert post(officer, officer.get_by_role("button", name="Tilldela granskaren").click
                    ) == 302
        expect(officer.get_by_role("status")).to_contain_text(f"{name} är tilldelad som granskare.")
        expect(reviewers.get_by_role("row").filter(has_text=name)).to_contain_text(
            "Väntar på jävsdeklarationen")
    shot(officer, "officer-dnr-screened-reviewers")

    # 5. Two reviewers declare no jäv and score against the RUS criteria -------------------------
    for index, ((email, _name), score) in enumerate(zip(PANEL, (3, 2), strict=True), start=1):
        reviewer = person(f"reviewer{index}")
        log_in(reviewer, live_server, email, "/granskning/")
        hand_in_review(reviewer, shot, f"reviewer{index}", score=score)

    # 6. The officer assesses: both reviews in, the proposal «Bevilja» ---------------------------
    officer.goto(case_url)
    for _email, name in PANEL:
        expect(reviewers.get_by_role("row").filter(has_text=name)).to_contain_text("Inlämnad")
    officer.get_by_role("link", name="Sammanställning av granskningarna").click()
    officer.wait_for_url(case_url + "/bedomning")
    expect(officer.get_by_text("2 av 2 granskningar som ärendet behöver är inlämnade")
           ).to_be_visible()
    officer.get_by_role("group", name="Förslag till beslut").get_by_role(
        "radio", name="Bevilja", exact=True).check()
    expect(officer.get_by_label(f"Föreslaget belopp {year} (kr)", exact=False)).to_have_value(
        re.compile(r"^120\s?000$"))
    officer.get_by_label("Föredragandens anteckning och förslag till beslut").fill(
        "Båda granskarna rekommenderar bifall. Föreslås beviljas med sökt belopp.")
    shot(officer, "officer-assessment")
    assert post(officer, officer.get_by_role("button", name="Bedöm ärendet").click) == 302
    officer.wait_for_url(case_url)
    expect(case_status(officer)).to_have_text("Bedömd")

    # 7. The decider grants, with a special condition --------------------------------------------
    decider = person("decider")
    log_in(decider, live_server, live_server.emails["decider"], "/handlaggning/")
    decider.goto(case_url)
    decider.get_by_role("link", name="Fatta beslut").first.click()
    expect(decider.get_by_role("heading", name=f"Beslut: {TITLE}", level=1)).to_be_visible()
    expect(decider.get_by_role("group", name="Beslut", exact=True).get_by_role(
        "radio", name="Bevilja")).to_be_checked()
    expect(decider.get_by_label(f"Belopp för {year} (kr)")).to_have_value(
        re.compile(r"^120\s?000$"))
    decider.get_by_label("Skäl för beslutet").fill(REASONS)
    decider.get_by_label("Särskilda villkor för det här ärendet").fill(CONDITION)
    expect(decider.get_by_label("Uppföljningsrapporten ska lämnas senast")).not_to_have_value("")
    decider.get_by_label("Jag är inte jävig i ärendet (förvaltningslagen 16 §)").check()
    shot(decider, "decider-decision")
    assert post(decider, decider.get_by_role("button", name="Fatta beslutet").click) == 302
    decider.wait_for_url(case_url)
    flash = decider.get_by_role("status")
    expect(flash).to_contain_text("Beslutet är fattat")
    assert f"ansökan beviljas med {kronor(REQUESTED)}" in text_of(flash), text_of(flash)
    expect(case_status(decider)).to_have_text("Beviljad")
    shot(decider, "decider-granted")

    # 8. The applicant downloads the decision letter as PDF --------------------------------------
    applicant.goto(url + "/mina-ansokningar/")
    row = applicant.get_by_role("table", name="Organisationens ansökningar").get_by_role(
        "row").filter(has_text=TITLE)
    expect(row).to_contain_text("Beviljad")
    with applicant.expect_download() as download:
        row.get_by_role("link", name=re.compile(r"^Beslut .*\(PDF\)")).click()
    assert download.value.suggested_filename.endswith(".pdf")
    data = download.value.path().read_bytes()
    assert data.startswith(b"%PDF-"), data[:20]
    letter = re.sub(r"\s+", " ", " ".join(
        page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages))
    for expected in (dnr, reference, TITLE, ORG_NAME, "120 000 kr", CONDITION, REASONS,
                     "Hur man överklagar"):
        assert expected in letter, f"the letter has no {expected!r}: {letter[:600]!r}…"
    shot(applicant, "applicant-letter-downloaded")

    # 9. Finance pays an advance: half the grant -------------------------------------------------
    finance = person("finance")
    log_in(finance, live_server, live_server.emails["finance"], "/ekonomi/")
    finance.get_by_role("table", name="Piloter med beviljat stöd").get_by_role(
        "link", name=reference).click()
    finance.wait_for_url(re.compile(r"/ekonomi/piloter/\d+$"))
    facts = finance.get_by_role("heading", name="Stödet").locator(
        "xpath=following-sibling::dl[1]")

    def fact(term: str) -> str:
        return text_of(facts.get_by_role("term").filter(has_text=re.compile(f"^{term}$")
                                                        ).locator("xpath=following-sibling::dd"))

    assert fact("Beviljat") == kronor(REQUESTED)
    assert fact("Förskott som kan betalas ut").startswith(kronor(ADVANCE))
    payment = finance.locator("#utbetalning")
    payment.get_by_label("Belopp (kr)").fill("60 000")
    expect(payment.get_by_label("Utbetalningsdag")).to_have_value(start.isoformat())
    payment.get_by_role("radio", name="Förskott").check()
    payment.get_by_label("Underlag (rekvisition, rapport)").fill("Rekvisition 1 (förskott)")
    assert post(finance, payment.get_by_role("button", name="Registrera utbetalningen").click
                ) == 302
    assert text_of(finance.get_by_role("status")).startswith(
        f"Utbetalningen på {kronor(ADVANCE)} till {reference} är registrerad mot beviljandet "
        f"för {year}.")
    assert fact("Utbetalt") == f"{kronor(ADVANCE)}, varav förskott {kronor(ADVANCE)}"
    assert fact("Kvar att betala ut") == kronor(REQUESTED - ADVANCE)
    assert fact("Förskott som kan betalas ut").startswith(kronor(0))
    expect(finance.get_by_role("table", name=re.compile(f"^Händelser för {reference}"))
           ).to_contain_text("Rekvisition 1 (förskott)")
    shot(finance, "finance-advance-paid")

    # 10. The pilot owner hands in the follow-up report, learnings to be published ---------------
    row.get_by_role("link", name=reference, exact=True).click()
    applicant.get_by_role("link", name="Rapporter och ändringar").click()
    reports_url = application_url + "/rapporter"
    applicant.wait_for_url(reports_url)
    applicant.get_by_role("button", name="Påbörja uppföljningsrapport", exact=True).click()
    applicant.wait_for_url(re.compile(rf"^{re.escape(reports_url)}/\d+$"))
    expect(applicant.get_by_role("status")).to_contain_text("Uppföljningsrapport är påbörjad.")
    paid = applicant.get_by_role("term").filter(has_text=re.compile("^Utbetalt hittills$"))
    assert text_of(paid.locator("xpath=following-sibling::dd[1]")) == kronor(ADVANCE)
    applicant.get_by_label("Från och med").fill(start.isoformat())
    applicant.get_by_label("Till och med").fill(end.isoformat())
    applicant.get_by_label("Vad har ni gjort?").fill(
        "Kvällsaktiviteter två kvällar i veckan, planerade och ledda av en grupp unga.")
    outcome = applicant.get_by_role("group", name=INDICATOR)
    outcome.get_by_label("Utfall totalt").fill("43")
    outcome.get_by_label("Utfall för flickor").fill("24")
    outcome.get_by_label("Utfall för pojkar").fill("19")
    for band, counts in (("13–15 år", ("16", "9", "1")), ("16–19 år", ("10", "12", "0"))):
        group = applicant.get_by_role("group", name=f"{band} (i ansökans målgrupp)")
        for label, count in zip(("Flickor", "Pojkar", "Övriga eller okänt kön"), counts,
                                strict=True):
            group.get_by_label(label).fill(count)
    for group, kind, amount, what in (("Kostnad 1", "Egen personal", "152 000", "Fritidsledare"),
                                      ("Kostnad 2", "Externa tjänster", "88 000", "Skjuts hem")):
        cost = applicant.get_by_role("group", name=group)
        cost.get_by_label("År").select_option(str(year))
        cost.get_by_label("Kostnadsslag").select_option(label=kind)
        cost.get_by_label("Belopp (kr)").fill(amount)
        cost.get_by_label("Beskrivning").fill(what)
    for label, text in LEARNINGS.items():
        applicant.get_by_label(label).fill(text)
    applicant.get_by_label("Lärdomarna får publiceras").check()
    applicant.get_by_label("Hur gick det med jämställdheten?").fill(
        "Flickorna var fler än pojkarna och valde hälften av kvällarnas program.")
    applicant.get_by_label("Hur gick det med hållbarhet och integration?").fill(
        "Inbjudningar på fyra språk; alla kvällar i lokaler nära bussen.")
    shot(applicant, "owner-follow-up-filled")
    assert post(applicant, applicant.get_by_role("button", name="Lämna in").click) == 302
    expect(applicant.get_by_role("status")).to_contain_text(
        "Uppföljningsrapport är inlämnad. Handläggaren granskar den och hör av sig.")
    expect(applicant.get_by_text("Lärdomarna får publiceras i det offentliga registret.")
           ).to_be_visible()
    shot(applicant, "owner-follow-up-handed-in")

    # 11. The officer approves it: the case is followed up ---------------------------------------
    open_reports_overview(officer).get_by_role("row").filter(has_text=TITLE).get_by_role(
        "link", name=re.compile("^Läs uppföljningsrapport")).click()
    expect(officer.get_by_role("heading", name=f"Uppföljningsrapport: {TITLE}", level=1)
           ).to_be_visible()
    participants = officer.get_by_role("table", name="Deltagare per åldersgrupp och kön")
    expect(cells(participants, "Totalt")).to_have_text(["26", "21", "1", "48"])
    expect(officer.get_by_text("Får publiceras:")).to_be_visible()
    officer.get_by_label("Kommentar till piloten (frivillig)").fill("Tack, lärorikt!")
    assert post(officer, officer.get_by_role(
        "button", name="Godkänn – ärendet blir uppföljt").click) == 302
    expect(officer.get_by_role("status")).to_contain_text(
        "Uppföljningsrapport är godkänd. Ärendet har nu status «Uppföljd».")
    shot(officer, "officer-follow-up-approved")

    # 12. The pilot owner hands in the scale-up report -------------------------------------------
    applicant.goto(reports_url)
    applicant.get_by_role("button", name="Påbörja rapport om införande i ordinarie verksamhet",
                          exact=True).click()
    applicant.wait_for_url(re.compile(rf"^{re.escape(reports_url)}/\d+$"))
    applicant.get_by_label("Organisation som tar över arbetet").fill("Lekebergs kommun")
    applicant.get_by_label("Förvaltning eller enhet").fill("Fritidsgården i Fjugesta")
    applicant.get_by_label("Hur finansieras arbetet efter piloten?").fill(
        "Fritidsgårdens ordinarie budget från nästa år.")
    applicant.get_by_label("Från vilket datum ingår arbetet i ordinarie verksamhet?").fill(
        (end + timedelta(days=1)).isoformat())
    applicant.get_by_label("Vad ändras i den ordinarie verksamheten?").fill(
        "Fritidsgården har öppet två kvällar till, med unga som leder programmet.")
    shot(applicant, "owner-scale-up-filled")
    assert post(applicant, applicant.get_by_role("button", name="Lämna in").click) == 302
    expect(applicant.get_by_role("status")).to_contain_text(
        "Rapport om införande i ordinarie verksamhet är inlämnad.")

    # 13. The officer approves it: the pilot is part of ordinary work ----------------------------
    open_reports_overview(officer).get_by_role("row").filter(has_text=TITLE).get_by_role(
        "link", name=re.compile("^Läs rapport om införande")).click()
    assert post(officer, officer.get_by_role(
        "button", name="Godkänn – ärendet blir infört i ordinarie verksamhet").click) == 302
    expect(officer.get_by_role("status")).to_contain_text(
        "Ärendet har nu status «Införd i ordinarie verksamhet».")
    officer.get_by_role("link", name="Till ärendet").click()
    expect(case_status(officer)).to_have_text("Införd i ordinarie verksamhet")
    shot(officer, "officer-scaled")

    # 14. A visitor finds the pilot in the public register, and what it taught --------------------
    visitor = person("visitor")
    visitor.goto(url + "/")
    expect(visitor.get_by_role("button", name="Logga ut")).to_have_count(0)
    visitor.get_by_role("link", name="Se alla piloter som fått stöd").click()
    visitor.wait_for_url(url + "/piloter")
    form = visitor.get_by_role("search", name="Sök och filtrera piloterna")
    form.get_by_label("Sök", exact=True).fill("Kvällsljus")
    form.get_by_label("Kommun", exact=True).select_option(label=MUNICIPALITY)
    form.get_by_role("button", name="Visa piloter").click()
    visitor.wait_for_url(re.compile(r"/piloter\?"))
    expect(visitor.get_by_role("heading", name="1 pilot", level=2)).to_be_visible()
    listed = visitor.get_by_role("article", name=TITLE)
    expect(listed).to_contain_text(ORG_NAME)
    expect(listed).to_contain_text("Införd i ordinarie verksamhet")
    shot(visitor, "public-register")

    listed.get_by_role("link", name=TITLE).click()
    visitor.wait_for_url(f"{url}/piloter/{reference}")
    expect(visitor.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    status = visitor.get_by_role("term").filter(has_text=re.compile("^Status$")).locator(
        "xpath=following-sibling::dd[1]")
    expect(status).to_have_text("Införd i ordinarie verksamhet")
    granted = visitor.get_by_role("table", name="Beviljat stöd per budgetår")
    assert text_of(cells(granted, str(year))) == kronor(REQUESTED)
    taught = visitor.get_by_role("region", name=re.compile("^Uppföljningsrapport"))
    for heading, text in zip(THEMES, LEARNINGS.values(), strict=True):
        expect(taught.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        expect(taught.get_by_text(text, exact=True)).to_be_visible()
    expect(visitor.locator("#inforande + dl")).to_contain_text("Lekebergs kommun")
    shot(visitor, "public-pilot")

    visitor.get_by_role("link", name="Lärdomar från alla piloter").click()
    visitor.wait_for_url(url + "/larande")
    learning = visitor.get_by_role("article").filter(
        has=visitor.get_by_role("heading", name=TITLE, level=3))
    expect(learning).to_have_count(1)
    expect(learning).to_contain_text(ORG_NAME)
    for text in LEARNINGS.values():
        expect(learning.get_by_text(text, exact=True)).to_be_visible()
    shot(visitor, "public-learnings")

"""From review to decision letter in real Chromium: the received case «Pilot för unga» is
reviewed by two reviewers (each declaring no jäv before they see the whole application),
assessed by the officer, granted by the decider, and the applicant downloads the letter.

Each person has their own browser context (their own cookies) and logs in through the login
form. Fields are found by their labels and roles, as a screen reader would find them, so the
journey also proves that the labels are right. A screenshot of each step goes to
test-artifacts/browser/decision-NN-<step>.png.

The journey changes the seeded case, so it runs in a module of its own (its own live server).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from pypdf import PdfReader

from tests.browser.conftest import PANEL, LiveServer
from tests.browser.test_applicant_journey import Steps

TITLE = "Pilot för unga"
# The application's background (grants.demo.fill_application): the jäv gate must not show it.
BACKGROUND = "Allt färre unga i området deltar i organiserad fritid"
DNR = re.compile(r"\b\d{2}RS\d+\b")
PANEL_EMAIL, PANEL_NAME = PANEL[0]
REVIEWER_NAME = "Greta Granskare"
ASSESSMENT_NOTE = ("Två granskare har bedömt ansökan och båda rekommenderar att den beviljas. "
                   "Föreslås beviljas med sökt belopp.")


@pytest.fixture
def steps() -> Steps:
    return Steps("decision")


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


def log_in(page: Page, server: LiveServer, email: str, lands_on: str) -> None:
    page.goto(server.url + "/logga-in")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(server.password)
    page.get_by_role("button", name="Logga in", exact=True).click()
    page.wait_for_url(server.url + lands_on)
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()


def case_status(page: Page) -> Locator:
    """The case's status as the case page's facts show it (the first «Status» term's value)."""
    return page.get_by_role("term").filter(has_text=re.compile("^Status$")).first.locator(
        "xpath=following-sibling::dd[1]")


def hand_in_review(page: Page, steps: Steps, who: str, *, score: int,
                   others: tuple[str, ...] = ()) -> None:
    """From «Granskning», the logged-in reviewer opens the case, declares no jäv, gives every
    scored criterion ``score`` with a reason, rates every horizontal criterion, recommends
    «Bevilja sökt belopp» and hands the review in; then the page shows the handed-in reviews
    of ``others`` (the reviewers' names), or says there are none yet."""
    reviews = page.get_by_role("table", name="Mina granskningar")
    row = reviews.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Ej påbörjad")
    row.get_by_role("link").click()

    # The jäv gate: the title, organisation and summary only -----------------------------------
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Är du jävig?")).to_be_visible()
    expect(page.get_by_text("Testföreningen")).to_be_visible()
    expect(page.get_by_text("Vi testar något nytt.")).to_be_visible()
    expect(page.get_by_text(BACKGROUND)).to_have_count(0)
    expect(page.get_by_role("heading", name="Budget och finansiering")).to_have_count(0)
    steps.shot(page, f"{who}-jav-gate")
    page.get_by_role("group", name="Är du jävig i det här ärendet?").get_by_role(
        "radio", name="Jag är inte jävig").check()
    page.get_by_role("button", name="Lämna jävsdeklarationen").click()
    expect(page.get_by_role("status")).to_contain_text("Du har intygat att du inte är jävig.")

    # The whole application, and the review form -----------------------------------------------
    expect(page.get_by_text(BACKGROUND)).to_be_visible()
    expect(page.get_by_role("heading", name="Budget och finansiering")).to_be_visible()
    expect(page.get_by_role("heading", name="Din granskning")).to_be_visible()
    steps.shot(page, f"{who}-application")

    scored = page.get_by_role("group", name=re.compile(r"^\d+\. "))
    assert scored.count() >= 5, f"the rubric has {scored.count()} scored criteria"
    for index in range(scored.count()):
        group = scored.nth(index)
        title = group.locator("legend").inner_text().split(". ", 1)[1].strip()
        group.get_by_role("radio", name=re.compile(rf"^{score}( |$)")).check()
        page.get_by_label(f"Motivering: {title}", exact=True).fill(
            f"{who.capitalize()}: {score} poäng för «{title}».")
    horizontal = page.get_by_role("group").filter(
        has=page.get_by_role("radio", name="Delvis", exact=True))
    assert horizontal.count() >= 1, "the rubric has horizontal criteria"
    for index in range(horizontal.count()):
        horizontal.nth(index).get_by_role("radio", name="Aktivt", exact=True).check()
    page.get_by_role("group", name="Vad rekommenderar du?").get_by_role(
        "radio", name="Bevilja sökt belopp").check()
    page.get_by_label("Kommentar till handläggaren").fill("Ett väl förankrat pilotprojekt.")
    steps.shot(page, f"{who}-review-filled")
    page.get_by_role("button", name="Lämna in granskningen").click()

    # Handed in: locked, and shown as handed in -------------------------------------------------
    expect(page.get_by_role("status")).to_contain_text("Granskningen är inlämnad. Tack!")
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_text("Granskningen är låst.", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="Lämna in granskningen")).to_have_count(0)
    expect(page.get_by_role("table", name="Poäng – din granskning")).to_be_visible()
    # Only now are the other reviewers' handed-in reviews shown.
    for name in others:
        expect(page.get_by_role("heading", name=name, level=3)).to_be_visible()
    if not others:
        expect(page.get_by_text("Ingen annan granskare har lämnat in någon bedömning")
               ).to_be_visible()
    steps.shot(page, f"{who}-handed-in")
    page.get_by_role("link", name="Granskning", exact=True).click()
    expect(page.get_by_role("table", name="Mina granskningar").get_by_role("row").filter(
        has_text=TITLE)).to_contain_text("Inlämnad")


def test_two_reviews_an_assessment_and_a_grant_give_the_applicant_a_decision_letter(
    page: Page, new_page: Callable[[], Page], live_server: LiveServer, steps: Steps
) -> None:
    url = live_server.url
    case_url = f"{url}/handlaggning/arenden/{live_server.submitted_id}"

    # (a) The reviewer: jäv gate, the whole application, the review ------------------------------
    reviewer = page
    log_in(reviewer, live_server, live_server.emails["reviewer"], "/granskning/")
    steps.shot(reviewer, "reviewer-assignments")
    hand_in_review(reviewer, steps, "reviewer", score=3)

    # (b) 100 000 kr needs two reviews: the officer assigns a second reviewer ----------------------
    officer = new_page()
    log_in(officer, live_server, live_server.officer_email, "/handlaggning/")
    officer.get_by_role("table", name="Inkomna ansökningar").get_by_role(
        "link", name=live_server.case_reference).click()
    officer.wait_for_url(case_url)
    expect(officer.get_by_text("Ärendet behöver 2 inlämnade granskningar")).to_be_visible()
    dnr_match = DNR.search(officer.get_by_text("Ärendet är diariefört som").inner_text())
    assert dnr_match, "the case page shows the registered Dnr"
    dnr = dnr_match[0]
    reviewers = officer.get_by_role("table", name="Granskare i ärendet")
    expect(reviewers.get_by_role("row").filter(has_text=REVIEWER_NAME)).to_contain_text(
        "Inlämnad")
    officer.get_by_label("Tilldela granskare").select_option(label=PANEL_NAME)
    officer.get_by_role("button", name="Tilldela granskaren").click()
    expect(officer.get_by_role("status")).to_contain_text(
        f"{PANEL_NAME} är tilldelad som granskare.")
    expect(reviewers.get_by_role("row").filter(has_text=PANEL_NAME)).to_contain_text(
        "Väntar på jävsdeklarationen")
    steps.shot(officer, "officer-assigned")

    panel = new_page()
    log_in(panel, live_server, PANEL_EMAIL, "/granskning/")
    hand_in_review(panel, steps, "panel", score=2, others=(REVIEWER_NAME,))

    # (c) The officer assesses: both reviews in the summary, the proposal «Bevilja» ---------------
    officer.goto(case_url)
    officer.get_by_role("link", name="Sammanställning av granskningarna").click()
    officer.wait_for_url(case_url + "/bedomning")
    expect(officer.get_by_text("2 av 2 granskningar som ärendet behöver är inlämnade")
           ).to_be_visible()
    scores = officer.get_by_role("table", name=re.compile("^Poäng per kriterium"))
    for name in (REVIEWER_NAME, PANEL_NAME):
        expect(scores.get_by_role("columnheader", name=name)).to_be_visible()
    totals = scores.get_by_role("row").filter(has_text="Viktad summa")
    maximum_match = re.search(r"av (\d+)", totals.inner_text())
    assert maximum_match, totals.inner_text()
    maximum = int(maximum_match[1])
    # Every criterion 3 (the most) from one reviewer and 2 from the other.
    expect(totals).to_contain_text(f"{maximum} av {maximum}")
    expect(totals).to_contain_text(f"{maximum * 2 // 3} av {maximum}")
    expect(officer.get_by_role("table", name=re.compile("^Rekommendation och kommentar"))
           ).to_contain_text("Bevilja sökt belopp")
    steps.shot(officer, "officer-assessment")
    officer.get_by_role("group", name="Förslag till beslut").get_by_role(
        "radio", name="Bevilja", exact=True).check()
    amount = officer.get_by_label(re.compile(r"^Föreslaget belopp \d{4} \(kr\)"))
    expect(amount).to_have_value(re.compile(r"^100\s?000$"))
    officer.get_by_label("Föredragandens anteckning och förslag till beslut").fill(ASSESSMENT_NOTE)
    officer.get_by_role("button", name="Bedöm ärendet").click()
    officer.wait_for_url(case_url)
    expect(officer.get_by_role("status")).to_contain_text("Ärendet är bedömt")
    expect(case_status(officer)).to_have_text("Bedömd")
    steps.shot(officer, "officer-assessed")

    # (d) The decider grants the proposed amount --------------------------------------------------
    decider = new_page()
    log_in(decider, live_server, live_server.emails["decider"], "/handlaggning/")
    decider.goto(case_url)
    decider.get_by_role("link", name="Fatta beslut").first.click()
    decider.wait_for_url(f"{url}/beslut/arenden/{live_server.submitted_id}")
    expect(decider.get_by_role("heading", name=f"Beslut: {TITLE}", level=1)).to_be_visible()
    expect(decider.get_by_text(ASSESSMENT_NOTE).first).to_be_visible()
    outcome = decider.get_by_role("group", name="Beslut", exact=True)
    expect(outcome.get_by_role("radio", name="Bevilja")).to_be_checked()
    expect(decider.get_by_label(re.compile(r"^Belopp för \d{4} \(kr\)"))).to_have_value(
        re.compile(r"^100\s?000$"))
    decider.get_by_label("Jag är inte jävig i ärendet (förvaltningslagen 16 §)").check()
    steps.shot(decider, "decider-decision")
    decider.get_by_role("button", name="Fatta beslutet").click()
    decider.wait_for_url(case_url)
    flash = decider.get_by_role("status")
    expect(flash).to_contain_text("Beslutet är fattat: ansökan beviljas med 100")
    expect(flash).to_contain_text("Beslutsbrevet är skickat till sökanden.")
    expect(case_status(decider)).to_have_text("Beviljad")
    expect(decider.get_by_role("link", name="Brevet som PDF")).to_be_visible()
    expect(decider.get_by_role("link", name="Brevet som webbsida")).to_be_visible()
    steps.shot(decider, "decider-granted")

    # (e) The applicant finds the decision and downloads the letter -------------------------------
    applicant = new_page()
    log_in(applicant, live_server, live_server.emails["applicant"], "/mina-ansokningar/")
    row = applicant.get_by_role("table", name="Organisationens ansökningar").get_by_role(
        "row").filter(has_text=TITLE)
    expect(row).to_contain_text("Beviljad")
    letter_link = row.get_by_role("link", name=re.compile(r"^Beslut .*\(PDF\)"))
    expect(letter_link).to_have_count(1)
    steps.shot(applicant, "applicant-decision")
    with applicant.expect_download() as download:
        letter_link.click()
    assert download.value.suggested_filename.endswith(".pdf")
    pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in pdf.pages))
    for expected in ("Beslut", "Hur man överklagar", dnr, "100 000 kr", "Örebro"):
        assert expected in text, f"the letter has no {expected!r}: {text[:500]!r}…"

    # The accessible version of the same letter.
    row.get_by_role("link", name=re.compile(r"^\(tillgänglig version")).click()
    expect(applicant.get_by_role("heading", level=1)).to_contain_text("Beslut")
    expect(applicant.get_by_text(dnr).first).to_be_visible()
    steps.shot(applicant, "applicant-letter")

"""Every page of every role passes an automated axe-core scan (WCAG 2.0/2.1 A and AA rules) with
no serious or critical violations.

One test per (role, page): the role logs in through the real login form, opens the page (or
brings it into an error state: a form refused with its error summary), and axe-core scans it.
axe-core cannot judge everything (WCAG needs people too), but what it finds is a real problem.

The applicant's form is scanned section by section (every section of grants.views.sections, so a
new section is scanned without a change here) on a complete draft, and in its error states on the
incomplete draft: problems shown next to the fields, refused input, an incomplete review.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from grants import create_app
from grants.completeness import SECTION_BY_KEY, SECTIONS, today
from grants.views.sections import HANDLERS
from tests.browser.conftest import (
    KUMLA_FOLLOWED_UP_TITLE,
    PANEL,
    PORTFOLIO_REVIEW_TITLE,
    LiveServer,
    Violation,
)

FAILING_IMPACTS = {"serious", "critical"}
SHOWN_TARGETS = 3


@dataclass(frozen=True)
class Scan:
    role: str
    """``"anonymous"`` or a role of LiveServer.emails (who logs in, unless ``email`` says)."""
    name: str
    path: str
    """May name the seeded applications' ids ``{draft}``, ``{incomplete}``, ``{submitted}``,
    ``{assessed}`` and ``{granted}``, the granted case's ``{decision}`` and ``{letter}``, the
    reviewer's reviews ``{gate_review}`` (jäv not declared yet) and ``{open_review}`` (cleared,
    nothing scored), a panel reviewer's ``{handed_in_review}``, and after the grant (see
    LiveServer): the pilots ``{pilot}``, ``{reporting}`` and ``{closing}``, the reporting pilot's
    ``{stage_report}`` (approved), ``{waiting_report}`` (handed in), ``{follow_up_draft}``
    (empty), ``{payment_request}`` and ``{change_request}``, and the closing pilot's
    ``{final_report}``; in the public register (see LiveServer) the followed-up Kumla pilot's
    reference ``{public_pilot}`` and id ``{portfolio_pilot}`` (on the portfolio map, with a
    relation), and the portfolio review ``{portfolio_review}``."""
    status: int = 200
    refuse: Callable[[Page], int] | None = None
    """Brings the opened page into an error state; returns the response status it got."""
    alert: bool = False
    """The page opens with an error summary (problems to fix) without being refused."""
    headings: tuple[str, ...] = ()
    """Headings the page must show (the scan is sure it reached that page and all of it)."""
    email: str | None = None
    """Log in as this user (with the seeded password) instead of the role's user."""

    @property
    def id(self) -> str:
        return f"{self.role}-{self.name}"

    def url(self, server: LiveServer) -> str:
        return server.url + self.path.format(
            draft=server.draft_id, incomplete=server.incomplete_draft_id,
            submitted=server.submitted_id, assessed=server.assessed_id,
            granted=server.granted_id, decision=server.decision_id, letter=server.letter_id,
            gate_review=server.gate_review_id, open_review=server.open_review_id,
            handed_in_review=server.handed_in_review_id, year=today().year,
            pilot=server.pilot_id, reporting=server.reporting_id, closing=server.closing_id,
            stage_report=server.stage_report_id, waiting_report=server.waiting_report_id,
            follow_up_draft=server.follow_up_draft_id, payment_request=server.payment_request_id,
            change_request=server.change_request_id, final_report=server.final_report_id,
            public_pilot=server.kumla_followed_up, portfolio_pilot=server.kumla_followed_up_id,
            portfolio_review=server.portfolio_review_id, person=server.applicant_user_id,
            feedback=server.feedback_id, reset_token=server.reset_token,
        )


def _submit(page: Page, button: str) -> int:
    """Press the (first) button named ``button`` and return the status of the page it posts to."""
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()
    return response.value.status


def too_long_title(page: Page) -> int:
    # The input has maxlength=200, which stops typing but not a script (or an old browser), and
    # the server must refuse the value with an error summary.
    page.locator("#title").evaluate("(el, value) => { el.value = value; }", "Lång titel " * 20)
    page.get_by_label("Sammanfattning").fill("Vi testar något nytt.")
    return _submit(page, "Spara utkast")


def bad_registration(page: Page) -> int:
    # An organisation number with a wrong check digit and two passwords that differ.
    page.get_by_label("Ditt namn").fill("Nina Ny")
    page.get_by_label("E-postadress").fill("nina@example.se")
    page.get_by_label("Välj lösenord").fill("ett-langt-losenord-1")
    page.get_by_label("Upprepa lösenordet").fill("ett-langt-losenord-2")
    page.get_by_label("Organisationsnummer").fill("212000-1885")
    return _submit(page, "Skapa konto")


def amount_with_decimals(page: Page) -> int:
    # Whole kronor only: «12,50» is a format error, kept as typed and shown with its message.
    page.locator("#budget_lines-0-amount").fill("12,50")
    return _submit(page, "Spara")


def upload_without_file(page: Page) -> int:
    return _submit(page, "Ladda upp bilagan")


def submit_incomplete(page: Page) -> int:
    return _submit(page, "Skicka in ansökan")


def settings_without_reason(page: Page) -> int:
    page.get_by_label("Högsta stödandel (procent av projektets totala kostnader)").fill("0")
    return _submit(page, "Spara reglerna")


def return_without_reason(page: Page) -> int:
    return _submit(page, "Återsänd för komplettering")


def declare_jav_without_ground(page: Page) -> int:
    # «Jag är jävig» needs the ground (FL 16 §) and a short note.
    page.get_by_role("radio", name="Jag är jävig", exact=True).check()
    return _submit(page, "Lämna jävsdeklarationen")


def hand_in_empty_review(page: Page) -> int:
    return _submit(page, "Lämna in granskningen")


def malformed_dnr(page: Page) -> int:
    page.get_by_label("Diarienummer").fill("RS-12")
    return _submit(page, "Ändra diarienummer")


def assess_without_note(page: Page) -> int:
    # Nothing chosen and no note: the form's own messages at the fields.
    page.get_by_label("Föredragandens anteckning och förslag till beslut").fill("")
    return _submit(page, "Bedöm ärendet")


def assess_without_reviews(page: Page) -> int:
    # The form is filled in, but the received case has no review handed in: the operation's
    # (or the workflow's) reasons at the top.
    page.get_by_role("group", name="Förslag till beslut").get_by_role(
        "radio", name="Bevilja", exact=True).check()
    page.get_by_label("Föredragandens anteckning och förslag till beslut").fill(
        "Föreslås beviljas.")
    return _submit(page, "Bedöm ärendet")


def reject_without_reasons_or_jav(page: Page) -> int:
    # «Avslå» with the reasons cleared and the jäv confirmation not ticked.
    page.get_by_role("group", name="Beslut").get_by_role("radio", name="Avslå").check()
    page.get_by_label("Skäl för beslutet").fill("")
    expect(page.get_by_label("Jag är inte jävig i ärendet (förvaltningslagen 16 §)")
           ).not_to_be_checked()
    return _submit(page, "Fatta beslutet")


def correct_without_note(page: Page) -> int:
    return _submit(page, "Fatta det rättade beslutet")


def rubric_without_reason(page: Page) -> int:
    page.get_by_label("Varför ändras mallen?").fill("")
    return _submit(page, "Spara mallen")


def letter_text_without_reason(page: Page) -> int:
    page.get_by_label("Varför ändras texten?").fill("")
    return _submit(page, "Spara som ny version")


def payment_over_the_grant(page: Page) -> int:
    page.get_by_label("Belopp (kr)").first.fill("9 999 999")
    page.get_by_label("Utbetalningsdag").fill(today().isoformat())
    page.get_by_label("Mot redovisade kostnader").check()
    page.get_by_label("Underlag (rekvisition, rapport)").fill("Rekvisition 1")
    return _submit(page, "Registrera utbetalningen")


def reservation_below_committed(page: Page) -> int:
    page.get_by_label("Ny avsättning (kr)").fill("1")
    page.get_by_label("Varför ändras avsättningen?").fill("Prov")
    return _submit(page, "Ändra avsättningen")


def reservation_in_letters(page: Page) -> int:
    page.get_by_label("Ny avsättning (kr)").fill("mycket")
    return _submit(page, "Ändra avsättningen")


def negative_participant_count(page: Page) -> int:
    # A count of participants below zero: kept as typed, with its message, and the draft is not
    # saved (the typed values wait in the report's unsaved input).
    page.get_by_role("group", name="13–15 år (i ansökans målgrupp)").get_by_label(
        "Flickor").fill("-3")
    page.get_by_label("Vad har ni gjort?").fill("Kvällsöppet i studion två dagar i veckan.")
    return _submit(page, "Spara utkast")


def change_request_without_reason(page: Page) -> int:
    return _submit(page, "Skicka ändringsansökan")


def return_report_without_reason(page: Page) -> int:
    return _submit(page, "Återsänd rapporten för komplettering")


def due_dates_without_reason(page: Page) -> int:
    return _submit(page, "Spara de nya datumen")


def close_without_reason(page: Page) -> int:
    return _submit(page, "Avsluta piloten och återför pengarna")


def change_decision_without_outcome(page: Page) -> int:
    return _submit(page, "Fatta ändringsbeslutet")


def cancel_without_reasons_or_jav(page: Page) -> int:
    return _submit(page, "Återkalla stödet")


def pay_more_than_requested(page: Page) -> int:
    page.get_by_label("Belopp att betala ut (kr)").fill("999 999")
    return _submit(page, "Betala ut")


def review_without_anything(page: Page) -> int:
    # No date, no title and no decisions: the form's own messages at the fields.
    page.get_by_label("Datum för genomgången").fill("")
    return _submit(page, "Spara genomgången")


def relation_without_pilot(page: Page) -> int:
    return _submit(page, "Lägg till relationen")


def feedback_without_description(page: Page) -> int:
    page.get_by_label("Din e-postadress (frivilligt)").fill("inte-en-adress")
    return _submit(page, "Skicka synpunkten")


def account_change_without_reason(page: Page) -> int:
    page.get_by_label("Granskare").check()
    return _submit(page, "Spara ändringarna")


def reset_link_without_address(page: Page) -> int:
    return _submit(page, "Skicka länk")


def too_short_new_password(page: Page) -> int:
    page.get_by_label("Nytt lösenord", exact=True).fill("kort")
    page.get_by_label("Upprepa det nya lösenordet").fill("kort")
    return _submit(page, "Byt lösenord")


def close_feedback_without_answer(page: Page) -> int:
    return _submit(page, "Avsluta ärendet")


APPLICATION_HEADINGS = tuple(section.title for section in SECTIONS)
"""The whole application (templates/applications/_content.html) has a heading per section."""

SCANS = [
    Scan("anonymous", "start", "/"),
    Scan("anonymous", "login", "/logga-in"),
    Scan("anonymous", "not-found", "/finns-inte", status=404),
    Scan("anonymous", "register", "/registrera", headings=("Skapa konto för att söka",)),
    Scan("anonymous", "register-refused", "/registrera", refuse=bad_registration),
    Scan("anonymous", "privacy", "/personuppgifter", headings=("Personuppgifter i Pilotfonden",)),
    Scan("applicant", "my-applications", "/mina-ansokningar/"),
    Scan("applicant", "new-draft", "/mina-ansokningar/ny"),
    Scan("applicant", "new-draft-refused", "/mina-ansokningar/ny", refuse=too_long_title),
    Scan("applicant", "draft", "/mina-ansokningar/{draft}"),
    Scan("applicant", "draft-overview", "/mina-ansokningar/{draft}/redigera"),
    *(
        Scan("applicant", f"section-{section}", f"/mina-ansokningar/{{draft}}/avsnitt/{section}",
             headings=(SECTION_BY_KEY[section].title,))
        for section in HANDLERS
    ),
    Scan("applicant", "section-problems", "/mina-ansokningar/{incomplete}/avsnitt/projekt",
         alert=True),
    Scan("applicant", "section-budget-refused", "/mina-ansokningar/{incomplete}/avsnitt/budget",
         refuse=amount_with_decimals),
    Scan("applicant", "attachments", "/mina-ansokningar/{draft}/bilagor", headings=("Bilagor",)),
    Scan("applicant", "attachments-refused", "/mina-ansokningar/{draft}/bilagor",
         refuse=upload_without_file),
    Scan("applicant", "review", "/mina-ansokningar/{draft}/granska",
         headings=("Granska och skicka in",)),
    Scan("applicant", "review-incomplete", "/mina-ansokningar/{incomplete}/granska", alert=True),
    Scan("applicant", "review-refused", "/mina-ansokningar/{incomplete}/granska",
         refuse=submit_incomplete),
    Scan("applicant", "submitted", "/mina-ansokningar/{submitted}"),
    Scan("applicant", "receipt", "/mina-ansokningar/{submitted}/kvitto",
         headings=("Ansökan har kommit in",)),
    Scan("officer", "cases", "/handlaggning/"),
    Scan("officer", "case", "/handlaggning/arenden/{submitted}",
         headings=("Pilot för unga", *APPLICATION_HEADINGS)),
    Scan("officer", "case-refused", "/handlaggning/arenden/{submitted}",
         refuse=return_without_reason),
    Scan("officer", "case-dnr-refused", "/handlaggning/arenden/{submitted}",
         refuse=malformed_dnr),
    Scan("officer", "case-assessed", "/handlaggning/arenden/{assessed}",
         headings=("Läxhjälp på biblioteket", "Bedömning")),
    Scan("officer", "case-granted", "/handlaggning/arenden/{granted}",
         headings=("Föräldracafé", "Beslut")),
    Scan("officer", "assessment", "/handlaggning/arenden/{assessed}/bedomning",
         headings=("Bedömning: Läxhjälp på biblioteket", "Poäng", "Föredragandens förslag")),
    Scan("officer", "assessment-open", "/handlaggning/arenden/{submitted}/bedomning",
         headings=("Bedömning: Pilot för unga",)),
    Scan("officer", "assessment-refused", "/handlaggning/arenden/{submitted}/bedomning",
         refuse=assess_without_note),
    Scan("officer", "assessment-refused-no-reviews",
         "/handlaggning/arenden/{submitted}/bedomning", refuse=assess_without_reviews),
    Scan("officer", "letter", "/beslut/brev/{letter}"),
    Scan("decider", "cases", "/handlaggning/"),
    Scan("decider", "case", "/handlaggning/arenden/{submitted}"),
    Scan("decider", "case-assessed", "/handlaggning/arenden/{assessed}"),
    Scan("decider", "case-granted", "/handlaggning/arenden/{granted}"),
    Scan("decider", "assessment", "/handlaggning/arenden/{assessed}/bedomning"),
    Scan("decider", "decide", "/beslut/arenden/{assessed}",
         headings=("Beslut: Läxhjälp på biblioteket", "Ditt beslut")),
    Scan("decider", "decide-refused", "/beslut/arenden/{assessed}",
         refuse=reject_without_reasons_or_jav),
    Scan("decider", "meeting", "/beslut/sammantrade", headings=("Sammanträde",)),
    Scan("decider", "decided", "/beslut/arenden/{granted}", status=409, alert=True),
    Scan("decider", "correct", "/beslut/{decision}/rattelse",
         headings=("Rätta beslutet: Föräldracafé",)),
    Scan("decider", "correct-refused", "/beslut/{decision}/rattelse",
         refuse=correct_without_note),
    Scan("decider", "letter", "/beslut/brev/{letter}"),
    Scan("applicant", "letter", "/mina-ansokningar/{granted}/beslut/{letter}"),
    Scan("reviewer", "reviews", "/granskning/", headings=("Granskning",)),
    Scan("reviewer", "jav-gate", "/granskning/{gate_review}",
         headings=("Pilot för unga", "Är du jävig?")),
    Scan("reviewer", "jav-gate-refused", "/granskning/{gate_review}",
         refuse=declare_jav_without_ground),
    Scan("reviewer", "review-form", "/granskning/{open_review}",
         headings=("Fritidsbank", "Din granskning", *APPLICATION_HEADINGS)),
    Scan("reviewer", "review-form-refused", "/granskning/{open_review}",
         refuse=hand_in_empty_review),
    # Handed in, on an assessed case: read-only, with the other panel reviewer's review.
    Scan("reviewer", "review-handed-in", "/granskning/{handed_in_review}", email=PANEL[0][0],
         headings=("Läxhjälp på biblioteket", "Din granskning", "Andra granskares bedömningar",
                   PANEL[1][1])),
    Scan("admin", "fund-settings", "/admin/installningar", headings=("Fondens regler",)),
    Scan("admin", "fund-settings-refused", "/admin/installningar",
         refuse=settings_without_reason),
    Scan("admin", "rubrics", "/admin/bedomningsmallar"),
    Scan("admin", "rubric-edit", "/admin/bedomningsmallar/ny",
         headings=("Ändra bedömningsmallen",)),
    Scan("admin", "rubric-edit-refused", "/admin/bedomningsmallar/ny",
         refuse=rubric_without_reason),
    Scan("admin", "letter-texts", "/admin/beslutstexter"),
    Scan("admin", "letter-texts-refused", "/admin/beslutstexter",
         refuse=letter_text_without_reason),
    Scan("finance", "dashboard", "/ekonomi/"),
    Scan("finance", "year", "/ekonomi/ar/{year}"),
    Scan("finance", "year-refused", "/ekonomi/ar/{year}", refuse=reservation_below_committed),
    Scan("finance", "year-format-error", "/ekonomi/ar/{year}", refuse=reservation_in_letters),
    Scan("finance", "pilot", "/ekonomi/piloter/{granted}"),
    Scan("finance", "pilot-payment-refused", "/ekonomi/piloter/{granted}",
         refuse=payment_over_the_grant),
    Scan("admin", "finance-dashboard", "/ekonomi/"),
    # After the grant: reports, follow-up, changes, closing and payment requests.
    Scan("applicant", "pilot-reports", "/mina-ansokningar/{pilot}/rapporter",
         headings=("Rapporter och ändringar", "Rapporter", "Ändringar av beslutet")),
    Scan("applicant", "pilot-reports-in-progress", "/mina-ansokningar/{reporting}/rapporter",
         headings=("Rapporter och ändringar", "Rekvisitioner")),
    Scan("applicant", "report-form", "/mina-ansokningar/{reporting}/rapporter/{follow_up_draft}",
         headings=("Uppföljningsrapport", "Period", "Resultatindikatorer", "Deltagare",
                   "Kostnader och medfinansiering", "Lärdomar", "Jämställdhet och hållbarhet",
                   "Rekvisition (begäran om utbetalning)", "Bilagor")),
    Scan("applicant", "report-form-refused",
         "/mina-ansokningar/{reporting}/rapporter/{follow_up_draft}",
         refuse=negative_participant_count),
    Scan("applicant", "report-approved", "/mina-ansokningar/{reporting}/rapporter/{stage_report}",
         headings=("Delrapport 1", "Rapporten är godkänd")),
    Scan("applicant", "change-request", "/mina-ansokningar/{granted}/andring",
         headings=("Ansök om ändring av beslutet",)),
    Scan("applicant", "change-request-refused", "/mina-ansokningar/{granted}/andring",
         refuse=change_request_without_reason),
    Scan("applicant", "change-request-pending", "/mina-ansokningar/{reporting}/andring",
         headings=("Ansök om ändring av beslutet",)),
    Scan("officer", "report-overview", "/handlaggning/rapporter",
         headings=("Rapporter att följa upp", "Försenade rapporter", "Rapporter som ska lämnas",
                   "Inlämnade rapporter att granska")),
    Scan("officer", "report", "/handlaggning/arenden/{reporting}/rapporter/{waiting_report}",
         headings=("Delrapport 2: Musikstudio i Vivalla", "Granska rapporten")),
    Scan("officer", "report-return-refused",
         "/handlaggning/arenden/{reporting}/rapporter/{waiting_report}",
         refuse=return_report_without_reason),
    Scan("officer", "report-approved", "/handlaggning/arenden/{closing}/rapporter/{final_report}",
         headings=("Ekonomisk slutrapport: Simskola på sommarlovet",)),
    Scan("officer", "case-reporting", "/handlaggning/arenden/{reporting}",
         headings=("Musikstudio i Vivalla", "Uppföljning")),
    Scan("officer", "due-dates", "/handlaggning/arenden/{reporting}/rapportdatum",
         headings=("Ändra rapportdatum",)),
    Scan("officer", "due-dates-refused", "/handlaggning/arenden/{reporting}/rapportdatum",
         refuse=due_dates_without_reason),
    Scan("officer", "close", "/handlaggning/arenden/{closing}/avsluta",
         headings=("Avsluta piloten", "Pengar som återförs")),
    Scan("officer", "close-refused", "/handlaggning/arenden/{closing}/avsluta",
         refuse=close_without_reason),
    Scan("officer", "close-blocked", "/handlaggning/arenden/{reporting}/avsluta",
         headings=("Avsluta piloten", "Det här måste vara klart först")),
    Scan("decider", "pending-changes", "/beslut/andringar",
         headings=("Ändringsansökningar som väntar på beslut",)),
    Scan("decider", "change-request", "/beslut/andringar/{change_request}",
         headings=("Ändringsansökan: Musikstudio i Vivalla", "Ditt ändringsbeslut")),
    Scan("decider", "change-request-refused", "/beslut/andringar/{change_request}",
         refuse=change_decision_without_outcome),
    Scan("decider", "cancel", "/beslut/arenden/{reporting}/aterkallelse",
         headings=("Återkalla stödet: Musikstudio i Vivalla", "Pengarna")),
    Scan("decider", "cancel-refused", "/beslut/arenden/{reporting}/aterkallelse",
         refuse=cancel_without_reasons_or_jav),
    Scan("decider", "report", "/handlaggning/arenden/{reporting}/rapporter/{stage_report}",
         headings=("Delrapport 1: Musikstudio i Vivalla",)),
    Scan("finance", "payment-requests", "/ekonomi/rekvisitioner",
         headings=("Rekvisitioner", "Att betala ut")),
    Scan("finance", "payment-requests-refused", "/ekonomi/rekvisitioner",
         refuse=pay_more_than_requested),
    *(
        scan
        for role in ("reviewer", "finance", "admin")
        for scan in (Scan(role, "start", "/"), Scan(role, "cases-forbidden", "/handlaggning/",
                                                    status=403))
    ),
    # Open by default: the register, a pilot's public record, the learnings, the open map.
    Scan("anonymous", "pilots", "/piloter", headings=("Piloter som fått stöd",)),
    Scan("anonymous", "pilots-filtered", "/piloter?insatsomrade=leisure&kommun=1881"
         "&sortering=titel", headings=("2 piloter", KUMLA_FOLLOWED_UP_TITLE)),
    Scan("anonymous", "pilots-search", "/piloter?q=kumla", headings=("Piloter som fått stöd",)),
    Scan("anonymous", "pilots-bad-value", "/piloter?kommun=9999&status=okand", status=400,
         alert=True, headings=("Sökningen kunde inte göras",)),
    Scan("anonymous", "pilots-past-the-end", "/piloter?sida=99",
         headings=("Piloter som fått stöd",)),
    Scan("anonymous", "public-pilot", "/piloter/{public_pilot}",
         headings=(KUMLA_FOLLOWED_UP_TITLE, "Beviljat stöd", "Resultat", "Deltagare", "Lärdomar",
                   "Införande i ordinarie verksamhet")),
    Scan("anonymous", "learnings", "/larande", headings=("Lärdomar från piloterna",)),
    Scan("anonymous", "learnings-filtered", "/larande?insatsomrade=leisure&tema=tips",
         headings=("Lärdomar från piloterna", KUMLA_FOLLOWED_UP_TITLE)),
    Scan("anonymous", "learnings-bad-value", "/larande?tema=okand", status=400, alert=True),
    Scan("anonymous", "open-portfolio", "/portfoljen",
         headings=("Portföljen – piloterna tillsammans", "Hur piloterna hänger ihop")),
    Scan("applicant", "pilots", "/piloter?insatsomrade=leisure"),
    # The accessibility statement and its feedback; accounts.
    Scan("anonymous", "accessibility-statement", "/tillganglighet",
         headings=("Tillgänglighet för Pilotfonden", "Innehåll som inte är tillgängligt",
                   "Om du inte kan använda delar av webbplatsen")),
    Scan("anonymous", "accessibility-feedback-refused", "/tillganglighet",
         refuse=feedback_without_description),
    Scan("officer", "feedback-cases", "/handlaggning/tillganglighet",
         headings=("Synpunkter på tillgängligheten",)),
    Scan("officer", "feedback-case", "/handlaggning/tillganglighet/{feedback}",
         headings=("Synpunkten", "Avsluta ärendet", "Historik")),
    Scan("officer", "feedback-case-refused", "/handlaggning/tillganglighet/{feedback}",
         refuse=close_feedback_without_answer),
    *(Scan(role, "own-account", "/konto", headings=("Mitt konto", "Logga ut på alla enheter"))
      for role in ("applicant", "reviewer", "officer", "decider", "finance", "admin")),
    Scan("anonymous", "forgotten-password", "/glomt-losenord"),
    Scan("anonymous", "forgotten-password-refused", "/glomt-losenord",
         refuse=reset_link_without_address),
    Scan("anonymous", "new-password", "/aterstall-losenord/{reset_token}",
         headings=("Välj nytt lösenord",)),
    Scan("anonymous", "new-password-refused", "/aterstall-losenord/{reset_token}",
         refuse=too_short_new_password),
    Scan("anonymous", "reset-link-invalid", "/aterstall-losenord/ogiltig", status=400),
    Scan("admin", "users", "/admin/anvandare", headings=("Användare",)),
    Scan("admin", "users-filtered", "/admin/anvandare?roll=applicant&status=aktiva&q=sara",
         headings=("Användare",)),
    Scan("admin", "users-bad-filter", "/admin/anvandare?roll=kung", status=400, alert=True),
    Scan("admin", "user", "/admin/anvandare/{person}",
         headings=("Roller och status", "Logga ut på alla enheter", "Historik")),
    Scan("admin", "user-refused", "/admin/anvandare/{person}",
         refuse=account_change_without_reason),
    *(
        scan
        for role in ("officer", "decider")
        for scan in (
            Scan(role, "portfolio", "/portfolj",
                 headings=("Portföljen", "Insatsområde och kommun", "Hävstång och horisont")),
            Scan(role, "portfolio-relations", "/portfolj/relationer",
                 headings=("Relationer mellan piloter",)),
            Scan(role, "portfolio-reviews", "/portfolj/genomgangar",
                 headings=("Portföljgenomgångar",)),
            Scan(role, "portfolio-new-review", "/portfolj/genomgangar/ny",
                 headings=("För in en portföljgenomgång",)),
            Scan(role, "portfolio-pilot", "/portfolj/piloter/{portfolio_pilot}",
                 headings=("Platsen i portföljen", "Relationer till andra piloter")),
            Scan(role, "portfolio-review", "/portfolj/genomgangar/{portfolio_review}",
                 headings=(PORTFOLIO_REVIEW_TITLE, "Beslut")),
        )
    ),
    Scan("officer", "portfolio-new-review-refused", "/portfolj/genomgangar/ny",
         refuse=review_without_anything),
    Scan("officer", "portfolio-relation-refused", "/portfolj/piloter/{portfolio_pilot}",
         refuse=relation_without_pilot),
]


def log_in(page: Page, server: LiveServer, role: str, email: str | None = None) -> None:
    page.goto(server.url + "/logga-in")
    page.get_by_label("E-postadress").fill(email or server.emails[role])
    page.get_by_label("Lösenord").fill(server.password)
    page.get_by_role("button", name="Logga in", exact=True).click()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()


def describe(violations: list[Violation]) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, node["target"])) for node in v["nodes"]]
        shown = ", ".join(targets[:SHOWN_TARGETS])
        more = f" (+{len(targets) - SHOWN_TARGETS} more)" if len(targets) > SHOWN_TARGETS else ""
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']}: {shown}{more}\n  {v['helpUrl']}")
    return "\n".join(lines)


@pytest.mark.parametrize("scan", SCANS, ids=[scan.id for scan in SCANS])
def test_page_has_no_serious_accessibility_violations(
    page: Page, live_server: LiveServer, axe: Callable[[Page], list[Violation]], scan: Scan
) -> None:
    if scan.role != "anonymous":
        log_in(page, live_server, scan.role, scan.email)

    response = page.goto(scan.url(live_server))
    assert response is not None
    if scan.refuse is None:
        assert response.status == scan.status, f"{scan.path} answered {response.status}"
        if scan.alert:
            expect(page.get_by_role("alert")).to_be_visible()
        for heading in scan.headings:
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    else:
        assert response.status == 200, f"{scan.path} answered {response.status}"
        status = scan.refuse(page)
        assert status in (409, 422), f"the refused form answered {status}"
        expect(page.get_by_role("alert")).to_be_visible()

    violations = [v for v in axe(page) if v["impact"] in FAILING_IMPACTS]
    assert not violations, (
        f"axe-core: {len(violations)} serious or critical violation(s) on {scan.path} "
        f"as {scan.role}:\n{describe(violations)}"
    )


NOT_PAGES = {
    # Data and files, not pages: the API (JSON/CSV), feeds, exports, PDFs, attachments, zips.
    "api.learnings", "api.learnings_csv", "api.ledger", "api.openapi_document", "api.pilot",
    "api.pilots", "api.pilots_csv", "api.pots", "api.threesixty_giving",
    "public.healthz", "public.learnings_feed", "finance_export.ledger", "finance_export.pilots",
    "applicant.download_attachment", "applicant.letter_pdf", "applicant.print_pdf",
    "decisions.letter_pdf", "dossier.download", "followup.download_attachment",
    "officer.download_attachment", "officer.print_pdf", "pilot_reports.download_attachment",
    "review.download_attachment", "review.print_pdf",
}
"""GET endpoints that answer with something other than an HTML page."""


def test_every_page_the_app_serves_is_scanned(tmp_path) -> None:
    """A new page fails this until it gets a scan in SCANS (or is listed in NOT_PAGES)."""
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/routes.db"})
    adapter = app.url_map.bind("localhost")
    values = {name: "1" for name in (
        "draft", "incomplete", "submitted", "assessed", "granted", "decision", "letter",
        "gate_review", "open_review", "handed_in_review", "year", "pilot", "reporting",
        "closing", "stage_report", "waiting_report", "follow_up_draft", "payment_request",
        "change_request", "final_report", "portfolio_pilot", "portfolio_review", "person",
        "feedback", "reset_token")} | {"public_pilot": "PF-2026-0001"}
    scanned = {adapter.match(urlsplit(scan.path.format(**values)).path)[0]
               for scan in SCANS if scan.status != 404}
    pages = {rule.endpoint for rule in app.url_map.iter_rules()
             if "GET" in (rule.methods or ()) and rule.endpoint != "static"} - NOT_PAGES
    app.extensions["pilotfonden.engine"].dispose()
    assert pages - scanned == set(), "pages without an accessibility scan"
    assert NOT_PAGES <= {rule.endpoint for rule in app.url_map.iter_rules()}

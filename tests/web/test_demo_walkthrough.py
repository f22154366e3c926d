"""The issue's "done when", on the demo data and through the real forms: a received application is
screened, reviewed by two reviewers, assessed, granted, and its letter downloaded by the applicant.
"""

from __future__ import annotations

import io

import pypdf
import sqlalchemy as sa

from grants.db import session
from grants.demo import DEMO_PASSWORD
from grants.letters import swedish_date
from grants.models import Application, Pot, Review, User
from tests.conftest import csrf_token, login
from tests.web.conftest import page
from tests.web.test_decision_pages import post_form
from tests.web.test_review_pages import complete_review

TITLE = "Föräldracaféer i Kumla"


def _client(app, email: str):
    client = app.test_client()
    user = session.scalar(sa.select(User).where(User.email == email))
    assert login(client, user, DEMO_PASSWORD).status_code == 302
    return client


def _post(client, url: str, prefix: str | None = None, **fields: str):
    token = csrf_token(client, "/")
    if prefix:
        data = {f"{prefix}-{name}": value for name, value in fields.items()}
        data[f"{prefix}-csrf_token"] = token
    else:
        data = {"csrf_token": token, **fields}
    return client.post(url, data=data)


def test_a_demo_case_goes_from_received_to_a_letter_through_the_forms(app) -> None:
    session.execute(sa.delete(Pot))  # the demo brings its own pots
    session.commit()
    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    case = session.scalar(sa.select(Application).where(Application.title == TITLE))
    assert case.state == "submitted" and case.requested_total == 60_000
    url = f"/handlaggning/arenden/{case.id}"
    hanna = _client(app, "hanna@regionorebrolan.example")

    # Screening: the Dnr, the formal check, and the two reviewers the amount calls for.
    assert _post(hanna, f"{url}/diarienummer", "dnr", number="26RS4711").status_code == 302
    assert _post(hanna, f"{url}/kontroll", "screening", complete="y", eligible_applicant="y",
                 within_aims="y", state_aid_handled="y", note="").status_code == 302
    reviewers = {}
    for email in ("rasmus@regionorebrolan.example", "greta@regionorebrolan.example"):
        user = session.scalar(sa.select(User).where(User.email == email))
        assert _post(hanna, f"{url}/granskare", "assign",
                     reviewer=str(user.id)).status_code == 302
        reviewers[email] = user
    greta_review = session.scalar(sa.select(Review).where(
        Review.reviewer_id == reviewers["greta@regionorebrolan.example"].id))
    assert any("Kumla" in flag for flag in greta_review.conflict_flags)

    # Each reviewer declares no jäv, then scores and hands in.
    for email, user in reviewers.items():
        review = session.scalar(sa.select(Review).where(Review.reviewer_id == user.id,
                                                        Review.application_id == case.id))
        client = _client(app, email)
        assert _post(client, f"/granskning/{review.id}/jav",
                     disqualified="no").status_code == 302
        handed_in = _post(client, f"/granskning/{review.id}",
                          **complete_review(review), submit_review="Lämna in granskningen")
        assert handed_in.status_code == 302, handed_in.get_data(as_text=True)

    # The officer assesses from the summary, and the decider (Hanna holds both roles) grants.
    summary = page(hanna.get(f"{url}/bedomning")).text
    assert "Rasmus Granskare" in summary and "Greta Granskare" in summary
    year = case.requested_amounts[0].year
    assessed = _post(hanna, f"{url}/bedomning", proposal="grant",
                     **{f"amount_{year}": "60 000"}, note="Föreslås beviljas fullt ut.")
    assert assessed.status_code == 302, assessed.get_data(as_text=True)
    committed = session.get(Pot, year).committed
    granted = post_form(hanna, f"/beslut/arenden/{case.id}", jav_confirmed="y")
    assert granted.status_code == 302, granted.get_data(as_text=True)
    session.expire_all()
    case = session.get(Application, case.id)
    assert case.state == "granted"
    assert session.get(Pot, year).committed == committed + 60_000

    # Sara finds the letter on her dashboard and downloads it.
    sara = _client(app, "sara@kumla.example")
    letter = case.current_decision.letter
    link = f"/mina-ansokningar/{case.id}/beslut/{letter.id}.pdf"
    assert link in sara.get("/mina-ansokningar/").get_data(as_text=True)
    response = sara.get(link)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    text = " ".join(text.split())
    for part in ("Beslut", "Skäl för beslutet", "Villkor", "Hur man överklagar", "26RS4711",
                 "60 000 kr", "Kumla kommun", swedish_date(case.current_decision.appeal_deadline)):
        assert part in text, part

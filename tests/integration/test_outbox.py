"""The e-mail outbox: queued once per key inside the transaction, delivered after the commit as
``.eml`` files (no mail server configured) or over SMTP, retried after a failure, never sent
twice. Submitting an application queues its receipts."""

from __future__ import annotations

import email
import email.policy
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from grants.db import session
from grants.mail import deliver_pending, queue_message
from grants.models import OutboxMessage
from grants.operations import applications as ops
from grants.operations import content as content_ops
from tests.conftest import REASON, csrf_token, login
from workflows import State


def outbox_files(app: Flask) -> list[Path]:
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def read_eml(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def messages() -> list[OutboxMessage]:
    session.expire_all()
    return list(session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def queue(key: str, recipient: str = "anna@example.se", subject: str = "Hej", body: str = "Text"):
    return queue_message(key=key, recipient=recipient, subject=subject, body=body)


@pytest.fixture
def unreachable_server(app: Flask):
    """SMTP to a port where nothing listens: every attempt fails at once."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
    yield
    app.config.update(MAIL_SERVER="", MAIL_PORT=25)


# Queueing ---------------------------------------------------------------------------------------


def test_queueing_the_same_key_twice_keeps_one_message(app) -> None:
    first = queue("test:1", subject="Första")
    again = queue("test:1", subject="Andra")
    other = queue("test:2")
    session.commit()

    assert first is not None and other is not None
    assert again is None
    assert [(m.key, m.subject) for m in messages()] == [("test:1", "Första"), ("test:2", "Hej")]


def test_a_queued_message_is_gone_if_its_transaction_rolls_back(app) -> None:
    queue("test:rolled-back")
    session.rollback()

    assert messages() == []


# Delivering to files ----------------------------------------------------------------------------


def test_delivery_writes_one_eml_file_per_message_and_marks_it_sent(app) -> None:
    queue("test:1", recipient="anna@example.se", subject="Mottagningsbevis PF-2025-0001",
          body="Hej Anna!\n\nVi har tagit emot er ansökan om läxhjälp i Örebro.\n")
    queue("test:2", recipient="bo@example.se", subject="Andra", body="Två")
    session.commit()

    assert deliver_pending() == (2, 0)

    files = outbox_files(app)
    assert [f.name for f in files] == [f"{m.id:06d}.eml" for m in messages()]
    first = read_eml(files[0])
    assert first["To"] == "anna@example.se"
    assert first["From"] == app.config["MAIL_FROM"]
    assert first["Subject"] == "Mottagningsbevis PF-2025-0001"
    assert "Vi har tagit emot er ansökan om läxhjälp i Örebro." in first.get_content()
    for message in messages():
        assert message.sent_at is not None
        assert (message.attempts, message.last_error) == (1, "")
    assert not [f for f in os.listdir(app.config["MAIL_OUTBOX_DIR"]) if f.endswith(".part")]


def test_a_message_that_cannot_be_made_into_e_mail_is_kept_and_blocks_nothing(app) -> None:
    """An address the e-mail library refuses (here a bracketed domain) must not stop the
    letters and reset links queued behind it."""
    queue("test:bad", recipient="a@[b.se", subject="Trasig", body="x")
    queue("test:good", recipient="bo@example.se", subject="Hel", body="y")
    session.commit()

    assert deliver_pending() == (1, 1)

    bad, good = messages()
    assert good.sent_at is not None
    assert bad.sent_at is None and bad.attempts == 1 and bad.last_error
    queue("test:later", recipient="cecilia@example.se", subject="Senare", body="z")
    session.commit()
    assert deliver_pending() == (1, 1)  # the newcomer goes out; the broken one stays kept
    assert [m.sent_at is not None for m in messages()] == [False, True, True]


def test_a_second_run_sends_nothing_new(app) -> None:
    queue("test:1")
    session.commit()
    deliver_pending()
    before = {f.name: f.read_bytes() for f in outbox_files(app)}
    sent_at = messages()[0].sent_at

    assert deliver_pending() == (0, 0)

    assert {f.name: f.read_bytes() for f in outbox_files(app)} == before
    [message] = messages()
    assert (message.attempts, message.sent_at) == (1, sent_at)


def test_a_message_queued_after_a_run_is_sent_by_the_next(app) -> None:
    queue("test:1")
    session.commit()
    deliver_pending()
    queue("test:2")
    session.commit()

    assert deliver_pending() == (1, 0)
    assert len(outbox_files(app)) == 2


# Failures and retries ---------------------------------------------------------------------------


def test_a_failed_delivery_keeps_the_message_with_its_error_and_a_later_run_sends_it_once(
    app, unreachable_server
) -> None:
    queue("test:1")
    session.commit()

    assert deliver_pending() == (0, 1)
    assert deliver_pending() == (0, 1)

    [message] = messages()
    assert message.sent_at is None
    assert message.attempts == 2
    assert "ConnectionRefusedError" in message.last_error
    assert outbox_files(app) == []

    app.config["MAIL_SERVER"] = ""  # the server is back (here: the file outbox)
    assert deliver_pending() == (1, 0)
    assert deliver_pending() == (0, 0)

    [message] = messages()
    assert message.sent_at is not None
    assert (message.attempts, message.last_error) == (3, "")
    assert len(outbox_files(app)) == 1


def test_a_run_gives_up_after_three_failures_and_leaves_the_rest_untouched(
    app, unreachable_server
) -> None:
    for n in range(5):
        queue(f"test:{n}")
    session.commit()

    assert deliver_pending() == (0, 3)

    assert [m.attempts for m in messages()] == [1, 1, 1, 0, 0]
    # The next run starts with the ones tried least, so none is starved.
    assert deliver_pending() == (0, 3)
    assert [m.attempts for m in messages()] == [2, 1, 1, 1, 1]


# Receipts ---------------------------------------------------------------------------------------


def receipts(application_id: int) -> list[OutboxMessage]:
    return [m for m in messages() if m.application_id == application_id]


def test_submitting_queues_one_receipt_when_the_contact_is_the_submitter(
    app, make_user, make_application
) -> None:
    applicant = make_user("applicant")
    application = make_application(State.DRAFT, applicant=applicant, title="Läxhjälp i Kumla")
    assert application.contact_email == applicant.email

    event = ops.submit_application(application, actor=applicant, reason=REASON)
    session.commit()

    [receipt] = receipts(application.id)
    assert receipt.recipient == applicant.email
    assert receipt.key == f"receipt:{event.id}:{applicant.email}"
    assert application.reference in receipt.subject
    assert "Läxhjälp i Kumla" in receipt.subject
    assert f"Referens: {application.reference}" in receipt.body
    assert application.organisation.org_number in receipt.body
    assert receipt.sent_at is None  # delivered after the commit, not inside the operation


def test_submitting_queues_a_receipt_to_the_submitter_and_to_the_contact_person(
    app, make_user, make_application
) -> None:
    applicant = make_user("applicant")
    application = make_application(State.DRAFT, applicant=applicant)
    content_ops.save_contact(application, actor=applicant, name="Karin Kontakt",
                             role="Projektledare", email="Karin@Example.se", phone="019-10 20 30")
    session.commit()

    ops.submit_application(application, actor=applicant, reason=REASON)
    session.commit()
    assert deliver_pending() == (2, 0)

    found = receipts(application.id)
    assert sorted(m.recipient for m in found) == sorted([applicant.email, "karin@example.se"])
    assert len({m.subject for m in found}) == 1
    delivered = [read_eml(f) for f in outbox_files(app)]
    assert sorted(m["To"] for m in delivered) == sorted([applicant.email, "karin@example.se"])
    for message in delivered:
        assert application.reference in message["Subject"]
        assert f"Referens: {application.reference}" in message.get_content()


def test_a_contact_email_differing_only_in_case_gets_one_receipt(
    app, make_user, make_application
) -> None:
    applicant = make_user("applicant")
    application = make_application(State.DRAFT, applicant=applicant)
    content_ops.save_contact(application, actor=applicant, name=applicant.name,
                             role="Projektledare", email=f"  {applicant.email.upper()} ",
                             phone="019-10 20 30")
    session.commit()

    ops.submit_application(application, actor=applicant, reason=REASON)
    session.commit()

    assert [m.recipient for m in receipts(application.id)] == [applicant.email]


def test_a_long_but_valid_contact_email_still_gets_its_receipt(
    app, make_user, make_application
) -> None:
    applicant = make_user("applicant")
    application = make_application(State.DRAFT, applicant=applicant)
    long_email = "projektledare.for.kraftsamling.barn.och.unga" + "@" + (
        "forvaltningen-for-kultur-och-fritid.kumla.kommun.example.se")
    content_ops.save_contact(application, actor=applicant, name="Lång Adress",
                             role="Projektledare", email=long_email, phone="019-10 20 30")
    session.commit()

    ops.submit_application(application, actor=applicant, reason=REASON)
    session.commit()

    assert long_email in [m.recipient for m in receipts(application.id)]


def test_a_rolled_back_submission_queues_no_receipt(app, make_user, make_application) -> None:
    applicant = make_user("applicant")
    application = make_application(State.DRAFT, applicant=applicant)

    ops.submit_application(application, actor=applicant, reason=REASON)
    session.rollback()

    assert receipts(application.id) == []


def test_resubmitting_queues_a_new_receipt_for_the_completed_application(
    app, make_user, make_application, staff
) -> None:
    applicant = make_user("applicant")
    application = make_application(State.RETURNED, applicant=applicant)
    before = len(receipts(application.id))

    event = ops.resubmit_application(application, actor=applicant, reason=REASON)
    session.commit()

    found = receipts(application.id)
    assert len(found) == before + 1
    assert found[-1].key == f"receipt:{event.id}:{applicant.email}"
    assert "kompletterade ansökan" in found[-1].body


def test_submitting_through_the_web_delivers_the_receipt_and_the_receipt_page_lists_it(
    app, make_user, make_application
) -> None:
    applicant = make_user("applicant")
    application = make_application(State.DRAFT, applicant=applicant, title="Fritid för alla")
    client = app.test_client()
    login(client, applicant)
    token = csrf_token(client, "/")

    response = client.post(f"/mina-ansokningar/{application.id}/skicka-in",
                           data={"submit-csrf_token": token, "submit-reason": ""})

    assert response.status_code == 302
    session.refresh(application)
    [receipt] = receipts(application.id)
    assert receipt.sent_at is not None
    [path] = outbox_files(app)
    assert application.reference in read_eml(path)["Subject"]
    receipt_page = client.get(f"/mina-ansokningar/{application.id}/kvitto")
    assert applicant.email in receipt_page.get_data(as_text=True)

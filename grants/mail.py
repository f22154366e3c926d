"""E-mail through the outbox: queue inside the transaction, deliver after the commit.

Without ``PILOTFONDEN_MAIL_SERVER`` each message is written as an ``.eml`` file to
``MAIL_OUTBOX_DIR`` (``instance/outbox/`` by default), which is what a developer wants and what
the tests read. With a server it goes over SMTP. Either way a message is marked sent only after
delivery succeeded, and a failure is recorded on the row and retried by the next run.
"""

from __future__ import annotations

import logging
import os
import smtplib
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import sqlalchemy as sa
from flask import current_app

from grants.db import session, utcnow
from grants.models import Application, OutboxMessage

log = logging.getLogger(__name__)


def queue_message(
    *, key: str, recipient: str, subject: str, body: str, application: Application | None = None
) -> OutboxMessage | None:
    """Add a message to the outbox (flushed, not sent). A key already queued is not queued again."""
    if session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.key == key)):
        return None
    message = OutboxMessage(
        key=key, recipient=recipient, subject=subject, body=body,
        application_id=application.id if application else None,
    )
    session.add(message)
    session.flush()
    return message


def _as_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = make_msgid(idstring=f"outbox{message.id}", domain="pilotfonden")
    email.set_content(message.body)
    return email


def _deliver(message: OutboxMessage) -> None:
    email = _as_email(message)
    config = current_app.config
    if not config["MAIL_SERVER"]:
        folder = config["MAIL_OUTBOX_DIR"]
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{message.id:06d}.eml")
        with open(path + ".part", "wb") as handle:
            handle.write(bytes(email))
        os.replace(path + ".part", path)
        return
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def deliver_pending(limit: int = 100) -> tuple[int, int]:
    """Send what is waiting; returns (sent, failed). Commits after each message.

    Each message is claimed under a row lock (``SKIP LOCKED`` on PostgreSQL, the write lock on
    SQLite), so two senders never send the same message.
    """
    sent = failed = 0
    tried: list[int] = []
    for _ in range(limit):
        query = (
            sa.select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.id.not_in(tried))
            .order_by(OutboxMessage.attempts, OutboxMessage.id).limit(1)
            .with_for_update(skip_locked=True)
        )
        message = session.scalars(query).first()
        if message is None:
            session.commit()
            break
        message.attempts += 1
        tried.append(message.id)
        try:
            _deliver(message)
        except (OSError, smtplib.SMTPException) as exc:
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            failed += 1
            log.warning("outbox message %s not delivered: %s", message.id, exc)
            session.commit()
            if failed >= 3:  # the server is down: leave the rest for the next run
                break
            continue
        except Exception as exc:  # noqa: BLE001 - this message cannot be sent; the rest can
            # E.g. an address the e-mail library refuses: kept with its error (and tried last
            # from now on, as it has the most attempts), never blocking the messages behind it.
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            failed += 1
            log.error("outbox message %s cannot be sent", message.id, exc_info=exc)
            session.commit()
            continue
        message.sent_at, message.last_error = utcnow(), ""
        sent += 1
        session.commit()
    return sent, failed

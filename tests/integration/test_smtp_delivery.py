"""The outbox over real SMTP: ``flask --app wsgi outbox send`` against a local SMTP server
(aiosmtpd) that the test starts, stops and scripts to refuse. What reaches the server, what is
marked sent, what stays for the next run, and what the command says and exits with.

Delivery to ``.eml`` files and a port where nothing listens are in ``test_outbox.py``.
"""

from __future__ import annotations

import email
import email.policy
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask

from grants.db import session
from grants.mail import queue_message
from grants.models import OutboxMessage

ROOT = Path(__file__).resolve().parents[2]
SENDER = "pilotfonden@regionorebrolan.se"
TRY_LATER = "451 4.3.0 Try again later"
USER_UNKNOWN = "550 5.1.1 Recipient address rejected: User unknown"


def report(sent: int, failed: int) -> str:
    """What ``outbox send`` prints (grants/cli/outbox.py)."""
    return f"Skickade {sent} meddelanden; {failed} misslyckades och ligger kvar."


class RecordingHandler:
    """An aiosmtpd handler that keeps every accepted message, refuses some recipients for good,
    and answers the next RCPT or DATA commands with scripted replies (then accepts again)."""

    def __init__(self) -> None:
        self.accepted: list[Envelope] = []
        self.refused: dict[str, str] = {}
        self.next_replies: dict[str, list[str]] = {"RCPT": [], "DATA": []}

    async def handle_RCPT(
        self, server: SMTP, smtp_session: Session, envelope: Envelope, address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.refused:
            return self.refused[address]
        if self.next_replies["RCPT"]:
            return self.next_replies["RCPT"].pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, smtp_session: Session, envelope: Envelope) -> str:
        if self.next_replies["DATA"]:
            return self.next_replies["DATA"].pop(0)
        self.accepted.append(envelope)
        return "250 Message accepted for delivery"

    def delivered(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            for envelope in self.accepted
        ]

    def recipients(self) -> list[str]:
        return [address for envelope in self.accepted for address in envelope.rcpt_tos]


class LocalSmtpServer:
    """A real SMTP server on 127.0.0.1 that can go down and come back on the same port."""

    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        # A stopped controller's event loop is closed: coming back means a new controller.
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     server_hostname="smtp.test", ready_timeout=5)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app: Flask) -> Iterator[LocalSmtpServer]:
    """A running local SMTP server, and the app configured to send through it."""
    server = LocalSmtpServer()
    server.start()
    before = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    yield server
    app.config.update(before)
    server.stop()


def send_outbox(app: Flask) -> tuple[int, str]:
    """Run the real ``outbox send`` command; returns (exit code, what it printed)."""
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output.strip()


def messages() -> list[OutboxMessage]:
    session.expire_all()
    return list(session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def queue(key: str, recipient: str, subject: str = "Hej", body: str = "Text\n") -> None:
    queue_message(key=key, recipient=recipient, subject=subject, body=body)


def body_text(message: EmailMessage) -> str:
    return message.get_content().replace("\r\n", "\n")


# Delivery ---------------------------------------------------------------------------------------


ANNA_BODY = (
    "Hej Anna!\n\n"
    "Vi har tagit emot er ansökan om läxhjälp i Örebro län.\n"
    "Handläggaren återkommer när ärendet är granskat.\n\n"
    "Med vänliga hälsningar\nPilotfonden, Region Örebro län\n"
)
BO_BODY = "Hej Bo!\n\nÅsa på Ängsgården har lämnat ert ärende vidare till beslut.\n"


def test_outbox_send_delivers_each_queued_message_once_over_smtp_with_its_swedish_text(
    app, smtp
) -> None:
    queue("test:anna", "anna@example.se", "Mottagningsbevis: läxhjälp i Örebro", ANNA_BODY)
    queue("test:bo", "bo@example.se", "Ärendet går vidare till beslut", BO_BODY)
    session.commit()

    assert send_outbox(app) == (0, report(2, 0))

    assert [envelope.mail_from for envelope in smtp.handler.accepted] == [SENDER, SENDER]
    assert [envelope.rcpt_tos for envelope in smtp.handler.accepted] == [
        ["anna@example.se"], ["bo@example.se"]]
    anna, bo = smtp.handler.delivered()
    assert (anna["To"], anna["From"], anna["Subject"]) == (
        "anna@example.se", app.config["MAIL_FROM"], "Mottagningsbevis: läxhjälp i Örebro")
    assert (bo["To"], bo["From"], bo["Subject"]) == (
        "bo@example.se", app.config["MAIL_FROM"], "Ärendet går vidare till beslut")
    assert anna.get_content_charset() == "utf-8"
    assert body_text(anna) == ANNA_BODY
    assert body_text(bo) == BO_BODY
    assert anna["Message-ID"] != bo["Message-ID"]
    for message in messages():
        assert message.sent_at is not None
        assert (message.attempts, message.last_error) == (1, "")

    sent_at = [message.sent_at for message in messages()]
    assert send_outbox(app) == (0, report(0, 0))

    assert len(smtp.handler.accepted) == 2
    assert [(m.attempts, m.sent_at) for m in messages()] == [(1, when) for when in sent_at]


def test_flask_outbox_send_in_a_shell_sends_through_the_server_named_in_the_environment(
    app, smtp, tmp_path
) -> None:
    queue("test:shell", "anna@example.se", "Påminnelse om slutrapport", "Glöm inte rapporten.\n")
    session.commit()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PILOTFONDEN_")}
    environment.update(
        PILOTFONDEN_DATABASE_URL=app.config["DATABASE_URL"],
        PILOTFONDEN_SECRET_KEY="a-production-like-secret-key-0123456789abcdef",
        PILOTFONDEN_MAIL_SERVER="127.0.0.1",
        PILOTFONDEN_MAIL_PORT=str(smtp.port),
        PILOTFONDEN_MAIL_OUTBOX_DIR=str(tmp_path / "not-used"),
    )

    shell = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "send"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60, check=False,
    )

    assert (shell.returncode, shell.stdout.strip()) == (0, report(1, 0)), shell.stderr
    [delivered] = smtp.handler.delivered()
    assert (delivered["To"], delivered["Subject"]) == (
        "anna@example.se", "Påminnelse om slutrapport")
    assert body_text(delivered) == "Glöm inte rapporten.\n"
    [message] = messages()
    assert message.sent_at is not None
    assert not (tmp_path / "not-used").exists()


# Failures and retries ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["RCPT", "DATA"])
def test_a_temporary_451_keeps_the_message_with_its_error_and_the_next_run_delivers_it_once(
    app, smtp, command
) -> None:
    smtp.handler.next_replies[command].append(TRY_LATER)
    queue("test:1", "anna@example.se", "Beslut om stöd", "Grattis, ni får stöd.\n")
    session.commit()

    assert send_outbox(app) == (1, report(0, 1))

    assert smtp.handler.accepted == []
    [message] = messages()
    assert message.sent_at is None
    assert message.attempts == 1
    assert "451" in message.last_error and "Try again later" in message.last_error

    assert send_outbox(app) == (0, report(1, 0))

    [delivered] = smtp.handler.delivered()
    assert (delivered["To"], delivered["Subject"]) == ("anna@example.se", "Beslut om stöd")
    assert body_text(delivered) == "Grattis, ni får stöd.\n"
    [message] = messages()
    assert message.sent_at is not None
    assert (message.attempts, message.last_error) == (2, "")

    assert send_outbox(app) == (0, report(0, 0))
    assert len(smtp.handler.accepted) == 1


def test_a_recipient_refused_with_550_keeps_its_error_while_the_others_are_delivered(
    app, smtp
) -> None:
    smtp.handler.refused["okand@example.se"] = USER_UNKNOWN
    queue("test:anna", "anna@example.se")
    queue("test:unknown", "okand@example.se")
    queue("test:bo", "bo@example.se")
    session.commit()

    assert send_outbox(app) == (1, report(2, 1))

    assert smtp.handler.recipients() == ["anna@example.se", "bo@example.se"]
    anna, unknown, bo = messages()
    assert unknown.sent_at is None
    assert unknown.attempts == 1
    assert "SMTPRecipientsRefused" in unknown.last_error
    assert "okand@example.se" in unknown.last_error
    assert "550" in unknown.last_error and "User unknown" in unknown.last_error
    for message in (anna, bo):
        assert message.sent_at is not None
        assert (message.attempts, message.last_error) == (1, "")


def test_while_the_smtp_server_is_down_nothing_is_marked_sent_and_afterwards_all_go_once(
    app, smtp
) -> None:
    queue("test:before", "anna@example.se", "Före avbrottet")
    session.commit()
    assert send_outbox(app) == (0, report(1, 0))

    smtp.stop()
    queue("test:during-1", "bo@example.se", "Under avbrottet 1")
    queue("test:during-2", "cecilia@example.se", "Under avbrottet 2")
    session.commit()

    assert send_outbox(app) == (1, report(0, 2))

    before, *during = messages()
    assert before.attempts == 1 and before.sent_at is not None
    for message in during:
        assert message.sent_at is None
        assert message.attempts == 1
        assert "ConnectionRefusedError" in message.last_error

    smtp.start()
    assert send_outbox(app) == (0, report(2, 0))
    assert send_outbox(app) == (0, report(0, 0))

    assert smtp.handler.recipients() == [
        "anna@example.se", "bo@example.se", "cecilia@example.se"]
    assert [m["Subject"] for m in smtp.handler.delivered()] == [
        "Före avbrottet", "Under avbrottet 1", "Under avbrottet 2"]
    for message in messages():
        assert message.sent_at is not None
        assert message.last_error == ""
    assert [m.attempts for m in messages()] == [1, 2, 2]

"""E-mail waiting to leave: written in the same transaction as what it reports, sent after.

A message is queued by an operation (so it exists only if the change committed) and delivered by
``grants.mail.deliver_pending`` (after the request's commit, or by ``flask --app wsgi outbox
send``). ``sent_at`` is set once; a failed attempt keeps the error and is tried again later.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.db import Base, UTCDateTime, utcnow


class OutboxMessage(Base):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(300), unique=True)
    """What the message is about (``receipt:<event id>:<recipient>``): never queued twice."""
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")

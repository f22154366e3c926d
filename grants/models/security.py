"""Records that protect accounts (login attempts for throttling)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.db import Base, UTCDateTime, utcnow


class LoginAttempt(Base):
    """One attempt to log in. The e-mail and address are kept only as keyed hashes: enough to
    count attempts, nothing to read back (data minimisation). Rows older than a day are pruned."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    account_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    address_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(default=False)

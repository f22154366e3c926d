"""Reference data every installation needs (not demo data): seeded once, then editable.

``seed_reference_data`` only adds what is missing, so an admin's later edits are kept.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants.models import Municipality

MUNICIPALITIES: tuple[tuple[str, str], ...] = (
    ("1882", "Askersund"),
    ("1862", "Degerfors"),
    ("1861", "Hallsberg"),
    ("1863", "Hällefors"),
    ("1883", "Karlskoga"),
    ("1881", "Kumla"),
    ("1860", "Laxå"),
    ("1814", "Lekeberg"),
    ("1885", "Lindesberg"),
    ("1864", "Ljusnarsberg"),
    ("1884", "Nora"),
    ("1880", "Örebro"),
)
"""The twelve municipalities of Örebro län, by SCB code."""


def seed_reference_data(session: Session) -> None:
    known = set(session.scalars(select(Municipality.code)))
    session.add_all(
        Municipality(code=code, name=name) for code, name in MUNICIPALITIES if code not in known
    )
    session.flush()

"""Page numbers for long lists (``?sida=2``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import abort

MAX_PAGE = 1_000_000
_DIGITS = re.compile(r"[0-9]{1,7}")


def page_number(value: str | None) -> int:
    """The page asked for, from 1; a malformed number is a 400 with a Swedish explanation."""
    if value is None or value == "":
        return 1
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if not _DIGITS.fullmatch(value) or not 1 <= int(value) <= MAX_PAGE:
        abort(400, description=f"Sidnumret «{value}» är inte giltigt. Ange ett heltal från 1.")
    return int(value)


@dataclass(frozen=True)
class Pages:
    page: int
    total: int
    per_page: int

    @property
    def count(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def previous(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.count else None

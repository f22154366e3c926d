"""Errors operations raise for the views to turn into pages (403, 409, 422)."""


class OperationError(Exception):
    """Base for refusals an operation explains to a person (Swedish ``reasons``)."""

    def __init__(self, *reasons: str):
        self.reasons = list(reasons)
        super().__init__("; ".join(reasons))


class NotPermitted(OperationError):
    """The actor may not do this to this object (shown as 403)."""


class InvalidInput(OperationError):
    """The data given cannot be stored (shown as 422 with the form kept)."""


class TooManyRequests(OperationError):
    """The same sender has done this too often lately (shown as 429)."""

"""Web-only helpers: signed-in clients, workflow button presses, and a small HTML reader."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.db import session
from grants.models import AuditEvent, User
from tests.conftest import csrf_token, login


@pytest.fixture
def signed_in(app: Flask) -> Callable[[User], FlaskClient]:
    """A new browser (test client) with ``user`` logged in through the real form."""

    def sign_in(user: User) -> FlaskClient:
        client = app.test_client()
        response = login(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign_in


def post_action(client: FlaskClient, url: str, trigger: str, reason: str = "") -> Any:
    """Press a workflow button: the form's own field names (prefixed by the trigger) and token."""
    token = csrf_token(client, "/")
    return client.post(
        url, data={f"{trigger}-csrf_token": token, f"{trigger}-reason": reason, "trigger": trigger}
    )


def audit_event_count() -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0


# HTML -------------------------------------------------------------------------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}


class Element:
    """One element of a parsed page, enough to find things the way a reader (or test) would."""

    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element | str] = []

    def iter(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag: str | None = None, *, class_: str | None = None,
                 attrs: dict[str, str] | None = None, **more: str) -> list[Element]:
        wanted = {**(attrs or {}), **more}
        return [
            e for e in self.iter()
            if (tag is None or e.tag == tag)
            and (class_ is None or class_ in e.attrs.get("class", "").split())
            and all(e.attrs.get(k) == v for k, v in wanted.items())
        ]

    def find(self, tag: str | None = None, **kwargs: Any) -> Element | None:
        found = self.find_all(tag, **kwargs)
        return found[0] if found else None

    def one(self, tag: str | None = None, **kwargs: Any) -> Element:
        found = self.find_all(tag, **kwargs)
        assert len(found) == 1, f"expected one <{tag} {kwargs}>, found {len(found)}"
        return found[0]

    @property
    def raw_text(self) -> str:
        return "".join(c if isinstance(c, str) else c.raw_text for c in self.children)

    @property
    def text(self) -> str:
        """The text content with runs of whitespace made single spaces."""
        return " ".join(self.raw_text.split())

    @property
    def value(self) -> str:
        """What a form control holds: a textarea's text (without the newline after the tag), or
        an input's value attribute."""
        if self.tag == "textarea":
            text = self.raw_text
            return text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
        return self.attrs.get("value", "")


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v if v is not None else "" for k, v in attrs}, self.current)
        self.current.children.append(element)
        if tag not in _VOID:
            self.current = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v if v is not None else "" for k, v in attrs}, self.current)
        self.current.children.append(element)

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def page(response: Any) -> Element:
    return parse(response.get_data(as_text=True))


def trigger_buttons(doc: Element) -> set[str]:
    """The workflow triggers the page offers as buttons (``name="trigger" value="..."``)."""
    return {b.attrs.get("value", "") for b in doc.find_all("button", name="trigger")}


def history(doc: Element) -> list[str]:
    """The entries of the case history, as text."""
    return [li.text for li in doc.one("ol", class_="history").find_all("li")]


def error_summary(doc: Element) -> str | None:
    summary = doc.find("div", id="error-summary")
    return summary.text if summary is not None else None


def field_error(doc: Element, field_id: str) -> str | None:
    """The error message shown next to the field ``field_id`` (its ``<id>-error`` paragraph)."""
    message = doc.find(id=f"{field_id}-error")
    return message.text if message is not None else None

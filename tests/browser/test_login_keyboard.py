"""Logging in with the keyboard alone (WCAG 2.1.1 Keyboard, 2.4.1 Bypass Blocks, 2.4.7 Focus
Visible): Tab, typing and Enter only; no mouse clicks and no ``page.fill``."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer


def focused(page: Page) -> dict[str, Any]:
    """What has keyboard focus, and whether a focus indicator is drawn on screen."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            const box = el.getBoundingClientRect();
            return {
                tag: el.tagName.toLowerCase(),
                id: el.id,
                text: (el.innerText || '').trim(),
                focusVisible: el.matches(':focus-visible'),
                outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
                onScreen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
                    && box.left < window.innerWidth && box.top < window.innerHeight,
            };
        }"""
    )


def tab_to(page: Page, *, text: str | None = None, element_id: str | None = None,
           limit: int = 30) -> dict[str, Any]:
    """Press Tab until the focused element has ``text`` or ``element_id``; fails after ``limit``."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if (text is not None and now["text"] == text) or (
            element_id is not None and now["id"] == element_id
        ):
            return now
        seen.append(now["text"] or f"<{now['tag']} id={now['id']!r}>")
    raise AssertionError(f"Tab never reached {text or element_id!r}; focus went to {seen}")


def assert_focus_visible(element: dict[str, Any]) -> None:
    assert element["focusVisible"], f"{element['text'] or element['id']!r} is not :focus-visible"
    assert element["outline"], f"{element['text'] or element['id']!r} has no focus outline"
    assert element["onScreen"], f"{element['text'] or element['id']!r} is focused off screen"


def test_officer_logs_in_with_keyboard_only_and_sees_case_list(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url + "/")

    page.keyboard.press("Tab")
    skip_link = focused(page)
    assert skip_link["tag"] == "a"
    assert skip_link["text"] == "Hoppa till innehållet"
    assert_focus_visible(skip_link)

    login_link = tab_to(page, text="Logga in")
    assert login_link["tag"] == "a"
    assert_focus_visible(login_link)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/logga-in")

    email = tab_to(page, element_id="email")
    assert_focus_visible(email)
    page.keyboard.type(live_server.officer_email)
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "password"
    page.keyboard.type(live_server.password)
    page.keyboard.press("Enter")

    page.wait_for_url(live_server.url + "/handlaggning/")
    expect(page.get_by_role("heading", name="Ärenden", level=1)).to_be_visible()
    cases = page.get_by_role("table", name="Inkomna ansökningar")
    expect(cases.get_by_role("link", name=live_server.case_reference)).to_be_visible()


def test_wrong_password_shows_error_summary_and_keeps_email(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url + "/logga-in")

    tab_to(page, element_id="email")
    page.keyboard.type(live_server.officer_email)
    page.keyboard.press("Tab")
    page.keyboard.type("fel-losenord-helt-och-hallet")
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/logga-in")
    ) as response:
        page.keyboard.press("Enter")

    assert response.value.status == 422
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Fel e-postadress eller lösenord.")
    # static/app.js moves focus to the summary, so the keyboard user starts at the problem.
    expect(summary).to_be_focused()
    expect(page).to_have_url(re.compile(r"/logga-in$"))
    expect(page.get_by_label("E-postadress")).to_have_value(live_server.officer_email)
    expect(page.get_by_label("Lösenord")).to_have_value("")

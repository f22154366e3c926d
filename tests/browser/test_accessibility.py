"""Every page of every role passes an automated axe-core scan (WCAG 2.0/2.1 A and AA rules) with
no serious or critical violations.

One test per (role, page): the role logs in through the real login form, opens the page (or
brings it into an error state: a form refused with its error summary), and axe-core scans it.
axe-core cannot judge everything (WCAG needs people too), but what it finds is a real problem.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, Violation

FAILING_IMPACTS = {"serious", "critical"}
SHOWN_TARGETS = 3


@dataclass(frozen=True)
class Scan:
    role: str
    """``"anonymous"`` or a role of LiveServer.emails."""
    name: str
    path: str
    """May name ``{draft}``, ``{submitted}`` or ``{assessed}``: the seeded applications' ids."""
    status: int = 200
    refuse: Callable[[Page], int] | None = None
    """Brings the opened page into an error state; returns the response status it got."""

    @property
    def id(self) -> str:
        return f"{self.role}-{self.name}"

    def url(self, server: LiveServer) -> str:
        return server.url + self.path.format(
            draft=server.draft_id, submitted=server.submitted_id, assessed=server.assessed_id
        )


def _submit(page: Page, button: str) -> int:
    """Press the (first) button named ``button`` and return the status of the page it posts to."""
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()
    return response.value.status


def too_long_title(page: Page) -> int:
    # The input has maxlength=200, which stops typing but not a script (or an old browser), and
    # the server must refuse the value with an error summary.
    page.locator("#title").evaluate("(el, value) => { el.value = value; }", "Lång titel " * 20)
    page.get_by_label("Sammanfattning").fill("Vi testar något nytt.")
    return _submit(page, "Spara utkast")


def return_without_reason(page: Page) -> int:
    return _submit(page, "Återsänd för komplettering")


def reject_without_reason(page: Page) -> int:
    return _submit(page, "Avslå")


SCANS = [
    Scan("anonymous", "start", "/"),
    Scan("anonymous", "login", "/logga-in"),
    Scan("anonymous", "not-found", "/finns-inte", status=404),
    Scan("applicant", "my-applications", "/mina-ansokningar/"),
    Scan("applicant", "new-draft", "/mina-ansokningar/ny"),
    Scan("applicant", "new-draft-refused", "/mina-ansokningar/ny", refuse=too_long_title),
    Scan("applicant", "draft", "/mina-ansokningar/{draft}"),
    Scan("applicant", "draft-edit", "/mina-ansokningar/{draft}/redigera"),
    Scan("applicant", "submitted", "/mina-ansokningar/{submitted}"),
    Scan("officer", "cases", "/handlaggning/"),
    Scan("officer", "case", "/handlaggning/arenden/{submitted}"),
    Scan("officer", "case-refused", "/handlaggning/arenden/{submitted}",
         refuse=return_without_reason),
    Scan("decider", "cases", "/handlaggning/"),
    Scan("decider", "case", "/handlaggning/arenden/{submitted}"),
    # A decider has no action on a submitted case; the assessed one offers «Avslå».
    Scan("decider", "case-refused", "/handlaggning/arenden/{assessed}",
         refuse=reject_without_reason),
    *(
        scan
        for role in ("reviewer", "finance", "admin")
        for scan in (Scan(role, "start", "/"), Scan(role, "cases-forbidden", "/handlaggning/",
                                                    status=403))
    ),
]


def log_in(page: Page, server: LiveServer, role: str) -> None:
    page.goto(server.url + "/logga-in")
    page.get_by_label("E-postadress").fill(server.emails[role])
    page.get_by_label("Lösenord").fill(server.password)
    page.get_by_role("button", name="Logga in", exact=True).click()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()


def describe(violations: list[Violation]) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, node["target"])) for node in v["nodes"]]
        shown = ", ".join(targets[:SHOWN_TARGETS])
        more = f" (+{len(targets) - SHOWN_TARGETS} more)" if len(targets) > SHOWN_TARGETS else ""
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']}: {shown}{more}\n  {v['helpUrl']}")
    return "\n".join(lines)


@pytest.mark.parametrize("scan", SCANS, ids=[scan.id for scan in SCANS])
def test_page_has_no_serious_accessibility_violations(
    page: Page, live_server: LiveServer, axe: Callable[[Page], list[Violation]], scan: Scan
) -> None:
    if scan.role != "anonymous":
        log_in(page, live_server, scan.role)

    response = page.goto(scan.url(live_server))
    assert response is not None
    if scan.refuse is None:
        assert response.status == scan.status, f"{scan.path} answered {response.status}"
    else:
        assert response.status == 200, f"{scan.path} answered {response.status}"
        status = scan.refuse(page)
        assert status in (409, 422), f"the refused form answered {status}"
        expect(page.get_by_role("alert")).to_be_visible()

    violations = [v for v in axe(page) if v["impact"] in FAILING_IMPACTS]
    assert not violations, (
        f"axe-core: {len(violations)} serious or critical violation(s) on {scan.path} "
        f"as {scan.role}:\n{describe(violations)}"
    )

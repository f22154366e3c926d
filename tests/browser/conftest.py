"""Browser tests: real headless Chromium (Playwright) against the app served on a local port.

They run on SQLite only, with their own app and database (not the ``app`` fixture of
tests/conftest.py, which is parametrised over databases). Without ``/usr/bin/chromium`` they are
skipped on a developer's machine and fail in CI (``CI=true``). Each test leaves a screenshot in
``test-artifacts/browser/<test name>.png``.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from werkzeug.serving import make_server

from grants import create_app
from grants.db import Base, create_db_engine, session
from grants.operations.applications import create_draft_application, submit_application
from grants.operations.users import create_organisation, create_user
from grants.reference import seed_reference_data
from tests.conftest import app_config

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
BROWSER_DIR = Path(__file__).resolve().parent
ARTIFACTS = BROWSER_DIR.parents[1] / "test-artifacts" / "browser"

OFFICER_EMAIL = "handlaggare@example.se"
OFFICER_NAME = "Hanna Handläggare"
PASSWORD = "ett-langt-testlosenord"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees the whole session's items, so only the ones in this folder are marked.
    for item in items:
        if item.path.is_relative_to(BROWSER_DIR):
            item.add_marker(pytest.mark.browser)


# Live server -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveServer:
    url: str
    officer_email: str
    password: str
    case_reference: str


def _seed() -> str:
    """Reference data, an officer and one submitted application; returns its case reference."""
    seed_reference_data(session)
    create_user(email=OFFICER_EMAIL, name=OFFICER_NAME, password=PASSWORD, roles={"officer"})
    organisation = create_organisation(
        name="Testföreningen", org_number="802400-0005", kind="association",
        municipality_code="1880",
    )
    applicant = create_user(
        email="sokande@example.se", name="Sara Sökande", password=PASSWORD,
        roles={"applicant"}, organisation=organisation,
    )
    application = create_draft_application(
        actor=applicant, organisation=organisation, title="Pilot för unga",
        summary="Vi testar något nytt.",
    )
    submit_application(application, actor=applicant)
    session.commit()
    assert application.reference, "a submitted application has a case reference"
    return application.reference


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app on a fresh SQLite file, served by werkzeug on a free port for one test module.

    Each test uses its own browser context (no shared cookies), so the tests of a module can share
    the server; none of them changes the seeded data.
    """
    tmp = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{tmp / 'browser.sqlite3'}"
    engine = create_db_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()

    app = create_app(app_config(url, tmp))
    with app.app_context():
        reference = _seed()
        session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(
            url=f"http://127.0.0.1:{server.server_port}",
            officer_email=OFFICER_EMAIL,
            password=PASSWORD,
            case_reference=reference,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        app.extensions["pilotfonden.engine"].dispose()


# Browser ---------------------------------------------------------------------------------------


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"{reason} (install it with: apt-get install chromium)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the session (Debian's /usr/bin/chromium, not a downloaded one)."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh context and page per test; its screenshot is saved when the test ends."""
    context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        try:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        finally:
            context.close()


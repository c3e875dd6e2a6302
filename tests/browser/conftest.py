"""Real Chromium (Debian's package) driven by Playwright, against the live test server."""

from pathlib import Path

import pytest
from django.core.management import call_command

from tests.browser.pagecheck import watch

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
DEMO_PASSWORD = "browser-demo-pw"


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def watch_csp(page, problems: list[str]) -> None:
    """Record everything the Content-Security-Policy refuses on `page`, as the browser's
    `securitypolicyviolation` event reports it (a console line may be worded otherwise, or
    be missing for a refused style attribute): a refused script or style fails the test."""

    def report(_source, violation: dict) -> None:
        problems.append(
            f"Content-Security-Policy refused {violation['blocked'] or 'inline code'} on {violation['page']} "
            f"({violation['directive']}, {violation['source'] or 'the page'} line {violation['line']}): "
            f"{violation['sample']!r}"
        )

    page.expose_binding("__reportCspViolation", report)
    # Run through the debugging protocol before any page script, so the policy doesn't apply to it.
    page.add_init_script(
        """document.addEventListener("securitypolicyviolation", (e) => window.__reportCspViolation({
            directive: e.effectiveDirective, blocked: e.blockedURI, page: location.pathname,
            source: e.sourceFile, line: e.lineNumber, sample: e.sample}));"""
    )


@pytest.fixture
def new_page(chromium, live_server):
    """Open pages in fresh browser contexts (separate cookies), desktop or phone sized.

    Every page is watched: a console error, a script error or a failed request fails the test.
    """
    contexts = []
    problems: list[str] = []

    def _new_page(*, phone: bool = False):
        viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 800}
        context = chromium.new_context(viewport=viewport, base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        watch(page, problems)
        watch_csp(page, problems)
        return page

    yield _new_page
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", "--password", DEMO_PASSWORD, "--no-history", verbosity=0)


@pytest.fixture
def demo_with_history(transactional_db):
    """The demo with its past pulses, scored by the engine (slower)."""
    call_command("seed_demo", "--password", DEMO_PASSWORD, verbosity=0)


@pytest.fixture
def log_in():
    def _log_in(page, email: str, password: str = DEMO_PASSWORD):
        page.goto("/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/")

    return _log_in


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shot(page, name: str):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return _shot

"""The Content-Security-Policy in a real browser: the pages run under it without a violation,
and a violation is caught (the hook every browser test runs under, tests/browser/conftest.py)."""

import pytest

from tests.browser.conftest import watch_csp

pytestmark = pytest.mark.browser


@pytest.fixture
def watched(chromium, live_server, transactional_db):
    context = chromium.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems: list[str] = []
    watch_csp(page, problems)
    yield page, problems
    context.close()


def test_a_page_with_htmx_runs_under_the_policy_and_a_violation_is_reported(watched):
    """htmx loads without injecting its indicator <style>; an inline script and a style
    attribute added to the page are refused, and the hook reports both."""
    page, problems = watched
    response = page.goto("/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_function("typeof window.htmx !== 'undefined'")
    page.wait_for_timeout(200)
    assert problems == []
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    assert page.evaluate("[htmx.config.includeIndicatorStyles, htmx.config.allowEval]") == [False, False]
    assert "style" not in page.evaluate("htmx.config.attributesToSettle")

    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.ranInline = true";
            document.head.appendChild(script);
            document.body.setAttribute("style", "background: red");
        }"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.ranInline === undefined")
    assert any("script-src" in p for p in problems), problems
    assert any("style-src" in p for p in problems), problems

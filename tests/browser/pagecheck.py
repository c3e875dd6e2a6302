"""What every page must hold in the browser, on a phone and a laptop.

`page_is_sound(page)` checks the page as it is on screen: nothing wider than the viewport, no text
under 11 px (SVG text measured as drawn, after the chart's scaling), no chart label cut at the
chart's edge or overlapping another label or a point, and axe-core's rules with no serious or
critical violation. axe-core is the vendored copy in `vendor/` (see vendor/README.md):
nothing is downloaded when the tests run.

`watch(page)` records what goes wrong while a page is used: console errors, uncaught script
errors and failed requests. `new_page` in conftest.py calls it and fails the test on any.
"""

from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe-4.14.1.min.js"
MIN_TEXT_PX = 11

# Statuses a page asks for on purpose and shows as a message in place (htmx's responseHandling in
# base.html swaps them): a refused save (409) and a form with errors (422).
EXPECTED_FRAGMENT_STATUSES = {409, 422}

_SMALL_TEXT = """
(min) => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || !node.textContent.trim()) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width <= 1 || rect.height <= 1) continue;  // not drawn, or visually hidden for readers
    const style = getComputedStyle(el);
    if (style.visibility === "hidden") continue;
    let size = parseFloat(style.fontSize);
    if (el instanceof SVGElement && el.ownerSVGElement) {
      const m = el.getScreenCTM();
      if (m) size *= Math.sqrt(m.a * m.a + m.b * m.b);
    }
    if (size < min - 0.05) small.push(`${size.toFixed(1)}px: ${node.textContent.trim().slice(0, 40)}`);
  }
  return small;
}
"""

_CHART_TEXT = """
() => {
  const problems = [];
  const boxes = (el) => { const r = el.getBoundingClientRect(); return { l: r.left, r: r.right, t: r.top, b: r.bottom }; };
  const touch = (a, b) => a.l < b.r - 0.5 && b.l < a.r - 0.5 && a.t < b.b - 0.5 && b.t < a.b - 0.5;
  document.querySelectorAll("svg.chart").forEach((svg) => {
    const frame = boxes(svg);
    const texts = [...svg.querySelectorAll("text")].map((el) => ({ text: el.textContent, box: boxes(el) }));
    const dots = [...svg.querySelectorAll("circle")].map(boxes);
    texts.forEach((t, i) => {
      if (t.box.l < frame.l - 0.5 || t.box.r > frame.r + 0.5) problems.push(`"${t.text}" is cut at the chart's edge`);
      texts.slice(i + 1).forEach((u) => { if (touch(t.box, u.box)) problems.push(`"${t.text}" overlaps "${u.text}"`); });
      dots.forEach((d) => { if (touch(t.box, d)) problems.push(`"${t.text}" overlaps a point`); });
    });
  });
  return problems;
}
"""

_AXE_RUN = """
async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
}
"""


def overflow(page) -> int:
    """How many pixels the page is wider than the window (0: it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def small_text(page) -> list[str]:
    return page.evaluate(_SMALL_TEXT, MIN_TEXT_PX)


def accessibility_violations(page) -> list[str]:
    # Evaluated through the browser's debugging protocol, not as a <script> tag, so a page's
    # Content-Security-Policy neither blocks it nor needs loosening for the test.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    return page.evaluate(_AXE_RUN)


def page_problems(page, what: str = "") -> list[str]:
    """What keeps the page from fitting, reading or passing axe; `what` names it."""
    where = f"{what or page.url} at {page.viewport_size['width']}px"
    problems = []
    too_wide = overflow(page)
    if too_wide > 0:
        problems.append(f"{where} scrolls sideways by {too_wide}px")
    small = small_text(page)
    if small:
        problems.append(f"{where} has text under {MIN_TEXT_PX}px: {small[:5]}")
    problems += [f"{where}: chart text {problem}" for problem in page.evaluate(_CHART_TEXT)]
    problems += [f"{where}: {violation}" for violation in accessibility_violations(page)]
    return problems


def page_is_sound(page, what: str = "") -> None:
    """Assert the page fits, reads and passes axe."""
    problems = page_problems(page, what)
    assert not problems, "\n".join(problems)


def watch(page, problems: list[str]) -> None:
    """Collect console errors, script errors and failed requests of `page` into `problems`."""

    def on_console(message):
        # The browser's own "Failed to load resource" line repeats a response judged below; its
        # "Blocked attempt to show a 'beforeunload' confirmation panel" is about a test leaving a
        # page by script, with no click (a person's leaving gets the warning).
        if message.type == "error" and not message.text.startswith(
            ("Failed to load resource", "Blocked attempt to show a 'beforeunload'")
        ):
            problems.append(f"console error on {page.url}: {message.text}")

    def on_response(response):
        request = response.request
        if response.status < 400 or request.resource_type == "document":
            return  # a page's own status is the test's to check (a closed link is a 410 page)
        if request.resource_type in ("xhr", "fetch") and response.status in EXPECTED_FRAGMENT_STATUSES:
            return
        problems.append(f"{request.method} {response.url} answered {response.status}")

    def on_request_failed(request):
        failure = request.failure or ""
        if "ERR_ABORTED" in failure:
            return  # left the page while a request ran (a poll, a download)
        problems.append(f"{request.method} {request.url} failed: {failure}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"script error on {page.url}: {error}"))
    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)

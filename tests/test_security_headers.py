"""Every page sends the Content-Security-Policy and the other security headers, and holds
nothing the policy would refuse: no inline script, no <style>, no style="", no on* handler.

"Every page" is every URL the permission matrix (tests/matrix.py) walks, as every role,
with GET, GET from htmx (the fragments swapped into pages) and POST with a minimal body
(the forms shown again): every response is checked, refusals included.
"""

from html.parser import HTMLParser

import pytest
from django.urls import resolve

from tests.matrix import ROLES, play, url_for, url_names

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
REFUSED_FEATURES = ("camera=()", "microphone=()", "geolocation=()", "payment=()")
# <script> types that are data, never run (json_script): the policy doesn't apply to them.
DATA_SCRIPTS = {"application/json", "application/ld+json"}


def policy_of(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {words[0]: words[1:] for words in directives}


def header_problems(response) -> list[str]:
    problems = []
    policy = policy_of(response)
    if policy != POLICY:
        problems.append(f"Content-Security-Policy is {response.headers.get('Content-Security-Policy')!r}")
    for name, value in HEADERS.items():
        if response.headers.get(name) != value:
            problems.append(f"{name} is {response.headers.get(name)!r}, not {value!r}")
    permissions = response.headers.get("Permissions-Policy", "")
    problems += [f"Permissions-Policy lacks {f}" for f in REFUSED_FEATURES if f not in permissions]
    return problems


class InlineFinder(HTMLParser):
    """What a strict policy refuses in a page: inline code and styles, and off-site code."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and (attributes.get("type") or "").lower() not in DATA_SCRIPTS:
            src = attributes.get("src")
            if not src:
                self.problems.append("an inline <script>")
            elif not src.startswith("/") or src.startswith("//"):
                self.problems.append(f"a script from elsewhere: {src}")
        if tag == "style":
            self.problems.append("a <style> block")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f'style="{value}" on <{tag}>')
            elif name.startswith("on") or name.startswith(("hx-on", "data-hx-on")):
                self.problems.append(f"an event handler {name} on <{tag}>")
            elif name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"a javascript: URL in {name} on <{tag}>")
            elif name in ("hx-vals", "hx-headers") and (value or "").strip().startswith("js:"):
                self.problems.append(f"{name} evaluated as JavaScript on <{tag}>")


def inline_problems(response) -> list[str]:
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    finder = InlineFinder()
    finder.feed(response.content.decode())
    return finder.problems


@pytest.mark.parametrize("name", url_names())
def test_every_response_carries_the_policy_and_nothing_inline(name, world):
    """Each page, fragment and refusal at this URL, as each role: the headers are there and
    the HTML holds nothing the policy would block."""
    url = url_for(name, world)
    problems = []
    pages = 0
    for role in ROLES:
        for method, htmx in (("GET", False), ("GET", True), ("POST", False)):
            response = play(url, method, world.users[role], body=world.body(name), htmx=htmx)
            pages += response.get("Content-Type", "").startswith("text/html")
            where = f"{method}{' (htmx)' if htmx else ''} as {role} ({response.status_code})"
            problems += [f"{where}: {p}" for p in header_problems(response) + inline_problems(response)]
    assert not problems, f"{name} ({url}):\n  " + "\n  ".join(sorted(set(problems)))
    json_only = resolve(url).func.__module__ == "teams.scim.api"  # the SCIM API: JSON, headers checked
    if name not in ("healthz", "favicon") and not json_only:
        assert pages, f"{name}: no HTML page was checked"


def test_the_policy_allows_nothing_inline_and_no_eval(client, db):
    """The policy itself: no 'unsafe-inline', no 'unsafe-eval', no wildcard source."""
    header = client.get("/login/").headers["Content-Security-Policy"]
    for forbidden in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", " * ", "http:", "https:"):
        assert forbidden not in f" {header} "


def test_a_refused_request_carries_the_policy_too(client, db):
    """The request guard's 400 page (a NUL byte in the path) is a page like any other."""
    response = client.get("/p/%00/")
    assert response.status_code == 400
    assert policy_of(response) == POLICY
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert inline_problems(response) == []


def test_the_finder_sees_what_the_policy_blocks():
    """The HTML check is not vacuous: each kind of inline code is reported."""
    finder = InlineFinder()
    finder.feed(
        '<script>alert(1)</script><script src="https://cdn.example/x.js"></script>'
        '<style>p{}</style><p style="color:red" onclick="x()">'
        '<a href="javascript:x()">x</a><div hx-on:click="x()"></div>'
        '<script type="application/json">{"data": 1}</script><script src="/static/js/app.js"></script>'
    )
    assert len(finder.problems) == 7, finder.problems

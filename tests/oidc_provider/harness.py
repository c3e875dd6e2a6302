"""Starting the test provider, and walking through it as a person's browser would, with real HTTP."""

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_PASSWORD = "provider-Password-1"


@dataclass
class Provider:
    base: str
    database: Path

    @property
    def issuer(self) -> str:
        return f"{self.base}/o"


def _environment(database: Path, people: dict, clients: list, key: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        OIDC_PROVIDER_DB=str(database),
        OIDC_PROVIDER_KEY=key,
        OIDC_PROVIDER_PEOPLE=json.dumps(people),
        OIDC_PROVIDER_PASSWORD=PROVIDER_PASSWORD,
        OIDC_PROVIDER_CLIENTS=json.dumps(clients),
        PYTHONPATH=str(ROOT),
    )
    return env


@contextmanager
def running_provider(folder: Path, *, people: dict, clients: list):
    """The provider in its own process on a free port of 127.0.0.1, with a new RSA signing key,
    the people (username -> claims) and the clients given; stopped on leaving."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    database = folder / "provider.sqlite3"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_provider.serve"],
        cwd=ROOT,
        env=_environment(database, people, clients, pem),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        if not line.startswith("listening on "):
            raise RuntimeError(f"The test provider didn't start (exit code {process.poll()})")
        base = line.removeprefix("listening on ").strip()
        yield Provider(base=base, database=database)
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()


class _Form(HTMLParser):
    """The first form of a page: its action and its named inputs."""

    def __init__(self):
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self._done = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attrs.get("action") or ""
        elif tag == "input" and self.action is not None and not self._done:
            if attrs.get("name") and attrs.get("type") != "submit":
                self.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._done = True


def _form(page: requests.Response) -> tuple[str, dict[str, str]]:
    parser = _Form()
    parser.feed(page.text)
    assert parser.action is not None, f"No form on {page.url}: {page.text[:500]}"
    return urljoin(page.url, parser.action), parser.fields


def through_provider(
    authorize_url: str, username: str, *, allow: bool = True, browser: requests.Session | None = None
) -> str:
    """What a person does at the provider: open the authorization URL, sign in there with the
    username and password, and allow (or refuse) Purpose Pulse on the consent page. Returns the
    URL the provider sends the browser back to (the redirect URI with code and state). Pass
    `browser` to keep the provider's session (its cookies) afterwards."""
    browser = browser or requests.Session()
    page = browser.get(authorize_url, timeout=30)  # redirected to the provider's login page
    assert "/login/" in page.url, page.url
    action, fields = _form(page)
    fields.update(username=username, password=PROVIDER_PASSWORD)
    consent = browser.post(action, data=fields, timeout=30)
    assert consent.status_code == 200 and "authorizationForm" in consent.text, consent.text[:1000]
    action, fields = _form(consent)
    if allow:
        fields["allow"] = "Authorize"
    back = browser.post(action, data=fields, allow_redirects=False, timeout=30)
    assert back.status_code == 302, back.text[:1000]
    return back.headers["Location"]

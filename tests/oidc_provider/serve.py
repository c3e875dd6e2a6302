"""Run the test provider: `python -m tests.oidc_provider.serve` with its environment set.

OIDC_PROVIDER_DB (a SQLite file), OIDC_PROVIDER_KEY (an RSA private key, PEM),
OIDC_PROVIDER_PEOPLE (JSON: username -> claims; every password is OIDC_PROVIDER_PASSWORD) and
OIDC_PROVIDER_CLIENTS (JSON: [{"client_id", "client_secret", "redirect_uris"}]). It listens on a
free port of 127.0.0.1 and prints `listening on http://127.0.0.1:PORT` once it answers.
"""

import json
import os
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import django

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # one line per request would drown the test output
        pass


def prepare() -> None:
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0, interactive=False)
    password = os.environ["OIDC_PROVIDER_PASSWORD"]
    for username in json.loads(os.environ.get("OIDC_PROVIDER_PEOPLE", "{}")):
        User.objects.create_user(username=username, password=password)
    for client in json.loads(os.environ.get("OIDC_PROVIDER_CLIENTS", "[]")):
        Application.objects.create(
            name=client["client_id"],
            client_id=client["client_id"],
            client_secret=client["client_secret"],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(client["redirect_uris"]),
            post_logout_redirect_uris=" ".join(client.get("post_logout_redirect_uris", [])),
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=False,
        )


def main() -> None:
    django.setup()
    prepare()
    from django.core.wsgi import get_wsgi_application

    server = make_server(
        "127.0.0.1", 0, get_wsgi_application(), server_class=ThreadingServer, handler_class=QuietHandler
    )
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

"""A real OpenID Connect provider for the single sign-on tests, run as its own process on 127.0.0.1
(django-oauth-toolkit's OIDC support): discovery, JWKS, login, consent, PKCE and signed ID tokens,
as Okta or Entra ID would answer. `serve.py` starts it; tests/teams/test_sso.py uses it."""

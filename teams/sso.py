"""Single sign-on with OpenID Connect, one provider per organization (docs/sso.md).

Authlib does the protocol: discovery, the authorization code flow with PKCE, state and nonce,
the token request, and the ID token's signature (the provider's JWKS), issuer, audience and
expiry. This module decides who that is here: the person whose verified email it is, within the
organization whose provider answered, and nobody else. The first sign-in links the person to that
provider account (its `sub`): from then on it alone signs them in, whatever email it sends.
"""

import logging
import time
from urllib.parse import urlencode

import requests
from authlib.integrations.django_client import DjangoIntegration, DjangoOAuth2App
from django.contrib.auth.backends import ModelBackend
from django.db import IntegrityError, transaction

from teams.models import Organization, SingleSignOn, SsoIdentity, User, normalize_email_address

log = logging.getLogger(__name__)

# The backend recorded in the session of a person signed in through their provider.
SSO_BACKEND = "teams.sso.SingleSignOnBackend"
SCOPES = "openid email profile"
TIMEOUT = 10  # seconds for each request to a provider
METADATA_SECONDS = 600  # how long a provider's discovery document and keys are kept (sso_client)
_metadata: dict[str, dict] = {}  # discovery URL -> Authlib's server metadata, jwks included once read


class SignInRefused(Exception):
    """The provider vouched for someone who may not sign in here; the message says why, plainly."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.reason = reason  # for the audit log


class ProviderUnreadable(Exception):
    """The issuer's discovery document can't be read or doesn't describe that issuer."""


class SingleSignOnBackend(ModelBackend):
    """Keeps a person signed in through their provider (`get_user`, inactive accounts dropped).
    It checks no password: `teams.sso_views.sso_callback` signs people in with it."""

    def authenticate(self, request, **credentials):
        return None


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def provider_check(issuer: str) -> dict:
    """The discovery document of `issuer`, checked to be that issuer's and to name the endpoints
    the sign-in uses (what the settings forms call before saving)."""
    url = discovery_url(issuer)
    try:
        response = requests.get(url, timeout=TIMEOUT)
        response.raise_for_status()
        metadata = response.json()
    except requests.RequestException as exc:
        raise ProviderUnreadable(
            f"Couldn't read the provider's settings at {url} ({exc.__class__.__name__})."
        ) from exc
    except ValueError:
        raise ProviderUnreadable(f"The provider's settings at {url} are not JSON.") from None
    if not isinstance(metadata, dict) or metadata.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
        found = metadata.get("issuer") if isinstance(metadata, dict) else None
        raise ProviderUnreadable(f"The settings at {url} are for the issuer {found!r}, not {issuer!r}.")
    missing = [
        key for key in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not metadata.get(key)
    ]
    if missing:
        raise ProviderUnreadable(f"The provider's settings at {url} name no {', '.join(missing)}.")
    _metadata.pop(url, None)  # settings being saved: the next sign-in reads the provider afresh
    return metadata


def sso_client(sso: SingleSignOn) -> DjangoOAuth2App:
    """An Authlib client for this organization's provider, made for one request from the database's
    settings. Its state (state, nonce, PKCE verifier, redirect URI) is kept in the session under
    the organization's name, so flows to two providers never mix."""
    name = f"sso-{sso.organization_id}"
    app = DjangoOAuth2App(
        DjangoIntegration(name),
        name=name,
        client_id=sso.client_id,
        client_secret=sso.client_secret,
        server_metadata_url=discovery_url(sso.issuer),
        client_kwargs={"scope": SCOPES, "code_challenge_method": "S256", "default_timeout": TIMEOUT},
    )
    # The provider's discovery document and signing keys are kept in this process for
    # METADATA_SECONDS: Authlib reads and fills the dict it is given (keys are fetched again at
    # once when a token names a key not kept, as after a rotation).
    url = discovery_url(sso.issuer)
    kept = _metadata.get(url)
    if kept is None or time.time() - kept.get("_loaded_at", 0) > METADATA_SECONDS:
        kept = _metadata[url] = {}
    app.server_metadata = kept
    return app


def sign_out_url(sso: SingleSignOn, *, id_token: str, back_to: str) -> str | None:
    """Where to send a browser signing out here so it is signed out of the provider too (OpenID
    Connect RP-initiated logout), then sent back to `back_to`; None when the provider has no
    logout endpoint or can't be reached (then only this site's session ends)."""
    try:
        endpoint = sso_client(sso).load_server_metadata().get("end_session_endpoint")
    except (requests.RequestException, ValueError, RuntimeError) as exc:
        log.warning("Single sign-on of organization %s: no provider sign-out (%s)", sso.organization_id, exc)
        return None
    if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
        return None
    query = {"client_id": sso.client_id, "post_logout_redirect_uri": back_to}
    if id_token:
        query["id_token_hint"] = id_token
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"


def claims_options(sso: SingleSignOn) -> dict:
    """What the ID token must say besides its signature, nonce and expiry: who issued it, for whom."""
    return {
        "iss": {"essential": True, "values": [sso.issuer, sso.issuer.rstrip("/")]},
        "aud": {"essential": True, "values": [sso.client_id]},
    }


def sso_for_email(email: str) -> SingleSignOn | None:
    """The provider a person signing in with `email` is sent to: their account's organization's,
    else that of the one organization whose single sign-on lists the address's domain."""
    address = normalize_email_address(email)
    user = User.objects.filter(email=address).only("organization_id").first()
    if user is not None:
        if user.organization_id is None:
            return None
        return SingleSignOn.objects.filter(organization_id=user.organization_id, enabled=True).first()
    domain = address.rpartition("@")[2]
    if not domain:
        return None
    candidates = [
        sso
        for sso in SingleSignOn.objects.filter(enabled=True, email_domains__icontains=domain)
        if domain in sso.domains
    ]
    return candidates[0] if len(candidates) == 1 else None


def password_login_allowed(user: User) -> bool:
    """Whether `user` may sign in with a password. Off only for the people of an organization that
    turned passwords off; its admins and the site's superusers keep theirs (docs/sso.md)."""
    if user.is_superuser or user.is_org_admin or user.organization_id is None:
        return True
    return not passwords_off(user.organization_id)


def passwords_off(organization_id: int) -> bool:
    """Whether the organization's people sign in through its provider only."""
    return SingleSignOn.objects.filter(
        organization_id=organization_id, enabled=True, password_login=False
    ).exists()


def _verified(claims: dict, *, vouched: bool = False) -> bool:
    """The provider says the address is verified; or, for one that vouches for every address it
    sends (Entra ID), says nothing otherwise. An explicit "not verified" is always refused."""
    value = claims.get("email_verified")
    if value is None:
        return vouched
    return value is True or (isinstance(value, str) and value.lower() == "true")


def sso_user(sso: SingleSignOn, claims: dict) -> User:
    """The account the provider's verified claims name, in the provider's organization only.

    The provider account already linked to a person (its `sub`) signs that person in. Otherwise
    the verified email names the account, which is then linked to this provider account; an
    account already linked to another one is refused (the address was given to someone else at
    the provider, or the person got a new account there: an admin unlinks the old one).
    Nobody is created: the organization's people come from its admins (the import, the admin).
    """
    organization: Organization = sso.organization
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise SignInRefused(
            f"{organization}'s sign-in service didn't say which of its accounts you are (no subject), "
            "so it can't sign you in here. Tell your organization's admin.",
            reason="no subject",
        )
    linked = (
        SsoIdentity.objects.select_related("user")
        .filter(issuer=sso.issuer, subject=subject, user__organization=organization)
        .first()
    )
    if linked is not None:
        return _active(linked.user)
    user = _by_email(sso, claims)
    link = SsoIdentity.objects.filter(user=user, issuer=sso.issuer).first()
    if link is None:
        try:
            with transaction.atomic():
                SsoIdentity.objects.create(user=user, issuer=sso.issuer, subject=subject)
        except IntegrityError:
            # The same sign-in twice at once (the other one linked it), or this provider account
            # is linked to someone of another organization under a shared issuer (Google's): then
            # the address alone signs in, as before links existed.
            link = SsoIdentity.objects.filter(user=user, issuer=sso.issuer).first()
    if link is not None and link.subject != subject:
        raise SignInRefused(
            f"The account for {user.email} here is linked to another account at {organization}'s "
            "sign-in service, so this one can't sign in as them. If you have a new account there, "
            "ask your organization's admin to unlink the old one.",
            reason="linked to another provider account",
        )
    return user


def _by_email(sso: SingleSignOn, claims: dict) -> User:
    """The active account of the organization whose verified email the claims carry."""
    organization: Organization = sso.organization
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise SignInRefused(
            f"{organization}'s sign-in service didn't tell us your email address, so we can't tell "
            "who you are here. Ask your admin to let Purpose Pulse read it (the email scope).",
            reason="no email",
        )
    address = normalize_email_address(email)
    if not _verified(claims, vouched=sso.emails_vouched):
        raise SignInRefused(
            f"{organization}'s sign-in service hasn't verified the address {address}, so it can't "
            "sign you in here. Verify it with your company's IT, or sign in another way.",
            reason="email not verified",
        )
    domains = sso.domains
    if domains and address.rpartition("@")[2] not in domains:
        raise SignInRefused(
            f"{address} is not an address {organization} signs in with here ({', '.join(domains)}).",
            reason="domain not allowed",
        )
    user = User.objects.filter(email=address, organization=organization).first()
    if user is None:
        raise SignInRefused(
            f"There is no account for {address} in {organization}. Ask your organization's admin to add you.",
            reason="no account in organization",
        )
    return _active(user)


def _active(user: User) -> User:
    if not user.is_active:
        raise SignInRefused(
            f"The account for {user.email} is switched off. Ask your organization's admin if you should "
            "still have access.",
            reason="account inactive",
        )
    return user

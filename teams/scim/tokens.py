"""The organization's SCIM bearer tokens: made, replaced and revoked by its admins, stored hashed.

A token is 32 random bytes, so one SHA-256 of it is a safe thing to keep (nothing to
guess from); the secret itself is shown once, on the page that made it.
"""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from teams.models import Organization, ScimToken, User
from teams.services import audit_record

SECRET_PREFIX = "pp_scim_"
# The last-used time is written at most this often, so a busy sync isn't a write per request.
LAST_USED_EVERY = timedelta(minutes=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def token_create(*, organization: Organization, name: str, acting_user: User) -> tuple[ScimToken, str]:
    secret = _new_secret()
    token = ScimToken.objects.create(
        organization=organization,
        name=name,
        prefix=secret[: len(SECRET_PREFIX) + 4],
        digest=_digest(secret),
        created_by=acting_user,
    )
    audit_record(organization=organization, actor=acting_user, action="scim_token.create", token=name)
    return token, secret


@transaction.atomic
def token_replace(*, token: ScimToken, acting_user: User) -> str:
    """A new secret for the token; the old one stops working at once."""
    secret = _new_secret()
    token.prefix = secret[: len(SECRET_PREFIX) + 4]
    token.digest = _digest(secret)
    token.last_used_at = None
    token.save(update_fields=["prefix", "digest", "last_used_at"])
    audit_record(
        organization=token.organization, actor=acting_user, action="scim_token.replace", token=token.name
    )
    return secret


@transaction.atomic
def token_revoke(*, token: ScimToken, acting_user: User) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        organization=token.organization, actor=acting_user, action="scim_token.revoke", token=token.name
    )


def token_for_header(authorization: str) -> ScimToken | None:
    """The live token an `Authorization: Bearer ...` header names, or None."""
    scheme, _, secret = authorization.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret.startswith(SECRET_PREFIX):
        return None
    token = (
        ScimToken.objects.select_related("organization")
        .filter(digest=_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is not None:
        now = timezone.now()
        ScimToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
        ).update(last_used_at=now)
    return token

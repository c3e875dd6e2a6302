"""Sign-ins in the audit log: each login, and each failed attempt, is a row.

django-axes counts failures to lock guessers out; these rows are the trail an
admin reads beside the other changes. A failure names the account only when
one uses the address typed: anything else typed in the email field (a
password, say) is not kept.
"""

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from teams.auth import login_username
from teams.models import SingleSignOn, User, normalize_email_address
from teams.services import audit_record
from teams.sso import SSO_BACKEND


def _client_ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in, dispatch_uid="teams.audit_login")
def audit_login(sender, request: HttpRequest | None, user: User, **kwargs) -> None:
    backend = request.session.get(BACKEND_SESSION_KEY) if request is not None else None
    via = {"via": "sso"} if backend == SSO_BACKEND else {}
    audit_record(organization=user.organization, actor=user, action="login", ip=_client_ip(request), **via)


@receiver(user_login_failed, dispatch_uid="teams.audit_login_failed")
def audit_login_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    if request is not None:
        address = login_username(request, credentials)
    else:
        typed = (credentials or {}).get("username")
        address = normalize_email_address(typed) if isinstance(typed, str) else None
    account = User.objects.filter(email=address).select_related("organization").first() if address else None
    details = {"ip": _client_ip(request)}
    if account is not None:
        details["account"] = account.email
    audit_record(
        organization=account.organization if account else None,
        actor=None,
        action="login.failed",
        **details,
    )


def audit_sso_refused(request: HttpRequest, sso: SingleSignOn, claims: dict, *, reason: str) -> None:
    """A sign-in through the organization's provider that was refused here. As for a wrong
    password, the address is kept only when an account of that organization uses it."""
    details = {"ip": _client_ip(request), "via": "sso", "reason": reason}
    email = claims.get("email")
    if isinstance(email, str):
        address = normalize_email_address(email)
        if User.objects.filter(email=address, organization_id=sso.organization_id).exists():
            details["account"] = address
    audit_record(organization=sso.organization, actor=None, action="login.failed", **details)

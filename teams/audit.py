"""Sign-ins in the audit log: each login, and each failed attempt, is a row.

django-axes counts failures to lock guessers out; these rows are the trail an
admin reads beside the other changes. A failure names the account only when
one uses the address typed: anything else typed in the email field (a
password, say) is not kept.
"""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from teams.auth import login_username
from teams.models import User, normalize_email_address
from teams.services import audit_record


def _client_ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in, dispatch_uid="teams.audit_login")
def audit_login(sender, request: HttpRequest | None, user: User, **kwargs) -> None:
    audit_record(organization=user.organization, actor=user, action="login", ip=_client_ip(request))


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

"""Signing in: by email in whatever case it is typed, with lockouts and reset limits against guessing."""

import hashlib
import logging
from datetime import timedelta

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from teams.models import User, normalize_email_address
from teams.sso import password_login_allowed

log = logging.getLogger(__name__)

RESET_WINDOW = timedelta(hours=1)


class EmailBackend(ModelBackend):
    """Addresses are stored lowercase, so `LEAD@Demo.Example` signs in as lead@demo.example.
    No password signs in someone whose organization turned passwords off (teams/sso.py)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        user = super().authenticate(request, username=normalize_email_address(username), password=password)
        if user is not None and not password_login_allowed(user):
            return None
        return user


def login_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The name django-axes counts failures under: the address as stored, so changing
    its case or padding it buys no extra guesses. (AXES_USERNAME_CALLABLE)"""
    raw = (credentials or {}).get("username") or (credentials or {}).get(User.USERNAME_FIELD)
    if raw is None:
        raw = request.POST.get("username")
    if not isinstance(raw, str):
        return None
    return normalize_email_address(raw)[:255]  # axes keeps at most 255 characters


def lockout_response(request: HttpRequest, original_response, credentials) -> HttpResponse:
    """The page a locked-out login gets, saying when to try again. (AXES_LOCKOUT_CALLABLE)"""
    cool_off = get_cool_off(request) or timedelta(minutes=15)
    context = {
        "minutes": int(cool_off.total_seconds() // 60),
        "retry_at": timezone.now() + cool_off,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    return render(request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


def password_reset_allowed(email: str) -> bool:
    """Count one reset request for the address; False once its hourly allowance is spent.

    Counted whether or not an account uses the address, so the answer reveals nothing.
    """
    digest = hashlib.sha256(normalize_email_address(email).encode()).hexdigest()
    key = f"password-reset:{digest}"
    window = int(RESET_WINDOW.total_seconds())
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    if count > settings.PASSWORD_RESET_LIMIT_PER_HOUR:
        log.warning("Password reset refused: address over its hourly limit (sha256 %s)", digest[:12])
        return False
    return True

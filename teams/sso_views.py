"""Single sign-on pages: off to the organization's provider, back from it, and its settings."""

import logging
import secrets

import requests
from authlib.integrations.base_client import OAuthError
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.validators import validate_email
from django.forms import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from joserfc.errors import JoseError

from teams.audit import audit_sso_refused
from teams.models import SingleSignOn, normalize_email_address
from teams.redirects import local_path
from teams.services import audit_record
from teams.sso import (
    SSO_BACKEND,
    SignInRefused,
    claims_options,
    sign_out_url,
    sso_client,
    sso_for_email,
    sso_user,
)
from teams.sso_forms import SignInForm, SingleSignOnForm

log = logging.getLogger(__name__)

FLOWS = "sso_flows"  # session key: state -> the organization and where to go afterwards
SIGNED_IN_WITH = "sso_signed_in"  # session key: the organization whose provider signed them in, its ID token
MAX_FLOWS = 5  # sign-ins started and not finished, kept per browser


def _login_page(request, *, email: str = "", next_url: str = "", problem: str, status: int):
    """The login page again, with what was typed and what went wrong."""
    context = {
        "form": SignInForm(request, initial={"username": email}),
        "next": next_url,
        "sso_problem": problem,
    }
    return render(request, "registration/login.html", context, status=status)


def _safe_next(request, next_url: str) -> str:
    return local_path(request, next_url) or ""


@require_POST
def sso_start(request):
    """The login page's "Sign in with your company account": the typed email finds the organization,
    and the browser goes to its provider with a fresh state, nonce and PKCE challenge."""
    email = request.POST.get("username", "").strip()
    next_url = _safe_next(request, request.POST.get("next", ""))
    try:
        validate_email(email)
    except ValidationError:
        return _login_page(
            request,
            email=email,
            next_url=next_url,
            problem="Type your work email first, then choose “Sign in with your company account”.",
            status=400,
        )
    sso = sso_for_email(email)
    if sso is None:
        return _login_page(
            request,
            email=email,
            next_url=next_url,
            problem=f"No company sign-in is set up for {normalize_email_address(email)}. "
            "Sign in with your password, or ask your organization's admin.",
            status=400,
        )
    state = secrets.token_urlsafe(32)
    try:
        response = sso_client(sso).authorize_redirect(
            request, request.build_absolute_uri(reverse("sso_callback")), state=state, login_hint=email
        )
    except (requests.RequestException, ValueError, RuntimeError) as exc:
        log.warning("Single sign-on of organization %s: provider unreachable (%s)", sso.organization_id, exc)
        return _login_page(
            request,
            email=email,
            next_url=next_url,
            problem=f"{sso.organization}'s sign-in service can't be reached just now. Try again in a "
            "minute; if it keeps failing, tell your organization's admin.",
            status=502,
        )
    flows = dict(list(request.session.get(FLOWS, {}).items())[-(MAX_FLOWS - 1) :])
    flows[state] = {"organization": sso.organization_id, "next": next_url}
    request.session[FLOWS] = flows
    return _to_provider(request, sso, response["Location"])


def _to_provider(request, sso: SingleSignOn, url: str, *, out: bool = False):
    """A page that moves on to the provider by itself, with a link. Not a redirect: the pages'
    policy (form-action 'self') covers where a form's answer redirects to, and refuses another
    site; a Refresh header and a link are navigations it allows."""
    page = render(
        request, "teams/sso_leaving.html", {"organization": sso.organization, "url": url, "out": out}
    )
    page["Refresh"] = f"0;url={url}"
    return page


@require_GET
def sso_callback(request):
    """Back from the provider: the state must be one this browser started; Authlib trades the
    code (with the PKCE verifier) for tokens and verifies the ID token; then the verified email
    must be an active account of that organization."""
    state = request.GET.get("state", "")
    flows = request.session.get(FLOWS, {})
    flow = flows.pop(state, None) if state else None
    request.session[FLOWS] = flows
    if flow is None:
        return _login_page(
            request,
            problem="This sign-in link has expired or was started in another browser. Start again here.",
            status=400,
        )
    sso = (
        SingleSignOn.objects.select_related("organization")
        .filter(organization_id=flow["organization"], enabled=True)
        .first()
    )
    if sso is None:
        return _login_page(
            request, problem="Company sign-in is no longer set up for your organization.", status=400
        )
    try:
        token = sso_client(sso).authorize_access_token(request, claims_options=claims_options(sso))
    except OAuthError as exc:
        log.warning("Single sign-on of organization %s refused by the provider: %s", sso.organization_id, exc)
        audit_sso_refused(request, sso, {}, reason=f"provider: {exc.error}")
        return _login_page(
            request,
            problem=f"{sso.organization}'s sign-in service didn't sign you in"
            + (f": {exc.description}" if exc.description else ".")
            + " Try again.",
            status=403,
        )
    except (JoseError, requests.RequestException, ValueError, RuntimeError) as exc:
        log.warning("Single sign-on of organization %s failed: %r", sso.organization_id, exc)
        audit_sso_refused(request, sso, {}, reason=f"unverified answer: {exc.__class__.__name__}")
        return _login_page(
            request,
            problem=f"We couldn't verify the answer of {sso.organization}'s sign-in service, so you are "
            "not signed in. Try again; if it keeps failing, tell your organization's admin.",
            status=403,
        )
    claims = token.get("userinfo") or {}
    try:
        if not claims:
            raise SignInRefused(
                f"{sso.organization}'s sign-in service sent no ID token. Ask your admin to check its "
                "set-up (scope openid).",
                reason="no id token",
            )
        user = sso_user(sso, claims)
    except SignInRefused as refusal:
        audit_sso_refused(request, sso, claims, reason=refusal.reason)
        return _login_page(request, email=claims.get("email") or "", problem=str(refusal), status=403)
    login(request, user, backend=SSO_BACKEND)
    request.session[SIGNED_IN_WITH] = {
        "organization": sso.organization_id,
        "id_token": token.get("id_token", ""),
    }
    return redirect(flow["next"] or settings.LOGIN_REDIRECT_URL)


@never_cache
@require_POST
def sign_out(request):
    """Sign out here; someone signed in through their company's provider is then signed out
    there too, when it offers it (and sent back to the login page)."""
    signed_in_with = request.session.get(SIGNED_IN_WITH) or {}
    logout(request)
    sso = None
    if signed_in_with:
        sso = (
            SingleSignOn.objects.select_related("organization")
            .filter(organization_id=signed_in_with["organization"], enabled=True)
            .first()
        )
    if sso is None:  # a password sign-in, or single sign-on switched off since
        return redirect(settings.LOGOUT_REDIRECT_URL)
    provider_url = sign_out_url(
        sso, id_token=signed_in_with.get("id_token", ""), back_to=request.build_absolute_uri(reverse("login"))
    )
    if provider_url is None:
        return redirect(settings.LOGOUT_REDIRECT_URL)
    return _to_provider(request, sso, provider_url, out=True)


def _require_org_admin(user) -> None:
    if user.organization_id is None or not user.is_org_admin:
        raise PermissionDenied("Only the organization's admins can set up single sign-on.")


@sensitive_post_parameters("client_secret")
@require_http_methods(["GET", "POST"])
@login_required
def sso_settings(request):
    """/org/sso/: the organization's provider, set up by its admins."""
    _require_org_admin(request.user)
    organization = request.user.organization
    saved = SingleSignOn.objects.filter(organization=organization).first()
    form = SingleSignOnForm(instance=saved)
    status = 200
    if request.method == "POST":
        form = SingleSignOnForm(request.POST, instance=saved)
        if form.is_valid():
            sso = form.save(commit=False)
            sso.organization = organization
            sso.save()
            audit_record(
                organization=organization,
                actor=request.user,
                action="sso.change" if saved else "sso.add",
                changed=sorted(form.changed_data),  # names only: the secret's value is never logged
            )
            messages.success(request, "Single sign-on saved.")
            return redirect("sso_settings")
        status = 400
    context = {
        "form": form,
        "saved": saved,
        "callback_url": request.build_absolute_uri(reverse("sso_callback")),
        "signed_out_url": request.build_absolute_uri(reverse("login")),
    }
    return render(request, "teams/sso_settings.html", context, status=status)

"""Accounts: the invitation link that sets a password, a member's claim of an account, and the
admin's page of people still without a password. The rules are in teams/invitations.py."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from teams.auth import password_reset_allowed
from teams.forms import AccountClaimForm
from teams.invitations import (
    LinkState,
    Outcome,
    Reason,
    account_link_request,
    bulk_progress,
    invitation_send,
    invitation_state,
    invitations_bulk,
    last_sent,
    link_check,
    link_lifetime,
    waiting_for_password,
)
from teams.models import User
from teams.redirects import local_path
from teams.services import audit_record

PROBLEM_STATUS = {
    LinkState.INVALID: 404,
    LinkState.USED: 410,
    LinkState.EXPIRED: 410,
    LinkState.CLOSED: 403,
    "someone_else": 403,
}
PAGE_SIZE = 50


def _problem(request, problem: str, **context):
    context = {"problem": str(problem), "days": settings.INVITATION_TIMEOUT_DAYS, **context}
    return render(request, "teams/accounts/link_problem.html", context, status=PROBLEM_STATUS[problem])


@require_http_methods(["GET", "POST"])
@never_cache
def account_invitation(request, uidb64: str, token: str):
    """The emailed link: choose a password, then arrive signed in on the home page."""
    check = link_check(uidb64, token)
    user = check.user
    if request.user.is_authenticated and user is not None and request.user.pk != user.pk:
        return _problem(request, "someone_else")
    if check.state == LinkState.USED and request.user.is_authenticated:
        messages.info(request, "That link has been used already, and you are signed in.")
        return redirect(settings.LOGIN_REDIRECT_URL)
    if check.state != LinkState.VALID:
        return _problem(request, check.state, uidb64=uidb64, token=token)
    form = SetPasswordForm(user)
    if request.method == "POST":
        form = SetPasswordForm(user, request.POST)
        if form.is_valid():
            form.save()
            audit_record(
                organization=user.organization, actor=user, action="account.password_set", user=user.email
            )
            login(request, user, backend="teams.auth.EmailBackend")
            messages.success(
                request, "Your password is set, and you are signed in. Welcome to Purpose Pulse."
            )
            return redirect(settings.LOGIN_REDIRECT_URL)
    status = 400 if request.method == "POST" else 200
    return render(request, "teams/accounts/set_password.html", {"form": form, "person": user}, status=status)


@require_POST
def account_invitation_renew(request, uidb64: str, token: str):
    """From an expired link: a new one to the same address. Only a genuine link, once expired."""
    check = link_check(uidb64, token)
    if request.user.is_authenticated and check.user is not None and request.user.pk != check.user.pk:
        return _problem(request, "someone_else")
    if check.state != LinkState.EXPIRED:
        if check.state == LinkState.VALID or request.user.is_authenticated:
            return redirect("account_invitation", uidb64=uidb64, token=token)
        return _problem(request, check.state, uidb64=uidb64, token=token)
    result = invitation_send(user_id=check.user.pk, reason=Reason.RENEW)
    context = {
        "result": str(result.outcome),
        "retry_at": result.retry_at,
        "days": settings.INVITATION_TIMEOUT_DAYS,
    }
    return render(request, "teams/accounts/link_renewed.html", context)


@require_http_methods(["GET", "POST"])
def account_claim(request):
    """A member asks for an account to see their team's results. The answer never says whether
    the address is known: the same page, and the email (if any) goes from the queue."""
    form = AccountClaimForm()
    if request.method == "POST":
        form = AccountClaimForm(request.POST)
        if form.is_valid():
            email = form.cleaned_data["email"]
            if password_reset_allowed(email):
                account_link_request(email, reason=Reason.CLAIM)
            return redirect("account_claim_sent")
        return render(request, "teams/accounts/claim.html", {"form": form}, status=400)
    return render(request, "teams/accounts/claim.html", {"form": form})


@require_GET
def account_claim_sent(request):
    return render(request, "teams/accounts/claim_sent.html", {"days": settings.INVITATION_TIMEOUT_DAYS})


# --- The organization admin's page ----------------------------------------------------------


def _require_org_admin(user: User) -> None:
    if user.organization_id is None or not user.is_org_admin:
        raise PermissionDenied("Only the organization's admins can send invitations.")


@require_GET
@login_required
def invitations_page(request):
    """Leaders, executives and admins who have no password yet, with where their link stands."""
    _require_org_admin(request.user)
    organization = request.user.organization
    progress = bulk_progress(organization)
    if request.htmx and request.GET.get("part") == "progress":
        return render(request, "teams/accounts/invitations.html#progress", {"progress": progress})
    waiting = waiting_for_password(organization).order_by("name", "email")
    sent = last_sent(organization.pk)
    now = timezone.now()
    counts = dict.fromkeys([LinkState.NEVER, LinkState.VALID, LinkState.EXPIRED], 0)
    for email in waiting.values_list("email", flat=True):
        counts[invitation_state(sent.get(email), now)] += 1
    page = Paginator(waiting, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "person": person,
            "sent_at": sent.get(person.email),
            "state": str(invitation_state(sent.get(person.email), now)),
            "expires_at": sent[person.email] + link_lifetime() if person.email in sent else None,
        }
        for person in page
    ]
    context = {
        "page": page,
        "rows": rows,
        "counts": {str(state): count for state, count in counts.items()},
        "to_send": counts[LinkState.NEVER] + counts[LinkState.EXPIRED],
        "progress": progress,
        "days": settings.INVITATION_TIMEOUT_DAYS,
        "resend_minutes": settings.INVITATION_RESEND_MINUTES,
    }
    return render(request, "teams/accounts/invitations.html", context)


def _back(request) -> str:
    return local_path(request, request.POST.get("next", "")) or reverse("invitations")


@require_POST
@login_required
def invitation_resend(request, person_id: int):
    """Send one person of the admin's organization a new link (throttled; audited)."""
    _require_org_admin(request.user)
    person = User.objects.filter(pk=person_id, organization_id=request.user.organization_id).first()
    if person is None:
        raise Http404("No such person")
    result = invitation_send(user_id=person.pk, reason=Reason.RESEND, actor=request.user)
    if result.outcome == Outcome.SENT:
        messages.success(request, f"A new link to set a password is on its way to {person.email}.")
    elif result.outcome == Outcome.THROTTLED:
        wait = max(1, int((result.retry_at - timezone.now()).total_seconds() // 60) + 1)
        messages.warning(
            request,
            f"{person.email} was sent a link less than {settings.INVITATION_RESEND_MINUTES} minutes ago. "
            f"You can send another in {wait} minute{'s' if wait != 1 else ''}.",
        )
    else:
        messages.info(
            request, f"{person} doesn't need an invitation: they have a password, or their account is closed."
        )
    return redirect(_back(request))


@require_POST
@login_required
def invitations_send_all(request):
    """Invite everyone who holds a role, has no password and no working link, from the queue."""
    _require_org_admin(request.user)
    bulk = invitations_bulk(organization=request.user.organization, reason=Reason.ALL, actor=request.user)
    if bulk.total:
        messages.success(
            request,
            f"Sending {bulk.total} invitation{'s' if bulk.total != 1 else ''}; this page shows how many have gone.",
        )
    else:
        messages.info(request, "Everyone who needs an invitation has a link that still works.")
    return redirect("invitations")

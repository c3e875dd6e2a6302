"""The organization admin's SCIM page (/org/scim/): tokens for the identity provider, and
which unit each group pushed by it stands for. Organization admins only."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from teams.access import org_units
from teams.models import ScimGroup, ScimToken, User
from teams.scim.provisioning import group_map
from teams.scim.tokens import token_create, token_replace, token_revoke


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name of a new token",
        max_length=100,
        help_text="Which identity provider or connection uses it, e.g. “Okta production”.",
    )


class MapForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, required=False, empty_label="Not mapped: changes nothing")

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


def _require_org_admin(user: User) -> None:
    if user.organization_id is None or not user.is_org_admin:
        raise PermissionDenied("Only the organization's admins manage provisioning.")


def _own(model, user: User, pk: str | None):
    """A token or group of the admin's own organization; any other id is a 404."""
    if not pk or not str(pk).isdigit():
        raise Http404("No such item")
    found = model.objects.filter(pk=pk, organization_id=user.organization_id).first()
    if found is None:
        raise Http404("No such item")
    return found


# A new secret waits in the session for the page it is shown on, and is dropped there: a
# reload shows it no more and makes no second token (each change answers with a redirect).
SECRET_KEY = "scim_new_secret"


@require_http_methods(["GET", "POST"])
@login_required
def scim_settings(request):
    admin = request.user
    _require_org_admin(admin)
    units = org_units(admin).order_by("name")
    token_form = TokenForm()
    refused_maps: dict[int, MapForm] = {}
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            token_form = TokenForm(request.POST)
            if token_form.is_valid():
                token, secret = token_create(
                    organization=admin.organization, name=token_form.cleaned_data["name"], acting_user=admin
                )
                request.session[SECRET_KEY] = {"name": token.name, "secret": secret}
                return redirect("scim_settings")
        elif action == "replace":
            token = _own(ScimToken, admin, request.POST.get("token"))
            if token.revoked_at:
                raise Http404("This token is revoked")
            request.session[SECRET_KEY] = {
                "name": token.name,
                "secret": token_replace(token=token, acting_user=admin),
            }
            return redirect("scim_settings")
        elif action == "revoke":
            token = _own(ScimToken, admin, request.POST.get("token"))
            if not token.revoked_at:
                token_revoke(token=token, acting_user=admin)
            messages.success(request, f"“{token.name}” is revoked: requests with it are refused from now on.")
            return redirect("scim_settings")
        elif action == "map":
            group = _own(ScimGroup, admin, request.POST.get("group"))
            form = MapForm(request.POST, units=units, auto_id=f"g{group.pk}_%s")
            if form.is_valid():
                unit = form.cleaned_data["unit"]
                group_map(group=group, unit=unit, acting_user=admin)
                messages.success(
                    request,
                    f"“{group.display_name}” now stands for {unit.name}: its people are members there."
                    if unit
                    else f"“{group.display_name}” is no longer mapped.",
                )
                return redirect("scim_settings")
            refused_maps[group.pk] = form
    tokens = ScimToken.objects.filter(organization_id=admin.organization_id).select_related("created_by")
    groups = (
        ScimGroup.objects.filter(organization_id=admin.organization_id)
        .select_related("unit")
        .annotate(people=Count("members"))
    )
    context = {
        "token_form": token_form,
        "tokens": tokens,
        "groups": [
            (
                group,
                refused_maps.get(group.pk)
                or MapForm(initial={"unit": group.unit_id}, units=units, auto_id=f"g{group.pk}_%s"),
            )
            for group in groups
        ],
        "new_secret": request.session.pop(SECRET_KEY, None) if request.method == "GET" else None,
        "base_url": request.build_absolute_uri(reverse("scim_users")).rsplit("/Users", 1)[0],
    }
    return render(
        request, "teams/scim_settings.html", context, status=400 if request.method == "POST" else 200
    )

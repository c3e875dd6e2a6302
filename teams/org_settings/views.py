"""The organization's settings pages: organization, units, people. Organization admins only.

Every view starts with `require_org_admin` (anyone else: 403) and reads units and people only
within the admin's own organization (another organization's id: 404). Forms that are refused
come back with what was typed and the reasons next to the fields (status 422; 409 when the
change itself was refused, such as a cycle or a unit that isn't empty).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from teams.access import get_person_or_404, get_unit_or_404, require_org_admin
from teams.models import Membership, SsoIdentity, Unit, User
from teams.org_settings.forms import (
    OrganizationForm,
    PeopleFilterForm,
    PersonAddForm,
    PersonForm,
    PlaceForm,
    UnitForm,
)
from teams.org_settings.selectors import UnitPaths, people_search, unit_tree, with_places
from teams.org_settings.services import (
    Refused,
    organization_update,
    person_add,
    person_place,
    person_set_active,
    person_sso_unlink,
    person_update,
    unit_add,
    unit_change,
    unit_delete,
    unit_delete_blockers,
)

UNITS_PER_PAGE = 200
PEOPLE_PER_PAGE = 50


def _admin(request) -> None:
    require_org_admin(request.user)


def _submit(request, form, change):
    """Run `change(**cleaned_data)` for a posted, valid form: (its result, problem, status).
    The result is None unless the change was made; status 422 for a form with errors, 409 (and
    the reason as the problem) for a change the services refused, 200 otherwise."""
    if request.method != "POST":
        return None, None, 200
    if not form.is_valid():
        return None, None, 422
    try:
        return change(**form.cleaned_data), None, 200
    except Refused as refusal:
        return None, str(refusal), 409


# --- the organization -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def settings_organization(request):
    _admin(request)
    organization = request.user.organization
    form = OrganizationForm(instance=organization)
    status = 200
    if request.method == "POST":
        form = OrganizationForm(request.POST, instance=organization)
        if form.is_valid():
            changed = organization_update(
                organization=organization, values=form.cleaned_data, acting_user=request.user
            )
            messages.success(request, "Settings saved." if changed else "Nothing changed.")
            return redirect("settings_organization")
        status = 422
    context = {"form": form, "organization": organization, "tab": "organization"}
    return render(request, "teams/settings/organization.html", context, status=status)


# --- units ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def settings_units(request):
    """The unit tree with its counts (a page at a time, in tree order), and adding a unit."""
    _admin(request)
    organization = request.user.organization
    if request.method == "POST":
        form = UnitForm(request.POST, organization=organization)
    else:
        form = UnitForm(organization=organization, initial={"parent": request.GET.get("parent")})
    unit, problem, status = _submit(
        request,
        form,
        lambda **values: unit_add(organization=organization, acting_user=request.user, **values),
    )
    if unit is not None:
        messages.success(request, f"“{unit.name}” added.")
        return redirect("settings_units")
    page = Paginator(unit_tree(organization), UNITS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "problem": problem, "page": page, "tab": "units"}
    return render(request, "teams/settings/units.html", context, status=status)


UNIT_SUGGESTIONS = 20


@require_http_methods(["GET"])
@login_required
def settings_unit_options(request):
    """Suggestions for a unit field as it is typed (htmx): the paths of the units whose name
    holds the text, as a datalist's options."""
    _admin(request)
    typed = request.GET.get(request.GET.get("field", ""), "")[:200]
    paths = UnitPaths(request.user.organization).matching(typed, UNIT_SUGGESTIONS) if typed.strip() else []
    return render(request, "teams/settings/_unit_options.html", {"paths": paths})


def _unit_context(unit: Unit, form: UnitForm, **extra) -> dict:
    return {
        "unit": unit,
        "unit_path": UnitPaths(unit.organization).path(unit.pk),
        "form": form,
        "blockers": unit_delete_blockers(unit),
        "leaders": Membership.objects.filter(unit=unit, role=Membership.Role.LEADER).select_related("user"),
        "tab": "units",
        **extra,
    }


@require_http_methods(["GET", "POST"])
@login_required
def settings_unit(request, unit_id: int):
    """Rename a unit, change its kind, or move it under another unit."""
    _admin(request)
    unit = get_unit_or_404(request.user, unit_id)
    if request.method == "POST":
        form = UnitForm(request.POST, organization=unit.organization)
    else:
        initial = {"name": unit.name, "kind": unit.kind, "parent": unit.parent_id}
        form = UnitForm(organization=unit.organization, initial=initial)
    changed, problem, status = _submit(
        request, form, lambda **values: unit_change(unit=unit, acting_user=request.user, **values)
    )
    if changed is not None:
        messages.success(request, f"“{unit.name}” saved." if changed else "Nothing changed.")
        return redirect("settings_unit", unit_id=unit.pk)
    return render(
        request, "teams/settings/unit.html", _unit_context(unit, form, problem=problem), status=status
    )


@require_POST
@login_required
def settings_unit_delete(request, unit_id: int):
    _admin(request)
    unit = get_unit_or_404(request.user, unit_id)
    try:
        unit_delete(unit=unit, acting_user=request.user)
    except Refused as refusal:
        initial = {"name": unit.name, "kind": unit.kind, "parent": unit.parent_id}
        form = UnitForm(organization=unit.organization, initial=initial)
        context = _unit_context(unit, form, delete_problem=str(refusal))
        return render(request, "teams/settings/unit.html", context, status=409)
    messages.success(request, f"“{unit.name}” deleted.")
    return redirect("settings_units")


# --- people ---------------------------------------------------------------------------------


@require_http_methods(["GET"])
@login_required
def settings_people(request):
    """Everyone in the organization, searched and filtered, a page at a time."""
    _admin(request)
    organization = request.user.organization
    filters = PeopleFilterForm(request.GET or None, organization=organization)
    asked = filters.filters()
    people = people_search(organization, **asked) if asked is not None else User.objects.none()
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = with_places(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": filters, "page": page, "query": query.urlencode(), "tab": "people"}
    template = "teams/settings/people.html#results" if request.htmx else "teams/settings/people.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@login_required
def settings_person_add(request):
    _admin(request)
    organization = request.user.organization
    if request.method == "POST":
        form = PersonAddForm(request.POST, organization=organization)
    else:
        form = PersonAddForm(organization=organization, initial={"unit": request.GET.get("unit")})
    person, problem, status = _submit(
        request,
        form,
        lambda **values: person_add(organization=organization, acting_user=request.user, **values),
    )
    if person is not None:
        messages.success(request, f"{person} added.")
        return redirect("settings_person", person_id=person.pk)
    context = {"form": form, "problem": problem, "tab": "people"}
    return render(request, "teams/settings/person_add.html", context, status=status)


def _place_initial(person: User) -> dict:
    places = list(Membership.objects.filter(user=person).select_related("unit"))
    led = next((m for m in places if m.role == Membership.Role.LEADER), None)
    main = led or (places[0] if places else None)
    if main is None:
        return {"unit": None, "role": Membership.Role.MEMBER, "member_above": True}
    above = main.unit.parent_id
    return {
        "unit": main.unit_id,
        "role": main.role,
        "member_above": led is None or any(m.unit_id == above for m in places) or above is None,
    }


def _person_page(request, person: User, *, details=None, place=None, status=200, **extra):
    organization = person.organization
    context = {
        "person": person,
        "details": details or PersonForm(initial={"name": person.name, "org_role": person.org_role}),
        "place": place or PlaceForm(organization=organization, initial=_place_initial(person)),
        "places": Membership.objects.filter(user=person)
        .select_related("unit")
        .order_by("role", "unit__name"),
        "is_self": person.pk == request.user.pk,
        "sso_links": SsoIdentity.objects.filter(user=person).order_by("issuer"),
        "tab": "people",
        **extra,
    }
    return render(request, "teams/settings/person.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def settings_person(request, person_id: int):
    """A person: their name and organization role (member, executive, admin)."""
    _admin(request)
    person = get_person_or_404(request.user, person_id)
    if request.method == "GET":
        return _person_page(request, person)
    details = PersonForm(request.POST)
    if not details.is_valid():
        return _person_page(request, person, details=details, status=422)
    try:
        changed = person_update(person=person, acting_user=request.user, **details.cleaned_data)
    except Refused as refusal:
        return _person_page(request, person, details=details, details_problem=str(refusal), status=409)
    messages.success(request, "Saved." if changed else "Nothing changed.")
    return redirect("settings_person", person_id=person.pk)


@require_POST
@login_required
def settings_person_place(request, person_id: int):
    """Where the person is: move them to another unit, or change their role in it."""
    _admin(request)
    person = get_person_or_404(request.user, person_id)
    place = PlaceForm(request.POST, organization=person.organization)
    if not place.is_valid():
        return _person_page(request, person, place=place, status=422)
    try:
        changed = person_place(person=person, acting_user=request.user, **place.cleaned_data)
    except Refused as refusal:
        return _person_page(request, person, place=place, place_problem=str(refusal), status=409)
    messages.success(request, f"{person} moved." if changed else "Nothing changed.")
    return redirect("settings_person", person_id=person.pk)


@require_POST
@login_required
def settings_person_active(request, person_id: int):
    """Deactivate (their open pulse links close at once) or reactivate an account."""
    _admin(request)
    person = get_person_or_404(request.user, person_id)
    wanted = request.POST.get("active")
    if wanted not in ("0", "1"):
        return _person_page(request, person, active_problem="Choose to deactivate or reactivate.", status=400)
    try:
        changed = person_set_active(person=person, active=wanted == "1", acting_user=request.user)
    except Refused as refusal:
        return _person_page(request, person, active_problem=str(refusal), status=409)
    if changed:
        note = (
            f"{person} reactivated."
            if person.is_active
            else f"{person} deactivated. Their open pulse links are closed."
        )
        messages.success(request, note)
    return redirect("settings_person", person_id=person.pk)


@require_POST
@login_required
def settings_person_sso_unlink(request, person_id: int):
    """Unlink the person's company account, so their next company sign-in links a new one."""
    _admin(request)
    person = get_person_or_404(request.user, person_id)
    if person_sso_unlink(person=person, acting_user=request.user):
        messages.success(
            request, f"{person}'s company account is unlinked: their next company sign-in links one."
        )
    else:
        messages.success(request, "Nothing changed.")
    return redirect("settings_person", person_id=person.pk)

"""The settings pages' forms. Each keeps what was typed when it is refused. Django ties every
message to its field (`aria-invalid`, and `aria-describedby` naming `<id>_helptext` and
`<id>_error`, the ids teams/settings/_field.html gives the hint and the errors)."""

import zoneinfo
from functools import cache

from django import forms
from django.urls import reverse

from teams.importing.checking import NAME_MAX, UNIT_NAME_MAX, text_problem
from teams.models import Membership, Organization, Unit, User
from teams.org_settings.selectors import UnitPaths


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(zone for zone in zoneinfo.available_timezones() if "/" in zone or zone == "UTC")
    return [(name, name.replace("_", " ")) for name in names]


def _plain(value: str, what: str, limit: int) -> str:
    value = " ".join(value.split())
    problem = text_problem(value, what, limit)
    if problem:
        raise forms.ValidationError(problem)
    return value


class OrganizationForm(forms.ModelForm):
    time_zone = forms.TypedChoiceField(
        label="Time zone",
        choices=time_zone_choices,
        help_text="Pulses open at their local time in this zone, and every date in the product is shown in it.",
        error_messages={
            "invalid_choice": "“%(value)s” is not a time zone we know. Choose one from the list."
        },
    )

    # The floors and ceilings of the model's validators and check constraints (DESIGN.md, Privacy).
    min_group_size = forms.IntegerField(
        label="Smallest group shown",
        min_value=3,
        max_value=10,
        help_text="3 to 10 people. No score, count, chart or export describes fewer people than this.",
        error_messages={
            "min_value": "At least 3: a smaller group would let a leader tell who answered what.",
            "max_value": "At most 10: a larger minimum would hide most teams.",
            "required": "Please give the smallest group shown, from 3 to 10.",
            "invalid": "Please give a whole number, from 3 to 10.",
        },
    )
    min_verbatim_size = forms.IntegerField(
        label="Smallest group whose answers are quoted",
        min_value=3,
        max_value=20,
        help_text="3 to 20 people, and never fewer than the smallest group shown.",
        error_messages={
            "min_value": "At least 3.",
            "max_value": "At most 20.",
            "required": "Please give the smallest group whose answers are quoted, from 3 to 20.",
            "invalid": "Please give a whole number, from 3 to 20.",
        },
    )

    class Meta:
        model = Organization
        fields = ["name", "time_zone", "min_group_size", "min_verbatim_size"]
        labels = {"name": "Organization name"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.instance.time_zone
        if stored in zoneinfo.available_timezones() and stored not in dict(time_zone_choices()):
            self.fields["time_zone"].choices = [(stored, stored), *time_zone_choices()]

    def clean_name(self):
        return _plain(self.cleaned_data["name"], "name", 200)

    def clean(self):
        cleaned = super().clean()
        group, verbatim = cleaned.get("min_group_size"), cleaned.get("min_verbatim_size")
        if group and verbatim and verbatim < group:
            self.add_error(
                "min_verbatim_size",
                f"Quoting answers needs at least as many people as showing a score: {group} or more.",
            )
        return cleaned

    def _post_clean(self):
        # The service saves; the form only validates (the instance stays as it was stored).
        pass


class UnitField(forms.CharField):
    """A unit of the organization, typed by its name or its path ("Product / Payments"), with
    suggestions as one types: a datalist, filled by htmx from `settings_unit_options` (and at
    once for a small organization). A select would hold every unit: at 10,000 units, half a
    megabyte and seconds of rendering per page. `blank_means` says what leaving it empty means."""

    OFFERED_AT_ONCE = 200  # an organization with at most this many units gets every path up front

    def __init__(
        self, organization: Organization, *, name: str, blank_means: str, hint: bool = True, **kwargs
    ):
        self.organization = organization
        self.paths = UnitPaths(organization)
        if hint:
            kwargs["help_text"] = (
                f"Its name, or its path if another unit has the same name. Empty: {blank_means}."
            )
        super().__init__(max_length=2000, required=False, **kwargs)
        self.options = (
            self.paths.matching("", self.OFFERED_AT_ONCE) if len(self.paths) <= self.OFFERED_AT_ONCE else []
        )
        self.widget.attrs.update(
            {
                "autocomplete": "off",
                "list": f"{name}-options",
                "hx-get": f"{reverse('settings_unit_options')}?field={name}",
                "hx-trigger": "input changed delay:300ms",
                "hx-target": f"#{name}-options",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        )

    def prepare_value(self, value):
        if isinstance(value, Unit):
            value = value.pk
        if isinstance(value, int) and value in self.paths.rows:
            return self.paths.path(value)
        return value

    def clean(self, value):
        typed = super().clean(value)
        if not typed:
            return None
        paths = self.paths
        found = paths.find(typed)
        if not found:
            raise forms.ValidationError(
                f"No unit of your organization is called “{typed}”. Choose one of the suggestions.",
                code="invalid_choice",
            )
        if len(found) > 1:
            examples = "; ".join(paths.path(pk) for pk in found[:3])
            raise forms.ValidationError(
                f"{len(found)} units are called “{typed}”. Type its path to say which: {examples}.",
                code="ambiguous",
            )
        return Unit.objects.get(pk=found[0], organization=self.organization)


class UnitForm(forms.Form):
    name = forms.CharField(label="Name", max_length=UNIT_NAME_MAX)
    kind = forms.ChoiceField(label="Kind", choices=Unit.Kind.choices, initial=Unit.Kind.TEAM)

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"] = UnitField(
            organization, name="parent", label="Inside", blank_means="the top of the organization"
        )

    def clean_name(self):
        return _plain(self.cleaned_data["name"], "unit name", UNIT_NAME_MAX)


class PlaceForm(forms.Form):
    """Where a person is: a member of one unit, or a leader of one (and a member of the one above)."""

    role = forms.ChoiceField(label="Role", choices=Membership.Role.choices, initial=Membership.Role.MEMBER)
    member_above = forms.BooleanField(
        label="A leader is also a member of the unit above (and answers its pulses)",
        required=False,
        initial=True,
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitField(organization, name="unit", label="Unit", blank_means="in no unit")
        self.order_fields(["unit", "role", "member_above"])


class PersonAddForm(PlaceForm):
    email = forms.EmailField(label="Email", max_length=254)
    name = forms.CharField(label="Name", max_length=NAME_MAX)
    org_role = forms.ChoiceField(
        label="In the organization",
        choices=User.OrgRole.choices,
        required=False,
        help_text="Executives see the whole organization's results; admins also change its settings.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["email", "name", "unit", "role", "member_above", "org_role"])

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_name(self):
        return _plain(self.cleaned_data["name"], "name", NAME_MAX)


class PersonForm(forms.Form):
    name = forms.CharField(label="Name", max_length=NAME_MAX)
    org_role = PersonAddForm.base_fields["org_role"]

    def clean_name(self):
        return _plain(self.cleaned_data["name"], "name", NAME_MAX)


class PeopleFilterForm(forms.Form):
    STATUS = [("", "Everyone"), ("active", "Active"), ("inactive", "Deactivated")]
    ORG_ROLES = [("", "Anyone"), ("member", "Members only"), ("executive", "Executives"), ("admin", "Admins")]

    q = forms.CharField(label="Name or email", required=False, max_length=254)
    role = forms.ChoiceField(
        label="Role", choices=[("", "Leaders and members"), *Membership.Role.choices], required=False
    )
    org_role = forms.ChoiceField(label="In the organization", choices=ORG_ROLES, required=False)
    status = forms.ChoiceField(label="Status", choices=STATUS, required=False)

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitField(
            organization, name="unit", label="Unit", blank_means="any unit", hint=False
        )
        self.order_fields(["q", "unit", "role", "org_role", "status"])

    def filters(self) -> dict | None:
        """people_search's filters; {} for everyone (nothing asked), None when what was asked
        can't be understood (the page then lists nobody, and says why next to the field)."""
        if not self.is_bound:
            return {}
        if not self.is_valid():
            return None
        data = self.cleaned_data
        org_role = data.get("org_role")
        return {
            "text": data.get("q", "").strip(),
            "unit": data.get("unit"),
            "role": data.get("role", ""),
            "org_role": {"": None, "member": ""}.get(org_role, org_role),
            "status": data.get("status", ""),
        }

import json

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from teams.models import AuditEvent, Membership, Organization, SingleSignOn, SsoIdentity, Unit, User
from teams.person import CannotErase, person_erase, person_export
from teams.services import audit_record
from teams.sso_forms import SingleSignOnForm


def audit_membership(request, membership: Membership, action: str) -> None:
    """Membership edits in the admin leave the same audit trail as the app's services."""
    details = {"role": membership.role} if action != "membership.remove" else {}
    audit_record(
        organization=membership.unit.organization,
        actor=request.user,
        action=action,
        unit=membership.unit,
        user=membership.user.email,
        **details,
    )


def _organization_of(obj) -> Organization | None:
    if isinstance(obj, Organization):
        return None  # the row would be deleted with it
    if getattr(obj, "organization_id", None):
        return obj.organization
    unit = getattr(obj, "unit", None)
    if unit is not None:
        return unit.organization
    user = getattr(obj, "user", None)
    return user.organization if user is not None else None


class AuditedDeleteAdmin(admin.ModelAdmin):
    """Deleting in the admin, one object or many selected at once, leaves one audit row per
    object, written in the delete's transaction."""

    def delete_audit(self, request, obj) -> None:
        audit_record(
            organization=_organization_of(obj),
            actor=request.user,
            action=f"{obj._meta.model_name}.delete",
            object=str(obj),
            id=obj.pk,
        )

    def delete_model(self, request, obj):
        with transaction.atomic():
            self.delete_audit(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_audit(request, obj)
            super().delete_queryset(request, queryset)


@admin.register(Organization)
class OrganizationAdmin(AuditedDeleteAdmin):
    list_display = ["name", "slug", "min_group_size", "min_verbatim_size", "time_zone"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "organization", "org_role", "is_active", "is_staff"]
    list_filter = ["organization", "org_role", "is_active", "is_staff"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["name", "organization", "org_role"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "name", "organization", "password1", "password2"]})
    ]
    actions = ["export_person_data", "erase_people"]

    @admin.action(description="Export the selected people's data (JSON)", permissions=["change"])
    def export_person_data(self, request, queryset):
        people = [person_export(user=user, acting_user=request.user) for user in queryset.order_by("email")]
        body = people[0] if len(people) == 1 else {"people": people}
        response = HttpResponse(
            json.dumps(body, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        stem = people[0]["account"]["email"] if len(people) == 1 else f"{len(people)}-people"
        response["Content-Disposition"] = (
            f'attachment; filename="person-data-{stem}-{timezone.localdate()}.json"'
        )
        return response

    @admin.action(description="Erase the selected people (GDPR)", permissions=["delete"])
    def erase_people(self, request, queryset):
        if request.POST.get("post") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": "Erase these people?",
                "people": queryset,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/teams/user/erase_people.html", context)
        erased = self._erase(request, queryset)
        if erased:
            self.message_user(request, f"Erased {len(erased)}: now {', '.join(erased)} in the audit log.")
        return None

    def _erase(self, request, people) -> list[str]:
        erased = []
        for user in people:
            try:
                erased.append(person_erase(user=user, acting_user=request.user)["person"])
            except CannotErase as refused:
                self.message_user(request, f"{user.email}: {refused}", messages.ERROR)
        return erased

    # Deleting an account is erasing the person: the same service, so nothing
    # identifying stays behind in the audit log or the open pulses.
    def delete_model(self, request, obj):
        self._erase(request, [obj])

    def delete_queryset(self, request, queryset):
        self._erase(request, list(queryset))


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(AuditedDeleteAdmin):
    list_display = ["name", "kind", "parent", "organization"]
    list_filter = ["organization", "kind"]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]

    def save_formset(self, request, form, formset, change):
        # Membership edits in the admin leave the same audit trail as the app.
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            audit_membership(request, obj, "membership.remove")
            obj.delete()
        for obj in instances:
            obj.save()
            audit_membership(request, obj, "membership.change")
        formset.save_m2m()


@admin.register(Membership)
class MembershipAdmin(AuditedDeleteAdmin):
    list_display = ["user", "unit", "role", "created_at"]
    list_filter = ["role", "unit__organization"]
    search_fields = ["user__email", "user__name", "unit__name"]
    autocomplete_fields = ["user", "unit"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_membership(request, obj, "membership.change")

    def delete_audit(self, request, obj) -> None:
        audit_membership(request, obj, "membership.remove")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor", "unit", "organization"]
    list_filter = ["action", "organization"]
    search_fields = ["actor__email", "unit__name", "action"]
    readonly_fields = ["organization", "actor", "action", "unit", "details", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the trail is kept whole, from superusers too


@admin.register(SingleSignOn)
class SingleSignOnAdmin(AuditedDeleteAdmin):
    """An organization's provider, as on /org/sso/: the secret is never shown back (docs/sso.md)."""

    form = SingleSignOnForm
    fields = ["organization", *SingleSignOnForm.Meta.fields]
    list_display = ["organization", "enabled", "issuer", "client_id", "password_login", "updated_at"]
    list_select_related = ["organization"]

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                organization=obj.organization,
                actor=request.user,
                action="sso.change" if change else "sso.add",
                changed=sorted(form.changed_data),
            )


@admin.register(SsoIdentity)
class SsoIdentityAdmin(AuditedDeleteAdmin):
    """Who is linked to which provider account (teams.sso). Links are made by signing in only;
    deleting one unlinks it, as the person's settings page does."""

    list_display = ["user", "issuer", "linked_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "issuer"]
    readonly_fields = ["user", "issuer", "subject", "linked_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

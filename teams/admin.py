from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from teams.models import AuditEvent, Membership, Organization, Unit, User
from teams.services import audit_record


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


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
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


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
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
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "created_at"]
    list_filter = ["role", "unit__organization"]
    search_fields = ["user__email", "user__name", "unit__name"]
    autocomplete_fields = ["user", "unit"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_membership(request, obj, "membership.change")

    def delete_model(self, request, obj):
        audit_membership(request, obj, "membership.remove")
        super().delete_model(request, obj)


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

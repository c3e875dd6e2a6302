from django.contrib import admin

from surveys.models import PulseRound, PulseSchedule
from surveys.scheduling import schedule_save
from teams.admin import AuditedDeleteAdmin

# Invitations (their tokens are credentials) and responses (linked to people
# while a round is open) are deliberately not in the admin.


@admin.register(PulseSchedule)
class PulseScheduleAdmin(AuditedDeleteAdmin):
    list_display = ["__str__", "organization", "unit", "is_active", "next_slot_at"]
    list_filter = ["organization", "cadence", "is_active"]
    raw_id_fields = ["unit"]
    readonly_fields = ["next_slot_at", "updated_at", "updated_by"]

    def save_model(self, request, obj, form, change):
        # Through the service, so the next slot is computed and the change audited.
        schedule_save(schedule=obj, acting_user=request.user)


@admin.register(PulseRound)
class PulseRoundAdmin(AuditedDeleteAdmin):
    list_display = ["unit", "status", "trigger", "opens_at", "closes_at", "invited_count"]
    list_filter = ["status", "trigger"]
    date_hierarchy = "opens_at"
    fields = list_display + ["scheduled_for", "purpose_statement", "remind_at", "closed_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # rounds open from schedules or a leader's "send now", never by hand

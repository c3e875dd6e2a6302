from django.contrib import admin

from purpose.models import PurposeStatement


@admin.register(PurposeStatement)
class PurposeStatementAdmin(admin.ModelAdmin):
    list_display = ["unit", "version", "author", "created_at"]
    list_filter = ["unit__organization"]
    search_fields = ["unit__name", "purpose", "fit"]
    fields = ["unit", "version", "purpose", "fit", "key_ideas", "author", "created_at"]
    readonly_fields = fields

    # A saved version is history: text, fit and key ideas alike. New versions are
    # written through the editor, which audits them; none is changed or removed here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin

from purpose.models import PurposeStatement


@admin.register(PurposeStatement)
class PurposeStatementAdmin(admin.ModelAdmin):
    list_display = ["unit", "version", "author", "created_at"]
    list_filter = ["unit__organization"]
    search_fields = ["unit__name", "purpose", "fit"]
    readonly_fields = ["unit", "version", "purpose", "fit", "author", "created_at"]

    def has_add_permission(self, request):
        return False  # versions are written through the editor, which audits them

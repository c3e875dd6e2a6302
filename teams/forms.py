from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm

from teams.auth import password_reset_allowed


class ThrottledPasswordResetForm(PasswordResetForm):
    """Sends nothing past the address's hourly allowance; the page says the same either way."""

    def save(self, *args, **kwargs) -> None:
        if password_reset_allowed(self.cleaned_data["email"]):
            super().save(*args, **kwargs)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="People file (CSV or XLSX)",
        help_text="Columns: email, name, unit, parent, role (leader or member) — or a unit path instead of unit and parent.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"This file is larger than the {settings.IMPORT_MAX_BYTES // (1024 * 1024)} MB this page takes. "
                "Split it, or ask an operator to run manage.py import_people with it."
            )
        return upload


class ImportApplyForm(forms.Form):
    skip_errors = forms.BooleanField(required=False, label="Skip the rows with problems and import the rest")

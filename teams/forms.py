from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm

from teams.auth import password_reset_allowed
from teams.invitations import Reason, account_link_request
from teams.sso import password_login_allowed


class ThrottledPasswordResetForm(PasswordResetForm):
    """Sends nothing past the address's hourly allowance; the page says the same either way.

    Django's reset skips accounts without a password; someone of an organization who never set
    one (an invitation lost or expired) is sent a set-password link instead, and someone whose
    organization turned passwords off is told to sign in with the company account
    (teams.invitations.account_link_send)."""

    def get_users(self, email):
        # Someone whose organization turned passwords off gets no reset link (a password would
        # not let them in); account_link_request tells them to use the company account instead.
        return (user for user in super().get_users(email) if password_login_allowed(user))

    def save(self, *args, **kwargs) -> None:
        if password_reset_allowed(self.cleaned_data["email"]):
            super().save(*args, **kwargs)
            account_link_request(self.cleaned_data["email"], reason=Reason.RESET)


class AccountClaimForm(forms.Form):
    """A member asking for an account: the address their pulse emails come to."""

    email = forms.EmailField(
        label="Your work email",
        max_length=254,
        help_text="The address your pulse emails come to.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


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

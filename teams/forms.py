from django.contrib.auth.forms import PasswordResetForm

from teams.auth import password_reset_allowed


class ThrottledPasswordResetForm(PasswordResetForm):
    """Sends nothing past the address's hourly allowance; the page says the same either way."""

    def save(self, *args, **kwargs) -> None:
        if password_reset_allowed(self.cleaned_data["email"]):
            super().save(*args, **kwargs)

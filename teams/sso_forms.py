"""The login form that knows about single sign-on, and the form an admin sets it up with."""

import re

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm

from teams.models import SingleSignOn, User, normalize_email_address
from teams.sso import ProviderUnreadable, password_login_allowed, provider_check

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class SignInForm(AuthenticationForm):
    """The login page's form. For the people of an organization that turned passwords off, it
    says to use the company account before any password is checked (and the page then shows
    only that button); the email backend refuses their password too (teams/auth.py)."""

    sso_required = False

    def clean(self):
        username = self.cleaned_data.get("username")
        if username:
            user = (
                User.objects.filter(email=normalize_email_address(username))
                .select_related("organization")
                .first()
            )
            if user is not None and user.is_active and not password_login_allowed(user):
                self.sso_required = True
                raise forms.ValidationError(
                    f"{user.organization} signs in with its company account, not a password here. "
                    "Use “Sign in with your company account”.",
                    code="sso_required",
                )
        return super().clean()


class SingleSignOnForm(forms.ModelForm):
    """An organization's provider, on /org/sso/ and in the Django admin. The secret is never
    shown back: left empty, the saved one stays. Before saving a new issuer, or turning single
    sign-on on, the provider's discovery document is read and checked."""

    issuer = forms.URLField(
        label="Issuer URL",
        max_length=500,
        assume_scheme="https",
        help_text=SingleSignOn._meta.get_field("issuer").help_text,
    )
    client_secret = forms.CharField(
        required=False,
        strip=True,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="From the provider's app registration. Once saved it is never shown; leave this "
        "empty to keep the saved secret.",
    )

    class Meta:
        model = SingleSignOn
        fields = [
            "enabled",
            "issuer",
            "client_id",
            "client_secret",
            "email_domains",
            "emails_vouched",
            "password_login",
        ]
        labels = {
            "enabled": "Use single sign-on",
            "client_id": "Client ID",
            "email_domains": "Email domains",
            "emails_vouched": "The provider vouches for every address it sends (Entra ID)",
            "password_login": "Password sign-in allowed",
        }

    def clean_client_secret(self) -> str:
        secret = self.cleaned_data.get("client_secret", "")
        if secret:
            return secret
        if self.instance.pk and self.instance.client_secret:
            return self.instance.client_secret
        raise forms.ValidationError("Paste the client secret from your provider's app registration.")

    def clean_email_domains(self) -> str:
        domains = [d.strip().lower().lstrip("@") for d in self.cleaned_data["email_domains"].split(",")]
        domains = [d for d in domains if d]
        wrong = [d for d in domains if not DOMAIN.match(d)]
        if wrong:
            raise forms.ValidationError(
                f"Not a domain: {', '.join(wrong)}. Write domains like example.com, separated by commas."
            )
        return ", ".join(dict.fromkeys(domains))

    def clean_issuer(self) -> str:
        issuer = self.cleaned_data["issuer"].strip()
        if not issuer.startswith("https://") and not settings.SSO_ALLOW_HTTP_ISSUER:
            raise forms.ValidationError(
                "The issuer URL must start with https:// (OpenID Connect requires it)."
            )
        return issuer

    def clean(self):
        cleaned = super().clean()
        enabled = cleaned.get("enabled")
        if not cleaned.get("password_login", True) and not enabled:
            self.add_error(
                "password_login",
                "Passwords can only be turned off while single sign-on is on: nobody could sign in.",
            )
        issuer = cleaned.get("issuer")
        saved = self.instance if self.instance.pk else None
        needs_check = enabled and issuer and (saved is None or saved.issuer != issuer or not saved.enabled)
        if needs_check and "issuer" not in self.errors:
            try:
                provider_check(issuer)
            except ProviderUnreadable as problem:
                self.add_error("issuer", str(problem))
        return cleaned

from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = "Organization and people"

    def ready(self) -> None:
        # People leaving (however the change is made) and sign-ins are announced and
        # audited through Django's own signals; so are roles given, which send invitations.
        from teams import audit, invitations, leaving  # noqa: F401

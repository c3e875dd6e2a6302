from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Pulses"

    def ready(self) -> None:
        # People leaving, or being erased, reach surveys through signals teams owns.
        from surveys import receivers  # noqa: F401

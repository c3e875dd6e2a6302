from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = "Alignment insights"

    def ready(self) -> None:
        # Answers saved and rounds closed in surveys, statements saved in
        # purpose, reach the scoring pipeline through signals those apps own.
        from insights import receivers  # noqa: F401

from django.apps import AppConfig


class PurposeConfig(AppConfig):
    name = "purpose"
    verbose_name = "Purpose statements"

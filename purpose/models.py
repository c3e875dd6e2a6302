from django.conf import settings
from django.db import models
from django.utils import timezone

PURPOSE_MAX_LENGTH = 1200
FIT_MAX_LENGTH = 1200


class PurposeStatement(models.Model):
    """One version of a unit's purpose and fit. Edits add a version; none is overwritten."""

    unit = models.ForeignKey("teams.Unit", on_delete=models.CASCADE, related_name="purpose_versions")
    version = models.PositiveIntegerField()
    purpose = models.TextField(max_length=PURPOSE_MAX_LENGTH)
    fit = models.TextField(max_length=FIT_MAX_LENGTH, blank=True)
    key_ideas = models.JSONField(
        default=list, blank=True, help_text="The statement's ideas, as confirmed by the leader."
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    shaped_from = models.JSONField(
        default=list,
        blank=True,
        help_text="The team's proposals this version was started from (shown only above the verbatim minimum).",
    )

    class Meta:
        ordering = ["unit", "-version"]
        get_latest_by = "version"
        constraints = [
            models.UniqueConstraint(fields=["unit", "version"], name="purpose_statement_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.unit} v{self.version}"

    def previous(self) -> "PurposeStatement | None":
        return (
            PurposeStatement.objects.filter(unit_id=self.unit_id, version__lt=self.version)
            .order_by("-version")
            .first()
        )


class TeamStage(models.Model):
    """Where a team stands in the cycle of collective leadership, as its leader sets it.

    Every setting is a row: the latest is in force, the older ones are its history.
    """

    class Stage(models.TextChoices):
        GET_READY = "get_ready", "Get ready"
        PLAN = "plan", "Plan"
        IMPLEMENT = "implement", "Implement"
        SUSTAIN = "sustain", "Sustain"

    unit = models.ForeignKey("teams.Unit", on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(max_length=12, choices=Stage.choices)
    note = models.CharField("where the team stands", max_length=280, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["unit", "-set_at", "-pk"]
        indexes = [models.Index(fields=["unit", "-set_at"], name="purpose_stage_unit_latest")]

    def __str__(self) -> str:
        return f"{self.unit}: {self.get_stage_display()}"

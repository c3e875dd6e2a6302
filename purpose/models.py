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
    # How this purpose connects to the parent unit's purpose (the engine's cascade
    # score), recomputed when either changes; derived data, not part of the version.
    cascade_score = models.FloatField(null=True, blank=True)
    cascade_label = models.CharField(max_length=16, blank=True)
    cascade_parent_version = models.PositiveIntegerField(null=True, blank=True)

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


class RoundSummary(models.Model):
    """The unit × round roll-up the dashboards read, kept current as answers are scored.

    Figures describe the round's scored answers; whether they may be shown is
    decided at read time against the organization's threshold (purpose.privacy).
    """

    round = models.OneToOneField("surveys.PulseRound", on_delete=models.CASCADE, related_name="summary")
    unit = models.ForeignKey("teams.Unit", on_delete=models.CASCADE, related_name="round_summaries")
    closes_at = models.DateTimeField()
    is_final = models.BooleanField(default=False, help_text="The round has closed; figures no longer change.")
    invited = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    respondents = models.PositiveIntegerField(default=0, help_text="Answers scored and usable.")
    alignment = models.FloatField(null=True, blank=True)
    agreement = models.FloatField(null=True, blank=True)
    fit_alignment = models.FloatField(null=True, blank=True)
    fit_parent_alignment = models.FloatField(null=True, blank=True)
    aligned_share = models.FloatField(null=True, blank=True)
    situation = models.CharField(max_length=16, blank=True)
    ideas = models.JSONField(default=list, blank=True)
    idea_shares = models.JSONField(default=list, blank=True)
    agree_means = models.JSONField(default=list, blank=True)
    interpretations = models.JSONField(default=list, blank=True)
    scores = models.JSONField(
        default=list, blank=True, help_text="Sorted alignment scores, for the spread chart."
    )
    scored_model = models.CharField(max_length=64, blank=True)
    approximate = models.BooleanField(default=False)
    computed_at = models.DateTimeField(default=timezone.now)
    stale = models.BooleanField(default=False, db_index=True, help_text="Newer scores wait to be rolled up.")

    class Meta:
        indexes = [models.Index(fields=["unit", "-closes_at"], name="purpose_summary_unit_latest")]

    def __str__(self) -> str:
        return f"{self.unit} round {self.round_id}"

"""What the product reads from the answers, kept apart from the answers themselves.

The answers app (surveys) never needs the engine: it saves answers and flags
them; this app scores them (one AnswerScore per response), rolls them up
per unit and round (RoundSummary) and scores each purpose against its
parent's (CascadeScore).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AnswerScore(models.Model):
    """The engine's reading of one response, for the revision it read.

    No timestamp: when an answer was scored would point back to when it was
    written, and so to its author.
    """

    response = models.OneToOneField(
        "surveys.Response", primary_key=True, on_delete=models.CASCADE, related_name="score"
    )
    revision = models.PositiveIntegerField(help_text="The response revision this reading is of.")
    alignment = models.FloatField(null=True, blank=True, help_text="0–100; empty when too short to judge.")
    fit_alignment = models.FloatField(null=True, blank=True)
    fit_parent_alignment = models.FloatField(null=True, blank=True)
    idea_hits = models.JSONField(default=list, blank=True, help_text="Per key idea: named or not.")
    flags = models.JSONField(default=list, blank=True)
    encoder = models.CharField(max_length=64, help_text="The model that made the reading.")
    engine_version = models.CharField(max_length=32)
    # The answer's sentence embedding (float32), so summaries compute agreement
    # and interpretations without running the model again.
    vector = models.BinaryField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"Score of {self.response_id}"


class Cohort(models.Model):
    """One organization round: closed rounds rolled up together, and which roll-ups may be shown.

    Decided once, when its rounds' final summaries are in (insights.disclosure),
    and kept: every page and export reads `shown`, none decides again. Each
    final summary belongs to one cohort only, so no figure ever adds rounds of
    two cohorts and no later page can be subtracted from an earlier one.
    """

    organization = models.ForeignKey("teams.Organization", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField(help_text="1 for the organization's first round, and so on.")
    decided_at = models.DateTimeField(default=timezone.now)
    parents = models.JSONField(default=dict, help_text="Unit id → parent id, as the hierarchy stood.")
    basis = models.CharField(
        max_length=32, help_text="Fingerprint of the threshold and the counts the decision was made on."
    )
    shown = models.JSONField(default=list, help_text="Units whose roll-up in this round may be shown.")
    alone = models.JSONField(
        default=list, help_text="Units whose own round may be shown by itself (a shown roll-up of it alone)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="insights_cohort_one_number")
        ]

    def __str__(self) -> str:
        return f"Round {self.number} of organization {self.organization_id}"


class RoundSummary(models.Model):
    """The unit × round roll-up the dashboards read, kept current as answers are scored.

    Figures describe the round's scored answers; whether they may be shown is
    decided once for the organization round (`cohort`) it belongs to.
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
    alignment_sd = models.FloatField(
        null=True, blank=True, help_text="Sample standard deviation of the answers' alignment (two or more)."
    )
    fit_alignment = models.FloatField(null=True, blank=True)
    fit_parent_alignment = models.FloatField(null=True, blank=True)
    aligned_share = models.FloatField(null=True, blank=True)
    situation = models.CharField(max_length=16, blank=True)
    situation_close_call = models.CharField(
        max_length=16,
        blank=True,
        help_text="The runner-up situation when the engine found it nearly as likely (a close call).",
    )
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
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.SET_NULL, related_name="summaries", editable=False
    )

    class Meta:
        indexes = [
            models.Index(fields=["unit", "-closes_at"], name="insights_summary_unit_latest"),
            # The summaries no cohort holds yet, which every page looks for (insights.disclosure):
            # a handful, found without reading the whole table.
            models.Index(
                fields=["unit"], condition=models.Q(cohort__isnull=True), name="insights_summary_uncohorted"
            ),
            # Each unit's latest organization rounds, read by every dashboard (insights.dashboard).
            models.Index(
                fields=["unit", "cohort"],
                condition=models.Q(cohort__isnull=False),
                name="insights_summary_cohorts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} round {self.round_id}"


class CascadeScore(models.Model):
    """How one version of a unit's purpose connects to its parent's purpose.

    Derived data: recomputed when either statement changes.
    """

    statement = models.OneToOneField(
        "purpose.PurposeStatement", primary_key=True, on_delete=models.CASCADE, related_name="cascade"
    )
    score = models.FloatField(null=True, blank=True)
    label = models.CharField(max_length=16, blank=True)
    parent_version = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Cascade of {self.statement_id}: {self.label}"


class LeaderMark(models.Model):
    """A leader's own reading of one answer, beside the engine's: judgement kept as data.

    No timestamp: when an answer was marked sits next to the answer and could
    help place it in time, and so point to its author.
    """

    class Mark(models.TextChoices):
        YES = "yes", "Yes, that's it"
        PART = "part", "Part of it"
        NOT_IT = "not_it", "Not it"

    response = models.ForeignKey("surveys.Response", on_delete=models.CASCADE, related_name="leader_marks")
    round = models.ForeignKey("surveys.PulseRound", on_delete=models.CASCADE, related_name="leader_marks")
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    mark = models.CharField(max_length=8, choices=Mark.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "marked_by"], name="insights_leadermark_one_per_leader"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_mark_display()} on {self.response_id}"


class ScoringClaim(models.Model):
    """A round's scoring task is on the queue: taken when it is queued, given up when it starts.

    While a claim is younger than insights.scoring.SCORING_GRACE, answers and
    sweeps of the round queue nothing more. An older one means its message was
    lost (the broker forgot it, a worker died holding it), and the sweep takes
    it over. Round-level and gone within seconds, so it dates no answer.
    """

    round = models.OneToOneField(
        "surveys.PulseRound", primary_key=True, on_delete=models.CASCADE, related_name="scoring_claim"
    )
    queued_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Scoring of round {self.round_id} queued at {self.queued_at:%H:%M:%S}"


class FiguresVersion(models.Model):
    """The organization's figures version: replaced by every write its dashboard figures are made of.

    Each web process keeps the organization's figures under this token (insights.figures_cache);
    a new cohort or a recheck, a cohort's summary recomputed, a unit, membership or threshold
    changed replaces it in the same transaction, so the next page computes them afresh. Kept in
    the database, so a worker's change reaches every web process.
    """

    organization = models.OneToOneField(
        "teams.Organization", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"Figures of organization {self.organization_id}: {self.token}"

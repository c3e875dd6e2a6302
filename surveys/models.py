import hashlib
import hmac
import logging
import secrets
import uuid
from base64 import urlsafe_b64encode
from datetime import time
from functools import cached_property, lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger(__name__)

ANSWER_MAX_LENGTH = 2000
QUESTION_MAX_LENGTH = 1000


def new_token() -> str:
    # Kept for migration 0001, which names it: tokens are no longer stored (see link_token).
    return secrets.token_urlsafe(24)


LINK_SALT = "surveys.Invitation.link"


def link_token(round_id: int, user_id: int, *, secret: str | None = None) -> str:
    """The token of a member's personal link: the member's only credential for the pulse.

    Derived from the round, the person and SECRET_KEY (an HMAC, 192 bits), never
    stored: the database holds only its SHA-256 (`token_hash`), so a copy of the
    database opens no pulse, yet the worker can put the link in an email, or a
    reminder days later, without keeping it anywhere.
    """
    mac = _link_mac(secret or settings.SECRET_KEY).copy()
    mac.update(f"{round_id}:{user_id}".encode())
    return urlsafe_b64encode(mac.digest()).decode()[:32]


@lru_cache(maxsize=4)
def _link_mac(secret: str) -> hmac.HMAC:
    # Django's salted_hmac, keyed once per secret: opening a round derives 100,000 links.
    key = hashlib.sha256(f"{LINK_SALT}{secret}".encode()).digest()
    return hmac.new(key, digestmod=hashlib.sha256)


def token_hash(token: str) -> str:
    """What is stored of a link's token, and looked up: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def link_token_hash(round_id: int, user_id: int) -> str:
    return token_hash(link_token(round_id, user_id))


class PulseSchedule(models.Model):
    """When a unit's pulses open. A row without a unit is the organization default,
    which applies to every unit that has no schedule of its own."""

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", "Every week"
        BIWEEKLY = "biweekly", "Every two weeks"
        MONTHLY = "monthly", "Every month"
        QUARTERLY = "quarterly", "Every three months"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    # The longest a pulse may stay open under each cadence, so that rounds never overlap.
    MAX_OPEN_DAYS = {"weekly": 6, "biweekly": 13, "monthly": 27, "quarterly": 60}

    organization = models.ForeignKey(
        "teams.Organization", on_delete=models.CASCADE, related_name="pulse_schedules"
    )
    unit = models.OneToOneField(
        "teams.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="pulse_schedule"
    )
    cadence = models.CharField(max_length=16, choices=Cadence.choices, default=Cadence.WEEKLY)
    weekday = models.PositiveSmallIntegerField(
        "day of the week", choices=Weekday.choices, default=Weekday.MONDAY
    )
    day_of_month = models.PositiveSmallIntegerField(
        "day of the month", default=1, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    local_time = models.TimeField("time of day", default=time(9, 0))
    open_days = models.PositiveSmallIntegerField(
        "stays open for (days)", default=5, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    remind_after_days = models.PositiveSmallIntegerField(
        "remind after (days)", null=True, blank=True, default=2, validators=[MinValueValidator(1)]
    )
    anchor_date = models.DateField(
        default=timezone.localdate,
        help_text="Every-two-weeks and quarterly cadences count their weeks and months from this date.",
    )
    is_active = models.BooleanField("pulses on", default=True)
    asks_purpose_proposal = models.BooleanField(
        "ask what members would change in how we describe our purpose",
        default=False,
        help_text="An optional question at the end of the pulse; you see the proposals grouped by "
        "meaning, without names, after the pulse closes.",
    )
    next_slot_at = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(unit__isnull=True),
                name="surveys_schedule_one_default_per_org",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="surveys_schedule_weekday_range"
            ),
            models.CheckConstraint(
                condition=Q(day_of_month__gte=1, day_of_month__lte=28),
                name="surveys_schedule_day_of_month_range",
            ),
            models.CheckConstraint(
                condition=Q(open_days__gte=1, open_days__lte=60), name="surveys_schedule_open_days_range"
            ),
            models.CheckConstraint(
                condition=Q(remind_after_days__isnull=True)
                | Q(remind_after_days__gte=1, remind_after_days__lt=models.F("open_days")),
                name="surveys_schedule_remind_within_open",
            ),
        ]

    def __str__(self) -> str:
        owner = self.unit.name if self.unit_id else f"{self.organization} default"
        return f"{owner}: {self.describe()}"

    def clean(self) -> None:
        errors = {}
        longest = self.MAX_OPEN_DAYS.get(self.cadence)
        if longest and self.open_days and self.open_days > longest:
            errors["open_days"] = (
                f"A pulse {self.get_cadence_display().lower()} can stay open at most {longest} days, "
                "so that one closes before the next opens."
            )
        if self.remind_after_days and self.open_days and self.remind_after_days >= self.open_days:
            errors["remind_after_days"] = (
                f"Remind before the pulse closes: fewer than {self.open_days} days after it opens."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def is_org_default(self) -> bool:
        return self.unit_id is None

    def describe(self) -> str:
        when = self.local_time.strftime("%H:%M")
        if self.cadence in (self.Cadence.WEEKLY, self.Cadence.BIWEEKLY):
            day = f"on {self.get_weekday_display()}"
        else:
            day = f"on day {self.day_of_month}"
        days = "day" if self.open_days == 1 else "days"
        return f"{self.get_cadence_display().lower()} {day} at {when}, open {self.open_days} {days}"


class PulseRound(models.Model):
    """One pulse of one unit, compared against the purpose version pinned when it opened."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Sent by a leader"

    unit = models.ForeignKey("teams.Unit", on_delete=models.CASCADE, related_name="pulse_rounds")
    purpose_statement = models.ForeignKey(
        "purpose.PurposeStatement", on_delete=models.PROTECT, related_name="pulse_rounds"
    )
    scheduled_for = models.DateTimeField(help_text="The slot this round fills; one round per unit and slot.")
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.SCHEDULE)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    remind_at = models.DateTimeField(null=True, blank=True)
    reminders_queued_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    invited_count = models.PositiveIntegerField(default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "scheduled_for"], name="surveys_round_unique_unit_slot"),
            # A manual "send now" and a scheduled slot can't both be open for one unit.
            models.UniqueConstraint(
                fields=["unit"], condition=Q(status="open"), name="surveys_round_one_open_per_unit"
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="surveys_round_closes_after_opening"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "closes_at"], name="surveys_round_status_closes"),
            models.Index(fields=["status", "remind_at"], name="surveys_round_status_remind"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} pulse of {self.opens_at:%Y-%m-%d}"

    def is_open_at(self, now) -> bool:
        # A round past its closing time is closed for members even before the close task runs.
        return self.status == self.Status.OPEN and now < self.closes_at


class WithdrawnReason(models.TextChoices):
    LEFT_TEAM = "left_team", "left the team"
    DEACTIVATED = "deactivated", "account deactivated"
    LEADS_TEAM = "leads_team", "now leads the team"


class Invitation(models.Model):
    """One member invited to one round. The link's token (`token`) is the member's credential;
    only its hash is stored."""

    # No index of its own: the (round, user) unique index below starts with it. Opening a round
    # for 100,000 people is mostly writing these rows, and every index slows that.
    round = models.ForeignKey(
        PulseRound, on_delete=models.CASCADE, related_name="invitations", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pulse_invitations"
    )
    # SHA-256 of the link's token (link_token); set from the round and the person on save.
    token_hash = models.CharField(max_length=64, editable=False)  # unique: see Meta
    # SHA-256 of the random token of a link emailed before tokens were derived
    # (migration 0009), so those links still open; None for every later invitation.
    legacy_token_hash = models.CharField(max_length=64, null=True, editable=False)  # unique: see Meta
    # When an email for it was last put on the queue; the sweep re-queues only stale ones.
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # While the round is open: stops reminders and offers to revise. Cleared at close
    # (surveys.rounds.round_close): kept, it would date each answer and so name its author.
    answered_at = models.DateTimeField(null=True, blank=True)
    # Set when the person can no longer answer this round (left the team, account
    # deactivated); the link then says why instead of taking an answer.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=16, choices=WithdrawnReason.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="surveys_invitation_unique_round_user"),
            # As constraints, not `unique=True`: on PostgreSQL that adds a second, LIKE-pattern index
            # to each, which no lookup here uses (hashes are found whole).
            models.UniqueConstraint(fields=["token_hash"], name="surveys_invitation_token_hash_unique"),
            models.UniqueConstraint(
                fields=["legacy_token_hash"], name="surveys_invitation_legacy_token_hash_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.round}"

    def save(self, *args, **kwargs) -> None:
        if not self.token_hash:
            self.token_hash = link_token_hash(self.round_id, self.user_id)
        super().save(*args, **kwargs)

    @cached_property
    def token(self) -> str:
        """The token of this invitation's link, derived again (never read from the database).

        Tried with SECRET_KEY_FALLBACKS too, so links keep working while a rotated key
        is kept as a fallback.
        """
        for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
            candidate = link_token(self.round_id, self.user_id, secret=secret)
            if token_hash(candidate) == self.token_hash:
                return candidate
        logger.error(
            "Invitation %s: its link was made with a secret key no longer in SECRET_KEY or "
            "SECRET_KEY_FALLBACKS; a link made now will not open",
            self.pk,
        )
        return link_token(self.round_id, self.user_id)


# The three agree-scale items, in the order members see them.
AGREE_FIELDS = ("understands_purpose", "sees_contribution", "shapes_direction")


class Response(models.Model):
    """A member's answers. Linked to the invitation only while the round is open."""

    class Agree(models.IntegerChoices):
        STRONGLY_DISAGREE = 1, "Strongly disagree"
        DISAGREE = 2, "Disagree"
        NEUTRAL = 3, "Neither agree nor disagree"
        AGREE = 4, "Agree"
        STRONGLY_AGREE = 5, "Strongly agree"

    # A random key, not a sequence: sequential ids give the order of answers,
    # which could be matched against the invitations' answer times after close.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="responses")
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="response"
    )
    purpose_text = models.TextField(max_length=ANSWER_MAX_LENGTH)
    fit_text = models.TextField(max_length=ANSWER_MAX_LENGTH)
    understands_purpose = models.PositiveSmallIntegerField(
        "I understand our team's purpose", choices=Agree.choices
    )
    sees_contribution = models.PositiveSmallIntegerField(
        "I see how my work contributes to the larger organization", choices=Agree.choices
    )
    shapes_direction = models.PositiveSmallIntegerField(
        "I take part in shaping our team's direction", choices=Agree.choices
    )
    question_for_leader = models.TextField(max_length=QUESTION_MAX_LENGTH, blank=True)
    # Asked only where the unit's schedule turns it on; stored and shuffled with the rest of the row.
    purpose_proposal = models.TextField(max_length=QUESTION_MAX_LENGTH, blank=True)
    revision = models.PositiveIntegerField(default=1)

    # Set on every save; cleared by the layer above (insights) once it has
    # read this revision. Surveys owns the flag so that an answer never waits
    # on the broker or the worker: a periodic sweep finds what is still set.
    needs_scoring = models.BooleanField(default=True, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(understands_purpose__gte=1, understands_purpose__lte=5)
                & Q(sees_contribution__gte=1, sees_contribution__lte=5)
                & Q(shapes_direction__gte=1, shapes_direction__lte=5),
                name="surveys_response_agree_range",
            )
        ]
        indexes = [
            # Scoring looks up a round's waiting answers; most answers are scored.
            models.Index(fields=["round"], condition=Q(needs_scoring=True), name="surveys_response_waiting"),
        ]

    def __str__(self) -> str:
        return f"Response to {self.round}"


def agree_label(field: str) -> str:
    return str(Response._meta.get_field(field).verbose_name)


# --- Closing the loop: results back to the team, the leader's replies, what the team does --------


class ResultsEmail(models.Model):
    """The results email of one invitation has been claimed (and, unless released, sent).

    Inserted before sending, so a retried task or a second sweep can't mail one
    person twice for one round (insights.results_mail); deleted again if the send fails.
    """

    invitation = models.OneToOneField(
        Invitation, primary_key=True, on_delete=models.CASCADE, related_name="results_email"
    )
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Results email of invitation {self.invitation_id}"


class LeaderReply(models.Model):
    """A leader's answer to the questions of one closed round: to one theme of them, or to all.

    Points at a theme (its place in the round's grouping, insights.talk), never at a
    question: askers stay anonymous. Members see it once published, on the round's
    results and at the start of the team's next pulse.
    """

    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="leader_replies")
    theme = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The theme's place in the round's questions; empty: a reply to all."
    )
    topic = models.CharField("heading", max_length=120, blank=True)
    text = models.TextField(max_length=4000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["theme", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "theme"],
                condition=Q(theme__isnull=False),
                name="surveys_reply_one_per_theme",
            ),
            models.UniqueConstraint(
                fields=["round"], condition=Q(theme__isnull=True), name="surveys_reply_one_general"
            ),
        ]

    def __str__(self) -> str:
        return f"Reply to {self.round} ({'all' if self.theme is None else f'theme {self.theme}'})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class TeamAction(models.Model):
    """Something the team decided to do after talking a result through."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    unit = models.ForeignKey("teams.Unit", on_delete=models.CASCADE, related_name="team_actions")
    round = models.ForeignKey(
        PulseRound,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="team_actions",
        help_text="The result it came from.",
    )
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="team_actions",
    )
    due_on = models.DateField("due")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    ideas = models.JSONField(default=list, blank=True, help_text="Key ideas of the purpose it aims to move.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    # Claimed before the owner's reminder is sent, so it goes at most once (surveys.actions).
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"], name="surveys_action_status_due")]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today) -> bool:
        return self.status == self.Status.OPEN and self.due_on < today


class ResultsTalk(models.Model):
    """The leader recorded that the team talked one round's result through."""

    round = models.OneToOneField(PulseRound, on_delete=models.CASCADE, related_name="results_talk")
    held_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.round} talked through on {self.held_on}"

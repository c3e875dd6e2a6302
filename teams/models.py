from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from tree_queries.models import TreeNode

from teams.signals import memberships_ended


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    min_group_size = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(3), MaxValueValidator(10)],
        help_text="Minimum respondents before any score, count or chart describes a group.",
    )
    min_verbatim_size = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(3), MaxValueValidator(20)],
        help_text="Minimum respondents before verbatim answers show; never below the group minimum.",
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_group_size__gte=3, min_group_size__lte=10),
                name="teams_org_min_group_size_range",
            ),
            models.CheckConstraint(
                condition=models.Q(min_verbatim_size__gte=models.F("min_group_size")),
                name="teams_org_verbatim_at_least_group",
            ),
        ]

    def __str__(self) -> str:
        return self.name


def normalize_email_address(email: str) -> str:
    """How every address is stored and looked up: trimmed and lowercase."""
    return email.strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("Users need an email address")
        user = self.model(email=normalize_email_address(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    class OrgRole(models.TextChoices):
        NONE = "", "Member"
        EXECUTIVE = "executive", "Executive"
        ADMIN = "admin", "Admin"

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    org_role = models.CharField(max_length=16, choices=OrgRole.choices, blank=True, default="")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["name", "email"]

    def __str__(self) -> str:
        return self.name or self.email

    def clean(self) -> None:
        # The admin's forms come through here before their uniqueness check, so
        # `New@Example.com` is stored, and refused as a duplicate, in lowercase.
        super().clean()
        if self.email:
            self.email = normalize_email_address(self.email)

    def get_short_name(self) -> str:
        return (self.name.split() or [self.email])[0]

    @property
    def is_org_admin(self) -> bool:
        return self.org_role == self.OrgRole.ADMIN or self.is_superuser

    @property
    def is_executive(self) -> bool:
        return self.org_role in (self.OrgRole.EXECUTIVE, self.OrgRole.ADMIN)

    @cached_property
    def sees_dashboards(self) -> bool:
        """Executives see the organization's alignment; leaders see their units'."""
        return self.is_executive or self.memberships.filter(role=Membership.Role.LEADER).exists()


class Unit(TreeNode):
    class Kind(models.TextChoices):
        COMPANY = "company", "Company"
        DIVISION = "division", "Division"
        DEPARTMENT = "department", "Department"
        TEAM = "team", "Team"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="units")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TEAM)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "parent", "name"], name="teams_unit_unique_name_in_parent"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("unit_detail", args=[self.pk])


def _announce_ended(memberships: list[tuple[int, int]]) -> None:
    if memberships:
        memberships_ended.send(sender=Membership, memberships=memberships, at=timezone.now())


class MembershipQuerySet(models.QuerySet):
    def delete(self):
        """Delete, and announce who left which unit, once for the lot, in the same transaction
        (teams.signals). Rows go with their unit, organization or account unannounced: that
        deletion takes the invitations to the unit's pulses with it."""
        with transaction.atomic(using=self.db):
            ended = list(self.order_by().values_list("user_id", "unit_id"))
            deleted = super().delete()
            _announce_ended(ended)
        return deleted


class Membership(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", "Leader"
        MEMBER = "member", "Member"

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "user"], name="teams_membership_no_duplicates")
        ]
        indexes = [models.Index(fields=["user", "role"], name="teams_membership_user_role")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.unit}"

    def delete(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using")):
            ended = [(self.user_id, self.unit_id)]
            deleted = super().delete(*args, **kwargs)
            _announce_ended(ended)
        return deleted


class AuditEvent(models.Model):
    """Who changed what, written in the same transaction as the change.

    Without an organization only for what belongs to none: a failed login with an
    unknown address, a superuser's sign-in, a deleted organization.
    """

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_events"
    )
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=64)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor} at {self.created_at:%Y-%m-%d %H:%M}"


class ImportJob(models.Model):
    """One upload of people and units (teams.importing): its rows, what checking found, and how
    far applying has got. The rows stay server-side so a failed form loses nothing, and are
    cleared once the job is done or dropped, so no copy of the file outlives its use."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "Waiting for review"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Applying"
        DONE = "done", "Done"
        FAILED = "failed", "Stopped"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField(max_length=255)
    columns = models.JSONField(default=dict, blank=True)  # field -> header as written
    notes = models.JSONField(default=list, blank=True)
    rows = models.JSONField(default=list, blank=True)  # [[row number, email, name, unit, parent, role], ...]
    errors = models.JSONField(default=list, blank=True)  # [{"row", "column", "message"}, ...]
    plan = models.JSONField(default=dict, blank=True)  # counts and examples for the preview
    skip_rows = models.JSONField(default=list, blank=True)  # rows the admin chose to leave out
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREVIEW)
    # Progress, written in each batch's transaction: the cursor a resumed run starts from.
    phase = models.CharField(max_length=32, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    claim = models.CharField(max_length=32, blank=True)
    # How many times a runner took the job; the sweep stops it after teams.importing.MAX_ATTEMPTS.
    attempts = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(status__in=["queued", "running"]),
                name="teams_importjob_one_running_per_org",
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("import_job", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0


class SingleSignOn(models.Model):
    """An organization's OpenID Connect provider (Okta, Entra ID, Google Workspace…): people of
    the organization sign in there, and are matched to their account here by verified email
    (teams/sso.py, docs/sso.md). The secret is never shown back once saved."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="sso")
    enabled = models.BooleanField(
        default=True, help_text="Off: nobody is sent to the provider, and passwords work for everyone."
    )
    issuer = models.URLField(
        max_length=500,
        help_text="The provider's issuer URL; its settings are read from "
        "<issuer>/.well-known/openid-configuration.",
    )
    client_id = models.CharField(max_length=255)
    client_secret = models.CharField(max_length=500)
    email_domains = models.CharField(
        max_length=500,
        blank=True,
        help_text="Optional, separated by commas: only addresses at these domains may sign in through "
        "the provider, and an address here whose person has no account yet is sent to it.",
    )
    emails_vouched = models.BooleanField(
        default=False,
        help_text="On for a provider that only sends addresses it manages and says nothing of "
        "verification (Microsoft Entra ID sends no email_verified): an address without that claim is "
        "taken as verified. One the provider marks unverified is still refused.",
    )
    password_login = models.BooleanField(
        default=True,
        help_text="Off: the organization's people sign in only through the provider; its admins "
        "(and the site's superusers) may still use a password, to get back in if the provider fails.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "single sign-on"
        verbose_name_plural = "single sign-on"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(password_login=True) | models.Q(enabled=True),
                name="teams_sso_password_off_needs_sso_on",
            )
        ]

    def __str__(self) -> str:
        return f"Single sign-on of {self.organization}"

    @property
    def domains(self) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in self.email_domains.split(",") if d.strip()]


class SsoIdentity(models.Model):
    """The account at the organization's provider a person first signed in with (its ID token's
    `iss` and `sub`). From then on that provider account, and no other, signs them in, even if
    its email changes there; another provider account sending the same email is refused until
    an admin unlinks this one (teams/sso.py, docs/sso.md)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sso_identities")
    issuer = models.URLField(max_length=500)
    subject = models.CharField(max_length=255)
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "linked company account"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="teams_sso_identity_one_person"),
            models.UniqueConstraint(fields=["user", "issuer"], name="teams_sso_identity_one_per_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.issuer}"


class ScimToken(models.Model):
    """A bearer token an identity provider uses to provision one organization (teams.scim).
    Only its SHA-256 is kept: the secret is shown once, when made or replaced."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="scim_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)  # the secret's first characters, to tell tokens apart
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"SCIM token {self.name}"


class ScimUser(models.Model):
    """What an identity provider said about a person that the account has no field for."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, primary_key=True, related_name="scim")
    external_id = models.CharField(max_length=255, blank=True, db_index=True)
    given_name = models.CharField(max_length=150, blank=True)
    family_name = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"SCIM record of {self.user}"


class ScimGroup(models.Model):
    """A group pushed by an identity provider. Mapped to a unit by an organization admin, its
    people are members of that unit; unmapped, it is kept and changes nothing."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="scim_groups")
    display_name = models.CharField(max_length=255)
    external_id = models.CharField(max_length=255, blank=True)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="scim_groups"
    )
    members = models.ManyToManyField(User, blank=True, related_name="scim_groups")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "display_name"], name="teams_scimgroup_unique_name_in_org"
            )
        ]

    def __str__(self) -> str:
        return self.display_name

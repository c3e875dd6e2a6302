from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from tree_queries.models import TreeNode


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


class Membership(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", "Leader"
        MEMBER = "member", "Member"

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "user"], name="teams_membership_no_duplicates")
        ]
        indexes = [models.Index(fields=["user", "role"], name="teams_membership_user_role")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.unit}"


class AuditEvent(models.Model):
    """Who changed what, written in the same transaction as the change."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=64)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor} at {self.created_at:%Y-%m-%d %H:%M}"

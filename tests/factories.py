"""One place for test data. The fixed cast lives in conftest.py."""

from datetime import timedelta

import factory

from insights.models import AnswerScore, RoundSummary
from purpose.models import PurposeStatement
from surveys.models import PulseRound, Response
from teams.models import Membership, Organization, Unit, User

PASSWORD = "a-Test-password-1"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Faker("name")
    organization = factory.SubFactory(OrganizationFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Unit {n}")
    kind = Unit.Kind.TEAM


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    unit = factory.SubFactory(UnitFactory)
    user = factory.SubFactory(UserFactory, organization=factory.SelfAttribute("..unit.organization"))
    role = Membership.Role.MEMBER


class PurposeStatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurposeStatement

    unit = factory.SubFactory(UnitFactory)
    version = factory.Sequence(lambda n: n + 1)
    purpose = "We help customers pay quickly and safely, so that every sale goes through."
    fit = "We are the payment core the rest of the division builds on."
    author = None


class ResponseFactory(factory.django.DjangoModelFactory):
    """A member's answer as it stands after the round closed (no invitation link)."""

    class Meta:
        model = Response

    purpose_text = factory.Sequence(lambda n: f"Answer number {n}")
    fit_text = "We feed the rest of the division."
    understands_purpose = 4
    sees_contribution = 4
    shapes_direction = 3
    needs_scoring = False


class AnswerScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnswerScore

    response = factory.SubFactory(ResponseFactory)
    revision = factory.SelfAttribute("response.revision")
    alignment = 50.0
    encoder = "test-encoder"
    engine_version = "test"


def closed_round_with_summary(
    unit,
    *,
    closes_at,
    respondents: int,
    alignment: float,
    agreement: float = 40.0,
    invited: int | None = None,
    statement=None,
    situation: str = "aligned",
    **summary_fields,
):
    """A closed pulse of `unit` with its roll-up, as the scoring pipeline leaves it."""
    statement = (
        statement or unit.purpose_versions.order_by("-version").first() or PurposeStatementFactory(unit=unit)
    )
    pulse_round = PulseRound.objects.create(
        unit=unit,
        purpose_statement=statement,
        scheduled_for=closes_at - timedelta(days=5),
        opens_at=closes_at - timedelta(days=5),
        closes_at=closes_at,
        closed_at=closes_at,
        status=PulseRound.Status.CLOSED,
        invited_count=invited or respondents,
    )
    return RoundSummary.objects.create(
        round=pulse_round,
        unit=unit,
        closes_at=closes_at,
        is_final=True,
        invited=invited or respondents,
        answered=respondents,
        respondents=respondents,
        alignment=alignment,
        agreement=agreement,
        situation=situation,
        **summary_fields,
    )

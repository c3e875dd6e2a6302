"""A synthetic organization at scale, for benchmarks and for trying the product with real volume.

Everything is written with bulk inserts; answers carry precomputed scores
instead of going through the encoder (the engine's speed has its own benchmark).
"""

import random
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from insights.models import AnswerScore, RoundSummary
from purpose.models import PurposeStatement
from surveys.models import PulseRound, Response
from teams.models import Membership, Organization, Unit, User

BATCH = 5000
ROUND_EVERY = timedelta(weeks=2)
VERBS = ["help", "enable", "protect", "grow", "serve", "simplify", "connect", "support"]
WHOM = ["merchants", "our partners", "every team", "new customers", "the field", "our members"]
SO_THAT = [
    "they can focus on their work",
    "money arrives on time",
    "decisions rest on facts",
    "nothing stands in their way",
    "they trust us",
    "we keep our promises",
]


def _shape(units: int) -> list[int]:
    """Children per level (company → divisions → departments → teams) for about `units` units."""
    divisions = max(1, round(units**0.25))
    departments = max(1, round((units / divisions) ** 0.5 / 2))
    teams = max(1, (units - 1 - divisions - divisions * departments) // max(1, divisions * departments))
    return [divisions, departments, teams]


def _statement(rng: random.Random) -> str:
    return f"We {rng.choice(VERBS)} {rng.choice(WHOM)} so that {rng.choice(SO_THAT)}."


@transaction.atomic
def large_org_build(
    *, units: int, people: int, rounds: int, seed: int = 1, progress: Callable[[str], None] = lambda _: None
) -> Organization:
    rng = random.Random(seed)
    slug = f"large-{units}-{people}-{rounds}"
    Organization.objects.filter(slug=slug).delete()
    organization = Organization.objects.create(name=f"Large Co ({units} units)", slug=slug)
    now = timezone.now()

    # Units, level by level (each level one bulk insert so parents have ids).
    levels = [[Unit(organization=organization, name="Large Co", kind=Unit.Kind.COMPANY)]]
    Unit.objects.bulk_create(levels[0])
    for depth, (fanout, kind) in enumerate(
        zip(_shape(units), ["division", "department", "team"], strict=True)
    ):
        level = [
            Unit(organization=organization, parent=parent, name=f"{kind.title()} {depth}.{i}.{j}", kind=kind)
            for i, parent in enumerate(levels[-1])
            for j in range(fanout)
        ]
        Unit.objects.bulk_create(level, batch_size=BATCH)
        levels.append(level)
    all_units = [u for level in levels for u in level]
    teams = levels[-1]
    progress(f"units: {len(all_units)} ({len(teams)} teams)")

    password = make_password(None)
    User.objects.bulk_create(
        (
            User(
                email=f"p{i}@{slug}.example", name=f"Person {i}", organization=organization, password=password
            )
            for i in range(people)
        ),
        batch_size=BATCH,
    )
    user_ids = list(
        User.objects.filter(organization=organization).order_by("id").values_list("id", flat=True)
    )
    per_team = max(1, len(user_ids) // len(teams))
    memberships, team_members = [], {}
    for index, team in enumerate(teams):
        ids = user_ids[index * per_team : (index + 1) * per_team]
        team_members[team.pk] = ids
        memberships += [
            Membership(unit=team, user_id=uid, role="leader" if k == 0 else "member")
            for k, uid in enumerate(ids)
        ]
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    progress(f"people: {len(user_ids)}, memberships: {len(memberships)}")

    statements = PurposeStatement.objects.bulk_create(
        (
            PurposeStatement(
                unit=u,
                version=1,
                purpose=_statement(rng),
                fit="We serve the company's purpose.",
                created_at=now - ROUND_EVERY * (rounds + 1),
            )
            for u in all_units
        ),
        batch_size=BATCH,
    )
    statement_of = {s.unit_id: s for s in statements}
    rounds_made = _rounds(organization, teams, team_members, statement_of, rounds, rng, now, progress)
    progress(f"rounds: {rounds_made}")
    return organization


def _rounds(organization, teams, team_members, statement_of, rounds, rng, now, progress) -> int:
    made = 0
    for r in range(rounds, 0, -1):
        closes = now - ROUND_EVERY * r
        round_objs = PulseRound.objects.bulk_create(
            (
                PulseRound(
                    unit=t,
                    purpose_statement=statement_of[t.pk],
                    scheduled_for=closes - timedelta(days=5),
                    opens_at=closes - timedelta(days=5),
                    closes_at=closes,
                    closed_at=closes,
                    status=PulseRound.Status.CLOSED,
                    invited_count=len(team_members[t.pk]) - 1,
                )
                for t in teams
            ),
            batch_size=BATCH,
        )
        responses, scores_made, summaries = [], [], []
        for pulse_round, team in zip(round_objs, teams, strict=True):
            invited = len(team_members[team.pk]) - 1
            level = rng.gauss(45, 10)
            scores = [
                max(0.0, min(100.0, rng.gauss(level, 12))) for _ in range(invited) if rng.random() < 0.75
            ]
            for s in scores:
                response = Response(
                    round=pulse_round,
                    purpose_text="(synthetic answer)",
                    fit_text="(synthetic)",
                    understands_purpose=rng.randint(2, 5),
                    sees_contribution=rng.randint(2, 5),
                    shapes_direction=rng.randint(1, 5),
                    needs_scoring=False,
                )
                responses.append(response)
                scores_made.append(
                    AnswerScore(
                        response=response, revision=1, alignment=s, encoder="synthetic", engine_version=""
                    )
                )
            summaries.append(
                RoundSummary(
                    round=pulse_round,
                    unit=team,
                    closes_at=closes,
                    is_final=True,
                    invited=invited,
                    answered=len(scores),
                    respondents=len(scores),
                    alignment=sum(scores) / len(scores) if scores else None,
                    agreement=max(0.0, min(100.0, rng.gauss(35, 10))) if len(scores) > 1 else None,
                    scores=sorted(round(s, 1) for s in scores),
                    scored_model="synthetic",
                    computed_at=closes,
                )
            )
        Response.objects.bulk_create(responses, batch_size=BATCH)
        AnswerScore.objects.bulk_create(scores_made, batch_size=BATCH)
        RoundSummary.objects.bulk_create(summaries, batch_size=BATCH)
        made += len(round_objs)
        progress(f"  round {rounds - r + 1}/{rounds}: {len(round_objs)} pulses, {len(responses)} answers")
    return made

"""Past pulses for the demo, answered in members' own words and scored by the real engine,
so both dashboards have something true to show right after `make run`."""

import random
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from alignment import split_ideas
from demo.answers import ANSWERS
from demo.loop import PAYMENTS_PROPOSALS
from insights.scoring import round_score_waiting
from insights.summaries import round_summarize
from purpose.engine import app_encoder
from purpose.models import PurposeStatement
from surveys.models import Invitation, PulseRound, Response, link_token_hash
from teams.models import Membership, Organization, Unit

ROUNDS = 4
SEED = 7
ROUND_EVERY = timedelta(weeks=4)
OPEN_FOR = timedelta(days=5)

VAGUE = [
    "We support the business and help the company grow.",
    "To deliver value for our customers, I guess.",
    "Honestly I'm not sure, we work on whatever is most urgent that week.",
    "We do the projects leadership asks us to do.",
    "Keep things running and fix problems when they come up.",
    "We are here to make Brightwell successful.",
]
QUESTIONS = [
    "",
    "",
    "How will the new plan change our priorities?",
    "Could we hear more about how our work is measured?",
]
OPENERS = ["", "I'd say ", "For me, ", "Basically ", "In short, "]

# How each team's members answer: shares of (faithful, partial, other, vague) in every round,
# as near as whole answers allow (see _kinds).
PROFILES = {
    "aligned": (0.8, 0.2, 0.0, 0.0),
    "shared_other": (0.1, 0.1, 0.7, 0.1),
    "split": (0.45, 0.0, 0.0, 0.55),
    "no_shared": (0.05, 0.15, 0.2, 0.6),
}
TEAM_PROFILES = {
    "Payments": "aligned",
    "Customer Support": "shared_other",
    "Growth": "split",
    "Data Platform": "no_shared",
    "Security": "shared_other",
    "Onboarding": "split",
}


def _fresh(rng: random.Random, texts: list[str], used: set[str]) -> str:
    """One of ``texts`` nobody in the round has said yet, while any is left: people rarely say
    the same words, and identical answers from different members would read as a shared purpose."""
    text = rng.choice([t for t in texts if t not in used] or texts)
    used.add(text)
    return text


def _answer(rng: random.Random, kind: str, statement: PurposeStatement, used: set[str]) -> str:
    written = ANSWERS.get(statement.unit.name, {}).get(kind)
    if written:
        return _fresh(rng, written, used)
    opener = rng.choice(OPENERS)
    if kind == "faithful":
        text = statement.purpose
    elif kind == "partial":
        text = rng.choice(split_ideas(statement.purpose) or [statement.purpose])
    elif kind == "other":
        text = statement.fit or rng.choice(VAGUE)
    else:
        return _fresh(rng, VAGUE, used)
    text = text[0].lower() + text[1:] if opener else text
    return (opener + text).strip()


def _kinds(rng: random.Random, profile: str, n: int) -> list[str]:
    """The kinds of ``n`` answers in the profile's shares, as near as whole answers allow (largest
    remainder, ties drawn), in random order: a round of five from a split team is two or three
    faithful answers, never five vague ones by the luck of the draw."""
    kinds = ["faithful", "partial", "other", "vague"]
    exact = [share * n for share in PROFILES[profile]]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(kinds)), key=lambda k: (counts[k] - exact[k], rng.random()))
    for k in by_remainder[: n - sum(counts)]:
        counts[k] += 1
    drawn = [kind for kind, count in zip(kinds, counts, strict=True) for _ in range(count)]
    rng.shuffle(drawn)
    return drawn


def _enough_for_the_dashboards(
    rng: random.Random, members: list[int], answering: list[int], organization: Organization
) -> list[int]:
    """The latest pulse is what the dashboards show: where the team is big enough, a few more
    members answer so that it reaches the privacy minimum. Earlier pulses may fall short (the trend
    shows those as not shown), and a team smaller than the minimum stays hidden."""
    short = min(len(members), organization.min_group_size) - len(answering)
    if short <= 0:
        return answering
    more = set(rng.sample([m for m in members if m not in answering], short))
    return [m for m in members if m in more or m in answering]


def demo_history_needed(organization: Organization) -> bool:
    return not PulseRound.objects.filter(unit__organization=organization, status="closed").exists()


def demo_history(organization: Organization, *, progress: Callable[[str], None] = lambda _: None) -> int:
    """Create ROUNDS closed pulses per team, with scored answers and summaries. Returns rounds made."""
    app_encoder()  # load the model once, before the first round
    now = timezone.now()
    teams = list(Unit.objects.filter(organization=organization, kind=Unit.Kind.TEAM).order_by("name"))
    made = 0
    for number, team in enumerate(teams, start=1):
        # Each team draws from a stream of its own, so editing one team's answers (or the engine's
        # split of another statement) leaves every other team's history as it was.
        rng = random.Random(f"{SEED}:{team.name}")
        members = list(
            Membership.objects.filter(unit=team, role=Membership.Role.MEMBER).values_list(
                "user_id", flat=True
            )
        )
        versions = list(PurposeStatement.objects.filter(unit=team).select_related("unit").order_by("version"))
        profile = TEAM_PROFILES.get(team.name, rng.choice(list(PROFILES)))
        with transaction.atomic():
            for back in range(ROUNDS, 0, -1):
                closes = now - ROUND_EVERY * (back - 1) - timedelta(days=2)
                opens = closes - OPEN_FOR
                statement = next((v for v in reversed(versions) if v.created_at <= opens), versions[0])
                pulse_round = PulseRound.objects.create(
                    unit=team,
                    purpose_statement=statement,
                    scheduled_for=opens,
                    opens_at=opens,
                    closes_at=closes,
                    closed_at=closes,
                    status=PulseRound.Status.CLOSED,
                    invited_count=len(members),
                )
                share = rng.uniform(0.6, 0.95)
                answering = [m for m in members if rng.random() < share]
                if back == 1:
                    answering = _enough_for_the_dashboards(rng, members, answering, organization)
                # Closed, so as round_close leaves them: no answer times, answers unlinked.
                Invitation.objects.bulk_create(
                    Invitation(
                        round=pulse_round,
                        user_id=m,
                        token_hash=link_token_hash(pulse_round.pk, m),
                        sent_at=opens,
                    )
                    for m in members
                )
                kinds = _kinds(rng, profile, len(answering))
                used: set[str] = set()
                texts = [_answer(rng, kind, statement, used) for kind in kinds]
                fits = [statement.fit if rng.random() < 0.5 else rng.choice(VAGUE) for _ in answering]
                # Payments' leader asked what members would change in the purpose's wording, last time.
                proposals = list(PAYMENTS_PROPOSALS) if back == 1 and team.name == "Payments" else []
                responses = []
                for kind, text, fit_text in zip(kinds, texts, fits, strict=True):
                    good = kind in ("faithful", "partial")
                    responses.append(
                        Response(
                            round=pulse_round,
                            purpose_text=text,
                            fit_text=fit_text,
                            understands_purpose=rng.randint(3, 5) if good else rng.randint(1, 4),
                            sees_contribution=rng.randint(2, 5),
                            shapes_direction=rng.randint(1, 4),
                            question_for_leader=rng.choice(QUESTIONS),
                            purpose_proposal=proposals.pop() if proposals else "",
                        )
                    )
                Response.objects.bulk_create(responses)
                # Scored by the product's own path, as the worker would.
                round_score_waiting(round_id=pulse_round.pk)
                round_summarize(round_id=pulse_round.pk)
                made += 1
        progress(f"  past pulses {number}/{len(teams)}: {team.name}")
    return made

"""A team's own results, for its members: the reading of a closed round, the leader's replies and
what the team decided, under the team view's privacy decisions (insights.team_view).

Nothing here decides privacy afresh: a round's reading shows exactly when the team
view shows it (`TeamView.shown_ids`), and its words (representative answers, the
questions of a theme) only when the round also reaches the verbatim threshold.
"""

from dataclasses import dataclass, field

from django.core import signing

from alignment.reading import band_of
from insights.models import RoundSummary
from insights.talk import Theme, question_themes
from insights.team_view import BAND_LABELS, TeamView, team_view
from surveys.actions import unit_actions
from surveys.models import Invitation, LeaderReply, PulseRound, TeamAction
from surveys.replies import published_replies
from surveys.selectors import invitee_is_member
from teams.access import can_view_unit_results
from teams.models import Membership, Unit, User

NAMED, PARTLY = 0.5, 0.2  # an idea most members name; one some do (the team view's cut-offs)
LINK_SALT = "insights.results.link"
LINK_MAX_AGE = 60 * 60 * 24 * 400  # a results link opens for a little over a year


def can_read_results(user: User, unit: Unit) -> bool:
    """The team's own people (any role) read its results; so does whoever reads its dashboard."""
    if not user.is_authenticated or user.organization_id != unit.organization_id:
        return False
    is_own = Membership.objects.filter(unit=unit, user=user, user__is_active=True).exists()
    return is_own or can_view_unit_results(user, unit)


# --- The personal results link: the invitation, signed, so no password is needed ---------------


def results_link_token(invitation: Invitation) -> str:
    return signing.dumps(invitation.pk, salt=LINK_SALT, compress=True)


def invitation_by_results_token(token: str) -> Invitation | None:
    """The invitation a results link stands for, while its person is still on the team; else None."""
    try:
        invitation_id = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    return (
        Invitation.objects.filter(
            invitee_is_member(), pk=invitation_id, round__status=PulseRound.Status.CLOSED
        )
        .select_related("user", "round__unit__organization", "round__purpose_statement")
        .first()
    )


# --- The reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    reply: LeaderReply
    questions: tuple[str, ...]  # the theme's questions, only when the round's words may be quoted


@dataclass(frozen=True)
class IdeaMove:
    """An idea an action aimed at: its share in the round the action came from, and in this one."""

    action: TeamAction
    idea: str
    before: float
    after: float


@dataclass
class TeamResults:
    unit: Unit
    round: PulseRound
    view: TeamView
    summary: RoundSummary | None  # only when its reading may be shown
    verbatim_ok: bool = False
    replies: list[Reply] = field(default_factory=list)
    actions: list[TeamAction] = field(default_factory=list)
    moves: list[IdeaMove] = field(default_factory=list)

    @property
    def hidden(self) -> bool:
        return self.summary is None

    @property
    def threshold(self) -> int:
        return self.unit.organization.min_group_size

    @property
    def band(self) -> str:
        return BAND_LABELS.get(band_of(self.summary.alignment), "") if self.summary else ""

    def _ideas(self, low: float, high: float) -> list[str]:
        if self.summary is None:
            return []
        pairs = zip(self.summary.ideas, self.summary.idea_shares, strict=False)
        return [idea for idea, share in sorted(pairs, key=lambda p: -p[1]) if low <= share < high]

    @property
    def ideas_named(self) -> list[str]:
        return self._ideas(NAMED, 2.0)

    @property
    def ideas_partly(self) -> list[str]:
        return self._ideas(PARTLY, NAMED)

    @property
    def ideas_missed(self) -> list[str]:
        return self._ideas(-1.0, PARTLY)

    @property
    def readings(self) -> list[str]:
        """The main ways the team reads the purpose, largest first: one representative answer each."""
        if not (self.summary and self.verbatim_ok):
            return []
        return [group["text"] for group in self.summary.interpretations]

    @property
    def past(self) -> list[RoundSummary]:
        """The team's other results that may be shown, newest first."""
        return [s for s in reversed(self.view.summaries) if s.pk in self.view.shown_ids]


def shown_summary(view: TeamView, round_id: int | None) -> tuple[RoundSummary | None, RoundSummary | None]:
    """(the round's final summary, the same if it may be shown). The latest when round_id is None."""
    summaries = {s.round_id: s for s in view.summaries}
    summary = (
        summaries.get(round_id) if round_id is not None else (view.summaries[-1] if view.summaries else None)
    )
    if summary is None:
        return None, None
    return summary, summary if summary.pk in view.shown_ids else None


def words_may_be_quoted(view: TeamView, summary: RoundSummary | None) -> bool:
    """Answers and questions are quoted only from a shown round that reaches the verbatim threshold."""
    if summary is None or summary.pk not in view.shown_ids:
        return False
    return summary.respondents >= view.unit.organization.min_verbatim_size


def team_results(
    unit: Unit, *, round_id: int | None = None, view: TeamView | None = None
) -> TeamResults | None:
    """The team's results for one closed round (the latest by default); None when it has none yet."""
    view = view or team_view(unit)
    summary, shown = shown_summary(view, round_id)
    if summary is None:
        return None
    pulse_round = summary.round
    results = TeamResults(unit=unit, round=pulse_round, view=view, summary=shown)
    results.verbatim_ok = words_may_be_quoted(view, summary)
    themes = {t.index: t for t in question_themes(pulse_round)} if results.verbatim_ok else {}
    results.replies = [_reply(reply, themes) for reply in published_replies(pulse_round)]
    actions = unit_actions(unit)
    results.actions = list(actions.filter(round=pulse_round))
    results.moves = _moves(view, summary, shown, actions)
    return results


def _reply(reply: LeaderReply, themes: dict[int, Theme]) -> Reply:
    theme = themes.get(reply.theme) if reply.theme is not None else None
    return Reply(reply=reply, questions=theme.questions if theme else ())


def _moves(view: TeamView, summary: RoundSummary, shown: RoundSummary | None, actions) -> list[IdeaMove]:
    """For actions of earlier rounds that aimed at ideas: did those ideas move by this round?

    Both rounds' shares must be shown, as on the team's trend: nothing is read off a hidden round.
    """
    if shown is None:
        return []
    earlier = {
        s.round_id: s for s in view.summaries if s.closes_at < summary.closes_at and s.pk in view.shown_ids
    }
    now = dict(zip(summary.ideas, summary.idea_shares, strict=False))
    moves = []
    for action in actions.filter(round_id__in=list(earlier)).exclude(ideas=[]):
        then = dict(zip(earlier[action.round_id].ideas, earlier[action.round_id].idea_shares, strict=False))
        moves += [
            IdeaMove(action, idea, then[idea], now[idea])
            for idea in action.ideas
            if idea in then and idea in now
        ]
    return moves

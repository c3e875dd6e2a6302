"""The leader's replies to the team's questions: written after a round closes, seen once published.

A reply points at a theme of the round's questions (its place in the grouping
insights makes) or at all of them, never at a question or an asker. Surveys
keeps the words; which questions a theme holds is read by insights.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from surveys.models import LeaderReply, PulseRound
from teams.models import User
from teams.services import audit_record

REPLY_MAX_LENGTH = LeaderReply._meta.get_field("text").max_length


class ReplyRefused(Exception):
    """The reply can't be saved; the message says why, for the leader."""


def reply_save(
    *,
    pulse_round: PulseRound,
    theme: int | None,
    topic: str,
    text: str,
    publish: bool,
    author: User,
    now: datetime | None = None,
) -> LeaderReply:
    """Write (or rewrite) the reply to one theme of a closed round; publish it if asked.

    A published reply stays published when it is edited: members may already have read it.
    """
    now = now or timezone.now()
    text, topic = text.strip(), " ".join(topic.split())
    if pulse_round.status != PulseRound.Status.CLOSED:
        raise ReplyRefused("Questions are answered once the pulse has closed.")
    if not text:
        raise ReplyRefused("Write a reply before saving it.")
    if len(text) > REPLY_MAX_LENGTH:
        raise ReplyRefused(f"Keep a reply under {REPLY_MAX_LENGTH} characters (this one has {len(text)}).")
    with transaction.atomic():
        reply, created = LeaderReply.objects.select_for_update().get_or_create(
            round=pulse_round,
            theme=theme,
            defaults={"topic": topic[:120], "text": text, "author": author, "updated_at": now},
        )
        if not created:
            reply.topic, reply.text, reply.author, reply.updated_at = topic[:120], text, author, now
        if publish and reply.published_at is None:
            reply.published_at = now
        reply.save()
        audit_record(
            organization=pulse_round.unit.organization,
            actor=author,
            action="reply.publish" if publish else "reply.save",
            unit=pulse_round.unit,
            round=pulse_round.pk,
            theme=theme,
        )
    return reply


def published_replies(pulse_round: PulseRound) -> list[LeaderReply]:
    return list(pulse_round.leader_replies.filter(published_at__isnull=False).order_by("theme", "pk"))


def round_replies(pulse_round: PulseRound) -> dict[int | None, LeaderReply]:
    """Every reply of the round, published or draft, by theme (None: the reply to all)."""
    return {reply.theme: reply for reply in pulse_round.leader_replies.all()}


def previous_closed_round(pulse_round: PulseRound) -> PulseRound | None:
    """The unit's last round that closed before this one opened: what "since the last pulse" is about."""
    return (
        PulseRound.objects.filter(
            unit_id=pulse_round.unit_id, status=PulseRound.Status.CLOSED, opens_at__lt=pulse_round.opens_at
        )
        .order_by("-opens_at")
        .first()
    )

"""Someone who leaves the team, or whose account is closed, loses their open pulse links at once;
what they answered before stays in the round."""

from datetime import timedelta

import pytest
from django.urls import reverse

from surveys.answering import InviteeLeft, response_submit
from surveys.models import Invitation, Response
from surveys.rounds import round_close
from surveys.selectors import open_invitations_for_user, round_rate
from teams.models import Membership, User
from teams.services import membership_remove
from tests.surveys.conftest import answers

pytestmark = pytest.mark.django_db

LEFT = "You are no longer part of this team's pulse"


def url(invitation) -> str:
    return reverse("pulse_answer", args=[invitation.token])


def form_data(**overrides) -> dict:
    return {**{k: str(v) for k, v in answers().items()}, "revision": "0", **overrides}


@pytest.fixture(autouse=True)
def during_the_round(time_machine, t0):
    time_machine.move_to(t0 + timedelta(hours=1))


def deactivate(user: User) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])


def remove(user: User, team) -> None:
    membership_remove(unit=team, user=user, acting_user=None)


@pytest.mark.parametrize(
    "leave", [remove, lambda user, team: deactivate(user)], ids=["removed", "deactivated"]
)
def test_the_link_of_someone_who_left_shows_why_and_takes_no_answer(client, team, member, invitation, leave):
    leave(member, team)
    page = client.get(url(invitation))
    assert page.status_code == 410 and LEFT in page.content.decode()
    assert "Payments" in page.content.decode()
    sent = client.post(url(invitation), form_data())
    assert sent.status_code == 410 and LEFT in sent.content.decode()
    assert not Response.objects.exists()
    with pytest.raises(InviteeLeft):
        response_submit(invitation=invitation, answers=answers(), seen_revision=0)


@pytest.mark.parametrize(
    "leave", [remove, lambda user, team: deactivate(user)], ids=["removed", "deactivated"]
)
def test_what_they_answered_before_leaving_stays_in_the_round(
    client, team, member, members, pulse_round, invitation, leave
):
    for other in Invitation.objects.filter(round=pulse_round).exclude(pk=invitation.pk)[:4]:
        response_submit(invitation=other, answers=answers(), seen_revision=0)
    assert client.post(url(invitation), form_data()).status_code == 302
    before = round_rate(pulse_round)
    leave(member, team)
    pulse_round.refresh_from_db()
    # They leave the invited count whether or not they answered (surveys.leavers), and
    # the answered count shown is never above it.
    assert (before.invited, before.answered) == (6, 5)
    assert (round_rate(pulse_round).invited, round_rate(pulse_round).answered) == (5, 5)
    assert (
        client.post(url(invitation), form_data(revision="1", purpose_text="Changed later")).status_code == 410
    )
    round_close(round_id=pulse_round.pk)
    assert pulse_round.responses.count() == 5
    assert not pulse_round.responses.filter(purpose_text="Changed later").exists()


def test_a_membership_deleted_in_the_admin_closes_the_link_too(client, team, member, invitation):
    root = User.objects.create_superuser("root@example.com", "x")
    admin = client
    admin.force_login(root)
    membership = Membership.objects.get(unit=team, user=member)
    deleted = admin.post(reverse("admin:teams_membership_delete", args=[membership.pk]), {"post": "yes"})
    assert deleted.status_code == 302
    admin.logout()
    assert client.get(url(invitation)).status_code == 410


def test_the_home_page_no_longer_lists_the_pulse(login, team, member, invitation):
    client = login(member)
    assert reverse("pulse_answer", args=[invitation.token]) in client.get(reverse("home")).content.decode()
    remove(member, team)
    assert not open_invitations_for_user(member).exists()
    assert (
        reverse("pulse_answer", args=[invitation.token]) not in client.get(reverse("home")).content.decode()
    )

"""A member answers a pulse, as JOURNEYS.md tells it, on a phone-sized Chromium."""

import re
from datetime import timedelta
from unittest import mock
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from surveys.emails import invitations_send
from surveys.models import Response
from surveys.rounds import round_close, round_open
from teams.models import Membership
from tests.factories import PASSWORD, MembershipFactory, PurposeStatementFactory, UnitFactory

pytestmark = pytest.mark.browser

LEADER_PURPOSE = (
    "We make it effortless for small businesses to accept card payments, so every sale goes through."
)
LEADER_FIT = "We own the payment flow that Money Movement is measured on."


@pytest.fixture
def emailed_pulse(transactional_db, org):
    """Payments with a leader, three members and an open pulse whose emails went out."""
    team = UnitFactory(organization=org, name="Payments")
    leader = MembershipFactory(unit=team, role=Membership.Role.LEADER, user__name="Lena Ortiz").user
    PurposeStatementFactory(unit=team, version=1, author=leader, purpose=LEADER_PURPOSE, fit=LEADER_FIT)
    members = [
        MembershipFactory(unit=team, user__name=name).user for name in ("Max Keller", "Ana Silva", "Ben Ode")
    ]
    now = timezone.now()
    with mock.patch("surveys.rounds.queue_invitation_emails"):  # no worker here: send in the test
        pulse_round = round_open(
            unit=team, scheduled_for=now, closes_at=now + timedelta(days=5), remind_at=None, now=now
        )
    invitations_send(invitation_ids=list(pulse_round.invitations.values_list("pk", flat=True)))
    return pulse_round, members


def link_from_email(user) -> str:
    [email] = [m for m in mail.outbox if m.to == [user.email]]
    assert email.subject == "How would you describe what our team is for? (2 minutes)"
    return urlparse(re.search(r"https?://\S+/p/\S+/", email.body).group(0)).path


def fits_the_screen(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def test_member_answers_from_the_email_link_revises_and_sees_the_leaders_words(
    emailed_pulse, new_page, screenshot
):
    pulse_round, members = emailed_pulse
    max_keller = members[0]
    page = new_page(phone=True)

    # One click from the email opens the pulse, no password, and nothing hints at the answer.
    page.goto(link_from_email(max_keller))
    expect(page.get_by_role("heading", name="How would you describe what Payments is for?")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("effortless")
    assert fits_the_screen(page)
    screenshot(page, "member-pulse-phone")

    # Forgetting the first question: a clear message, and the rest of the typing is kept.
    page.get_by_label("How does our team's work fit into the larger organization?").fill(
        "Payouts and Fraud build on the payments we capture."
    )
    page.get_by_label("Agree", exact=True).first.check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator(".error").first).to_contain_text(
        "Please describe the team's purpose in your own words"
    )
    expect(page.get_by_label("How does our team's work fit into the larger organization?")).to_have_value(
        "Payouts and Fraud build on the payments we capture."
    )
    assert not Response.objects.exists()

    # Answers everything and submits: the leader's words appear beside their own.
    page.get_by_label("In your own words, what is our team's purpose?").fill(
        "We help small shops take card payments so that sales never fail."
    )
    for group in page.locator("fieldset.agree").all():
        group.get_by_text("Agree", exact=True).click()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_role("heading", name="Thanks — here is how your leader describes it")).to_be_visible()
    expect(page.locator(".leader-words")).to_contain_text(LEADER_PURPOSE)
    expect(page.locator(".leader-words")).to_contain_text(LEADER_FIT)
    expect(
        page.get_by_text("We help small shops take card payments so that sales never fail.")
    ).to_be_visible()
    expect(page.locator("main")).to_contain_text("You can change your answer until")
    assert fits_the_screen(page)
    screenshot(page, "member-thanks-phone")

    # Revises the answer; still one response, now revision 2.
    page.get_by_role("link", name="Change my answer").click()
    purpose = page.get_by_label("In your own words, what is our team's purpose?")
    expect(purpose).to_have_value("We help small shops take card payments so that sales never fail.")
    purpose.fill("We make every card sale of a small business go through, first time.")
    page.get_by_role("button", name="Save my changes").click()
    expect(page.locator(".saved")).to_contain_text("Your answer is saved.")
    expect(page.locator("main")).to_contain_text("We make every card sale of a small business go through")
    response = Response.objects.get()
    assert response.revision == 2 and response.invitation.user == max_keller

    # After the pulse closes, the same link says so plainly.
    round_close(round_id=pulse_round.pk)
    page.reload()
    expect(page.get_by_role("heading", name=re.compile("This pulse closed on"))).to_be_visible()
    screenshot(page, "member-closed-link")


def test_a_colleagues_link_and_a_broken_link_get_clear_pages(emailed_pulse, new_page, log_in):
    _, members = emailed_pulse
    page = new_page(phone=True)
    page.goto("/p/not-a-real-token/")
    expect(page.get_by_role("heading", name="This link doesn't open a pulse")).to_be_visible()

    log_in(page, members[1].email, PASSWORD)
    # Their own pulse is on the home page.
    expect(page.get_by_role("link", name="Answer the Payments pulse")).to_be_visible()
    page.goto(link_from_email(members[0]))
    expect(page.get_by_role("heading", name="This link was sent to someone else")).to_be_visible()
    assert fits_the_screen(page)


def test_the_pulse_form_keeps_a_long_paste_refuses_a_dot_and_focuses_the_thanks(emailed_pulse, new_page):
    _, members = emailed_pulse
    page = new_page(phone=True)
    page.goto(link_from_email(members[0]))
    purpose = page.get_by_label("In your own words, what is our team's purpose?")
    expect(page.locator("main")).to_contain_text("At most 2000 characters.")

    # A 5,000-character paste stays whole; the counter says how much is too much.
    pasted = "We make card payments simple for small shops. " * 109  # 5,014 characters
    purpose.fill(pasted)
    expect(purpose).to_have_value(pasted)
    expect(page.locator(".counter.over").first).to_contain_text("5,014 / 2,000 characters: 3,014 too many")

    # "." is not an answer: a clear message before anything is saved.
    purpose.fill(".")
    page.get_by_label("How does our team's work fit into the larger organization?").fill(
        "Payouts builds on us."
    )
    for group in page.locator("fieldset.agree").all():
        group.get_by_text("Agree", exact=True).click()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator(".error").first).to_contain_text("too short to count as an answer")
    assert not Response.objects.exists()

    # A real answer: focus lands on the confirmation's heading, not the page body.
    page.get_by_label("In your own words, what is our team's purpose?").fill("We help small shops get paid.")
    page.get_by_role("button", name="Send my answer").click()
    thanks = page.get_by_role("heading", name="Thanks — here is how your leader describes it")
    expect(thanks).to_be_focused()
    expect(page.locator(".statement[dir=auto]").first).to_contain_text("We help small shops get paid.")

"""The loop closes, as JOURNEYS.md tells it: a leader talks the result through (replies, two
actions) on a laptop, and a member reads the team's results and the replies from the email link
on a phone."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from insights.results_mail import round_results_send
from surveys.models import Invitation, TeamAction
from teams.models import Membership
from tests.browser.pagecheck import page_is_sound
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    PurposeStatementFactory,
    ResponseFactory,
    UnitFactory,
    closed_round_with_summary,
)

pytestmark = pytest.mark.browser

QUESTIONS = [
    "Why did we drop the refunds project?",
    "What happened to the refunds roadmap?",
    "When do we get a second on-call engineer?",
    "Can on-call be shared with the Risk team?",
    "Will we hire another engineer for on-call?",
    "",
]
# What members would change in how the purpose is put (the leader turned the question on).
PROPOSALS = [
    "Say merchants instead of small shops: that is who we talk to.",
    "Call them merchants, nobody here says small shops.",
    "Add refunds: getting money back is part of payments too.",
    "",
    "Mention refunds, not only the first sale.",
    "",
]


@pytest.fixture
def closed_payments(transactional_db, org):
    """Payments: a leader, six members, a pulse that closed yesterday with its reading and questions."""
    team = UnitFactory(organization=org, name="Payments")
    leader = MembershipFactory(unit=team, role=Membership.Role.LEADER, user__name="Lena Ortiz").user
    PurposeStatementFactory(
        unit=team,
        version=1,
        author=leader,
        purpose="We make it effortless for small shops to take card payments, so every sale goes through.",
    )
    names = ("Max Keller", "Ana Silva", "Ben Ode", "Cy Park", "Dee Roy", "Eli Moss")
    members = [MembershipFactory(unit=team, user__name=name).user for name in names]
    closed = datetime.now(UTC) - timedelta(days=1)
    summary = closed_round_with_summary(
        team,
        closes_at=closed,
        respondents=6,
        alignment=58,
        ideas=["small shops", "card payments", "every sale goes through"],
        idea_shares=[0.83, 0.67, 0.17],
        interpretations=[
            {"size": 4, "text": "We let small shops take cards without any fuss."},
            {"size": 2, "text": "We keep the payment platform up and running."},
        ],
        agree_means=[4.3, 4.0, 2.9],
    )
    for question, proposal in zip(QUESTIONS, PROPOSALS, strict=True):
        ResponseFactory(round=summary.round, question_for_leader=question, purpose_proposal=proposal)
    for member in members:
        Invitation.objects.create(round=summary.round, user=member)
    return team, leader, members, summary.round


def results_link(user) -> str:
    [email] = [m for m in mail.outbox if m.to == [user.email]]
    assert email.subject == "Here is how Payments describes its purpose"
    return urlparse(re.search(r"https?://\S+/r/\S+/", email.body).group(0)).path


def test_leader_replies_records_two_actions_and_a_member_reads_it_from_the_email(
    closed_payments, new_page, log_in, screenshot
):
    team, leader, members, pulse_round = closed_payments
    max_keller, ana_silva = members[0], members[1]

    # The leader opens the last result from the home page: an agenda built from the reading.
    page = new_page()
    log_in(page, leader.email, PASSWORD)
    page.get_by_role("link", name="Talk it through").click()
    expect(page.get_by_role("heading", name="Agenda for the team meeting")).to_be_visible()
    expect(page.locator(".agenda")).to_contain_text("every sale goes through")
    expect(page.locator(".agenda")).to_contain_text("We keep the payment platform up and running.")

    # Questions come grouped by theme, without names; the leader answers one theme and publishes.
    theme = page.locator("article.theme").first
    expect(theme.locator(".verbatims li").first).to_be_visible()
    theme.get_by_label("Heading (optional, in your words)").fill("On-call")
    theme.get_by_label("Your reply").fill("A second engineer joins the rota in January.")
    theme.get_by_role("button", name="Publish to the team").click()
    expect(page.locator(".messages")).to_contain_text("Reply published")

    # Two actions, each with an owner from the team and a due date.
    due = (timezone.localdate() + timedelta(days=14)).isoformat()
    for title, owner in (
        ("Open each demo with why we exist", max_keller),
        ("Write the refunds FAQ", ana_silva),
    ):
        page.get_by_label("What the team will do").fill(title)
        page.get_by_label("Owner").select_option(label=owner.get_short_name())
        page.get_by_label("Due").fill(due)
        page.get_by_role("button", name="Add the action").click()
        expect(page.locator(".messages")).to_contain_text(f"Action recorded: {title}.")
    expect(page.locator("#actions .team-action")).to_have_count(2)
    page.get_by_role("button", name="We talked it through").click()
    expect(page.locator("#held")).to_contain_text("Talked through on")
    page_is_sound(page, "the talk-it-through page")
    screenshot(page, "leader-talk-it-through")
    assert TeamAction.objects.filter(unit=team, round=pulse_round).count() == 2

    # The results email goes to every member; one click opens the team's results on a phone.
    assert round_results_send(round_id=pulse_round.pk)[0] == 6
    phone = new_page(phone=True)
    phone.goto(results_link(max_keller))
    expect(phone.get_by_role("heading", name="How Payments describes its purpose")).to_be_visible()
    main = phone.locator("main")
    expect(main).to_contain_text("part of it")
    expect(main).to_contain_text("small shops")
    expect(main).to_contain_text("We let small shops take cards without any fuss.")
    expect(main).to_contain_text("A second engineer joins the rota in January.")
    expect(main).to_contain_text("Open each demo with why we exist")
    page_is_sound(phone, "the results page on a phone")
    screenshot(phone, "member-results-phone")

    # On a phone the talk page fits and reads too; a laptop shows the results as well.
    leader_phone = new_page(phone=True)
    log_in(leader_phone, leader.email, PASSWORD)
    leader_phone.goto(f"/units/{team.pk}/talk/")
    page_is_sound(leader_phone, "the talk-it-through page on a phone")
    page.goto(f"/units/{team.pk}/results/")
    page_is_sound(page, "the results page on a laptop")

    # The leader starts a new version from the team's proposals, grouped by meaning, without names.
    page.goto(f"/units/{team.pk}/talk/")
    proposals = page.locator("#proposals")
    expect(proposals).to_contain_text("along the lines of")
    proposals.get_by_label("Mention refunds, not only the first sale.").uncheck()
    proposals.get_by_role("button", name="Start a new version from these").click()
    suggestions = page.locator(".suggestions")
    expect(suggestions).to_contain_text("Say merchants instead of small shops")
    expect(suggestions).not_to_contain_text("Mention refunds, not only the first sale.")
    page.get_by_label("Why we exist").fill(
        "We make it effortless for merchants to take card payments and refund them, so every sale goes through."
    )
    page.get_by_label("Key ideas").fill("merchants\ncard payments\nrefunds\nevery sale goes through")
    expect(page.get_by_label("The new version is shaped with the team's suggestions")).to_be_checked()
    page.get_by_role("button", name="Save as new version").click()
    expect(page.locator("#purpose-card")).to_contain_text("version 2")
    page.goto(f"/units/{team.pk}/purpose/history/")
    latest = page.locator("#v2")
    expect(latest).to_contain_text("Shaped with the team's suggestions.")
    latest.get_by_text("The proposals it drew on").click()
    expect(latest).to_contain_text("Add refunds: getting money back is part of payments too.")
    expect(latest).not_to_contain_text("Mention refunds, not only the first sale.")
    page_is_sound(page, "the purpose history")
    screenshot(page, "purpose-shaped-by-team")

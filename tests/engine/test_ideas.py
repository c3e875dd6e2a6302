"""Key ideas: splitting a statement, and detecting ideas by meaning."""

import json
from pathlib import Path

import pytest

from alignment import score_answer, split_ideas
from alignment.lexical import STOP_WORDS
from alignment.text import words

GRADED = Path(__file__).resolve().parents[1] / "data" / "graded"

PAYMENTS = (
    "We make sure merchants get paid quickly and reliably, by running a payments platform that "
    "processes card transactions securely, so that small businesses can trust us with their revenue."
)


def test_split_on_clause_markers():
    assert split_ideas(PAYMENTS) == [
        "We make sure merchants get paid quickly and reliably",
        "Running a payments platform that processes card transactions securely",
        "Small businesses can trust us with their revenue",
    ]


def test_split_keeps_small_fragments_attached():
    assert split_ideas("We build tools for engineers.") == ["We build tools for engineers"]
    ideas = split_ideas(
        "We protect our customers' data and our systems from attackers, and we do it by "
        "making the secure way the easy way for every engineer, not by saying no."
    )
    assert ideas == [
        "We protect our customers' data and our systems from attackers",
        "We do it by making the secure way the easy way for every engineer, not by saying no",
    ]


def test_split_bare_and_only_between_clauses():
    ideas = split_ideas(
        "We make the right businesses aware of what our product can do for them and turn that "
        "interest into qualified leads for sales, with messages that are honest and clear."
    )
    assert len(ideas) == 3 and ideas[1] == "Turn that interest into qualified leads for sales"
    assert split_ideas("We find and hire great people.") == ["We find and hire great people"]


def test_split_keeps_because_of_together():
    """Issue 9: "because of" opens a noun phrase, not a reason clause."""
    assert split_ideas(
        "We make sure our customers trust us because of how carefully we handle their personal data."
    ) == ["We make sure our customers trust us because of how carefully we handle their personal data"]
    # "because" before a clause still starts an idea of its own.
    assert split_ideas(
        "We teach every child to read fluently by the end of Year 2, because a child who cannot read by "
        "seven struggles in every other subject."
    ) == [
        "We teach every child to read fluently by the end of Year 2",
        "A child who cannot read by seven struggles in every other subject",
    ]


def test_split_keeps_a_list_in_one_idea():
    """Issue 9: an "and" inside a list is not a clause boundary."""
    assert split_ideas(
        "We give the sales team clean territories, accurate pipeline data and simple, reliable forecasting "
        "tools, so reps spend their time selling."
    ) == [
        "We give the sales team clean territories, accurate pipeline data and simple, reliable forecasting tools",
        "Reps spend their time selling",
    ]
    assert split_ideas(
        "We keep North District's parks clean, safe and ready to use every day, so that families, dog "
        "walkers, sports clubs and older residents all feel the park belongs to them."
    ) == [
        "We keep North District's parks clean, safe and ready to use every day",
        "Families, dog walkers, sports clubs and older residents all feel the park belongs to them",
    ]


@pytest.mark.parametrize(
    "statement",
    [
        # adjectives, with an Oxford comma
        "We keep the products fast, safe, and always available, at any hour of the day.",
        # adverbs, the second one a phrase
        "We move our customers' money correctly and on time, from the first card tap to the payout.",
        # nouns, the last one carrying its own relative clause or infinitive
        "We give the support team the tools, training and staffing plans to answer every merchant well.",
        "We take live music into schools, hospitals and towns that rarely hear an orchestra play.",
        "We make sure concerns, grievances and disciplinary cases are handled fairly, consistently and quickly.",
        # predicates
        "Every bus that leaves the depot is safe, clean and fit to finish its whole duty.",
        # a content-free aside between commas
        "We give people a warm bed tonight and work out, with them, the next step off the street.",
        # "for" in a time or reason idiom, not naming whom we serve
        "Switching is never rushed for the sake of a restoration target.",
    ],
)
def test_split_list_shapes_stay_whole(statement):
    assert split_ideas(statement) == [statement.rstrip(".")]


def test_split_and_between_clauses_still_splits():
    assert split_ideas(
        "We run a calm, safe ward for patients, families and the nursing staff who look after them, and we "
        "tell product what broke."
    ) == [
        "We run a calm, safe ward for patients, families and the nursing staff who look after them",
        "We tell product what broke",
    ]
    assert split_ideas(
        "We keep our merchants calm and informed, and when something breaks we tell them what happened."
    ) == ["We keep our merchants calm and informed", "When something breaks we tell them what happened"]
    assert split_ideas(
        "We decide which loans the bank takes on, and on what terms, so that viable local businesses get credit."
    ) == ["We decide which loans the bank takes on, and on what terms", "Viable local businesses get credit"]
    assert split_ideas(
        "We stop fraud before it hurts merchants, while letting honest sales through without friction."
    ) == ["We stop fraud before it hurts merchants", "Letting honest sales through without friction"]


def _graded_statements() -> list[str]:
    return [
        team["purpose"]
        for path in sorted(GRADED.glob("teams_*.json"))
        for team in json.loads(path.read_text())
    ]


# Lists and phrases in the graded statements that a cut must not break, read
# off the statements by hand (the first thirteen were cut before issue 9).
GRADED_WHOLE = [
    "families, dog walkers, sports clubs and older residents",
    "genuinely owed, properly approved and sent to the right bank account",
    "spotless, safe and ready at check-in time",
    "safe, clean and fit to finish its whole duty",
    "concerns, grievances and disciplinary cases",
    "confident, skilful footballers and good people",
    "schools, hospitals and towns",
    "bank takes on, and on what terms",
    "on every machine for the whole shift",
    "in time for the promised delivery date",
    "never rushed for the sake of a restoration target",
    "work out, with them, the next step off the street",
    "(safe place, neighbour or locker)",
    "foot ulcers, sight loss and emergency admissions",
    "letters, forms and phone help",
    "fraud, duplicates and errors",
    "music, local voices and live updates",
    "claim, figure and quote",
    "find, judge and use information",
    "devices, passwords or projectors",
]


def test_split_graded_statements_cut_only_between_ideas():
    statements = _graded_statements()
    assert len(statements) >= 80
    whole = {phrase: 0 for phrase in GRADED_WHOLE}
    for statement in statements:
        ideas = split_ideas(statement)
        assert ideas == split_ideas(statement)  # deterministic
        assert 1 <= len(ideas) <= 6, statement
        for idea in ideas:
            assert not idea.lower().startswith(("and ", "or ", "of ")), (idea, statement)
            content = [w for w in words(idea.lower()) if w not in STOP_WORDS]
            assert len(content) >= 2, (idea, statement)  # not a bare list tail such as "and staff"
        for phrase in GRADED_WHOLE:
            if phrase in statement:
                whole[phrase] += 1
                assert any(phrase.lower() in idea.lower() for idea in ideas), (phrase, ideas)
    assert all(whole.values()), [p for p, n in whole.items() if not n]


def test_split_dedupes_caps_and_handles_empty():
    assert split_ideas("We help customers. We help customers!") == ["We help customers"]
    many = ". ".join(
        f"We improve area number {w} for customers" for w in "one two three four five six seven eight".split()
    )
    assert len(split_ideas(many)) == 6
    assert split_ideas("") == [] and split_ideas("   ") == []
    assert split_ideas("Payments") == ["Payments"]


def test_ideas_detected_by_meaning_not_words(semantic):
    ideas = split_ideas(PAYMENTS)
    covered = score_answer(
        reference=PAYMENTS,
        ideas=ideas,
        encoder=semantic,
        # Engine 2.1 flags "Shop owners should receive their money fast and dependably. Small
        # companies rely on us with their income." as a twist (docs/alignment.md, a seventh look).
        answer="getting shop owners their cash fast and safely so small companies trust us",
    )
    assert covered.ideas_named[0] and covered.ideas_named[2]
    partial = score_answer(
        reference=PAYMENTS, ideas=ideas, encoder=semantic, answer="We build the card processing system."
    )
    assert sum(partial.ideas_named) <= 1
    off = score_answer(
        reference=PAYMENTS,
        ideas=ideas,
        encoder=semantic,
        answer="We organise the annual sales conference and the team offsite.",
    )
    assert off.ideas_named == [False, False, False] and off.idea_coverage == 0

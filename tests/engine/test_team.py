"""Team readings: agreement, situations, idea shares, interpretations."""

import numpy as np
import pytest

from alignment import (
    SITUATIONS,
    agreement,
    idea_shares,
    interpretations,
    score_answers,
    situation,
    split_ideas,
)


def test_agreement_needs_two_answers(semantic):
    assert agreement(["We pay merchants."], semantic) is None
    assert agreement(["We pay merchants.", ""], semantic) is None
    same = agreement(["We pay merchants fast.", "Merchants get their money quickly."], semantic)
    diff = agreement(["We pay merchants fast.", "We plan the office party."], semantic)
    assert 0 <= diff < same <= 100


@pytest.mark.parametrize(
    "a,g,share,code",
    [
        (50, 45, None, "aligned"),
        (45, 20, 0.9, "aligned"),
        (15, 45, 0.0, "shared_other"),
        (30, 20, 0.33, "split"),
        (30, 20, None, "split"),
        (15, 15, 0.0, "no_shared"),
        (20, 15, None, "no_shared"),
        (50, None, None, "aligned"),
        (None, None, None, "no_shared"),
    ],
)
def test_situation_rules(a, g, share, code):
    s = situation(a, g, share)
    assert s.code == code and s.title and s.explanation and s.action


def test_situation_texts_are_distinct():
    assert len({s.title for s in SITUATIONS.values()}) == 4


def test_idea_shares(semantic):
    # The demo's Payments team. Engine 2.1 flags one of the answers this test used on the engine
    # tests' older payments statement as a twist (docs/alignment.md, a seventh look).
    statement = (
        "We make it effortless for small businesses to accept card and bank payments, so that every "
        "sale goes through on the first try and the money is never in doubt."
    )
    scores = score_answers(
        statement,
        [
            "We help small businesses take card payments.",
            "Card payments for small shops, basically.",
            "We organise the offsite.",
            "",
        ],
        split_ideas(statement),
        semantic,
    )
    shares = idea_shares(scores)
    # Shares are of the judged answers (the blank one is not), each a multiple of a third.
    assert len(shares) == 2 and shares[0] >= 0.33 and shares[0] > shares[1]
    assert all(round(share * 3, 3) == round(share * 3) for share in shares)
    assert idea_shares([]) == []


ANSWERS = [
    "We process card payments for merchants.",
    "We run the card payment platform.",
    "Merchants get paid through our payment system.",
    "We handle card transactions securely.",
    "We organise company events and parties.",
    "We plan the offsite and social events.",
    "Team events and celebrations are our thing.",
    "",
]


def test_interpretations_find_groups_deterministically(semantic):
    vecs = semantic.encode(ANSWERS)
    first = interpretations(ANSWERS, vecs)
    assert [g.size for g in first] == [4, 3]
    assert set(first[0].members) == {0, 1, 2, 3} and first[0].representative in first[0].members
    assert first[0].representative_text == ANSWERS[first[0].representative]
    assert 7 not in {m for g in first for m in g.members}  # blank answer left out
    assert interpretations(ANSWERS, vecs) == first
    shuffled = interpretations(ANSWERS[::-1], vecs[::-1])
    assert sorted(g.size for g in shuffled) == [3, 4]


def test_interpretations_small_or_uniform_teams(semantic):
    texts = ["We pay merchants.", "We pay merchants quickly.", "Merchants get paid."]
    groups = interpretations(texts, semantic.encode(texts))
    assert len(groups) == 1 and groups[0].size == 3
    assert interpretations([], np.zeros((0, 384))) == []
    assert len(interpretations(ANSWERS, semantic.encode(ANSWERS), k=3)) == 3

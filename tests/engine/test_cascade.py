"""Cascade: a unit's purpose against its parent's."""

from alignment import cascade_label, cascade_score

PARENT = "We help small businesses get paid, manage their money and grow."


def test_child_that_serves_the_parent_is_strong(semantic):
    child = (
        "We make sure merchants get paid quickly and reliably, by running a payments platform that processes "
        "card transactions securely, so that small businesses can trust us with their revenue."
    )
    s = cascade_score(child, PARENT, semantic)
    assert s.label == "strong" and 0 <= s.score <= 100
    assert s.best_idea_pair is not None


def test_unrelated_child_is_weak(semantic):
    s = cascade_score("We organise the annual sales conference.", PARENT, semantic)
    assert s.label == "weak"


def test_ordering_and_blank(semantic):
    good = cascade_score("We move money for small shops so they get paid fast.", PARENT, semantic).score
    bad = cascade_score("We keep the office plants watered.", PARENT, semantic).score
    assert good > bad
    assert cascade_score("", PARENT, semantic).label == "unknown"
    assert (
        cascade_label(None) == "unknown" and cascade_label(60) == "strong" and cascade_label(35) == "partial"
    )

"""Key ideas: splitting a statement, and detecting ideas by meaning."""

from alignment import score_answer, split_ideas

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
        answer="Shop owners should receive their money fast and dependably. Small companies "
        "rely on us with their income.",
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

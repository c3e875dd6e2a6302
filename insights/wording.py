"""The four situations in words that suit who reads them.

The engine's situations (alignment.SITUATIONS) speak to the team's leader ("your purpose", "the one
you wrote"). An executive or a leader above reads the same team in the third person; only the
team's own leader is addressed as "you".
"""

from alignment import Situation

ABOUT_THE_LEADER = {
    "aligned": Situation(
        "aligned",
        "The team tells its leader's purpose back in its own words",
        "Answers are close to the leader's statement and to each other.",
        "Keep the purpose visible; the leader can ask the team what it would change in the next revision.",
    ),
    "shared_other": Situation(
        "shared_other",
        "The team shares a purpose, but not the one its leader wrote",
        "Members agree with each other more than with the leader's statement: they have a common view of "
        "why the team exists that differs from the leader's.",
        "Listen before repeating: the leader can read the representative answers, ask the team why they "
        "see it that way, and decide with them whether the statement or the work should change.",
    ),
    "split": Situation(
        "split",
        "Some members get it, others don't",
        "A part of the team describes the leader's purpose well while others describe something else, so "
        "the team does not agree with itself.",
        "Pair people across the groups, walk through the ideas fewest members named, and make sure new "
        "joiners hear the purpose from the leader.",
    ),
    "no_shared": Situation(
        "no_shared",
        "There is no shared purpose yet",
        "Answers are far from the leader's statement and from each other: each member describes the team "
        "differently.",
        "A short session where the team writes the purpose with its leader, repeated in planning and reviews.",
    ),
}


def situation_for(situation: Situation | None, *, viewer_leads: bool) -> Situation | None:
    """The situation as its reader should read it: addressed to them only if they lead the team."""
    if situation is None or viewer_leads:
        return situation
    return ABOUT_THE_LEADER.get(situation.code, situation)

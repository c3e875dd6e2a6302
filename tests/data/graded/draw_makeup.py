"""Draw the make-up of graded teams for new writers: the tables in MAKEUP.md.

    python tests/data/graded/draw_makeup.py 20261129 ijkl   # writers i-l (this folder)
    python tests/data/graded/draw_makeup.py 20261130 mnop   # writers m-p (../graded_outside)

Each writer gets 20 teams over five fields (the 20 fields shuffled, five each): 6 aligned,
5 split, 5 no_shared and 4 shared_other, in a shuffled order. For each team, the number of
answers and how many get each grade are drawn at random across the whole range its
situation's rule allows (README.md, "Situations"), so that the teams are not all near one
boundary nor all far from it:

- aligned: 5-14 answers; at least two thirds at grade 2 or 3, and at least 3 (and two
  fifths) at grade 3;
- split: 6-14 answers; a third to three fifths at grade 3, grades 2 and 3 together under
  two thirds, and at least a third at grade 0 or 1;
- no_shared and shared_other: 5-14 answers (6-14 for shared_other); at most 2 (and a fifth)
  at grade 3, grades 2 and 3 together at most about a third.

Whether the lower answers say the same other thing (shared_other) or scatter (no_shared)
is the writer's to write. Standard library only.
"""

from __future__ import annotations

import math
import random
import sys

FIELDS = [
    "healthcare", "education", "social_services", "public_safety", "government", "media",
    "finance", "retail", "hospitality", "logistics", "manufacturing", "software", "energy",
    "construction", "agriculture_food", "research_culture", "legal_hr", "sales_marketing",
    "it_security", "sports_arts",
]  # fmt: skip
SITUATIONS = ["aligned"] * 6 + ["split"] * 5 + ["no_shared"] * 5 + ["shared_other"] * 4


def _low(rng: random.Random, rest: int) -> tuple[int, int]:
    grade1 = rng.randint(0, rest)
    return grade1, rest - grade1


def draw_team(rng: random.Random, situation: str) -> tuple[int, int, int, int, int]:
    """(answers, grade 3, grade 2, grade 1, grade 0), drawn again until the rule holds."""
    while True:
        if situation == "aligned":
            n = rng.randint(5, 14)
            good = rng.randint(math.ceil(0.67 * n), n)
            least = max(3, math.ceil(0.4 * n))
            if good < least:
                continue
            g3 = rng.randint(least, good)
            g2 = good - g3
            g1, g0 = _low(rng, n - good)
        elif situation == "split":
            n = rng.randint(6, 14)
            g3 = rng.randint(math.ceil(n / 3), math.floor(0.6 * n))
            most_g2 = math.ceil(0.67 * n) - 1 - g3
            if most_g2 < 0:
                continue
            g2 = rng.randint(0, min(2, most_g2))
            if n - g3 - g2 < math.ceil(n / 3):
                continue
            g1, g0 = _low(rng, n - g3 - g2)
        else:
            n = rng.randint(5, 14)
            g3 = rng.randint(0, min(2, math.floor(0.2 * n)))
            g2 = rng.randint(0, min(3, max(0, math.floor(0.35 * n) - g3)))
            g1, g0 = _low(rng, n - g3 - g2)
            if situation == "shared_other" and n < 6:
                continue
        return n, g3, g2, g1, g0


def tables(seed: int, writers: str) -> str:
    rng = random.Random(seed)
    fields = FIELDS[:]
    rng.shuffle(fields)
    out = []
    for w, writer in enumerate(writers):
        mine = fields[w * 5 : (w + 1) * 5]
        order = SITUATIONS[:]
        rng.shuffle(order)
        out += [
            f"Writer {writer}:",
            "",
            "| # | field | situation | answers | grade 3 | grade 2 | grade 1 | grade 0 |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for i, situation in enumerate(order):
            n, g3, g2, g1, g0 = draw_team(rng, situation)
            out.append(f"| {i + 1} | {mine[i // 4]} | {situation} | {n} | {g3} | {g2} | {g1} | {g0} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(tables(int(sys.argv[1]), sys.argv[2]))

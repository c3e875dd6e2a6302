"""Cascade: does a unit's purpose flow from its parent's?

A child unit serves *part* of its parent's purpose, so requiring it to
restate all of the parent's ideas would be wrong. The score averages the
whole-text calibrated similarity with the best match between any idea of
the child and any idea of the parent ("the child clearly serves at least
one thing the parent is for").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import calibration
from .encoders import Encoder, get_encoder
from .ideas import split_ideas
from .text import clean

# Provisional, from hand-checked pairs (tests/engine/test_cascade.py): a
# child that plainly serves its parent scores ~45, a sibling function of
# the same company ~40, an unrelated purpose ~20.
STRONG_MIN = 44.0  # STS 2.2: shares the important details
PARTIAL_MIN = 30.0  # STS 1.5: on the same topic


@dataclass(frozen=True)
class CascadeScore:
    score: float | None  # 0–100
    label: str  # strong | partial | weak | unknown (a blank statement)
    raw_cosine: float | None
    best_idea_pair: tuple[str, str] | None  # (child idea, parent idea)


def cascade_label(score: float | None) -> str:
    if score is None:
        return "unknown"
    return "strong" if score >= STRONG_MIN else "partial" if score >= PARTIAL_MIN else "weak"


def cascade_score(child_purpose: str, parent_purpose: str, encoder: Encoder | None = None) -> CascadeScore:
    if encoder is None:
        encoder = get_encoder()
    child = clean(child_purpose, max_words=400).text
    parent = clean(parent_purpose, max_words=400).text
    if not child or not parent:
        return CascadeScore(None, "unknown", None, None)
    c_ideas = split_ideas(child) or [child]
    p_ideas = split_ideas(parent) or [parent]
    vecs = encoder.encode([child, parent, *c_ideas, *p_ideas])
    cal = calibration.for_encoder(encoder.name)
    cos = float(np.clip(vecs[0] @ vecs[1], -1.0, 1.0))
    cv = vecs[2 : 2 + len(c_ideas)]
    pv = vecs[2 + len(c_ideas) :]
    pair = cv @ pv.T
    i, j = np.unravel_index(int(np.argmax(pair)), pair.shape)
    score = 0.5 * cal.score1(cos) + 0.5 * cal.score1(float(pair[i, j]))
    return CascadeScore(round(score, 2), cascade_label(score), round(cos, 6), (c_ideas[i], p_ideas[j]))

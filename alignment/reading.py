"""Reading answers on the purpose scale: features, and the models fitted on graded teams.

A leader needs to know whether a member tells the purpose back, gets part of
it, stays on topic without the purpose, or says something else. General
sentence similarity can't say that (a faithful paraphrase and an answer that
reuses the statement's words with a twist look alike to it), so the reading
is learned from hand-graded answers (tests/data/graded, fitted by
``alignment.fitting`` with cross-validation by team) on top of the model's
own representations:

- per key idea, how well some part of the answer matches it: the best
  cosine between the idea and the answer's sentences and clauses (pooled in
  context from one forward pass), and the share of the idea's content word
  pieces found in the answer (token-level recall, as in BERTScore);
- the whole answer against the whole statement (cosine, token recall and
  precision), and its own embedding and its difference from the statement's;
- cues of a twist: negations, contrasts, "someone else's job", time turned
  round (counted against the statement's own).

Three small linear models turn these into (1) which ideas the answer names,
(2) whether it names them with a twist (then they don't count), and (3) the
probability of each grade 0-3; the expected grade, mapped piecewise-linearly
so that the band cut-offs sit at 25, 50 and 75, is the 0-100 alignment.
Length and register are not features. The fitted weights live in
``reading_<encoder>.json`` beside this module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .ideas import answer_segment_spans
from .lexical import STOP_WORDS
from .text import clean, looks_non_english, words

MODEL_DIR = Path(__file__).resolve().parent
GRADES = np.arange(4, dtype=np.float64)

# The four bands shown to people, lowest first; alignment cut-offs at 25/50/75.
BANDS = (
    ("something_else", "Something else"),
    ("on_topic", "On topic, not the purpose"),
    ("part", "Part of it"),
    ("tells_it_back", "Tells it back"),
)
BAND_CUTS = (25.0, 50.0, 75.0)
PAIR_TIE_SLOPE = 1e-3

# Twist cues, counted in the answer (and, for negations and time words, minus
# the statement's own count: "never wait" in a statement makes "no waiting"
# in an answer faithful, not twisted).
_NEGATION = re.compile(
    r"\b(?:not|no|never|nobody|nothing|none|neither|nor|without|cannot|nobody's|no-one)\b|n't\b", re.I
)
_CONTRAST = re.compile(
    r"\b(?:but|however|though|although|even if|even though|whatever it takes|so be it|instead|rather|"
    r"except|unless|anyway|regardless|just)\b",
    re.I,
)
_SHIFT = re.compile(
    r"\b(?:(?:\w+'s|\w+s'|their|someone else's|somebody else's|not our|not my|not their|nobody's|none of our|"
    r"none of my)\s+(?:own\s+)?(?:job|problem|business|concern|responsibility|lookout|call|issue|department)|"
    r"on (?:their|his|her|your) own|between (?:them|him|her) and|(?:that's|that is|it's) (?:on|for|up to) "
    r"(?:them|him|her|the \w+)|up to (?:them|the \w+)|stops? being|doesn't come into it|not (?:really )?"
    r"(?:our|my) (?:problem|job|concern|thing)|out of our hands|doesn't matter|don't matter)\b",
    re.I,
)
_TIME = re.compile(r"\b(?:after|afterwards|later|then|until|till|once|first|eventually)\b", re.I)

SCALAR_NAMES = (
    "cosine",
    "idea_sim_mean",
    "idea_sim_max",
    "idea_recall_mean",
    "idea_recall_max",
    "idea_recall_min",
    "idea_recall_top2",
    "statement_recall",
    "statement_precision",
    "negations_more",
    "contrasts",
    "shifts",
    "time_words_more",
)
IDEA_FEATURE_NAMES = (
    "idea_sim",
    "idea_recall",
    "idea_sim_vs_others",
    "idea_recall_vs_others",
    "cosine",
    "statement_recall",
    "idea_recall_max",
)


def twist_cues(answer: str, statement: str) -> list[float]:
    return [
        len(_NEGATION.findall(answer)) - len(_NEGATION.findall(statement)),
        len(_CONTRAST.findall(answer)),
        len(_SHIFT.findall(answer)),
        len(_TIME.findall(answer)) - len(_TIME.findall(statement)),
    ]


def _recall(a: np.ndarray, b: np.ndarray) -> float:
    """Share of a's word pieces found in b: mean over a's of the best cosine to any of b's."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    return float((a @ b.T).max(axis=1).mean())


def too_short(text: str) -> bool:
    """Too little to judge: under two words, or nothing but stop words ("idk", "?", "the same")."""
    tokens = [w.lower() for w in words(text)]
    return len(tokens) < 2 or not any(t not in STOP_WORDS and len(t) > 2 for t in tokens)


@dataclass
class Features:
    """What the models read, for the answers of one statement. Rows are answers."""

    usable: list[bool]  # False: blank, too short or not English (no reading)
    flags: list[list[str]]
    vectors: np.ndarray  # (n, d), zero rows for unusable answers
    statement_vector: np.ndarray  # (d,)
    embedding: np.ndarray  # (n, 2d): the answer vector and its difference from the statement's
    scalars: np.ndarray  # (n, len(SCALAR_NAMES))
    idea_rows: np.ndarray  # (n, k, len(IDEA_FEATURE_NAMES))


def answer_features(
    statement: str, ideas: Sequence[str], answers: Sequence[str], encoder, *, shared=None
) -> Features:
    """Everything the models read, with one forward pass per answer (statement and ideas cached)."""
    statement_text = clean(statement, max_words=400).text
    idea_texts = [clean(i, max_words=60).text for i in ideas] or [statement_text]
    cleaned = [clean(a) for a in answers]
    flags = [list(c.flags) for c in cleaned]
    usable = []
    for c, f in zip(cleaned, flags, strict=True):
        if not c.words:
            f.insert(0, "empty")
            usable.append(False)
        elif looks_non_english(c.text):
            f.append("non_english")
            usable.append(False)
        elif too_short(c.text):
            f.append("too_short")
            usable.append(False)
        else:
            usable.append(True)
    texts = [c.text if ok else "" for c, ok in zip(cleaned, usable, strict=True)]
    spans = [answer_segment_spans(t) if ok else [] for t, ok in zip(texts, usable, strict=True)]
    shared = shared or shared_reader(encoder)
    statement_vec, statement_tokens = shared(statement_text)
    idea_parts = [shared(t) for t in idea_texts]
    idea_vecs = np.vstack([v for v, _ in idea_parts])
    vectors, segments, tokens = encoder.encode_detailed(texts, spans)

    n, k, d = len(answers), len(idea_texts), len(statement_vec)
    embedding = np.zeros((n, 2 * d), dtype=np.float32)
    scalars = np.zeros((n, len(SCALAR_NAMES)), dtype=np.float64)
    idea_rows = np.zeros((n, k, len(IDEA_FEATURE_NAMES)), dtype=np.float64)
    for i in range(n):
        if not usable[i]:
            continue
        v = vectors[i]
        parts = np.vstack([v[None, :], segments[i]]) if len(segments[i]) else v[None, :]
        sims = (idea_vecs @ parts.T).max(axis=1).astype(np.float64)
        recalls = np.array([_recall(t, tokens[i]) for _, t in idea_parts])
        cosine = float(v @ statement_vec)
        statement_recall = _recall(statement_tokens, tokens[i])
        embedding[i] = np.concatenate([v, v - statement_vec])
        scalars[i] = [
            cosine,
            sims.mean(),
            sims.max(),
            recalls.mean(),
            recalls.max(),
            recalls.min(),
            np.sort(recalls)[-2:].mean(),
            statement_recall,
            _recall(tokens[i], statement_tokens),
            *twist_cues(texts[i], statement_text),
        ]
        idea_rows[i] = np.column_stack(
            [
                sims,
                recalls,
                sims - sims.mean(),
                recalls - recalls.mean(),
                np.full(k, cosine),
                np.full(k, statement_recall),
                np.full(k, recalls.max()),
            ]
        )
    return Features(usable, flags, vectors, statement_vec, embedding, scalars, idea_rows)


def _shared_reader(encoder):
    """Vector and content tokens of a statement or idea, cached per encoder: every answer of a
    round is read against the same statement."""

    @lru_cache(maxsize=1024)
    def read(text: str) -> tuple[np.ndarray, np.ndarray]:
        vecs, _, toks = encoder.encode_detailed([text], [[]])
        return vecs[0], toks[0]

    return read


_readers: dict[str, object] = {}


def shared_reader(encoder):
    """The process-wide cache of statement and idea readings for this encoder."""
    key = encoder.name
    if key not in _readers:
        _readers[key] = _shared_reader(encoder)
    return _readers[key]


# --- The fitted models -------------------------------------------------------------------


def _significant(values: np.ndarray, digits: int = 7):
    """Rounded to significant digits, not decimals: a feature's scale can be 1e-5."""
    return np.vectorize(lambda v: float(f"{v:.{digits}g}"), otypes=[float])(values).tolist()


@dataclass(frozen=True)
class Linear:
    """Standardise, then one or more linear scores (a row of coef per output)."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (outputs, features)
    intercept: np.ndarray  # (outputs,)

    def scores(self, x: np.ndarray) -> np.ndarray:
        z = (np.asarray(x, dtype=np.float64) - self.mean) / self.scale
        return z @ self.coef.T + self.intercept

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Binary: P(positive) per row."""
        return 1.0 / (1.0 + np.exp(-self.scores(x)[..., 0]))

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Multinomial: a softmax row per input row."""
        s = self.scores(x)
        s = s - s.max(axis=-1, keepdims=True)
        e = np.exp(s)
        return e / e.sum(axis=-1, keepdims=True)

    def to_json(self) -> dict:
        return {
            "mean": _significant(self.mean),
            "scale": _significant(self.scale),
            "coef": _significant(self.coef),
            "intercept": _significant(self.intercept),
        }

    @classmethod
    def from_json(cls, raw: dict) -> Linear:
        return cls(
            np.asarray(raw["mean"], dtype=np.float64),
            np.asarray(raw["scale"], dtype=np.float64),
            np.atleast_2d(np.asarray(raw["coef"], dtype=np.float64)),
            np.atleast_1d(np.asarray(raw["intercept"], dtype=np.float64)),
        )


@dataclass(frozen=True)
class ReadingModel:
    encoder: str
    idea: Linear
    idea_threshold: float
    twist: Linear
    twist_threshold: float
    grade: Linear
    scale_knots: tuple[float, ...]  # expected grade at alignment 0, 25, 50, 75, 100
    meta: dict

    def read(self, features: Features) -> list[Reading | None]:
        """One reading per answer; None for an answer that can't be judged."""
        readings: list[Reading | None] = []
        for i, ok in enumerate(features.usable):
            if not ok:
                readings.append(None)
                continue
            idea_p = self.idea.probability(features.idea_rows[i])
            twist_p = float(
                self.twist.probability(np.concatenate([features.embedding[i], features.scalars[i]]))
            )
            named = idea_p >= self.idea_threshold
            twisted = twist_p >= self.twist_threshold
            row = np.concatenate(
                [
                    features.embedding[i],
                    features.scalars[i],
                    [twist_p, idea_p.mean(), idea_p.max(), float((idea_p >= 0.4).mean())],
                ]
            )
            probs = self.grade.probabilities(row[None, :])[0]
            readings.append(
                Reading(
                    alignment=self.alignment(float(probs @ GRADES)),
                    grade_probs=[round(float(p), 4) for p in probs],
                    ideas_named=[bool(n and not twisted) for n in named],
                    ideas_twisted=[bool(n and twisted) for n in named],
                    idea_scores=[round(float(p) * 100, 1) for p in idea_p],
                    twist=bool(twisted),
                )
            )
        return readings

    def pair_alignment(self, cosine: float) -> float:
        """One answer against one text, from the cosine alone (see fitting.pair_calibration).

        Strictly increasing in the cosine, so ranking is the model's own."""
        raw = self.meta.get("pair") or {"cosine": [-1.0, 1.0], "alignment": [0.0, 100.0]}
        base = float(np.interp(cosine, raw["cosine"], raw["alignment"]))
        line = 50.0 * (float(np.clip(cosine, -1.0, 1.0)) + 1.0)
        return round((1 - PAIR_TIE_SLOPE) * base + PAIR_TIE_SLOPE * line, 4)

    def alignment(self, expected_grade: float) -> float:
        return round(float(np.interp(expected_grade, self.scale_knots, (0.0, 25.0, 50.0, 75.0, 100.0))), 2)

    def to_json(self) -> dict:
        return {
            "encoder": self.encoder,
            "idea": {**self.idea.to_json(), "threshold": self.idea_threshold},
            "twist": {**self.twist.to_json(), "threshold": self.twist_threshold},
            "grade": self.grade.to_json(),
            "scale_knots": [round(k, 6) for k in self.scale_knots],
            "meta": {k: v for k, v in self.meta.items() if k not in ("situation", "pair")},
        }

    @classmethod
    def from_json(cls, raw: dict) -> ReadingModel:
        return cls(
            raw["encoder"],
            Linear.from_json(raw["idea"]),
            float(raw["idea"]["threshold"]),
            Linear.from_json(raw["twist"]),
            float(raw["twist"]["threshold"]),
            Linear.from_json(raw["grade"]),
            tuple(raw["scale_knots"]),
            {**raw.get("meta", {}), "situation": raw.get("situation"), "pair": raw.get("pair")},
        )


@dataclass
class Reading:
    alignment: float  # 0–100 on the purpose scale
    grade_probs: list[float]  # P(grade 0..3)
    ideas_named: list[bool]
    ideas_twisted: list[bool]
    idea_scores: list[float]  # 0–100: how sure the engine is that each idea is named
    twist: bool  # names the purpose with a negation, contrast or reversal


def band_of(alignment: float | None) -> str | None:
    if alignment is None:
        return None
    return BANDS[sum(alignment >= cut for cut in BAND_CUTS)][0]


def model_path(encoder_name: str) -> Path:
    return MODEL_DIR / f"reading_{encoder_name}.json"


@lru_cache(maxsize=8)
def model_for(encoder_name: str) -> ReadingModel | None:
    """The committed reading model for this encoder (None: the encoder has none, e.g. TF-IDF)."""
    path = model_path(encoder_name)
    if not path.is_file():
        return None
    return ReadingModel.from_json(json.loads(path.read_text(encoding="utf-8")))

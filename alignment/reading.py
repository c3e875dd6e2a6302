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
    return _cues(answer, _statement_cues(statement))


def _statement_cues(statement: str) -> tuple[int, int]:
    """The statement's own negations and time words, which an answer's are counted against."""
    return len(_NEGATION.findall(statement)), len(_TIME.findall(statement))


def _cues(answer: str, statement_cues: tuple[int, int]) -> list[float]:
    return [
        len(_NEGATION.findall(answer)) - statement_cues[0],
        len(_CONTRAST.findall(answer)),
        len(_SHIFT.findall(answer)),
        len(_TIME.findall(answer)) - statement_cues[1],
    ]


def _block_means(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Means of consecutive blocks of ``values`` along axis 0 (a block of length 0 gives 0)."""
    totals = np.concatenate([np.zeros((1, *values.shape[1:])), np.cumsum(values, axis=0, dtype=np.float64)])
    ends = np.cumsum(lengths)
    sums = totals[ends] - totals[ends - lengths]
    return sums / np.maximum(lengths, 1).reshape(-1, *([1] * (values.ndim - 1)))


def _block_max(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Maxima of consecutive column blocks of ``values`` (every block non-empty)."""
    return np.maximum.reduceat(values, np.cumsum(lengths) - lengths, axis=1)


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
    rows = [i for i in range(n) if usable[i] and len(tokens[i])]
    if rows:
        # All answers of the call at once: each idea against every part of every answer (the
        # whole answer, its sentences and clauses), and every word piece of the ideas and the
        # statement against every word piece of the answers, in two products.
        parts = [np.vstack([vectors[i][None, :], segments[i]]) for i in rows]
        part_counts = np.array([len(p) for p in parts])
        sims = _block_max(idea_vecs @ np.vstack(parts).T, part_counts).T.astype(np.float64)  # (m, k)
        reference_tokens = [t for _, t in idea_parts] + [statement_tokens]
        reference_counts = np.array([len(t) for t in reference_tokens])
        answer_counts = np.array([len(tokens[i]) for i in rows])
        pairs = (
            np.vstack(reference_tokens) @ np.vstack([tokens[i] for i in rows]).T
        )  # (reference, answer pieces)
        # Recall: each reference piece's best match within one answer, averaged per idea/statement.
        recall = _block_means(_block_max(pairs, answer_counts), reference_counts).T  # (m, k + 1)
        recalls, statement_recall = recall[:, :k], recall[:, k]
        # Precision: each answer piece's best match in the statement, averaged per answer.
        statement_rows = pairs[len(pairs) - reference_counts[-1] :]
        if len(statement_rows):
            precision = _block_means(statement_rows.max(axis=0), answer_counts)
        else:
            precision = np.zeros(len(rows))
        answer_vecs = vectors[rows]
        cosine = (answer_vecs @ statement_vec).astype(np.float64)
        statement_cues = _statement_cues(statement_text)
        embedding[rows] = np.hstack([answer_vecs, answer_vecs - statement_vec])
        recalls_max = recalls.max(axis=1)
        scalars[rows] = np.column_stack(
            [
                cosine,
                sims.mean(axis=1),
                sims.max(axis=1),
                recalls.mean(axis=1),
                recalls_max,
                recalls.min(axis=1),
                np.sort(recalls, axis=1)[:, -2:].mean(axis=1),
                statement_recall,
                precision,
                np.array([_cues(texts[i], statement_cues) for i in rows], dtype=np.float64),
            ]
        )
        idea_rows[rows] = np.stack(
            [
                sims,
                recalls,
                sims - sims.mean(axis=1, keepdims=True),
                recalls - recalls.mean(axis=1, keepdims=True),
                np.repeat(cosine[:, None], k, axis=1),
                np.repeat(statement_recall[:, None], k, axis=1),
                np.repeat(recalls_max[:, None], k, axis=1),
            ],
            axis=2,
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
        readings: list[Reading | None] = [None] * len(features.usable)
        rows = [i for i, ok in enumerate(features.usable) if ok]
        if not rows:
            return readings
        # Every answer of the call through each model at once.
        idea_p = self.idea.probability(features.idea_rows[rows])  # (m, k)
        first = np.hstack([features.embedding[rows], features.scalars[rows]])
        twist_p = self.twist.probability(first)
        named = idea_p >= self.idea_threshold
        twisted = twist_p >= self.twist_threshold
        grade_input = np.hstack(
            [
                first,
                np.column_stack(
                    [twist_p, idea_p.mean(axis=1), idea_p.max(axis=1), (idea_p >= 0.4).mean(axis=1)]
                ),
            ]
        )
        probs = self.grade.probabilities(grade_input)
        expected = probs @ GRADES
        for m, i in enumerate(rows):
            readings[i] = Reading(
                alignment=self.alignment(float(expected[m])),
                grade_probs=[round(float(p), 4) for p in probs[m]],
                ideas_named=(named[m] & ~twisted[m]).tolist(),
                ideas_twisted=(named[m] & twisted[m]).tolist(),
                idea_scores=[round(float(p) * 100, 1) for p in idea_p[m]],
                twist=bool(twisted[m]),
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

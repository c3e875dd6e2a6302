"""Scoring one member's answer against the leader's statement.

alignment = (1 - IDEA_WEIGHT) × whole-text similarity
            + IDEA_WEIGHT × mean over ideas of (best similarity of any part
                                                of the answer to that idea)

Both terms are on the same calibrated 0–100 scale (see calibration.py), so
the blend is an average of two readings of "how alike would people call
these": one of the texts as wholes, one of the statement's ideas taken one
at a time (a recall of the statement's content, in the spirit of
BERTScore's recall but at clause level). The idea term rewards an answer
that covers every idea in its own words even when the wording as a whole
drifts; it does not reward keyword echo, because each idea is matched by
meaning. Without ideas (or with one idea) the score is the plain calibrated
pair similarity, at model level on STS. The blend was checked on
tests/data/alignment_eval.tsv (figures in docs/alignment.md).

Cost: one forward pass per answer. The parts of an answer (sentences,
clauses) are character spans whose vectors are pooled from that pass's
token embeddings; the statement and its ideas come from a per-process LRU
(cache.py), so a one-answer task call runs the model once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from . import cache as vector_cache
from . import calibration
from .cache import VectorCache
from .encoders import Encoder, encode_with_segments, get_encoder
from .ideas import answer_segment_spans, best_idea_similarity, ideas_named, split_ideas
from .reading import answer_features, model_for
from .text import MAX_WORDS, MIN_WORDS, clean, looks_non_english, words

IDEA_WEIGHT = 0.5


@dataclass
class AnswerScore:
    alignment: float | None  # 0–100, None for a blank/unusable answer
    raw_cosine: float | None  # whole answer vs whole reference
    ideas_named: list[bool] = field(default_factory=list)
    idea_coverage: float | None = None  # share of ideas named, 0–1
    idea_scores: list[float] = field(default_factory=list)  # calibrated, per idea
    similarity: float | None = None  # calibrated whole-text part, 0–100
    flags: list[str] = field(default_factory=list)
    encoder: str = ""
    approximate: bool = False
    vector: np.ndarray | None = field(default=None, repr=False, compare=False)
    grade_probs: list[float] = field(default_factory=list)  # P(grade 0..3), the purpose reading
    ideas_twisted: list[bool] = field(default_factory=list)  # named with a negation, contrast or reversal


@dataclass
class FitScore:
    leader: AnswerScore  # against the leader's "how we fit" statement
    parent: AnswerScore | None  # against the parent unit's purpose

    @property
    def combined(self) -> float | None:
        """Mean of the available scores: both readings of fit count."""
        vals = [s.alignment for s in (self.leader, self.parent) if s is not None and s.alignment is not None]
        return float(np.mean(vals)) if vals else None


def _default_encoder(encoder: Encoder | None) -> Encoder:
    return encoder if encoder is not None else get_encoder()


@lru_cache(maxsize=512)
def _clean_shared_str(text: str, max_words: int) -> str:
    return clean(text, max_words=max_words).text


def _clean_shared(text: object, max_words: int) -> str:
    """Cleaned statement/idea text, memoised: a one-answer task call would
    otherwise spend about half its non-model time re-cleaning the same
    statement and ideas."""
    if not isinstance(text, str):
        return clean(text, max_words=max_words).text
    return _clean_shared_str(text, max_words)


def score_answers(
    reference: str,
    answers: Sequence[str],
    ideas: Sequence[str] | None = None,
    encoder: Encoder | None = None,
    *,
    cache: VectorCache | None = None,
) -> list[AnswerScore]:
    """Score many answers against one reference: one forward pass per answer.

    The reference and the ideas are shared by every answer, so they are
    encoded once per call and kept in a small LRU (``cache``, by default one
    per process) across calls: a round scores its answers one task at a
    time against the same statement. Each answer is encoded once; its
    sentence and clause vectors are pooled from that pass's token
    embeddings (``encode_with_segments``), so scoring runs at the model's
    own throughput instead of a third of it.
    """
    enc = _default_encoder(encoder)
    model = model_for(enc.name)
    if model is not None and hasattr(enc, "encode_detailed"):
        return _read_answers(model, reference, answers, ideas, enc)
    cal = calibration.for_encoder(enc.name)
    ref = _clean_shared(reference, 400)
    idea_list = [i for i in (_clean_shared(x, MAX_WORDS) for x in (ideas or [])) if i]
    use_ideas = len(idea_list) > 1  # one idea is the whole text again

    cleaned = [clean(a) for a in answers]
    usable = [bool(c.words) and bool(ref) for c in cleaned]
    texts = [c.text if ok else "" for c, ok in zip(cleaned, usable, strict=True)]
    spans = [
        answer_segment_spans(t) if (ok and use_ideas) else [] for t, ok in zip(texts, usable, strict=True)
    ]

    ref_vec = idea_vecs = vecs = np.zeros((0, 0), dtype=np.float32)
    seg_vecs: list[np.ndarray] = []
    if any(usable):  # nothing to encode for a batch of blanks (or a blank reference)
        store = cache if cache is not None else vector_cache.shared  # an empty cache is falsy
        shared = store.encode(enc, [ref, *idea_list] if use_ideas else [ref])
        ref_vec, idea_vecs = shared[0], shared[1:]
        vecs, seg_vecs = encode_with_segments(enc, texts, spans)

    results = []
    for i, (c, ok) in enumerate(zip(cleaned, usable, strict=True)):
        flags = list(c.flags)
        if enc.approximate:
            flags.append("approximate")
        if not ok:
            flags.insert(0, "empty" if not c.words else "reference_empty")
            results.append(
                AnswerScore(
                    None,
                    None,
                    [False] * len(idea_list) if use_ideas else [],
                    0.0 if use_ideas else None,
                    flags=flags,
                    encoder=enc.name,
                    approximate=enc.approximate,
                )
            )
            continue
        if len(c.words) < MIN_WORDS:
            flags.append("too_short")
        if looks_non_english(c.text):
            flags.append("non_english")
        vec = vecs[i]
        cos = float(np.clip(ref_vec @ vec, -1.0, 1.0))
        similarity = cal.score1(cos)
        named: list[bool] = []
        idea_scores: list[float] = []
        coverage = None
        alignment = similarity
        if use_ideas:
            # The whole answer is one of the parts an idea can be found in.
            best = best_idea_similarity(idea_vecs, np.vstack([vec[None, :], seg_vecs[i]]))
            calibrated = cal.score(best)
            idea_scores = [round(float(s), 2) for s in calibrated]
            named = ideas_named(idea_scores)
            coverage = sum(named) / len(named)
            alignment = (1 - IDEA_WEIGHT) * similarity + IDEA_WEIGHT * float(np.mean(calibrated))
        results.append(
            AnswerScore(
                alignment=round(alignment, 2),
                raw_cosine=round(cos, 6),
                ideas_named=named,
                idea_coverage=coverage,
                idea_scores=idea_scores,
                similarity=round(similarity, 2),
                flags=flags,
                encoder=enc.name,
                approximate=enc.approximate,
                vector=vec,
            )
        )
    return results


def _read_answers(model, reference: str, answers: Sequence[str], ideas, enc: Encoder) -> list[AnswerScore]:
    """The purpose reading (alignment.reading): what the product and compare --teams use."""
    idea_list = list(ideas) if ideas else split_ideas(reference)
    if not words(clean(reference, max_words=400).text):
        blank = [False] * len(idea_list)
        return [
            AnswerScore(None, None, list(blank), 0.0, flags=["reference_empty"], encoder=enc.name)
            for _ in answers
        ]
    features = answer_features(reference, idea_list, answers, enc)
    results = []
    for i, reading in enumerate(model.read(features)):
        flags = list(features.flags[i])
        if reading is None:
            results.append(
                AnswerScore(
                    None,
                    None,
                    [False] * len(idea_list),
                    0.0,
                    flags=flags,
                    encoder=enc.name,
                    ideas_twisted=[False] * len(idea_list),
                )
            )
            continue
        if reading.twist:
            flags.append("twist")
        vector = features.vectors[i]
        results.append(
            AnswerScore(
                alignment=reading.alignment,
                raw_cosine=round(float(vector @ features.statement_vector), 6),
                ideas_named=reading.ideas_named,
                ideas_twisted=reading.ideas_twisted,
                idea_coverage=sum(reading.ideas_named) / len(reading.ideas_named) if idea_list else None,
                idea_scores=reading.idea_scores,
                flags=flags,
                encoder=enc.name,
                vector=vector,
                grade_probs=reading.grade_probs,
            )
        )
    return results


def score_pair(reference: str, answer: str, encoder: Encoder | None = None) -> float | None:
    """One answer against one text with nothing else to go on (compare --pairs): the cosine
    on the purpose scale, a strictly increasing map, so ranking stays the model's own."""
    enc = _default_encoder(encoder)
    a, b = clean(reference, max_words=400).text, clean(answer).text
    if not words(a) or not words(b):
        return None
    vecs = enc.encode([a, b])
    cosine = float(np.clip(vecs[0] @ vecs[1], -1.0, 1.0))
    model = model_for(enc.name)
    if model is None:
        return round(calibration.for_encoder(enc.name).score1(cosine), 2)
    return model.pair_alignment(cosine)


def score_answer(
    *,
    reference: str,
    answer: str,
    ideas: Sequence[str] | None = None,
    encoder: Encoder | None = None,
) -> AnswerScore:
    """One answer against the leader's statement (see module docstring)."""
    return score_answers(reference, [answer], ideas, encoder)[0]


def score_fits(
    answers: Sequence[str],
    *,
    leader_fit: str,
    parent_purpose: str | None,
    encoder: Encoder | None = None,
) -> list[FitScore]:
    """Members' "how we fit" answers against the leader's fit statement (with
    its ideas) and against the parent unit's purpose (as a whole: a team
    serves part of its parent's purpose, so idea recall would punish it).

    Each answer goes through the model once: the parent comparison reuses the
    answer vector from the leader comparison, and the parent's vector is cached.
    """
    enc = _default_encoder(encoder)
    leader = score_answers(leader_fit, answers, split_ideas(leader_fit), enc)
    parent_text = _clean_shared(parent_purpose or "", 400)
    if not parent_text:
        return [FitScore(score, None) for score in leader]
    parent_vec = vector_cache.shared.encode(enc, [parent_text])[0]
    cal = calibration.for_encoder(enc.name)
    fits = []
    for score in leader:
        if score.vector is None or score.alignment is None:
            parent = AnswerScore(
                None, None, flags=list(score.flags), encoder=enc.name, approximate=enc.approximate
            )
        else:
            cos = float(np.clip(parent_vec @ score.vector, -1.0, 1.0))
            reading = model_for(enc.name)
            similarity = reading.pair_alignment(cos) if reading else round(cal.score1(cos), 2)
            parent = AnswerScore(
                alignment=similarity,
                raw_cosine=round(cos, 6),
                similarity=similarity,
                flags=list(score.flags),
                encoder=enc.name,
                approximate=enc.approximate,
                vector=score.vector,
            )
        fits.append(FitScore(score, parent))
    return fits


def score_fit(
    *,
    answer: str,
    leader_fit: str,
    parent_purpose: str | None,
    encoder: Encoder | None = None,
) -> FitScore:
    """One member's fit answer (see score_fits)."""
    return score_fits([answer], leader_fit=leader_fit, parent_purpose=parent_purpose, encoder=encoder)[0]

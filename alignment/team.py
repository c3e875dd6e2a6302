"""Team-level readings: agreement between members, the situation it puts
the team in, which ideas the team names, and the interpretations (clusters)
of the purpose found among the answers.

Everything takes vectors already computed by ``score_answers`` (or texts
plus an encoder), so a dashboard never re-runs the model.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import calibration
from .encoders import Encoder
from .lexical import STOP_WORDS, stem
from .reading import BAND_CUTS, Linear, model_for, shared_reader
from .scoring import AnswerScore
from .text import clean, words

# Thresholds on the calibrated 0–100 scale, set from 52 synthetic teams
# built from tests/data/alignment_eval.tsv (tests/engine/test_team.py
# rebuilds them). MiniLM rates faithful paraphrases of a purpose ~45–60,
# so the cut-offs are lower than "50 = half alike" intuition suggests:
# teams of faithful answers: alignment index 36–54, agreement 24–51;
# answering with another team's purpose: alignment 8–24, agreement 24–51;
# half faithful / half unrelated: alignment 22–32, agreement 10–23;
# unrelated or vague answers: alignment 9–25, agreement 13–26.
ALIGNED_MIN = 38.0  # alignment index at or above: the team gets the purpose
AGREEMENT_MIN = 30.0  # agreement at or above: members share one purpose
SPLIT_MIN = 26.0  # alignment index at or above with low agreement: split
ALIGNED_ANSWER = 40.0  # one answer at or above counts as "gets it"
SPLIT_SHARE = 0.15  # at least this share of members get it: split, not no_shared
ALL_SHARE = 0.8  # this share or more get it: aligned even with diverse wording


def _vectors(answers: Sequence[str] | np.ndarray, encoder: Encoder) -> np.ndarray:
    if isinstance(answers, np.ndarray):
        return answers.astype(np.float32, copy=False)
    return encoder.encode(list(answers))


def agreement(answers: Sequence[str] | np.ndarray, encoder: Encoder) -> float | None:
    """Mean pairwise calibrated similarity between members' answers, 0–100.

    ``answers`` are texts or their vectors (rows of zeros, i.e. blank
    answers, are left out). None with fewer than two usable answers.
    """
    vecs = _vectors(answers, encoder)
    if vecs.ndim != 2:
        return None
    vecs = vecs[np.linalg.norm(vecs, axis=1) > 0]
    n = len(vecs)
    if n < 2:
        return None
    sims = vecs @ vecs.T
    iu = np.triu_indices(n, k=1)
    scores = calibration.for_encoder(encoder.name).score(sims[iu])
    return round(float(scores.mean()), 2)


def _alignments(scores: Sequence[AnswerScore | float | None]) -> list[float]:
    """Usable alignments from scores or from stored numbers (the app keeps only the numbers)."""
    vals = (s if s is None or isinstance(s, int | float) else s.alignment for s in scores)
    return [float(v) for v in vals if v is not None]


def alignment_index(scores: Sequence[AnswerScore | float | None]) -> float | None:
    """Mean alignment of the usable answers (None if there are none)."""
    vals = _alignments(scores)
    return round(float(np.mean(vals)), 2) if vals else None


# The team's alignment "likely lies between": a Student t interval on the mean of its answers'
# readings at this level, widened by a factor fitted on graded teams (SituationModel.interval_widen)
# so that it holds the team's graded figure this often on teams left out of fitting.
INTERVAL_LEVEL = 0.8
# Student t quantiles at 0.9 (a two-sided 80% interval) for 1–30 degrees of freedom.
_T90 = (
    3.0777, 1.8856, 1.6377, 1.5332, 1.4759, 1.4398, 1.4149, 1.3968, 1.383, 1.3722,
    1.3634, 1.3562, 1.3502, 1.345, 1.3406, 1.3368, 1.3334, 1.3304, 1.3277, 1.3253,
    1.3232, 1.3212, 1.3195, 1.3178, 1.3163, 1.315, 1.3137, 1.3125, 1.3114, 1.3104,
)  # fmt: skip
_Z90 = 1.2816


def _t90(df: int) -> float:
    if df <= len(_T90):
        return _T90[df - 1]
    z = _Z90  # Cornish-Fisher beyond the table: within 1e-4 from 31 degrees of freedom on
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def alignment_interval(
    scores: Sequence[AnswerScore | float | None], widen: float = 1.0
) -> tuple[float, float] | None:
    """Where the team's alignment index likely lies (INTERVAL_LEVEL), given how many answered and
    how far apart their readings are; None below two usable answers. Clipped to 0–100."""
    vals = _alignments(scores)
    if len(vals) < 2:
        return None
    mean, sd = float(np.mean(vals)), float(np.std(vals, ddof=1))
    half = widen * _t90(len(vals) - 1) * sd / math.sqrt(len(vals))
    return round(max(0.0, mean - half), 1), round(min(100.0, mean + half), 1)


def change_interval(
    before: tuple[int, float, float], after: tuple[int, float, float], widen: float = 1.0
) -> tuple[float, float] | None:
    """Where the change of the alignment index from one round to the next likely lies
    (INTERVAL_LEVEL; Welch's t with the Welch–Satterthwaite degrees of freedom, widened as
    alignment_interval is), from each round's (answers, mean, sample standard deviation) as
    round summaries keep them. When it holds 0 the change could be noise. None below two
    answers on either side."""
    (na, ma, sa), (nb, mb, sb) = before, after
    if na < 2 or nb < 2:
        return None
    va, vb = sa * sa / na, sb * sb / nb
    change = mb - ma
    if va + vb == 0:
        return round(change, 1), round(change, 1)
    df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
    half = widen * _t90(max(1, math.floor(df))) * math.sqrt(va + vb)
    return round(change - half, 1), round(change + half, 1)


def aligned_share(
    scores: Sequence[AnswerScore | float | None], threshold: float = ALIGNED_ANSWER
) -> float | None:
    vals = _alignments(scores)
    return sum(v >= threshold for v in vals) / len(vals) if vals else None


@dataclass(frozen=True)
class Situation:
    code: str  # aligned | shared_other | split | no_shared
    title: str
    explanation: str
    action: str


SITUATIONS = {
    "aligned": Situation(
        "aligned",
        "The team tells your purpose back in its own words",
        "Answers are close to your statement and to each other.",
        "Keep the purpose visible; ask the team what it would change in the next revision.",
    ),
    "shared_other": Situation(
        "shared_other",
        "The team shares a purpose, but not the one you wrote",
        "Members agree with each other more than with your statement: they have a common view of why the "
        "team exists that differs from yours.",
        "Listen before you repeat: read the representative answers, ask the team why they see it that way, "
        "and decide together whether the statement or the work should change.",
    ),
    "split": Situation(
        "split",
        "Some members get it, others don't",
        "A part of the team describes your purpose well while others describe something else, so the team "
        "does not agree with itself.",
        "Pair people across the groups, walk through the ideas fewest members named, and check that new "
        "joiners hear the purpose from you.",
    ),
    "no_shared": Situation(
        "no_shared",
        "There is no shared purpose yet",
        "Answers are far from your statement and from each other: each member describes the team differently.",
        "Run a short session where the team writes the purpose with you; repeat it in planning and reviews.",
    ),
}


def situation(
    alignment_index: float | None,
    agreement: float | None,
    aligned_share: float | None = None,
) -> Situation:
    """Which of the four situations the team is in (thresholds above).

    aligned: alignment ≥ ALIGNED_MIN and (agreement ≥ AGREEMENT_MIN or at
      least ALL_SHARE of members individually aligned).
    shared_other: otherwise, agreement ≥ AGREEMENT_MIN (members agree with
      each other, not with the leader).
    split: low agreement, but a real part of the team gets it
      (aligned_share ≥ SPLIT_SHARE when given, else alignment ≥ SPLIT_MIN).
    no_shared: low agreement and (almost) nobody gets it.
    Without agreement (fewer than two answers) alignment alone decides
    between aligned and no_shared.
    """
    a = alignment_index if alignment_index is not None else 0.0
    if agreement is None:
        return SITUATIONS["aligned" if a >= ALIGNED_MIN else "no_shared"]
    everyone = aligned_share is not None and aligned_share >= ALL_SHARE
    if a >= ALIGNED_MIN and (agreement >= AGREEMENT_MIN or everyone):
        return SITUATIONS["aligned"]
    if agreement >= AGREEMENT_MIN:
        return SITUATIONS["shared_other"]
    if aligned_share is not None:
        some_get_it = aligned_share >= SPLIT_SHARE
    else:
        some_get_it = a >= SPLIT_MIN
    return SITUATIONS["split" if some_get_it or a >= ALIGNED_MIN else "no_shared"]


def idea_shares(scores: Sequence[AnswerScore | Sequence[bool]], n_ideas: int | None = None) -> list[float]:
    """For each idea, the share of usable answers that name it (0–1).

    ``scores`` are AnswerScores (blank answers left out) or, as the app
    stores them, each answer's list of idea hits; hit lists of another
    length (scored against other ideas) are left out.
    """
    hits = [
        s.ideas_named if isinstance(s, AnswerScore) else list(s)
        for s in scores
        if not isinstance(s, AnswerScore) or (s.alignment is not None and s.ideas_named)
    ]
    k = n_ideas if n_ideas is not None else (len(hits[0]) if hits else 0)
    rows = [h for h in hits if len(h) == k]
    if not rows or not k:
        return [0.0] * k if n_ideas is not None else []
    return [round(sum(bool(row[i]) for row in rows) / len(rows), 4) for i in range(k)]


# What decides a team's situation, read from the team's own answers (not a mean
# against fixed cut-offs): the share of answers in each band; how alike members'
# answers are; the largest group of answers below "part of it" that say the same
# thing as each other; whether members are closer to the statement or to each
# other (a shared purpose that isn't the leader's shows as members nearer each
# other); and the share of those lower answers using one same word the statement
# doesn't (members naming the same other thing).
SITUATION_FEATURE_NAMES = (
    "share_part_or_better",
    "share_tells_it_back",
    "share_something_else",
    "mean_alignment",
    "agreement",
    "largest_other_group",
    "share_nearer_statement_than_any_member",
    "nearest_members_minus_statement",
    "statement_similarity_mean",
    "statement_similarity_spread",
    "lower_answers_sharing_a_new_word",
)
SAME_THING = 0.4  # cosine at which two answers say the same thing, for the group above


def _content_stems(text: str) -> set[str]:
    return {stem(w.lower()) for w in words(text) if w.lower() not in STOP_WORDS and len(w) > 2}


def situation_features(
    alignments: Sequence[float],
    vectors: np.ndarray,
    statement_vector: np.ndarray,
    texts: Sequence[str],
    statement: str,
) -> np.ndarray:
    """The features above for the judged answers of one team (all sequences aligned)."""
    scores = np.asarray(alignments, dtype=np.float64)
    vecs = np.asarray(vectors, dtype=np.float32)
    n = len(scores)
    if n == 0:
        return np.zeros(len(SITUATION_FEATURE_NAMES))
    sims = vecs @ vecs.T
    np.fill_diagonal(sims, 0.0)
    agreement_raw = float(sims.sum() / (n * (n - 1))) if n > 1 else 0.0
    below = scores < BAND_CUTS[1]
    if below.any():
        group = ((sims[np.ix_(below, below)] >= SAME_THING).sum(axis=1) + 1).max() / n
    else:
        group = 0.0
    to_statement = vecs @ np.asarray(statement_vector, dtype=np.float32)
    if n > 1:
        others = sims.copy()
        np.fill_diagonal(others, -1.0)
        nearer_statement = float((to_statement > others.max(axis=1)).mean())
        nearest = np.sort(others, axis=1)[:, -min(2, n - 1) :].mean(axis=1)
        members_minus_statement = float((nearest - to_statement).mean())
    else:
        nearer_statement, members_minus_statement = 1.0, 0.0
    statement_words = _content_stems(statement)
    new_words = Counter(w for i in np.flatnonzero(below) for w in _content_stems(texts[i]) - statement_words)
    sharing = max(new_words.values()) / below.sum() if new_words else 0.0
    return np.array(
        [
            (scores >= BAND_CUTS[1]).mean(),
            (scores >= BAND_CUTS[2]).mean(),
            (scores < BAND_CUTS[0]).mean(),
            scores.mean() / 100,
            agreement_raw,
            float(group),
            nearer_statement,
            members_minus_statement,
            float(to_statement.mean()),
            float(to_statement.std()),
            float(sharing),
        ]
    )


@dataclass(frozen=True)
class SituationCall:
    """The situation the model finds most likely and, when it is not sure, the runner-up."""

    code: str
    probability: float  # the model's probability of `code`
    close_call: str | None  # the runner-up, named only when it is nearly as likely (see SituationModel)


@dataclass(frozen=True)
class SituationModel:
    """A multinomial model over situation_features, fitted on graded teams (alignment.fitting).

    ``close_ratio``: the runner-up is named as well (a close call) when its probability is at
    least this share of the first's. Chosen in fitting (alignment.fitting._close_ratio) so that
    situations given without a close call were right at least four times in five on teams the
    model had not seen.
    """

    linear: Linear
    classes: tuple[str, ...]
    close_ratio: float = 1.0
    interval_widen: float = 1.0  # for alignment_interval, fitted with it (alignment.fitting)

    def probabilities(self, alignments, vectors, statement_vector, texts, statement: str) -> np.ndarray:
        features = situation_features(alignments, vectors, statement_vector, texts, statement)
        return self.linear.probabilities(features[None, :])[0]

    def call_from(self, probs: np.ndarray) -> SituationCall:
        first, second = np.argsort(probs)[::-1][:2]
        close = probs[second] >= self.close_ratio * probs[first]
        return SituationCall(
            self.classes[first], float(probs[first]), self.classes[second] if close else None
        )

    def call(self, alignments, vectors, statement_vector, texts, statement: str) -> SituationCall:
        return self.call_from(self.probabilities(alignments, vectors, statement_vector, texts, statement))

    def to_json(self) -> dict:
        return {
            **self.linear.to_json(),
            "classes": list(self.classes),
            "close_ratio": self.close_ratio,
            "interval_widen": self.interval_widen,
        }

    @classmethod
    def from_json(cls, raw: dict) -> SituationModel:
        return cls(
            Linear.from_json(raw),
            tuple(raw["classes"]),
            float(raw.get("close_ratio", 1.0)),
            float(raw.get("interval_widen", 1.0)),
        )


@lru_cache(maxsize=8)
def situation_model_for(encoder_name: str) -> SituationModel | None:
    """The committed situation model for this encoder (read once per process, like model_for)."""
    model = model_for(encoder_name)
    raw = model.meta.get("situation") if model else None
    return SituationModel.from_json(raw) if raw else None


def interval_widen_for(encoder_name: str) -> float:
    """The widening fitted for readings by this encoder (plain t intervals for one without a
    fitted reading, e.g. TF-IDF), for alignment_interval and change_interval."""
    model = situation_model_for(encoder_name)
    return model.interval_widen if model else 1.0


@dataclass(frozen=True)
class TeamReading:
    """What the engine reads from one team's answers to one round."""

    respondents: int  # usable answers
    alignment: float | None  # alignment index, 0–100
    agreement: float | None  # 0–100, None with fewer than two answers
    aligned_share: float | None
    situation: Situation | None
    idea_shares: list[float]
    alignment_interval: tuple[float, float] | None = None  # likely lies between (INTERVAL_LEVEL)
    # The runner-up when the situation model found it nearly as likely as `situation` (a close
    # call: with a dozen answers the two are hard to tell apart); None when it was clear.
    close_call: Situation | None = None


def read_team(
    alignments: Sequence[float | None],
    vectors: np.ndarray,
    idea_hits: Sequence[Sequence[bool]],
    n_ideas: int,
    encoder: Encoder,
    *,
    statement: str,
    texts: Sequence[str],
) -> TeamReading:
    """The team's reading from its answers' scores, as stored: the one path the
    product (round summaries), the editor's sample answers and ``compare --teams``
    take. ``texts`` are the answers (aligned with ``alignments``)."""
    usable = [i for i, a in enumerate(alignments) if a is not None]
    scores = [float(alignments[i]) for i in usable]
    vecs = np.asarray(vectors, dtype=np.float32)
    vecs = vecs[usable] if len(vecs) == len(alignments) and len(usable) else vecs[:0]
    team_agreement = agreement(vecs, encoder) if len(usable) >= 2 else None
    index = alignment_index(scores)
    share = aligned_share(scores)
    model = situation_model_for(encoder.name)
    found = close_call = None
    if scores and model is not None:
        statement_vector = shared_reader(encoder)(clean(statement, max_words=400).text)[0]
        judged_texts = [texts[i] for i in usable]
        call = model.call(scores, vecs, statement_vector, judged_texts, statement)
        found, close_call = SITUATIONS[call.code], SITUATIONS.get(call.close_call or "")
    elif scores:  # an encoder without a fitted reading (TF-IDF): the cut-offs below
        found = situation(index, team_agreement, share)
    return TeamReading(
        respondents=len(usable),
        alignment=index,
        agreement=team_agreement,
        aligned_share=share,
        situation=found,
        idea_shares=idea_shares([idea_hits[i] for i in usable], n_ideas),
        close_call=close_call,
        alignment_interval=alignment_interval(scores, interval_widen_for(encoder.name)),
    )


@dataclass(frozen=True)
class Interpretation:
    size: int
    share: float
    representative: int  # index into the given texts (the medoid)
    representative_text: str
    members: tuple[int, ...]


def _average_linkage(sims: np.ndarray, k: int) -> list[list[int]]:
    """Agglomerative clustering (average linkage on cosine) down to k groups.
    Deterministic: ties go to the lowest indices."""
    clusters = [[i] for i in range(len(sims))]
    link = sims.astype(np.float64).copy()
    np.fill_diagonal(link, -np.inf)
    alive = list(range(len(clusters)))
    while len(alive) > k:
        sub = link[np.ix_(alive, alive)]
        flat = int(np.argmax(sub))
        i, j = alive[flat // len(alive)], alive[flat % len(alive)]
        i, j = min(i, j), max(i, j)
        ni, nj = len(clusters[i]), len(clusters[j])
        link[i, :] = (link[i, :] * ni + link[j, :] * nj) / (ni + nj)
        link[:, i] = link[i, :]
        link[i, i] = -np.inf
        clusters[i] = clusters[i] + clusters[j]
        alive.remove(j)
    return [sorted(clusters[i]) for i in alive]


def _silhouette(sims: np.ndarray, groups: list[list[int]]) -> float:
    if len(groups) < 2:
        return 0.0
    dist = 1.0 - sims
    label = np.empty(len(sims), dtype=int)
    for g, members in enumerate(groups):
        label[members] = g
    vals = []
    for i in range(len(sims)):
        own = [j for j in groups[label[i]] if j != i]
        if not own:
            vals.append(0.0)
            continue
        a = dist[i, own].mean()
        b = min(dist[i, m].mean() for g, m in enumerate(groups) if g != label[i])
        vals.append((b - a) / max(a, b, 1e-9))
    return float(np.mean(vals))


def interpretations(
    texts: Sequence[str],
    vectors: np.ndarray,
    k: int | None = None,
    max_k: int = 4,
    min_size: int | None = None,
) -> list[Interpretation]:
    """Groups of answers that read the purpose the same way, largest first.

    k is chosen (unless given) as the 2..max_k with the best silhouette if
    that silhouette is at least 0.1, else one group: a weak structure is
    better shown as one interpretation than as invented camps. Groups must
    have ``min_size`` members (default max(2, 10% of answers)); smaller ones
    are dropped from the choice of k. Blank answers (zero vectors) are left
    out. Each group's representative is its medoid.
    """
    vecs = np.asarray(vectors, dtype=np.float64)
    keep = [i for i in range(len(texts)) if i < len(vecs) and np.linalg.norm(vecs[i]) > 0]
    if not keep:
        return []
    sims = vecs[keep] @ vecs[keep].T
    n = len(keep)
    min_size = min_size or max(2, math.ceil(0.1 * n))
    best = [list(range(n))]
    if k is not None:
        best = _average_linkage(sims, max(1, min(k, n)))
    elif n >= 2 * min_size:
        best_sil = 0.1
        for cand in range(2, min(max_k, n // min_size) + 1):
            groups = _average_linkage(sims, cand)
            if min(len(g) for g in groups) < min_size:
                continue
            sil = _silhouette(sims, groups)
            if sil > best_sil + 1e-12:
                best, best_sil = groups, sil
    out = []
    for g in best:
        sub = sims[np.ix_(g, g)]
        medoid = g[int(np.argmax(sub.mean(axis=1)))]
        members = tuple(keep[m] for m in g)
        out.append(Interpretation(len(g), round(len(g) / n, 4), keep[medoid], texts[keep[medoid]], members))
    out.sort(key=lambda it: (-it.size, it.members[0]))
    return out

"""TF-IDF encoder: the lexical fallback when the model is not installed.

Pure numpy. It only sees shared words, so a paraphrase in other words scores
low and an answer that echoes the statement's words scores high: every page
that shows its scores must say they are approximate (``approximate=True``).

Design choices, each to make a *single pair* score sensibly (there is no
corpus to fit IDF on when one answer is scored):
- IDF comes from a built-in rank list of common English content words
  (Zipf: a word's document frequency falls roughly as 1/rank), so "work",
  "people", "make" weigh little and "reconciliation" weighs a lot.
- Stop words are dropped; a light suffix stemmer and character 4-grams of
  each word let "payments"/"paying" and "secure"/"security" meet.
- Sublinear tf (1 + log tf) so a repeated word does not dominate.
- Features are hashed into a fixed width so vectors from different calls
  are comparable without a shared vocabulary.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Sequence

import numpy as np

DIM = 1 << 14
CHAR_N = 4
CHAR_WEIGHT = 0.6  # character grams back up, not replace, whole-word matches

STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does doesn't
    doing don't down during each either else ever every few for from further get gets got had hadn't
    has hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his how
    how's however i i'd i'll i'm i've if in into is isn't it it's its itself just let's like may me
    might more most mostly much must mustn't my myself no nor not now of off on once one only or other
    others ought our ours ourselves out over own per quite rather really same shall shan't she she'd
    she'll she's should shouldn't since so some such than that that's the their theirs them themselves
    then there there's these they they'd they'll they're they've this those though through thus to too
    under until up upon us very via was wasn't we we'd we'll we're we've were weren't what what's when
    when's where where's whether which while who who's whom whose why why's will with within without
    won't would wouldn't yet you you'd you'll you're you've your yours yourself yourselves""".split()
)

# Common English content words, most frequent first (general-web frequency
# lists, condensed by hand). Rank drives IDF; unlisted words are "rare".
_BACKGROUND = """
time people year way day thing man world life hand part child eye woman place work week case
point government company number group problem fact make go know take see come think look want
give use find tell ask seem feel try leave call good new first last long great little old big
high different small large next early young important public bad able right left sure best
better real free full whole clear true available likely major hard local general possible
social national open human special main sure help show hear play run move live believe hold
bring happen write provide sit stand lose pay meet include continue set learn change lead
understand watch follow stop create speak read allow add spend grow offer remember love
consider appear buy wait serve die send expect build stay fall cut reach kill remain suggest
raise pass sell require report decide pull home water room mother area money story month lot
right study book job word business issue side kind head house service friend father power hour
game line end member law car city community name president team minute idea kid body information
back parent face level office door health person art war history party result morning reason
research girl guy moment air teacher force education foot boy age policy process music market
sense nation plan college interest death experience effect use class control care field
development role effort rate heart drug show leader light voice wife police mind price report
decision son view relationship town road arm difference value building action model season
society tax director position player record paper space ground form event official matter
center couple site project activity star table need court oil situation cost industry figure
street image phone data picture practice piece land product doctor wall patient worker news
test movie north love support technology step baby computer type attention film tree source
organization hair window evidence population site sort system program question government
customer user client staff employee manager goal purpose mission work team help make sure
across deliver improve better quality process tool tools platform product products service
services people teams everyone company's organisation organization build building support
""".split()

_RANK: dict[str, int] = {}
_STEM_CACHE: dict[str, str] = {}
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\W\d_a-z]+", re.UNICODE)
_SUFFIXES = (
    ("ational", "ate"),
    ("ization", "ize"),
    ("isation", "ize"),
    ("ations", "ate"),
    ("ation", "ate"),
    ("fulness", "ful"),
    ("iveness", "ive"),
    ("ousness", "ous"),
    ("ements", ""),
    ("ement", ""),
    ("ments", ""),
    ("ment", ""),
    ("ness", ""),
    ("ities", ""),
    ("ity", ""),
    ("ings", ""),
    ("ing", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("edly", ""),
    ("ed", ""),
    ("ers", ""),
    ("er", ""),
    ("ly", ""),
    ("sses", "ss"),
    ("es", ""),
    ("s", ""),
)


def stem(word: str) -> str:
    """A deliberately light suffix stripper (no dictionary needed)."""
    cached = _STEM_CACHE.get(word)
    if cached is not None:
        return cached
    out = word[:-2] if word.endswith("'s") else word
    for suffix, repl in _SUFFIXES:
        if (
            out.endswith(suffix)
            and len(out) - len(suffix) >= 3
            and not out.endswith("ss" if suffix == "s" else "\0")
        ):
            out = out[: len(out) - len(suffix)] + repl
            break
    if len(out) > 4 and out.endswith("e"):
        out = out[:-1]
    if len(_STEM_CACHE) < 200_000:
        _STEM_CACHE[word] = out
    return out


def _ranks() -> dict[str, int]:
    if not _RANK:
        for i, w in enumerate(_BACKGROUND, start=1):
            _RANK.setdefault(stem(w), i)
    return _RANK


UNLISTED_RANK = 3000


def idf(token_stem: str) -> float:
    """1 + log(1 + rank/20): ~1 for the commonest words, ~6 for rare ones."""
    rank = _ranks().get(token_stem, UNLISTED_RANK)
    return 1.0 + math.log1p(rank / 20.0)


def tokens(text: str) -> list[str]:
    """Lowercased content-word stems; stop words dropped."""
    raw = _TOKEN_RE.findall(text.lower().replace("’", "'"))
    return [stem(t) for t in raw if t not in STOP_WORDS and len(t) > 1]


def _bucket(feature: str) -> int:
    # crc32 is stable across processes (unlike hash()), so stored vectors
    # and fresh ones live in the same space.
    return zlib.crc32(feature.encode("utf-8")) & (DIM - 1)


class TfidfEncoder:
    """Hashed word + character-gram TF-IDF, L2-normalised."""

    name = "tfidf-v1"
    approximate = True

    def __init__(self, dim: int = DIM) -> None:
        self.dim = dim

    def __repr__(self) -> str:
        return "TfidfEncoder()"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            if not isinstance(text, str):
                text = "" if text is None else str(text)
            self._fill(out[row], text)
        return out

    def encode_with_segments(
        self, texts: Sequence[str], segments_per_text: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Texts and, per text, its character spans encoded as texts of
        their own: TF-IDF has no context to pool and is cheap enough."""
        texts = [t if isinstance(t, str) else ("" if t is None else str(t)) for t in texts]
        if len(segments_per_text) != len(texts):
            raise ValueError("segments_per_text needs one list of spans per text")
        segs = [
            self.encode([t[a:b] for a, b in spans]) for t, spans in zip(texts, segments_per_text, strict=True)
        ]
        return self.encode(texts), segs

    def _fill(self, vec: np.ndarray, text: str) -> None:
        counts: dict[str, int] = {}
        for tok in tokens(text):
            counts[tok] = counts.get(tok, 0) + 1
        mask = self.dim - 1
        for tok, tf in counts.items():
            weight = (1.0 + math.log(tf)) * idf(tok)
            vec[_bucket("w:" + tok) & mask] += weight
            padded = f"<{tok}>"
            if len(padded) > CHAR_N:
                grams = [padded[i : i + CHAR_N] for i in range(len(padded) - CHAR_N + 1)]
                share = CHAR_WEIGHT * weight / math.sqrt(len(grams))
                for g in grams:
                    vec[_bucket("c:" + g) & mask] += share
        norm = float(np.linalg.norm(vec))
        if norm > 0:
            vec /= norm

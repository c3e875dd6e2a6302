"""One forward pass per answer: clause vectors pooled from token embeddings,
and the statement/idea cache."""

import numpy as np
import pytest

from alignment import reading, score_answers, split_ideas
from alignment.cache import VectorCache, clear_vector_cache
from alignment.encoders import encode_with_segments, segments_as_texts
from alignment.ideas import answer_segment_spans, answer_segments

SUPPORT = (
    "We help customers solve their problems on the first contact, through chat, email and phone, and we "
    "feed what we hear back to the product teams so the same problem doesn't happen twice."
)
ANSWERS = [
    "When a user is stuck we sort it out in one conversation on whatever channel they use, then tell the "
    "product people what broke so it gets fixed for good.",
    "We answer the phones.",
    "",
    "We help customers solve problems on first contact, so that they stay loyal. Then we tell product what broke.",
    "We maintain the company's data warehouse and the dashboards built on it, so that finance can close the month.",
]


class CountingSession:
    """Wraps the onnxruntime session: counts forward passes and rows."""

    def __init__(self, session):
        self.session = session
        self.runs = 0
        self.rows = 0

    def run(self, outputs, feeds):
        self.runs += 1
        self.rows += feeds["input_ids"].shape[0]
        return self.session.run(outputs, feeds)

    def __getattr__(self, name):
        return getattr(self.session, name)


@pytest.fixture
def counted(semantic, monkeypatch):
    counter = CountingSession(semantic._session)
    monkeypatch.setattr(semantic, "_session", counter)
    clear_vector_cache()
    yield counter
    clear_vector_cache()


class TextCounter:
    """An encoder with ``encode`` only, recording every text it is given."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name
        self.approximate = inner.approximate
        self.dim = inner.dim
        self.seen: list[str] = []

    def encode(self, texts):
        self.seen.extend(texts)
        return self.inner.encode(texts)


@pytest.mark.parametrize(
    "text, clause",
    [
        (
            "We run the systems that handle card charges without fraud or data leaks, so that merchants are "
            "paid promptly and small firms feel confident leaving their takings with us.",
            "We run the systems that handle card charges without fraud or data leaks",
        ),
        (
            "Our job is to move card payments safely so shop owners receive their money fast and dependably, "
            "which is why small companies rely on us with their income.",
            "Our job is to move card payments safely so shop owners receive their money fast and dependably",
        ),
        (
            "We help customers solve problems on first contact, so that they stay loyal. Then we tell product "
            "what broke.",
            "we tell product what broke",
        ),
    ],
)
def test_span_vector_is_close_to_the_clause_encoded_alone(semantic, text, clause):
    """Pooling a clause's tokens from the whole answer's pass reads the
    clause in context; it stays close to encoding the clause alone
    (measured 0.92, 0.94, 0.81; over the eval set's 242 parts mean 0.86)."""
    start = text.index(clause)
    vecs, (segs,) = semantic.encode_with_segments([text], [[(start, start + len(clause))]])
    alone = semantic.encode([clause])[0]
    assert float(segs[0] @ alone) > 0.8
    np.testing.assert_allclose(vecs, semantic.encode([text]), atol=1e-5)  # whole vector unchanged
    assert abs(np.linalg.norm(segs[0]) - 1) < 1e-5


def test_segments_blank_text_and_spans_outside_the_window(semantic):
    long_text = "We help customers. " * 200  # far beyond the 256-token window
    vecs, segs = semantic.encode_with_segments(
        ["", long_text, "We pay merchants."], [[], [(0, 18), (3500, 3800)], []]
    )
    assert not vecs[0].any() and [len(s) for s in segs] == [0, 2, 0]
    assert abs(np.linalg.norm(segs[1][0]) - 1) < 1e-5
    assert not segs[1][1].any()  # cut by truncation: a zero row matches nothing
    with pytest.raises(ValueError):
        semantic.encode_with_segments(["a", "b"], [[]])


def test_answer_segment_spans_match_the_segment_texts():
    for answer in ANSWERS:
        assert answer_segments(answer) == ([answer] if answer else []) + [
            answer[a:b] for a, b in answer_segment_spans(answer)
        ]


def test_score_answers_runs_the_model_once_per_answer(semantic, counted):
    ideas = split_ideas(SUPPORT)
    reading._readers.clear()
    score_answers(SUPPORT, ANSWERS[:1], ideas, semantic)  # statement and each idea once, then cached
    assert counted.runs == 1 + len(ideas) + 1 and counted.rows == 1 + len(ideas) + 1
    counted.runs = counted.rows = 0
    for answer in ANSWERS:
        score_answers(SUPPORT, [answer], ideas, semantic)
    usable = sum(1 for a in ANSWERS if a.strip())
    assert counted.runs == usable and counted.rows == usable  # blank answers never reach the model
    counted.runs = counted.rows = 0
    score_answers(SUPPORT, ANSWERS, ideas, semantic)
    assert counted.runs == 1 and counted.rows == usable


def test_same_input_same_result(semantic):
    ideas = split_ideas(SUPPORT)
    clear_vector_cache()
    cold = score_answers(SUPPORT, ANSWERS, ideas, semantic)
    warm = score_answers(SUPPORT, ANSWERS, ideas, semantic)
    for a, b in zip(cold, warm, strict=True):
        assert a == b  # every field but the vector (compare=False)
        assert (a.vector is None and b.vector is None) or np.array_equal(a.vector, b.vector)


def test_reference_and_ideas_are_cached_across_calls(semantic):
    enc = TextCounter(semantic)
    ideas = split_ideas(SUPPORT)
    cache = VectorCache()
    first = score_answers(SUPPORT, ANSWERS[:1], ideas, enc, cache=cache)
    assert SUPPORT in enc.seen and len(cache) == 1 + len(ideas)
    enc.seen.clear()
    again = score_answers(SUPPORT, ANSWERS[:1], ideas, enc, cache=cache)
    assert SUPPORT not in enc.seen and not set(ideas) & set(enc.seen)
    assert cache.hits == 1 + len(ideas) and first[0].alignment == again[0].alignment
    # Another statement is encoded, the first one stays cached.
    score_answers("We keep the lights on.", ANSWERS[:1], None, enc, cache=cache)
    assert "We keep the lights on." in enc.seen and len(cache) == 2 + len(ideas)


def test_cache_is_bounded_in_bytes_and_keyed_by_encoder(semantic, lexical):
    cache = VectorCache(max_bytes=3 * semantic.dim * 4)  # three MiniLM vectors
    cache.encode(semantic, ["a b c", "d e f", "g h i", "j k l"])
    assert len(cache) == 3 and cache._bytes <= cache.max_bytes
    cache.encode(lexical, ["a b c"])  # bigger than the whole budget: not kept
    assert len(cache) == 3
    v = cache.encode(semantic, ["j k l"])
    assert cache.hits == 1
    v[:] = 0  # the caller's copy: the cached vector is untouched
    assert cache.encode(semantic, ["j k l"]).any()


def test_lexical_and_plain_encoders_share_the_code_path(semantic, lexical):
    text = ANSWERS[0]
    spans = answer_segment_spans(text)
    vecs, (segs,) = lexical.encode_with_segments([text], [spans])
    np.testing.assert_allclose(segs, lexical.encode([text[a:b] for a, b in spans]))
    np.testing.assert_allclose(vecs, lexical.encode([text]))
    plain = TextCounter(semantic)  # no encode_with_segments: spans go as texts
    pv, (ps,) = encode_with_segments(plain, [text], [spans])
    np.testing.assert_allclose(ps, semantic.encode([text[a:b] for a, b in spans]), atol=2e-4)
    sv, (ss,) = segments_as_texts(semantic, [text], [spans])
    np.testing.assert_allclose(ss, ps, atol=2e-4)
    assert score_answers(SUPPORT, [text], split_ideas(SUPPORT), lexical)[0].alignment is not None

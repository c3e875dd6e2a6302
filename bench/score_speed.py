"""Scoring throughput vs the bare encoder, on the same answer texts.

Run from the repo root:  python bench/score_speed.py [N] [REPEATS]

N answers (default 1,000) are the answers of tests/data/alignment_eval.tsv,
cycled, scored against one fixed statement and its ideas. The modes take
turns on blocks of 64 answers, so that load from other processes hits all
of them alike; the whole run is repeated REPEATS times (default 3) and the
best total of each mode counts. Forward passes and token slots (batch x
padded length) are printed too: they measure the model's work whatever
else runs on the machine.

Modes, each compared with the encoder at the SAME batch size (onnxruntime
costs far more per text at batch 1 than at batch 32, so comparing
1-per-call scoring with a batched encoder would be unfair):
- 1 per call: ``score_answers(ref, [answer], ideas)`` per answer, the
  realistic per-response task, vs ``encoder.encode([answer])`` per answer;
- 32 per call: chunks of 32 in arrival order, vs ``encoder.encode(chunk)``.
The statement and ideas are cached after the first call (cache.py), as in
a worker scoring one round. The last line is ``ratio: X`` = scoring
throughput / encoder throughput, both 1 per call (target >= 0.8).
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from alignment import OnnxMiniLMEncoder, score_answers, split_ideas  # noqa: E402
from alignment.cache import clear_vector_cache  # noqa: E402
from alignment.encoders import segments_as_texts  # noqa: E402

EVAL = REPO / "tests" / "data" / "alignment_eval.tsv"
BLOCK = 64  # answers per interleaving block (two 32-answer calls)


def load_texts() -> tuple[str, list[str]]:
    statement, answers = "", []
    for line in EVAL.read_text(encoding="utf-8").splitlines()[1:]:
        _team, kind, _grade, _tag, text = line.split("\t")
        if kind == "statement" and not statement:
            statement = text
        elif kind == "answer":
            answers.append(text)
    return statement, answers


class SeparateSegments:
    """The v1.0 method, for comparison: every clause is its own forward pass."""

    def __init__(self, encoder: OnnxMiniLMEncoder) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.approximate = False
        self.dim = encoder.dim

    def encode(self, texts):
        return self.encoder.encode(texts)

    def encode_with_segments(self, texts, segments_per_text):
        return segments_as_texts(self.encoder, texts, segments_per_text)


class CountingSession:
    """Counts forward passes and token slots (batch x padded length): the
    model's work, independent of what else loads the machine."""

    def __init__(self, session) -> None:
        self.session = session
        self.runs = 0
        self.slots = 0

    def run(self, outputs, feeds):
        self.runs += 1
        self.slots += int(feeds["input_ids"].size)
        return self.session.run(outputs, feeds)

    def __getattr__(self, name):
        return getattr(self.session, name)


def chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    statement, pool = load_texts()
    answers = [pool[i % len(pool)] for i in range(n)]
    ideas = split_ideas(statement)
    enc = OnnxMiniLMEncoder()
    old = SeparateSegments(enc)

    clear_vector_cache()
    t = time.perf_counter()
    score_answers(statement, answers[:1], ideas, enc)
    cold_ms = 1000 * (time.perf_counter() - t)
    enc.encode(answers[:64])  # warm-up of the session's allocations

    # Modes take a block of answers; blocks alternate between modes so that
    # load from other processes on a shared machine hits every mode alike.
    modes = {
        "encoder, 1 per call": lambda block: [enc.encode([a]) for a in block],
        "score_answers, 1 per call": lambda block: [score_answers(statement, [a], ideas, enc) for a in block],
        "encoder, 32 per call": lambda block: [enc.encode(c) for c in chunks(block, 32)],
        "score_answers, 32 per call": lambda block: [
            score_answers(statement, c, ideas, enc) for c in chunks(block, 32)
        ],
        "v1.0 method (clauses encoded), 32 per call": lambda block: [
            score_answers(statement, c, ideas, old) for c in chunks(block, 32)
        ],
    }
    counter = CountingSession(enc._session)
    enc._session = counter
    best = {name: float("inf") for name in modes}
    work = {name: [0, 0] for name in modes}
    for rep in range(repeats):
        spent = dict.fromkeys(modes, 0.0)
        for block in chunks(answers, BLOCK):
            for name, run in modes.items():
                counter.runs = counter.slots = 0
                t = time.perf_counter()
                run(block)
                spent[name] += time.perf_counter() - t
                if rep == 0:
                    work[name][0] += counter.runs
                    work[name][1] += counter.slots
        for name in modes:
            best[name] = min(best[name], spent[name])
    whole = float("inf")
    for _ in range(repeats):
        counter.runs = counter.slots = 0
        t = time.perf_counter()
        enc.encode(answers)
        whole = min(whole, time.perf_counter() - t)
    best["encoder, whole list (sorted by length)"] = whole
    work["encoder, whole list (sorted by length)"] = [counter.runs, counter.slots]
    rate = {name: n / secs for name, secs in best.items()}

    print(f"{n} answers (eval set answers cycled), {len(ideas)} ideas, best of {repeats} interleaved runs")
    print(f"model {enc.name}; first call with an empty statement cache: {cold_ms:.0f} ms\n")
    print(f"{'':45s} {'answers/s':>9s} {'passes':>7s} {'token slots':>12s}")
    for name in rate:
        print(f"{name:45s} {rate[name]:9.0f} {work[name][0]:7d} {work[name][1]:12d}")
    r1 = rate["score_answers, 1 per call"] / rate["encoder, 1 per call"]
    r32 = rate["score_answers, 32 per call"] / rate["encoder, 32 per call"]
    print(f"\nscoring / encoder at 32 per call: {r32:.2f}")
    print(
        f"scoring 1 per call / encoder 32 per call: {rate['score_answers, 1 per call'] / rate['encoder, 32 per call']:.2f}"
    )
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print("ratio = score_answers throughput / encoder throughput, both 1 answer per call (same texts)")
    print(f"ratio: {r1:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

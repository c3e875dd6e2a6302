"""Encoder throughput: sentences/s of the bare encoder vs score_answers.

Run from the repo root:  python bench/encoder_speed.py [N]
(bench/score_speed.py compares them at equal batch sizes, 1 and 32 per call.)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from alignment import OnnxMiniLMEncoder, score_answers, split_ideas  # noqa: E402

STATEMENT = (
    "We help customers solve their problems on the first contact, through chat, email and phone, and we "
    "feed what we hear back to the product teams so the same problem doesn't happen twice."
)
ANSWERS = [
    "We fix customer problems the first time they contact us.",
    "We answer customers on chat, email and the phone and pass patterns from tickets to product.",
    "Keep customers happy.",
    "When someone is stuck we get them unstuck in one conversation, then tell product what went wrong.",
]


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    answers = [f"{ANSWERS[i % 4]} ({i})" for i in range(n)]
    enc = OnnxMiniLMEncoder()
    enc.encode(answers[:32])  # warm-up
    t = time.perf_counter()
    enc.encode(answers)
    bare = n / (time.perf_counter() - t)
    t = time.perf_counter()
    score_answers(STATEMENT, answers, None, enc)
    plain = n / (time.perf_counter() - t)
    t = time.perf_counter()
    score_answers(STATEMENT, answers, split_ideas(STATEMENT), enc)
    ideas = n / (time.perf_counter() - t)
    print(f"encoder alone          {bare:8.0f} answers/s")
    print(f"score_answers, no ideas {plain:7.0f} answers/s ({plain / bare:.0%} of encoder)")
    print(
        f"score_answers, ideas   {ideas:8.0f} answers/s ({ideas / bare:.0%} of encoder; clause vectors are pooled "
        "from the answer's own pass)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

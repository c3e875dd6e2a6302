"""Alignment quality: the purpose reading against plain similarity, on teams it never saw.

Run from the repo root:  python bench/eval_alignment.py

Prints, for the graded teams (tests/data/graded) read by models fitted without
them (5-fold cross-validation by team, as alignment.fitting does), the
within-team pairwise ordering of the purpose reading and of the raw cosine
between answer and statement on the same answers; the STS Benchmark test
Spearman through the pair path (compare --pairs must keep the model's level);
the outside check on tests/data/alignment_eval.tsv; peak memory; and last
`ratio: X` = the reading's held-out ordering / the cosine's.
"""

import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alignment import OnnxMiniLMEncoder, score_answers, score_pair, split_ideas  # noqa: E402
from alignment.evaluation import find_sts_dir, load_sts, pairwise_accuracy, spearman  # noqa: E402
from alignment.fitting import build_dataset, held_out_results, team_splits  # noqa: E402
from alignment.graded import TeamResult, load_graded, pairwise_ordering  # noqa: E402


def outside_check(encoder) -> tuple[float, float]:
    teams: dict[str, tuple[str, list[tuple[int, str]]]] = {}
    lines = (ROOT / "tests" / "data" / "alignment_eval.tsv").read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        team, kind, grade, _tag, text = line.split("\t")
        if kind == "statement":
            teams[team] = (text, [])
        else:
            teams[team][1].append((int(grade), text))
    names, grades, scores = [], [], []
    for team, (statement, answers) in teams.items():
        read = score_answers(statement, [t for _, t in answers], split_ideas(statement), encoder)
        for (grade, _), s in zip(answers, read, strict=True):
            if s.alignment is not None:
                names.append(team)
                grades.append(grade)
                scores.append(s.alignment)
    return pairwise_accuracy(names, grades, scores), spearman(scores, grades)


def main() -> int:
    encoder = OnnxMiniLMEncoder()
    start = time.perf_counter()
    dataset = build_dataset(load_graded(ROOT / "tests" / "data" / "graded"), encoder)
    results = held_out_results(dataset, list(team_splits(dataset, 5)), encoder_name=encoder.name)
    cosine = [
        TeamResult(
            r.team,
            [
                float(f.scalars[i, 0]) if r.alignment[i] is not None else None
                for i in range(len(r.team.answers))
            ],
            r.named,
            r.situation,
        )
        for r, f in zip(results, dataset.features, strict=True)
    ]
    reading_order, cosine_order = pairwise_ordering(results), pairwise_ordering(cosine)
    print(f"graded teams: {len(results)}, cross-validated by team in {time.perf_counter() - start:.0f} s")
    print(
        f"within-team pairwise ordering, held out: purpose reading {reading_order:.3f}, raw cosine {cosine_order:.3f}"
    )
    sts = load_sts(find_sts_dir() / "sts-test.csv")
    pair_scores = [score_pair(p.a, p.b, encoder) for p in sts]
    print(f"STS-B test Spearman through the pair path: {spearman(pair_scores, [p.score for p in sts]):.4f}")
    order, rho = outside_check(encoder)
    print(
        f"outside check (alignment_eval.tsv, another writer, grades 0-4): pairwise {order:.3f}, Spearman {rho:.3f}"
    )
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"ratio: {reading_order / cosine_order:.2f}  (held-out ordering, purpose reading / raw cosine)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

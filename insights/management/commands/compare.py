import sys

from django.core.management.base import BaseCommand, CommandError

from alignment import score_answers
from purpose.engine import app_encoder

PROGRESS_EVERY = 250


class Command(BaseCommand):
    help = (
        "Print the alignment score (0-100) of an answer against a reference text, or, with --pairs FILE, "
        "one score per line for a tab-separated file of reference<TAB>answer lines (same order)."
    )

    def add_arguments(self, parser):
        parser.add_argument("reference", nargs="?")
        parser.add_argument("answer", nargs="?")
        parser.add_argument(
            "--pairs", metavar="FILE", help="tab-separated reference<TAB>answer lines; - for stdin"
        )

    def handle(self, *args, reference=None, answer=None, pairs=None, **options):
        encoder = app_encoder()
        if encoder.approximate:
            self.stderr.write(
                f"Note: the sentence-embedding model is missing; {encoder.name} scores are approximate."
            )
        if pairs:
            self._pairs(pairs, encoder)
            return
        if reference is None or answer is None:
            raise CommandError('Give "reference text" "answer text", or --pairs FILE.')
        (score,) = score_answers(reference, [answer], None, encoder)
        self.stdout.write(_format(score.alignment))

    def _pairs(self, path: str, encoder) -> None:
        handle = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
        with handle:
            rows = []
            for number, line in enumerate(handle, start=1):
                line = line.rstrip("\n")
                if not line:
                    continue
                if "\t" not in line:
                    raise CommandError(f"line {number}: expected reference<TAB>answer")
                reference, answer = line.split("\t", 1)
                rows.append((reference, answer))
        for done, (reference, answer) in enumerate(rows, start=1):
            (score,) = score_answers(reference, [answer], None, encoder)
            self.stdout.write(_format(score.alignment))
            if done % PROGRESS_EVERY == 0 or done == len(rows):
                self.stderr.write(f"{done}/{len(rows)} pairs scored")


def _format(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"

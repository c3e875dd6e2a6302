"""`manage.py compare`: the engine's reading from the command line, through the product's own code path."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from alignment import read_team, score_answers, score_pair, split_ideas
from purpose.engine import app_encoder

PROGRESS_EVERY = 250


class Command(BaseCommand):
    help = (
        "Print the alignment (0-100) of an answer against a reference text; with --pairs FILE, one per line "
        "for reference<TAB>answer lines; with --teams FILE.json, each team's reading as JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("reference", nargs="?")
        parser.add_argument("answer", nargs="?")
        parser.add_argument(
            "--pairs", metavar="FILE", help="tab-separated reference<TAB>answer lines; - for stdin"
        )
        parser.add_argument(
            "--teams",
            metavar="FILE",
            help='JSON list of {"purpose", "fit" (optional), "ideas" (optional), "answers"}; - for stdin',
        )

    def handle(self, *args, reference=None, answer=None, pairs=None, teams=None, **options):
        encoder = app_encoder()
        if encoder.approximate:
            self.stderr.write(f"Note: {encoder.name} is word matching; its scores are approximate.")
        if teams:
            self.stdout.write(
                json.dumps(read_teams(_load_teams(teams), encoder, self.stderr.write), indent=1)
            )
        elif pairs:
            self._pairs(pairs, encoder)
        elif reference is None or answer is None:
            raise CommandError('Give "reference text" "answer text", --pairs FILE or --teams FILE.json.')
        else:
            self.stdout.write(_format(score_pair(reference, answer, encoder)))

    def _pairs(self, path: str, encoder) -> None:
        rows = []
        with _open(path) as handle:
            for number, line in enumerate(handle, start=1):
                line = line.rstrip("\n")
                if not line:
                    continue
                if "\t" not in line:
                    raise CommandError(f"line {number}: expected reference<TAB>answer")
                rows.append(tuple(line.split("\t", 1)))
        for done, (reference, answer) in enumerate(rows, start=1):
            self.stdout.write(_format(score_pair(reference, answer, encoder)))
            if done % PROGRESS_EVERY == 0 or done == len(rows):
                self.stderr.write(f"{done}/{len(rows)} pairs scored")


def read_teams(teams: list[dict], encoder, progress=lambda _: None) -> list[dict]:
    """Each team as the product reads a round: every answer scored against the purpose and its
    ideas (the leader's, else those the engine proposes), then the team reading from the scores."""
    out = []
    for done, team in enumerate(teams, start=1):
        ideas = list(team.get("ideas") or split_ideas(team["purpose"]))
        scores = score_answers(team["purpose"], list(team["answers"]), ideas, encoder)
        vectors = [s.vector if s.vector is not None else None for s in scores]
        dim = next((len(v) for v in vectors if v is not None), 1)
        reading = read_team(
            [s.alignment for s in scores],
            [v if v is not None else [0.0] * dim for v in vectors],
            [s.ideas_named for s in scores],
            len(ideas),
            encoder,
            statement=team["purpose"],
            texts=list(team["answers"]),
        )
        out.append(
            {
                "alignment": reading.alignment,
                "agreement": reading.agreement,
                "situation": reading.situation.code if reading.situation else "no_shared",
                "answers": [
                    {
                        "alignment": s.alignment,
                        "ideas_named": [k for k, named in enumerate(s.ideas_named) if named],
                        "flags": s.flags,
                    }
                    for s in scores
                ],
            }
        )
        progress(f"{done}/{len(teams)} teams read")
    return out


def _open(path: str):
    return sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115


def _load_teams(path: str) -> list[dict]:
    try:
        with _open(path) as handle:
            teams = json.load(handle)
    except (OSError, ValueError) as exc:
        raise CommandError(f"{path}: not a readable JSON file ({exc})") from exc
    if not isinstance(teams, list):
        raise CommandError(f"{path}: expected a JSON list of teams")
    for number, team in enumerate(teams, start=1):
        if not isinstance(team, dict) or not isinstance(team.get("purpose"), str):
            raise CommandError(f'team {number}: needs a "purpose" text')
        if not isinstance(team.get("answers"), list) or not all(isinstance(a, str) for a in team["answers"]):
            raise CommandError(f'team {number}: "answers" must be a list of texts')
        ideas = team.get("ideas")
        if ideas is not None and not (isinstance(ideas, list) and all(isinstance(i, str) for i in ideas)):
            raise CommandError(f'team {number}: "ideas" must be a list of texts')
    return teams


def _format(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"

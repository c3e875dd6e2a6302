"""How the engine would read a few sample answers, before a pulse goes out.

The leader types sample answers under the purpose and key ideas as they stand
in the editor (saved or not); the engine reads them on the product's own path
(``score_answers`` then ``read_team``). Nothing is stored.
"""

from dataclasses import dataclass

import numpy as np

from alignment import Encoder, Situation, read_team, score_answers
from alignment.reading import BANDS, band_of
from purpose.models import PurposeStatement
from purpose.selectors import statement_ideas

# The engine reads each sample with one forward pass; these caps bound what a
# crafted post can ask of it.
MAX_SAMPLES = 12
SAMPLE_MAX_LENGTH = 2000

BAND_LABELS = dict(BANDS)
UNREAD_NOTES = {
    "empty": "nothing to read",
    "too_short": "too short to judge",
    "non_english": "written in another language: the model reads English only",
}


@dataclass(frozen=True)
class SampleReading:
    text: str
    alignment: float | None  # 0–100, None when the engine can't judge it
    band: str | None  # a code of alignment.reading.BANDS
    ideas_named: list[str]
    ideas_twisted: list[str]  # named with a negation, contrast or reversal: not counted as named
    twist: bool
    note: str  # why there is no reading

    @property
    def band_label(self) -> str:
        return BAND_LABELS.get(self.band, "")


@dataclass(frozen=True)
class SamplesReading:
    ideas: list[str]
    samples: list[SampleReading]
    situation: Situation | None  # only for two or more answers the engine could judge
    close_call: Situation | None = None  # the situation nearly as likely, when it was a close call


def unread_note(flags: list[str]) -> str:
    """Why the engine gave an answer no reading, in words a leader reads."""
    for flag, note in UNREAD_NOTES.items():
        if flag in flags:
            return note
    return "the engine can't judge this one"


def _sample_reading(text: str, score, ideas: list[str]) -> SampleReading:
    named = [i for i, hit in zip(ideas, score.ideas_named, strict=False) if hit]
    twisted = [i for i, hit in zip(ideas, score.ideas_twisted, strict=False) if hit]
    return SampleReading(
        text=text,
        alignment=score.alignment,
        band=band_of(score.alignment),
        ideas_named=[i for i in named if i not in twisted],
        ideas_twisted=twisted,
        twist="twist" in score.flags,
        note="" if score.alignment is not None else unread_note(score.flags),
    )


def _team_situation(
    purpose: str, samples: list[str], scores, ideas: list[str], encoder: Encoder
) -> tuple[Situation | None, Situation | None]:
    """The situation a team answering like this would be placed in, and its close call if it
    was one (None, None below two readable answers)."""
    vectors = [s.vector for s in scores if s.vector is not None]
    if len(vectors) < 2:
        return None, None
    blank = np.zeros_like(vectors[0])
    reading = read_team(
        [s.alignment for s in scores],
        np.vstack([s.vector if s.vector is not None else blank for s in scores]),
        [s.ideas_named for s in scores],
        len(ideas),
        encoder,
        statement=purpose,
        texts=samples,
    )
    if reading.respondents < 2:
        return None, None
    return reading.situation, reading.close_call


def samples_read(
    *, purpose: str, key_ideas: list[str], samples: list[str], encoder: Encoder
) -> SamplesReading:
    """Read sample answers against a purpose and key ideas as typed (the leader's, else the engine's)."""
    ideas = statement_ideas(PurposeStatement(purpose=purpose, key_ideas=key_ideas))
    samples = [s[:SAMPLE_MAX_LENGTH] for s in samples[:MAX_SAMPLES]]
    scores = score_answers(purpose, samples, ideas, encoder)
    situation, close_call = _team_situation(purpose, samples, scores, ideas, encoder)
    return SamplesReading(
        ideas=ideas,
        samples=[_sample_reading(text, score, ideas) for text, score in zip(samples, scores, strict=True)],
        situation=situation,
        close_call=close_call,
    )

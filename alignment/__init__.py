"""Purpose Pulse alignment engine: pure Python, no Django.

    enc = get_encoder(model_dir=settings.ALIGNMENT_MODEL_DIR)
    ideas = split_ideas(statement.purpose)
    scores = score_answers(statement.purpose, answers, ideas, enc)

See docs/alignment.md for the method and the measured figures.
"""

from .cache import clear_vector_cache
from .calibration import Calibration
from .cascade import CascadeScore, cascade_label, cascade_score
from .encoders import Encoder, ModelNotFound, OnnxMiniLMEncoder, clear_encoder_cache, get_encoder
from .ideas import IDEA_THRESHOLD, split_ideas
from .lexical import TfidfEncoder
from .scoring import AnswerScore, FitScore, score_answer, score_answers, score_fit, score_fits, score_pair
from .team import (
    SITUATIONS,
    Interpretation,
    Situation,
    TeamReading,
    agreement,
    aligned_share,
    alignment_index,
    idea_shares,
    interpretations,
    read_team,
    situation,
)

# Stored with every score: bump when a change would move stored numbers.
# 2.0: the purpose reading (alignment.reading), fitted on graded teams: the
# 0-100 scale is the expected grade, ideas and twists come from fitted models.
# 2.1: the same reading fitted on 240 graded teams by twelve writers (was 80 by four).
ENGINE_VERSION = "2.1"

__all__ = [
    "ENGINE_VERSION",
    "AnswerScore",
    "Calibration",
    "CascadeScore",
    "Encoder",
    "FitScore",
    "IDEA_THRESHOLD",
    "Interpretation",
    "ModelNotFound",
    "OnnxMiniLMEncoder",
    "SITUATIONS",
    "Situation",
    "TeamReading",
    "TfidfEncoder",
    "agreement",
    "aligned_share",
    "alignment_index",
    "cascade_label",
    "cascade_score",
    "clear_encoder_cache",
    "clear_vector_cache",
    "get_encoder",
    "idea_shares",
    "interpretations",
    "read_team",
    "score_answer",
    "score_answers",
    "score_fit",
    "score_fits",
    "score_pair",
    "situation",
    "split_ideas",
]

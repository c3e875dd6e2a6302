"""Scoring answers: the blend, the batch API, and hostile input."""

import numpy as np
import pytest

from alignment import score_answer, score_answers, score_fit, split_ideas
from alignment.evaluation import pairwise_accuracy, spearman

SUPPORT = (
    "We help customers solve their problems on the first contact, through chat, email and phone, and we "
    "feed what we hear back to the product teams so the same problem doesn't happen twice."
)


def test_paraphrase_scores_above_partial_and_off_target(semantic):
    ideas = split_ideas(SUPPORT)
    para, part, off = score_answers(
        SUPPORT,
        [
            "When a user is stuck we sort it out in one conversation on whatever channel they use, then tell the "
            "product people what broke so it gets fixed for good.",
            "We answer the phones.",
            "We maintain the company's data warehouse.",
        ],
        ideas,
        semantic,
    )
    assert para.alignment > part.alignment > off.alignment
    assert para.idea_coverage > off.idea_coverage
    assert 0 <= off.alignment < 20 and para.alignment > 35  # measured 15.8 and 38.9 (1.0: 39.2)
    assert para.encoder == semantic.name and not para.approximate


def test_without_ideas_the_engine_proposes_them_from_the_statement(semantic):
    s = score_answer(reference=SUPPORT, answer="We fix customer problems.", ideas=None, encoder=semantic)
    assert len(s.ideas_named) == len(split_ideas(SUPPORT)) and 0 <= s.alignment <= 100


def test_batch_equals_single(semantic):
    answers = ["We fix customer problems the first time.", "", "We pass bugs to product."]
    batch = score_answers(SUPPORT, answers, split_ideas(SUPPORT), semantic)
    for a, b in zip(answers, batch, strict=True):
        one = score_answer(reference=SUPPORT, answer=a, ideas=split_ideas(SUPPORT), encoder=semantic)
        assert one.alignment == pytest.approx(b.alignment, abs=0.05) if b.alignment else one.alignment is None


HOSTILE = {
    "empty": "",
    "whitespace": " \n\t  ",
    "one_word": "Customers",
    "long": "We help customers solve problems on first contact. " * 600,
    "french": "Nous aidons les clients à résoudre leurs problèmes dès le premier contact.",
    "japanese": "私たちはお客様の問題を最初の連絡で解決します。",
    "emoji_only": "🚀🔥💯",
    "emoji_mixed": "We fix customer problems fast 🚀🙂",
    "html": "<p>We <b>help customers</b> solve problems</p><script>alert(1)</script><ul><li>chat</li><li>email</li></ul>",
    "control": "We help\x00 customers\x07 solve\x1b[31m problems\u200b fast\ud800",
    "none": None,
    "number": 12345,
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("backend", ["semantic", "lexical"])
def test_hostile_input_gives_a_defined_result(kind, backend, request):
    enc = request.getfixturevalue(backend)
    s = score_answer(reference=SUPPORT, answer=HOSTILE[kind], ideas=split_ideas(SUPPORT), encoder=enc)
    assert s.alignment is None or 0 <= s.alignment <= 100
    assert len(s.ideas_named) == len(split_ideas(SUPPORT))
    expected = {
        "empty": "empty",
        "whitespace": "empty",
        "emoji_only": "empty",
        "none": "empty",
        "one_word": "too_short",
        "long": "truncated",
        "japanese": "non_english",
        "french": "non_english",
        "html": "html_stripped",
        "control": "control_chars_removed",
        "number": "too_short",
    }.get(kind)
    if expected:
        assert expected in s.flags
    # Nothing to judge (blank), too little ("Customers", a number) or another language: no
    # number at all rather than a misleadingly low one. TF-IDF keeps scoring what it can.
    unjudged = {"empty", "too_short", "non_english"} if backend == "semantic" else {"empty"}
    if expected in unjudged:
        assert s.alignment is None and not s.idea_coverage
    else:
        assert s.alignment is not None
    assert ("approximate" in s.flags) == (backend == "lexical")


def test_html_is_stripped_before_scoring(semantic):
    plain = score_answer(reference=SUPPORT, answer="We help customers solve problems", encoder=semantic)
    html = score_answer(
        reference=SUPPORT,
        answer="<div><p>We help <em>customers</em> solve problems</p></div>",
        encoder=semantic,
    )
    assert html.raw_cosine == pytest.approx(plain.raw_cosine, abs=1e-4)


def test_blank_reference_is_not_a_crash(semantic):
    s = score_answer(reference="  ", answer="We help customers.", encoder=semantic)
    assert s.alignment is None and "reference_empty" in s.flags


def test_score_fit_against_leader_and_parent(semantic):
    fit = score_fit(
        answer="Our support insights feed the product roadmap, which drives customer retention.",
        leader_fit="We are the company's ears: what customers tell us shapes the roadmap and keeps "
        "them with us.",
        parent_purpose="We keep customers successful and loyal.",
        encoder=semantic,
    )
    assert fit.leader.alignment is not None and fit.parent.alignment is not None
    assert fit.combined == pytest.approx((fit.leader.alignment + fit.parent.alignment) / 2)
    alone = score_fit(answer="x y z", leader_fit="We ship.", parent_purpose=None, encoder=semantic)
    assert alone.parent is None


def _eval_scores(eval_set, encoder, use_ideas=True):
    teams, grades, final, raw = [], [], [], []
    for team, (statement, answers) in eval_set.items():
        ideas = split_ideas(statement) if use_ideas else None
        for (grade, _, _), s in zip(
            answers, score_answers(statement, [a[2] for a in answers], ideas, encoder), strict=True
        ):
            if s.alignment is None:  # not judged (too short, another language): no number to rank
                continue
            teams.append(team)
            grades.append(grade)
            final.append(s.alignment)
            raw.append(s.raw_cosine)
    return teams, grades, final, raw


def test_eval_set_semantic_beats_lexical(eval_set, semantic, lexical):
    """The previous engine's 169-answer set, written and graded (0-4) by someone else, never
    used for fitting: an outside check. Measured: engine 2.1 Spearman 0.27, pairwise 0.615;
    engine 2.0 0.34 and 0.644; engine 1.1 0.45 and 0.70; TF-IDF 0.0 and 0.51. 2.1 reads this
    set's low-overlap paraphrases lower than 2.0 did (docs/alignment.md, a seventh look)."""
    teams, grades, final, raw = _eval_scores(eval_set, semantic)
    assert len(grades) >= 150
    sem = spearman(final, grades)
    assert sem > 0.25
    assert pairwise_accuracy(teams, grades, final) > 0.6
    lteams, lgrades, lfinal, _ = _eval_scores(eval_set, lexical)
    assert sem > spearman(lfinal, lgrades) + 0.25
    assert pairwise_accuracy(teams, grades, final) > pairwise_accuracy(lteams, lgrades, lfinal) + 0.1


def test_vectors_are_returned_for_team_analysis(semantic):
    s = score_answer(reference=SUPPORT, answer="We fix problems.", encoder=semantic)
    assert isinstance(s.vector, np.ndarray) and s.vector.shape == (384,)

"""Notebook quizzes from the bank: numbering, display (Markdown in a kernel, text elsewhere), the
key, and the link from every quiz item to a registered exercise."""
from __future__ import annotations

import sys
import types

import pytest

from bank_support import good_question
from grader.bank import Question, load_bank
from grader.bank import quizzes
from grader.bank.quizzes import quiz_items, quiz_key, render
from grader.checks import load_all
from grader.exercise import REGISTRY

CONTEXT = {"notebooks": {"03_model_development": frozenset({good_question()["revisit"]["section"]})}}


def _item(slug, answer="B"):
    return Question.model_validate(good_question(id=f"3.10-{slug}", answer=[answer], quiz="03.model_count"), context=CONTEXT)


def test_items_are_numbered_in_natural_order_of_id_whatever_the_bank_order():
    bank = [_item("q10"), _item("q2", "C"), _item("q1", "A"), good_question()]
    bank = [q if isinstance(q, Question) else Question.model_validate(q, context=CONTEXT) for q in bank]
    assert [q.id for q in quiz_items("03.model_count", bank)] == ["3.10-q1", "3.10-q2", "3.10-q10"]
    with pytest.raises(LookupError, match="no items for the quiz '03.nothing'"):
        quiz_items("03.nothing", bank)


def test_render_shows_numbered_items_and_options_but_never_explanations():
    items = [_item("q1"), _item("q2")]
    text = render("03.model_count", items, markdown=False)
    assert "1. A grid has" in text and "2. A grid has" in text and "   B) 60" in text and "**" not in text
    markdown = render("03.model_count", items, markdown=True)
    assert "**1.** A grid has" in markdown and "- **B** 60" in markdown
    for explanation in items[0].explanations.values():
        assert explanation not in text and explanation not in markdown


def test_quiz_prints_text_outside_a_kernel(capsys):
    quizzes.quiz("06.promote_code_or_model")
    out = capsys.readouterr().out
    assert out.startswith("Quiz 06.promote_code_or_model:") and "\n1. " in out and "A) " in out


def test_quiz_displays_markdown_in_a_kernel(monkeypatch):
    shown = []
    shell = types.SimpleNamespace(kernel=object())
    monkeypatch.setattr("IPython.get_ipython", lambda: shell)
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    quizzes.quiz("06.promote_code_or_model")
    assert len(shown) == 1 and shown[0].data.startswith("**Quiz 06.promote_code_or_model**")


def test_grader_exports_quiz():
    import grader

    assert grader.quiz is quizzes.quiz


def test_importing_grader_does_not_load_the_bank():
    import subprocess

    code = "import grader, sys; print('grader.bank' in sys.modules, 'yaml' in sys.modules, 'pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False", "False"]


def test_quiz_key_is_the_answer_letter_per_item_number():
    items = quiz_items("06.promote_code_or_model")
    assert quiz_key("06.promote_code_or_model") == {n: q.answer[0] for n, q in enumerate(items, 1)}


def test_every_quiz_item_is_single_answer_and_names_a_registered_exercise():
    load_all()
    tied = [q for q in load_bank() if q.quiz]
    assert tied, "the bank has no notebook quiz items"
    unknown = sorted({q.quiz for q in tied if q.quiz not in REGISTRY})
    assert not unknown, f"quiz items name exercises that no check registers: {unknown}"
    multi = [q.id for q in tied if q.kind != "single"]
    assert not multi, f"notebook quiz items must be single-answer (a learner gives one letter): {multi}"
    for exercise_id in {q.quiz for q in tied}:
        objectives = {q.objective for q in tied if q.quiz == exercise_id}
        assert REGISTRY[exercise_id].objective in objectives, \
            f"no item of quiz {exercise_id} trains its exercise's objective {REGISTRY[exercise_id].objective}"
        assert {q.domain for q in tied if q.quiz == exercise_id} == {REGISTRY[exercise_id].domain}, \
            f"quiz {exercise_id} has items outside its exercise's domain"


def test_revisit_falls_back_to_the_student_notebooks_without_solutions(monkeypatch, tmp_path):
    from grader.bank import notebooks

    monkeypatch.setattr(notebooks, "SOLUTIONS", tmp_path / "absent")
    notebooks.notebook_headings.cache_clear()
    try:
        headings = notebooks.notebook_headings()
        assert "06_model_registry" in headings and "4 · Promote the model, or promote the code? (1.16)" in headings["06_model_registry"]
    finally:
        notebooks.notebook_headings.cache_clear()

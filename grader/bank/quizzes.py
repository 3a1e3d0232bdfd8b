"""Notebook quizzes drawn from the bank: ``quiz("06.promote_code_or_model")`` shows the items.

A quiz is every bank question whose ``quiz`` field names the exercise, numbered 1, 2, … in natural
order of their ids (so the numbering does not depend on which file holds them). The learner answers
in a dict from item number to option letter, ``{1: "B", 2: "A", …}``, and the exercise's check grades
it against the same questions (:func:`grader.answer_key.check_quiz`): the key exists only in the bank.
"""
from __future__ import annotations

import re
from typing import Optional

from grader.bank.loader import load_bank
from grader.bank.model import Question


def _natural(text: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def quiz_items(exercise_id: str, questions: Optional[list[Question]] = None) -> list[Question]:
    """The questions of one notebook quiz, in the order they are numbered."""
    questions = load_bank() if questions is None else questions
    items = sorted((q for q in questions if q.quiz == exercise_id), key=lambda q: _natural(q.id))
    if not items:
        raise LookupError(f"the question bank has no items for the quiz {exercise_id!r}")
    return items


def quiz_key(exercise_id: str) -> dict[int, str]:
    """The bank's key of one quiz as the learner writes it: ``{item number: option letter}``."""
    return {number: item.answer[0] for number, item in enumerate(quiz_items(exercise_id), 1)}


def render(exercise_id: str, items: list[Question], *, markdown: bool) -> str:
    """The quiz as Markdown (for a notebook) or plain text (for a terminal); never the key."""
    lines = [f"**Quiz {exercise_id}**: answer each item by its number with an option letter, "
             "e.g. `{1: \"B\", 2: \"A\"}`." if markdown else
             f"Quiz {exercise_id}: answer each item by its number with an option letter, e.g. {{1: \"B\", 2: \"A\"}}."]
    for number, item in enumerate(items, 1):
        lines.append("")
        stem = item.stem.strip()
        lines.append(f"**{number}.** {stem}" if markdown else f"{number}. {stem.replace('**', '')}")
        for letter, text in item.options.items():
            lines.append(f"- **{letter}** {text}" if markdown else f"   {letter}) {text}")
    return "\n".join(lines) + "\n"


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def quiz(exercise_id: str) -> None:
    """Show a notebook quiz's numbered items and options (Markdown in a kernel, text elsewhere)."""
    items = quiz_items(exercise_id)
    if _in_kernel():
        from IPython.display import Markdown, display

        display(Markdown(render(exercise_id, items, markdown=True)))
    else:
        print(render(exercise_id, items, markdown=False), end="")

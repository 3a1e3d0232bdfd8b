"""Fixture questions for the bank's tests: a valid single and multi question to break one field at a time."""
from __future__ import annotations

import copy

SECTION = "2 · Cross-validation and model counts"


def good_question(**changes) -> dict:
    """A valid single-answer question; ``changes`` replace fields (a value of ``None`` removes it)."""
    question = {
        "id": "3.10-grid-times-folds",
        "objective": "3.10",
        "kind": "single",
        "stem": "A grid has 3 × 4 combinations and CrossValidator uses numFolds=5. How many fits, without the refit?",
        "options": {"A": "12", "B": "60", "C": "61", "D": "20"},
        "answer": ["B"],
        "explanations": {"A": "the grid alone", "B": "3 × 4 × 5", "C": "counts the refit", "D": "one parameter only"},
        "revisit": {"notebook": "03_model_development", "section": SECTION},
        "proof": "fits = 3 * 4 * 5\ncorrect = {letter for letter, text in options.items() if text == str(fits)}\n",
    }
    question = copy.deepcopy(question)
    for field, value in changes.items():
        if value is None:
            question.pop(field, None)
        else:
            question[field] = value
    return question


def multi_question(**changes) -> dict:
    return good_question(**{
        "id": "3.10-two-true", "kind": "multi", "stem": "Select TWO.",
        "options": {letter: f"option {letter}" for letter in "ABCDE"}, "answer": ["A", "C"],
        "explanations": {letter: f"why {letter}" for letter in "ABCDE"}, "proof": None, **changes})

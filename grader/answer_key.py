"""Grade a notebook quiz: the learner's ``{item number: option letter}`` against the bank's key.

Every scenario quiz shares this one shape. The key is read from the question bank when the check
runs (never typed in a check), and the messages say how many items are wrong and name one by its
number, never the right letter.
"""
from __future__ import annotations

from typing import Mapping, Sequence


def check_quiz(exercise_id: str, answers, *, variable: str) -> None:
    """Raise ``AssertionError`` unless ``answers`` answers every item of the bank's quiz ``exercise_id``."""
    from grader.bank.quizzes import quiz_items

    grade_quiz(answers, quiz_items(exercise_id), variable=variable, exercise_id=exercise_id)


def _item_number(key) -> int | None:
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key
    if isinstance(key, str) and key.strip().isdigit():
        return int(key)
    return None


def grade_quiz(answers, items: Sequence, *, variable: str, exercise_id: str = "") -> None:
    """Raise ``AssertionError`` unless ``answers`` gives each of ``items`` (numbered from 1) its key.

    Item numbers may be ints or digit strings; letters are case-insensitive and stripped.
    """
    shown = f'quiz("{exercise_id}")' if exercise_id else "the quiz"
    assert isinstance(answers, Mapping), \
        f'{variable} should be a dict from each item number of {shown} to an option letter, e.g. {{1: "B", 2: "A"}}.'
    given = {}
    for key, value in answers.items():
        number = _item_number(key)
        assert number is not None and 1 <= number <= len(items), \
            f"{variable} has the key {key!r}, but {shown} numbers its items 1 to {len(items)}."
        given[number] = value
    missing = [n for n in range(1, len(items) + 1) if n not in given]
    assert not missing, f"Answer every item; missing: {missing}."
    for number, item in enumerate(items, 1):
        letter = str(given[number]).strip().upper()
        if letter not in item.options:
            texts = {text.strip().lower() for text in item.options.values()}
            if str(given[number]).strip().lower() in texts:
                raise AssertionError(f"Item {number}: answer with the option's letter, not its text.")
            raise AssertionError(f"Item {number} has no option {given[number]!r}: use one of {', '.join(item.options)}.")
    wrong = [n for n, item in enumerate(items, 1) if [str(given[n]).strip().upper()] != list(item.answer)]
    assert not wrong, f"{len(wrong)} of {len(items)} items are answered wrongly, e.g. item {wrong[0]}."

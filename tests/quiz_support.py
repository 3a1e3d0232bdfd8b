"""Two-sided tests of a notebook quiz, generated from the question bank instead of a retyped key.

For a quiz's check: the bank's key passes (also with lower-case letters and digit-string item
numbers); every single wrong letter on every item fails naming that item; every missing item fails;
option text instead of a letter, an item number the quiz lacks and a non-dict fail with their message.
"""
from __future__ import annotations

from grader.bank.quizzes import quiz_items, quiz_key
from grader.testing import assert_check_failed, assert_check_passed


def assert_quiz_graded_from_bank(check, exercise_id: str) -> None:
    assert check.exercise.id == exercise_id, f"{check.__name__} is registered as {check.exercise.id}, not {exercise_id}"
    items, key = quiz_items(exercise_id), quiz_key(exercise_id)
    assert_check_passed(check, key)
    assert_check_passed(check, {str(n): f" {letter.lower()} " for n, letter in key.items()})
    for number, item in enumerate(items, 1):
        for letter in item.options:
            if letter not in item.answer:
                message = assert_check_failed(check, {**key, number: letter},
                                              match=rf"1 of {len(items)} items are answered wrongly, e.g. item {number}\.")
                assert item.options[key[number]] not in message, "the message must not reveal the right option"
        assert_check_failed(check, {n: a for n, a in key.items() if n != number}, match=rf"missing: \[{number}\]")
    first = items[0]
    assert_check_failed(check, {**key, 1: first.options[first.answer[0]]}, match="letter, not its text")
    assert_check_failed(check, {**key, len(items) + 1: "A"}, match=f"numbers its items 1 to {len(items)}")
    assert_check_failed(check, list(key.values()), match="should be a dict")

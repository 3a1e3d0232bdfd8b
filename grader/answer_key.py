"""Grade a learner's dict of answers against a key: the one shape every scenario quiz shares.

Scenario questions ("which store for real-time serving?") are graded as a dict from the question
to the learner's answer. The messages say how many are wrong and name one, never the right answer.
"""
from __future__ import annotations

from typing import Mapping


def check_answers(answers, key: Mapping[str, str], *, variable: str, noun: str = "question") -> None:
    """Raise ``AssertionError`` unless ``answers`` answers every question in ``key`` correctly.

    Answers are compared as stripped strings, so ``" model"`` and ``"model"`` are the same answer.
    """
    assert isinstance(answers, Mapping), f"{variable} should be a dict from each {noun} to your answer."
    missing = [q for q in key if q not in answers]
    assert not missing, f"Answer every {noun}; missing: {missing}."
    wrong = [q for q, right in key.items() if str(answers[q]).strip() != right]
    assert not wrong, f"{len(wrong)} of {len(key)} {noun}s are answered wrongly, e.g. '{wrong[0]}'."

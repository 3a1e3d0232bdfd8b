"""Numbered hints, one at a time: ``hint("02.iqr_filter")`` shows the next one not yet seen.

Hints are printed as plain text so they read the same in JupyterLab, a papermill run and a
terminal. Each one shown is recorded, so a learner (and the progress report) can tell how much
help an exercise took.
"""
from __future__ import annotations

import difflib

from grader import progress
from grader.exercise import REGISTRY, Exercise


class UnknownExercise(LookupError):
    """No exercise has the requested id; the message lists close matches."""


def find(exercise_id: str) -> Exercise:
    """Return the registered exercise, importing every check module if it is not known yet.

    Raises:
        UnknownExercise: with the closest ids, or all of them when nothing is close.
    """
    if exercise_id not in REGISTRY:
        from grader.checks import load_all

        load_all()
    try:
        return REGISTRY[exercise_id]
    except KeyError:
        pass
    ids = sorted(REGISTRY)
    close = difflib.get_close_matches(exercise_id, ids, n=5, cutoff=0.5)
    if close:
        choices = "did you mean " + ", ".join(close) + "?"
    elif ids:
        choices = "known exercises: " + ", ".join(ids)
    else:
        choices = "no exercises are registered"
    raise UnknownExercise(f"no exercise {exercise_id!r}; {choices}")


def hint(exercise_id: str, n: int | None = None) -> None:
    """Print hint ``n`` (1-based) of an exercise, or the next one you have not seen.

    Args:
        exercise_id: the id the failing check named, e.g. ``"02.iqr_filter"``.
        n: a hint number to (re)read; ``None`` means the next unseen hint.

    Raises:
        UnknownExercise: for an id no check module registers.
        ValueError: for a hint number outside ``1..len(hints)``.
    """
    ex = find(exercise_id)
    total = len(ex.hints)
    if total == 0:
        print(f"{ex.id} has no hints.")
        return
    if n is None:
        unseen = [i for i in range(1, total + 1) if i not in progress.hints_seen(ex.id)]
        if not unseen:
            print(f'No hints left for {ex.id}: you have seen all {total}. '
                  f'Re-read one with hint("{ex.id}", 1) … hint("{ex.id}", {total}).')
            return
        n = unseen[0]
    elif not isinstance(n, int) or not 1 <= n <= total:
        raise ValueError(f"{ex.id} has hints 1 to {total}; there is no hint {n!r}")
    print(f"Hint {n}/{total} for {ex.id}: {ex.hints[n - 1]}")
    progress.record_hint(ex.id, n)

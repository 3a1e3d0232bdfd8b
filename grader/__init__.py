"""Checks, hints, progress, release, runs and autograding for the course notebooks.

Notebooks need ``from grader import hint`` (and ``quiz`` to show a quiz from the question bank); check
modules need ``from grader import exercise``.
Importing ``grader`` stays cheap: no Spark, no MLflow, no nbgrader.

``exercise`` is bound here eagerly (it only needs the standard library) because it shares its
name with the ``grader.exercise`` module: binding the function after the submodule import keeps
``grader.exercise`` the decorator. ``hint`` and ``quiz`` are resolved lazily on first use; ``quiz``
lives in ``grader.bank.quizzes``, not in a ``grader.quiz`` module that would shadow the function.
"""
from __future__ import annotations

from grader.exercise import exercise

__all__ = ["exercise", "hint", "quiz"]


def __getattr__(name: str):
    if name == "hint":
        from grader.hints import hint

        return hint
    if name == "quiz":
        from grader.bank.quizzes import quiz

        return quiz
    raise AttributeError(f"module 'grader' has no attribute {name!r}")

"""Checks, hints, progress, release, runs and autograding for the course notebooks.

Notebooks need ``from grader import hint``; check modules need ``from grader import exercise``.
Importing ``grader`` stays cheap: no Spark, no MLflow, no nbgrader.

``exercise`` is bound here eagerly (it only needs the standard library) because it shares its
name with the ``grader.exercise`` module: binding the function after the submodule import keeps
``grader.exercise`` the decorator. ``hint`` is resolved lazily on first use.
"""
from __future__ import annotations

from grader.exercise import exercise

__all__ = ["exercise", "hint"]


def __getattr__(name: str):
    if name == "hint":
        from grader.hints import hint

        return hint
    raise AttributeError(f"module 'grader' has no attribute {name!r}")

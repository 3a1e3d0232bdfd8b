"""Run a question's proof: Python that computes the key on the local stack, so a key cannot drift
from what the code really does.

A proof runs with ``options``, ``spark``, ``tmp`` and ``unique`` defined (FORMAT.md, "Proofs") and
must leave a set of letters named ``correct``.
"""
from __future__ import annotations

from pathlib import Path

from grader.bank.model import Question


def run_proof(question: Question, *, spark, tmp: Path, unique: str) -> set[str]:
    """Execute ``question.proof`` and return the set ``correct`` it computed."""
    if question.proof is None:
        raise ValueError(f"question {question.id} has no proof")
    names = {"__name__": f"proof_{unique}", "options": dict(question.options), "spark": spark, "tmp": tmp, "unique": unique}
    exec(compile(question.proof, f"<proof of {question.id}>", "exec"), names)  # noqa: S102 - the bank's own code
    if "correct" not in names:
        raise AssertionError(f"the proof of {question.id} did not set `correct` (a set of option letters)")
    correct = names["correct"]
    if isinstance(correct, str):
        correct = {correct}
    return set(correct)


def assert_proof_agrees(question: Question, *, spark, tmp: Path, unique: str) -> None:
    """Raise ``AssertionError`` naming the question when its proof and its key disagree."""
    correct = run_proof(question, spark=spark, tmp=tmp, unique=unique)
    unknown = sorted(correct - set(question.options))
    assert not unknown, f"{question.id}: the proof's `correct` names {unknown}, which are not options"
    assert correct == set(question.answer), (
        f"{question.id}: the proof computes {sorted(correct)} but the key (answer) is {sorted(question.answer)} — "
        f"fix the key or the proof ({question.revisit.notebook}, objective {question.objective})")

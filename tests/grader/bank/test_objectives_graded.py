"""Every objective of the outline has at least one graded exercise: an ``@exercise`` check, or a bank
quiz item tied to one (its ``quiz`` names a registered exercise). The outline's table is the list."""
from __future__ import annotations

from grader.bank import OBJECTIVES, load_bank
from grader.checks import load_all
from grader.exercise import REGISTRY


def graded_objectives() -> set[str]:
    load_all()
    by_exercise = {ex.objective for ex in REGISTRY.values() if ex.objective}
    by_quiz = {q.objective for q in load_bank() if q.quiz in REGISTRY}
    return by_exercise | by_quiz


def missing_objectives(graded: set[str]) -> list[str]:
    return [objective for objective in OBJECTIVES if objective not in graded]


def test_every_objective_has_a_graded_exercise():
    missing = missing_objectives(graded_objectives())
    assert not missing, ("objectives of the outline with no graded exercise: "
                         + ", ".join(f"{o} ({OBJECTIVES[o]})" for o in missing))


def test_the_rule_names_what_is_missing():
    assert missing_objectives(set(OBJECTIVES) - {"1.2", "4.6"}) == ["1.2", "4.6"]
    assert missing_objectives(set(OBJECTIVES)) == []

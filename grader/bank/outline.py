"""The exam's 48 objectives, parsed from the committed copy of the team's outline (``exam_outline.md``).

The outline's table ("| # | Objective (short) | … |") is the one list of objectives: the bank's schema,
the coverage tests and the exam's domain mix all read it from here, so CI on a clean clone needs
nothing outside the repository.
"""
from __future__ import annotations

import re
from pathlib import Path

from grader.exercise import DOMAINS

OUTLINE = Path(__file__).with_name("exam_outline.md")

_ROW = re.compile(r"^\|\s*(?P<objective>[1-4]\.\d{1,2})\s*\|\s*(?P<short>[^|]+?)\s*\|")


def parse_objectives(text: str) -> dict[str, str]:
    """``{"1.1": "MLOps best practices", …}`` from the table rows of an outline's Markdown text."""
    objectives: dict[str, str] = {}
    for line in text.splitlines():
        match = _ROW.match(line.strip())
        if match:
            objective = match["objective"]
            if objective in objectives:
                raise ValueError(f"objective {objective} appears twice in the outline's table")
            objectives[objective] = match["short"]
    return objectives


def domain_of(objective: str) -> str:
    """The domain named by an objective's first number: ``"3.10"`` → ``"Model Development"``."""
    return DOMAINS[int(objective.split(".", 1)[0]) - 1]


OBJECTIVES: dict[str, str] = parse_objectives(OUTLINE.read_text(encoding="utf-8"))
"""Every objective of the outline, in its order, to a short description."""

DOMAIN_OF: dict[str, str] = {objective: domain_of(objective) for objective in OBJECTIVES}
"""Every objective to its exam domain."""

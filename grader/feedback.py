"""``python -m grader feedback GRADEBOOK``: one HTML page per student, to hand back after a batch.

Each page lists the student's notebooks with score and status, then every graded exercise with
its outcome and the teaching message the check gave. It is built from the gradebook rows alone:
it never opens solutions or submissions, so nothing of the hidden tests or the answer key can
reach a page, and the messages are the same ones the learner sees in the notebook.
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from pathlib import Path
from typing import Iterable

from markupsafe import Markup

from grader.exercise import DOMAINS
from grader.gradebook import Row
from grader.report import NO_DOMAIN, environment, exercise_label, fmt_points, inline_svg, new_figure, plain

EARNED_COLOUR, AVAILABLE_COLOUR = "#2ca02c", "#aec7e8"
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}


def file_names(students: Iterable[str]) -> dict[str, str]:
    """A file name per student that is safe on every file system and unique even ignoring case.

    A plain folder name (letters, digits, ``._-``) is kept as it is; anything else (slashes,
    ``..``, spaces, accents, Windows device names, names equal but for case) becomes its safe
    characters plus a short hash of the full name, so no two students can share a page.
    """
    students = sorted(set(students))
    folded = defaultdict(int)
    for s in students:
        folded[s.casefold()] += 1
    names = {}
    for s in students:
        if _SAFE.fullmatch(s) and s.split(".")[0].upper() not in _RESERVED and folded[s.casefold()] == 1 \
                and not s.endswith("."):
            names[s] = f"{s}.html"
        else:
            stem = re.sub(r"[^A-Za-z0-9_-]+", "_", s).strip("_")[:60] or "student"
            names[s] = f"{stem}-{hashlib.sha256(s.encode('utf-8')).hexdigest()[:10]}.html"
    return names


def domain_points(rows: Iterable[Row]) -> dict[str, tuple[float, float]]:
    """Points earned and available per exam domain, over one student's graded test cells."""
    points: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for r in rows:
        for c in r.cells.values():
            entry = points[c.domain or NO_DOMAIN]
            entry[0] += c.score
            entry[1] += c.max_score
    order = [d for d in DOMAINS if d in points] + sorted(d for d in points if d not in DOMAINS)
    return {d: tuple(points[d]) for d in order}


def domain_chart(points: dict[str, tuple[float, float]]) -> Markup:
    """Horizontal bars per domain: points available in grey, points earned over them."""
    fig, ax = new_figure(7, 0.4 * len(points) + 0.9)
    labels = [plain(d) for d in points]
    ax.barh(labels, [m for _, m in points.values()], color=AVAILABLE_COLOUR, label="available")
    ax.barh(labels, [e for e, _ in points.values()], color=EARNED_COLOUR, label="earned")
    ax.invert_yaxis()
    ax.tick_params(labelsize=8)
    ax.set_xlabel("points")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    return inline_svg(fig, "domains")


def render_feedback(student: str, rows: list[Row]) -> str:
    """One student's page as a string (``rows``: that student's rows only)."""
    notebooks = [{"row": r, "cells": [{"grade_id": g, "label": exercise_label(r.notebook, g, c.exercise),
                                       "cell": c, "css": c.outcome.replace(" ", "-")}
                                      for g, c in sorted(r.cells.items())]}
                 for r in sorted(rows, key=lambda r: r.notebook)]
    points = domain_points(rows)
    return environment().get_template("feedback.html.j2").render(
        student=student, notebooks=notebooks, points=points,
        chart=domain_chart(points) if points else None, fmt_points=fmt_points,
        score=sum(r.score for r in rows), max_score=sum(r.max_score for r in rows))


def write_feedback(rows: list[Row], out_dir: Path | str) -> list[Path]:
    """Write one page per student into ``out_dir`` (created); return the paths, in student order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    by_student: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_student[r.student].append(r)
    names = file_names(by_student)
    written = []
    for student in sorted(by_student):
        path = out_dir / names[student]
        path.write_text(render_feedback(student, by_student[student]), encoding="utf-8")
        written.append(path)
    return written

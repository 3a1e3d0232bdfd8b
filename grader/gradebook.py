"""The gradebook an autograde batch produces: one row per (student, notebook), as CSV.

Two files: the gradebook itself (``student, notebook, score, max_score, status, seconds,
detail``) and a long table of per-test-cell results (``…_cells.csv``) with the exercise, its exam
domain, the outcome and the teaching message, which reports and feedback pages are built from.
Both are written by the grader from what it observed, never by a submission.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

STATUSES = ("graded", "tampered", "timed out", "kernel died", "malformed", "missing", "error")
"""``graded``: ran and was scored. ``tampered``: scored after restoring edited locked cells, or
given 0 because a cell reached into the kernel or the grader (see :mod:`grader.screen`).
``timed out``: a cell or the whole submission ran past its limit. ``kernel died``: the kernel
exited or was killed. ``malformed``: not a readable notebook. ``missing``: not submitted, or no
such notebook in the answer key. ``error``: a bug on the grader's side (the detail says which)."""

OUTCOMES = ("passed", "failed", "error", "timed out", "not run")
"""A test cell's outcome as the grader saw it; only ``passed`` earns points."""

COLUMNS = ("student", "notebook", "score", "max_score", "status", "seconds", "detail")
CELL_COLUMNS = ("student", "notebook", "grade_id", "exercise", "domain", "score", "max_score",
                "outcome", "message")


@dataclass
class CellResult:
    """One graded test cell of one submission."""

    score: float
    max_score: float
    outcome: str = "not run"
    message: str = ""  # the check's teaching message, or the error's one line; never its traceback
    exercise: str = ""  # e.g. "02.iqr_filter", "" when the cell calls no registered check
    domain: str = ""  # the exam domain of that exercise


@dataclass
class Row:
    """One (student, notebook) line of the gradebook; ``detail`` says why in one line."""

    student: str
    notebook: str
    score: float
    max_score: float
    status: str
    detail: str = ""
    cells: dict = field(default_factory=dict)  # grade_id -> CellResult, when it ran
    seconds: float = 0.0  # wall time spent grading it


def _writer(path: Path | str):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path, open(path, "w", newline="", encoding="utf-8")


def export(rows: list[Row], path: Path | str) -> Path:
    """Write the gradebook CSV (:data:`COLUMNS`)."""
    path, fh = _writer(path)
    with fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow([r.student, r.notebook, f"{r.score:g}", f"{r.max_score:g}", r.status,
                             f"{r.seconds:.1f}", r.detail])
    return path


def cells_path(path: Path | str) -> Path:
    """Where the per-cell table of gradebook ``path`` lives: ``book.csv`` → ``book_cells.csv``."""
    path = Path(path)
    return path.with_name(path.stem + "_cells.csv")


def export_cells(rows: list[Row], path: Path | str) -> Path:
    """Write per-test-cell results (:data:`CELL_COLUMNS`)."""
    path, fh = _writer(path)
    with fh:
        writer = csv.writer(fh)
        writer.writerow(CELL_COLUMNS)
        for r in rows:
            for grade_id, c in sorted(r.cells.items()):
                writer.writerow([r.student, r.notebook, grade_id, c.exercise, c.domain, f"{c.score:g}",
                                 f"{c.max_score:g}", c.outcome, c.message])
    return path


def read(path: Path | str, cells: Path | str | None = None) -> list[Row]:
    """Read a gradebook CSV back (and its per-cell CSV: ``cells``, else next to it if present)."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = [Row(d["student"], d["notebook"], float(d["score"]), float(d["max_score"]), d["status"],
                    d["detail"], seconds=float(d.get("seconds") or 0)) for d in csv.DictReader(fh)]
    cells = Path(cells) if cells is not None else cells_path(path)
    if cells.exists():
        by_key = {(r.student, r.notebook): r for r in rows}
        with open(cells, newline="", encoding="utf-8") as fh:
            for d in csv.DictReader(fh):
                row = by_key.get((d["student"], d["notebook"]))
                if row is not None:
                    row.cells[d["grade_id"]] = CellResult(float(d["score"]), float(d["max_score"]), d["outcome"],
                                                          d["message"], d["exercise"], d["domain"])
    return rows

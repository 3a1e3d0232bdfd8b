"""The gradebook an autograde batch produces: one row per (student, notebook), as CSV.

Two files: the gradebook itself (``student, notebook, score, max_score, status, detail``) and a
long table of per-test-cell scores that reports can chart by exercise and exam domain.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

STATUSES = ("graded", "timeout", "invalid", "error")
COLUMNS = ("student", "notebook", "score", "max_score", "status", "detail")
CELL_COLUMNS = ("student", "notebook", "grade_id", "score", "max_score")


@dataclass
class Row:
    """One (student, notebook) line of the gradebook.

    ``status``: ``graded`` (nbgrader scored it), ``timeout`` (a cell was interrupted, or the
    whole submission was killed), ``invalid`` (not a notebook, not submitted, no such notebook),
    ``error`` (nbgrader or the kernel crashed). ``detail`` says why in one line.
    """

    student: str
    notebook: str
    score: float
    max_score: float
    status: str
    detail: str = ""
    cells: dict = field(default_factory=dict)  # grade_id -> (score, max_score), when graded


def _writer(path: Path | str):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path, open(path, "w", newline="", encoding="utf-8")


def export(rows: list[Row], path: Path | str) -> Path:
    """Write the gradebook CSV: student, notebook, score, max_score, status, detail."""
    path, fh = _writer(path)
    with fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow([r.student, r.notebook, f"{r.score:g}", f"{r.max_score:g}", r.status, r.detail])
    return path


def export_cells(rows: list[Row], path: Path | str) -> Path:
    """Write per-test-cell scores: student, notebook, grade_id, score, max_score."""
    path, fh = _writer(path)
    with fh:
        writer = csv.writer(fh)
        writer.writerow(CELL_COLUMNS)
        for r in rows:
            for grade_id, (score, max_score) in sorted(r.cells.items()):
                writer.writerow([r.student, r.notebook, grade_id, f"{score:g}", f"{max_score:g}"])
    return path


def read(path: Path | str, cells_path: Path | str | None = None) -> list[Row]:
    """Read a gradebook CSV back (and, if given, its per-cell CSV) into rows."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = [Row(d["student"], d["notebook"], float(d["score"]), float(d["max_score"]), d["status"], d["detail"])
                for d in csv.DictReader(fh)]
    if cells_path is not None:
        by_key = {(r.student, r.notebook): r for r in rows}
        with open(cells_path, newline="", encoding="utf-8") as fh:
            for d in csv.DictReader(fh):
                row = by_key.get((d["student"], d["notebook"]))
                if row is not None:
                    row.cells[d["grade_id"]] = (float(d["score"]), float(d["max_score"]))
    return rows

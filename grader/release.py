"""Generate student notebooks from ``solutions/`` with nbgrader's own preprocessors, in memory.

``nbgrader generate_assignment`` needs a course folder and a gradebook; the preprocessors that do
the actual work do not. We apply those (the converter's list minus header/footer, autotests and
``SaveCells``, which only feed the database) and then strip volatile metadata, so the output is
byte-for-byte a function of the solution notebook and CI can fail on any drift.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import NamedTuple

import nbformat

from grader import notebooks


class ReleaseError(Exception):
    """A solution notebook cannot be released; the message names the file and the problem."""


class Finding(NamedTuple):
    """One difference between ``solutions/`` and ``notebooks/``."""

    kind: str  # "drifted" | "missing" | "orphan"
    path: Path

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}"


def _pipeline() -> list:
    # Imported here: nbgrader is heavy and only release/autograde need it.
    from nbgrader.preprocessors import (
        CheckCellMetadata, ClearHiddenTests, ClearMarkScheme, ClearOutput, ClearSolutions,
        ComputeChecksums, LockCells,
    )

    # Same order as nbgrader's GenerateAssignment: hidden tests go after solutions are
    # cleared, and checksums are computed on what the student actually receives.
    return [LockCells(), ClearSolutions(), ClearOutput(), CheckCellMetadata(),
            ClearHiddenTests(), ClearMarkScheme(), ComputeChecksums(), CheckCellMetadata()]


def student_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return the student copy of a solution notebook (the input is left untouched)."""
    nb = copy.deepcopy(nb)
    resources: dict = {}
    for preprocessor in _pipeline():
        nb, resources = preprocessor.preprocess(nb, resources)
    return notebooks.strip(nb)


def render(src: Path) -> str:
    """The exact text of ``src``'s student copy.

    Raises:
        ReleaseError: the solution is not clean (outputs, execution counts, parameters cell) or
            its nbgrader markers/metadata are inconsistent.
    """
    try:
        nb = notebooks.read(src)
    except Exception as err:  # noqa: BLE001 - any unreadable file is reported the same way
        raise ReleaseError(f"{src.name}: not a readable notebook ({err})") from None
    found = notebooks.problems(nb)
    if found:
        raise ReleaseError(f"{src.name}: " + "; ".join(found)
                           + " (run `python -m grader clean` for outputs and counts)")
    try:
        return notebooks.dumps(student_version(nb))
    except Exception as err:  # noqa: BLE001 - nbgrader raises RuntimeError/ValidationError
        raise ReleaseError(f"{src.name}: {err}") from None


def _plan(src_dir: Path, dst_dir: Path) -> tuple[dict[Path, str], list[Path]]:
    sources = notebooks.list_notebooks(src_dir)
    rendered = {Path(dst_dir) / src.name: render(src) for src in sources}
    names = {src.name for src in sources}
    orphans = [p for p in notebooks.list_notebooks(dst_dir) if p.name not in names]
    return rendered, orphans


def release(src_dir: Path | str, dst_dir: Path | str, prune: bool = False) -> list[Path]:
    """Write the student copy of every ``NN_*.ipynb`` in ``src_dir`` into ``dst_dir``.

    Every solution is rendered before anything is written, so one bad notebook leaves
    ``dst_dir`` untouched. Files whose text is already right are not rewritten.

    Args:
        prune: also delete ``NN_*.ipynb`` files in ``dst_dir`` that have no solution.

    Returns:
        The files written (and, with ``prune``, deleted).
    """
    rendered, orphans = _plan(Path(src_dir), Path(dst_dir))
    Path(dst_dir).mkdir(parents=True, exist_ok=True)
    changed = []
    for path, text in rendered.items():
        if not path.is_file() or path.read_bytes() != text.encode("utf-8"):
            path.write_text(text, encoding="utf-8", newline="\n")
            changed.append(path)
    if prune:
        for path in orphans:
            path.unlink()
            changed.append(path)
    return changed


def check(src_dir: Path | str, dst_dir: Path | str) -> list[Finding]:
    """Compare ``dst_dir`` with what :func:`release` would write; empty means in sync."""
    rendered, orphans = _plan(Path(src_dir), Path(dst_dir))
    found = []
    for path, text in rendered.items():
        if not path.is_file():
            found.append(Finding("missing", path))
        elif path.read_bytes() != text.encode("utf-8"):
            found.append(Finding("drifted", path))
    found.extend(Finding("orphan", path) for path in orphans)
    return found

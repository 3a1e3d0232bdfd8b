"""Grade a batch of submissions so that the score is a number an instructor can put on a transcript.

Input is ``SUBMISSIONS/<student>/<NN_topic>.ipynb``; the answer key is ``solutions/``. For each
submission, in parallel (``workers``):

1. read it (``malformed`` if it is not a notebook) and restore the key's locked cells, hidden
   tests included (:mod:`grader.restore`); edits to locked cells are reported (``tampered``) and
   gain nothing;
2. screen the learner's own code (:mod:`grader.screen`): code that reaches into the kernel or
   the grader is not run, and scores 0 (``tampered``);
3. run it cell by cell with nbclient in its own sandbox (:mod:`grader.sandbox`: a scratch copy,
   walled off by bubblewrap where the machine allows), bounded per cell, per submission and in
   memory, with outputs capped (:mod:`grader.cellrun`);
4. score it from the grader's own record of each test cell: only cells seen to run to their end
   earn their points (``timed out`` and ``kernel died`` say why the others did not).

nbgrader's own preprocessors make the released copy and its checksums (:mod:`grader.release`);
nothing the kernel can write is read back, and no file of the checkout is reachable for writing.
Rows are :class:`grader.gradebook.Row`; :mod:`grader.gradebook` writes them as CSV.
"""
from __future__ import annotations

import re
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader import cellrun, notebooks, release, restore, screen
from grader.gradebook import CellResult, Row
from grader.sandbox import Sandbox, detect_level
from grader.paths import REPO_ROOT


class AutogradeError(Exception):
    """The batch itself cannot start (no submissions, an answer key that cannot be read…)."""


@dataclass(frozen=True)
class Limits:
    """Bounds for one submission. ``memory_mb=None`` means no address-space limit."""

    cell_timeout: int = 300
    submission_timeout: float = 1800
    memory_mb: int | None = 8192
    cell_bytes: int = 200_000  # output kept per cell
    notebook_bytes: int = 5_000_000  # output kept per notebook


@dataclass
class Key:
    """What the grader knows of one notebook of the answer key."""

    stem: str
    source: nbformat.NotebookNode
    released: nbformat.NotebookNode
    trusted: frozenset  # sources of the cells the course wrote, as released
    exercises: dict  # grade_id -> (exercise id, domain)

    @property
    def total(self) -> float:
        return max_points(self.source)


def collect(submissions: Path) -> dict[str, dict[str, Path]]:
    """``{student: {notebook_stem: path}}`` for ``SUBMISSIONS/<student>/<NN_topic>.ipynb``."""
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise AutogradeError(f"no submissions folder {submissions}")
    found = {}
    for student_dir in sorted(p for p in submissions.iterdir() if p.is_dir()):
        if not student_dir.name.startswith("."):
            found[student_dir.name] = {p.stem: p for p in notebooks.list_notebooks(student_dir)}
    return found


def max_points(nb: nbformat.NotebookNode) -> float:
    """Total points of the notebook's grade cells."""
    return float(sum(c.metadata.get("nbgrader", {}).get("points", 0) for c in nb.cells
                     if c.metadata.get("nbgrader", {}).get("grade")))


_CHECK_CALL = re.compile(r"\bchecks\.(\w+)\(")


def exercises_of(stem: str, source: nbformat.NotebookNode) -> dict[str, tuple[str, str]]:
    """``{grade_id: (exercise id, exam domain)}`` from the check each test cell calls."""
    from grader.checks import load_all
    from grader.exercise import REGISTRY

    load_all()
    prefix = stem.split("_", 1)[0]
    by_function = {ex.origin.rsplit(".", 1)[-1]: ex for ex in REGISTRY.values() if ex.notebook == prefix}
    found = {}
    for grade_id, _ in restore.test_cells(source).values():
        cell = next(c for c in source.cells if restore.grade_id(c) == grade_id)
        names = [n for n in _CHECK_CALL.findall(cell.source) if n in by_function]
        if names:
            ex = by_function[names[0]]
            found[grade_id] = (ex.id, ex.domain)
    return found


def load_key(path: Path) -> Key:
    """Read one answer-key notebook and derive its released copy (nbgrader's preprocessors)."""
    try:
        source = notebooks.read(path)
        released = release.student_version(source)
    except Exception as err:  # noqa: BLE001 - any failure here is the key's, not a learner's
        raise AutogradeError(f"cannot read the answer key {path}: {type(err).__name__}: {err}") from err
    if not restore.test_cells(source):
        raise AutogradeError(f"the answer key {path} has no autograded test cells")
    return Key(path.stem, source, released, frozenset(c.source for c in released.cells),
               exercises_of(path.stem, source))


def _cells(key: Key, nb, record: cellrun.RunRecord | None, default_message: str = "") -> dict:
    cells = {}
    for index, (grade_id, points) in restore.test_cells(nb).items():
        seen = record.cells.get(index) if record else None
        outcome = seen.outcome if seen else "not run"
        message = seen.message if seen else default_message
        exercise, domain = key.exercises.get(grade_id, ("", ""))
        cells[grade_id] = CellResult(points if outcome == "passed" else 0.0, points, outcome, message, exercise, domain)
    return cells


def grade_one(key: Key, student: str, submission: Path, base: Path, repo_root: Path, limits: Limits,
              level: str, keep: bool) -> Row:
    """Grade one submission; always returns exactly one row."""
    started = time.monotonic()

    def row(score, status, detail, cells=None):
        return Row(student, key.stem, score, key.total, status, detail, cells or {}, round(time.monotonic() - started, 1))

    try:
        submitted = notebooks.read(submission)
        if not isinstance(submitted.get("cells"), list):
            raise ValueError("it has no list of cells")
        tampered = restore.tampering(submitted, key.released, key.source)
        nb = restore.restore(submitted, key.source)
    except Exception as err:  # noqa: BLE001 - whatever the file is, it is not a notebook we can read
        first = " ".join(str(err).split())[:200]
        return row(0.0, "malformed", f"not a valid notebook: {type(err).__name__}: {first}")

    findings = screen.screen(nb, key.trusted)
    if findings:
        shown = "; ".join(str(f) for f in findings[:5]) + (f"; and {len(findings) - 5} more" if len(findings) > 5 else "")
        return row(0.0, "tampered", f"not run: its code reaches into the kernel or the grader ({shown})",
                   _cells(key, nb, None, "not run: the submission was refused (see the gradebook)"))

    sandbox = Sandbox(base / "scratch" / student / key.stem, repo_root, level).prepare()
    try:
        record = cellrun.run_submission(
            nb, sandbox, set(restore.test_cells(nb)), cell_timeout=limits.cell_timeout,
            submission_timeout=limits.submission_timeout, memory_mb=limits.memory_mb,
            cell_bytes=limits.cell_bytes, total_bytes=limits.notebook_bytes)
    finally:
        sandbox.remove()
    if keep:
        (base / "executed" / student).mkdir(parents=True, exist_ok=True)
        notebooks.write(_without_hidden_tests(nb, key), base / "executed" / student / f"{key.stem}.ipynb")
    cells = _cells(key, nb, record)
    score = sum(c.score for c in cells.values())
    notes = [note for note in (record.timed_out, tampered) if note]
    if record.kernel_died:
        status, notes = "kernel died", ["the kernel died or exited before the last cell", *notes]
    elif record.timed_out:
        status = "timed out"
    elif tampered:
        status = "tampered"
    else:
        status = "graded"
    return Row(student, key.stem, score, key.total, status, "; ".join(notes), cells, round(record.seconds, 1))


def _without_hidden_tests(nb, key: Key):
    """The executed copy as it may be handed back: each test cell shows its released source."""
    shown = {restore.grade_id(c): c.source for c in key.released.cells if restore.grade_id(c)}
    for index in restore.test_cells(nb):
        cell = nb.cells[index]
        cell.source = shown.get(restore.grade_id(cell), "")
    return nb


def _prepare_walls(level: str) -> None:
    """Put in the caches what walled kernels can read but not make: they have no network and a
    read-only jar cache, so Delta's jars, the catalog plugin and the pipelines' catalog plugin
    (notebook 07) are fetched and compiled here, once, before any kernel starts, and Spark's class
    archive (``localbricks.class_archive``) is recorded."""
    if level == "scratch":
        return
    from localbricks import class_archive
    from localbricks.jvm import catalog_jar
    from localbricks.pipelines.server import streaming_catalog_jar
    from localbricks.session import fetch_delta_jars

    catalog_jar()
    streaming_catalog_jar(fetch_delta_jars())
    class_archive.ensure()  # walled kernels map it read-only; they could not record it


def autograde(submissions: Path | str, source_dir: Path | str = REPO_ROOT / "solutions", *,
              repo_root: Path | str = REPO_ROOT, workers: int = 2, limits: Limits = Limits(),
              workdir: Path | str | None = None, progress_bar: bool = True, level: str | None = None) -> list[Row]:
    """Grade every submission; return one row per (student, notebook), sorted.

    The notebooks graded are those any student submitted; a student who did not submit one of
    them gets a ``missing`` row, and a file that matches no notebook of the key gets one too.

    Args:
        submissions: ``SUBMISSIONS/<student>/<NN_topic>.ipynb``.
        source_dir: the solution notebooks (answer key with hidden tests).
        repo_root: the folder submitted notebooks should see as ``..`` (its ``datasets/``).
        workers: submissions graded at the same time.
        limits: per-cell, per-submission, memory and output bounds.
        workdir: keep the executed notebooks here (``executed/<student>/<NN_topic>.ipynb``).
        level: a :data:`grader.sandbox.LEVELS` value; default the strongest the machine offers.
    """
    from tqdm.auto import tqdm

    found = collect(Path(submissions))
    if not any(found.values()):
        raise AutogradeError(f"no NN_*.ipynb submissions under {submissions}/<student>/")
    solutions = {p.stem: p for p in notebooks.list_notebooks(source_dir)}
    wanted = sorted({stem for per_student in found.values() for stem in per_student})
    keys = {stem: load_key(solutions[stem]) for stem in wanted if stem in solutions}
    level = level or detect_level()
    _prepare_walls(level)

    keep = workdir is not None
    base = Path(workdir) if keep else Path(tempfile.mkdtemp(prefix="grader-autograde-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        rows, jobs = [], []
        for student, per_student in found.items():
            for stem in wanted:
                if stem not in keys:
                    if stem in per_student:
                        rows.append(Row(student, stem, 0.0, 0.0, "missing", f"no notebook {stem} in {source_dir}"))
                elif stem not in per_student:
                    rows.append(Row(student, stem, 0.0, keys[stem].total, "missing", "not submitted"))
                else:
                    jobs.append((student, per_student[stem]))
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool, \
                tqdm(total=len(jobs), unit="submission", disable=not progress_bar) as bar:
            futures = {pool.submit(grade_one, keys[path.stem], student, path, base, Path(repo_root), limits,
                                   level, keep): (student, path) for student, path in jobs}
            for future in as_completed(futures):
                student, path = futures[future]
                try:
                    rows.append(future.result())
                except Exception as err:  # noqa: BLE001 - a bug on our side still gives a row
                    rows.append(Row(student, path.stem, 0.0, keys[path.stem].total, "error",
                                    f"grader: {type(err).__name__}: {err}"))
                bar.update()
        return sorted(rows, key=lambda r: (r.student, r.notebook))
    finally:
        shutil.rmtree(base / "scratch", ignore_errors=True)
        if not keep:
            shutil.rmtree(base, ignore_errors=True)

"""Grade a batch of submissions with real nbgrader, safely: bounded, isolated, never all-or-nothing.

Input is ``SUBMISSIONS/<student>/<NN_topic>.ipynb``; the answer key is ``solutions/``. We build a
temporary nbgrader course with one assignment per notebook and run ``nbgrader
generate_assignment`` once per notebook. Each (student, notebook) then gets its own small course
folder (a copy of the gradebook, the source, the submission) and its own ``nbgrader autograde``
process, so workers never contend for one SQLite file and a crash is contained. Every
submission is bounded

* per cell by nbgrader's ``Execute.timeout`` (the cell is interrupted, the rest still runs);
* as a whole by a wall-clock limit, after which the whole process tree is killed;
* in memory by ``RLIMIT_AS``, set in the child and inherited by the kernel (per process).

Rows are :class:`grader.gradebook.Row`; :mod:`grader.gradebook` writes them as CSV.

Tampering is left to nbgrader: locked cells that were edited are restored from the gradebook
(checksums), deleted test cells are added back (``OverwriteCells.add_missing_cells``); we only
report what was restored.

Working directory: nbgrader runs a notebook in ``<job>/autograded/<student>/<NN_topic>/``. The
repository's top-level folders (``datasets``, ``includes``, …) are symlinked into
``<job>/autograded/<student>/``, so ``../datasets/x.csv`` resolves exactly as from ``notebooks/``.
Kernels also get ``COURSE_ROOT``, ``PYTHONPATH`` (see :mod:`grader.kernelenv`), their own
``LOCALBRICKS_HOME`` and ``GRADER_NO_PROGRESS=1``.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat

from localbricks.workspace import REPO_ROOT

from grader import notebooks
from grader.gradebook import Row
from grader.kernelenv import kernel_env, kernel_environ


class AutogradeError(Exception):
    """The batch itself cannot start (no submissions, a solution nbgrader rejects…)."""


@dataclass(frozen=True)
class Limits:
    """Bounds for one submission. ``memory_mb=None`` means no address-space limit."""

    cell_timeout: int = 300
    submission_timeout: float = 1800
    memory_mb: int | None = 8192


# Runs in the child before nbgrader: cap the address space, then become the real command.
_LIMIT_AND_EXEC = (
    "import os, resource, sys; n = int(sys.argv[1]); "
    "n and resource.setrlimit(resource.RLIMIT_AS, (n, n)); "
    "os.execv(sys.argv[2], sys.argv[2:])"
)


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


def _nbgrader_config(root: Path):
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(root)
    return config


def generate(course: Path, sources: list[Path]) -> None:
    """Create ``course`` with one nbgrader assignment per source notebook, gradebook included."""
    from nbgrader.apps import NbGraderAPI

    for src in sources:
        folder = course / "source" / src.stem
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, folder / src.name)
    api = NbGraderAPI(config=_nbgrader_config(course))
    # nbgrader shells out to `alembic` when it creates the gradebook: it must be on PATH.
    with kernel_environ():
        for src in sources:
            result = api.generate_assignment(src.stem, force=True, create=True)
            if not result["success"]:
                log = (result.get("log") or "") + "\n" + (result.get("error") or "")
                raise AutogradeError(f"nbgrader cannot generate {src.name}: {_error_detail(log)}")


def tampering(submitted: nbformat.NotebookNode, released: nbformat.NotebookNode,
              source: nbformat.NotebookNode | None = None) -> str:
    """Describe locked cells a student deleted or edited ("" if none), by nbgrader checksum.

    A locked cell is untouched if it matches the released copy or, when given, the source
    (an instructor checking the key submits the solution, hidden tests included).
    """
    from nbgrader import utils

    def locked(nb):
        return {c.metadata.nbgrader["grade_id"]: c for c in nb.cells
                if utils.is_locked(c) and "grade_id" in c.metadata.get("nbgrader", {})}

    ref = locked(released)
    accepted = {g: {c.metadata.nbgrader.get("checksum")} for g, c in ref.items()}
    for g, c in locked(source or nbformat.v4.new_notebook()).items():
        accepted.setdefault(g, set()).add(utils.compute_checksum(c))
    got = {}
    for cell in submitted.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in ref:
            got[grade_id] = cell
    deleted = [g for g in ref if g not in got]
    edited = [g for g, c in got.items() if utils.compute_checksum(c) not in accepted[g]]
    parts = []
    if deleted:
        parts.append("deleted locked cell(s) " + ", ".join(deleted))
    if edited:
        parts.append("edited locked cell(s) " + ", ".join(edited))
    return "tampering: " + "; ".join(parts) + " (restored by nbgrader)" if parts else ""


def _link_repo(target: Path, repo_root: Path, skip: set[str]) -> None:
    """Make ``target`` look like the repository root to a notebook one level below it.

    Hidden entries and those in ``skip`` (the answer key, the assignment's own folder) are left out.
    """
    target.mkdir(parents=True, exist_ok=True)
    for entry in Path(repo_root).iterdir():
        if entry.name.startswith(".") or entry.name in skip:
            continue
        link = target / entry.name
        if not link.exists():
            link.symlink_to(entry.resolve(), target_is_directory=entry.is_dir())


def _kill_tree(proc: subprocess.Popen) -> None:
    """Kill the child and everything it started (kernels run in their own sessions)."""
    import psutil

    try:
        family = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    for p in [*family]:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    proc.kill()
    proc.wait()
    psutil.wait_procs(family, timeout=5)


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit)\b:?")


def _error_detail(log: str) -> str:
    """The most telling line of a failed nbgrader log: the last exception line, else the last line."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    # nbgrader ends every failure with a generic NbGraderException ("see the traceback above").
    exceptions = [line for line in lines if _EXCEPTION_LINE.match(line) and "NbGraderException" not in line]
    detail = (exceptions or lines or ["nbgrader failed without a message"])[-1]
    return detail[:300]


def _cell_timeouts(autograded: Path) -> int:
    """How many cells nbgrader interrupted for running past the cell timeout."""
    try:
        nb = notebooks.read(autograded)
    except Exception:  # noqa: BLE001 - no notebook, nothing to count
        return 0
    return sum(1 for c in nb.cells for o in c.get("outputs", [])
               if o.get("output_type") == "error" and o.get("ename") == "CellTimeoutError")


def _read_scores(job: Path, stem: str, student: str) -> tuple[float, float, dict]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{job / 'gradebook.db'}") as gb:
        sn = gb.find_submission_notebook(stem, stem, student)
        cells = {g.name: (float(g.score), float(g.max_score)) for g in sn.grades}
        return float(sn.score), float(sn.max_score), cells


def grade_one(course: Path, job: Path, student: str, submission: Path, repo_root: Path,
              limits: Limits) -> Row:
    """Autograde one submission in its own folder and process; always returns a row."""
    stem = submission.stem
    released = notebooks.read(course / "release" / stem / f"{stem}.ipynb")
    total = max_points(released)
    try:
        submitted = notebooks.read(submission)
        nbformat.validate(submitted)
    except Exception as err:  # noqa: BLE001 - whatever the file is, it is not a notebook
        first = " ".join(str(err).split())[:200]
        return Row(student, stem, 0.0, total, "invalid", f"not a valid notebook: {type(err).__name__}: {first}")
    tampered = tampering(submitted, released, notebooks.read(course / "source" / stem / f"{stem}.ipynb"))

    shutil.copytree(course / "source" / stem, job / "source" / stem)
    shutil.copyfile(course / "gradebook.db", job / "gradebook.db")
    (job / "submitted" / student / stem).mkdir(parents=True)
    shutil.copyfile(submission, job / "submitted" / student / stem / submission.name)
    _link_repo(job / "autograded" / student, repo_root, skip={stem, "solutions"})
    (job / "home").mkdir()

    cmd = [sys.executable, "-c", _LIMIT_AND_EXEC, str((limits.memory_mb or 0) * 2**20),
           sys.executable, "-m", "nbgrader", "autograde", stem, f"--student={student}", "--force",
           f"--CourseDirectory.root={job}", f"--Execute.timeout={int(limits.cell_timeout)}",
           "--OverwriteCells.add_missing_cells=True"]
    env = kernel_env(repo_root, LOCALBRICKS_HOME=str(job / "home"), JUPYTER_CONFIG_DIR=str(job / "jupyter"))
    log_path = job / "autograde.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=job, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            rc = proc.wait(timeout=limits.submission_timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(proc)
            return Row(student, stem, 0.0, total, "timeout",
                       f"killed after {limits.submission_timeout:g} s (limit for one submission)")
    if rc != 0:
        detail = _error_detail(log_path.read_text(encoding="utf-8", errors="replace"))
        return Row(student, stem, 0.0, total, "error", "; ".join(filter(None, [detail, tampered])))
    try:
        score, max_score, cells = _read_scores(job, stem, student)
    except Exception as err:  # noqa: BLE001 - e.g. the gradebook has no grades
        return Row(student, stem, 0.0, total, "error", f"no grades recorded: {type(err).__name__}: {err}")
    status, notes = "graded", [tampered]
    timeouts = _cell_timeouts(job / "autograded" / student / stem / f"{stem}.ipynb")
    if timeouts:
        status = "timeout"
        notes.insert(0, f"{timeouts} cell(s) interrupted after {limits.cell_timeout} s")
    return Row(student, stem, score, max_score, status, "; ".join(filter(None, notes)), cells)


def autograde(submissions: Path | str, source_dir: Path | str = REPO_ROOT / "solutions", *,
              repo_root: Path | str = REPO_ROOT, workers: int = 2, limits: Limits = Limits(),
              workdir: Path | str | None = None, progress_bar: bool = True) -> list[Row]:
    """Grade every submission; return one row per (student, notebook), sorted.

    The notebooks graded are those any student submitted; a student who did not submit one of
    them gets an ``invalid`` row saying so, and a file that matches no solution gets one too.

    Args:
        submissions: ``SUBMISSIONS/<student>/<NN_topic>.ipynb``.
        source_dir: the solution notebooks (answer key with hidden tests).
        repo_root: the folder submitted notebooks should see as ``..``.
        workers: submissions graded at the same time.
        limits: per-cell, per-submission and memory bounds.
        workdir: keep the nbgrader course (autograded notebooks, logs) here instead of a
            temporary folder that is deleted afterwards.
    """
    from tqdm.auto import tqdm

    found = collect(Path(submissions))
    if not any(found.values()):
        raise AutogradeError(f"no NN_*.ipynb submissions under {submissions}/<student>/")
    solutions = {p.stem: p for p in notebooks.list_notebooks(source_dir)}
    wanted = sorted({stem for per_student in found.values() for stem in per_student})
    known = [stem for stem in wanted if stem in solutions]

    keep = workdir is not None
    base = Path(workdir) if keep else Path(tempfile.mkdtemp(prefix="grader-autograde-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        course = base / "course"
        if course.exists():
            shutil.rmtree(course)
        generate(course, [solutions[stem] for stem in known])
        totals = {stem: max_points(notebooks.read(solutions[stem])) for stem in known}
        rows, jobs = [], []
        for student, per_student in found.items():
            for stem in wanted:
                if stem not in solutions:
                    if stem in per_student:
                        rows.append(Row(student, stem, 0.0, 0.0, "invalid", f"no notebook {stem} in {source_dir}"))
                elif stem not in per_student:
                    rows.append(Row(student, stem, 0.0, totals[stem], "invalid", "not submitted"))
                else:
                    jobs.append((student, per_student[stem]))
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool, \
                tqdm(total=len(jobs), unit="submission", disable=not progress_bar) as bar:
            futures = {}
            for student, path in jobs:
                job = base / "jobs" / student / path.stem
                if job.exists():
                    shutil.rmtree(job)
                job.mkdir(parents=True)
                futures[pool.submit(grade_one, course, job, student, path, Path(repo_root), limits)] = (student, path)
            for future in as_completed(futures):
                student, path = futures[future]
                try:
                    rows.append(future.result())
                except Exception as err:  # noqa: BLE001 - a bug on our side still gives a row
                    rows.append(Row(student, path.stem, 0.0, totals.get(path.stem, 0.0), "error",
                                    f"grader: {type(err).__name__}: {err}"))
                bar.update()
        return sorted(rows, key=lambda r: (r.student, r.notebook))
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)

"""Plain ``nbgrader autograde``, run the way a course without our grader would run it: the baseline
the grading benchmarks compare ours with.

One temporary nbgrader course per batch: each notebook of the key copied to
``source/<stem>/<stem>.ipynb`` and released with ``nbgrader generate_assignment``, every submission
put in ``submitted/<student>/<stem>/``, then ONE ``nbgrader autograde <stem>`` process per notebook
for all students, as an instructor would type it. Kernels run in ``autograded/<student>/<stem>/``,
where ``../datasets`` is a symlink to the checkout's ``datasets`` (what a plain setup does so the
notebooks find their data; it also means a kernel can write to it). Scores are read from
``gradebook.db`` with nbgrader's own API; a submission absent from it has no score (``None``).

Each autograde process has a hard wall-clock limit: past it the whole process tree is killed and
the batch counts as aborted; so does a process killed by a signal (a submission can kill its
parent), or one that exits with an error before it has started every student (nbgrader gives up
on the whole batch for some errors of one submission). This module also holds :class:`ProcessWatch`, which both benchmarks use to
measure ours and plain alike: peak RSS of the process tree, and processes left running.
"""
from __future__ import annotations

import ctypes
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from _common import REPO

_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Make orphaned descendants (kernels of a killed nbgrader) our children, so they can be found."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _alive_descendants() -> list[psutil.Process]:
    found = []
    for p in psutil.Process().children(recursive=True):
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                found.append(p)
        except psutil.NoSuchProcess:
            pass
    return found


def kill_all(processes) -> None:
    for p in processes:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(list(processes), timeout=10)


class ProcessWatch:
    """Samples this process and its descendants while a block runs.

    ``peak_rss_mb``: the largest sum of resident memory seen (shared pages counted in each
    process, the same way for both sides). ``leftovers``: descendants started inside the block
    and still running at its end; :meth:`stop` kills them and counts them.
    """

    def __init__(self, interval: float = 0.5):
        self.interval, self.peak_rss_mb, self.leftovers = interval, 0.0, 0
        self._stop = threading.Event()
        self._before = {p.pid for p in _alive_descendants()}
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self):
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak_rss_mb = max(self.peak_rss_mb, total / 2**20)
            self._stop.wait(self.interval)

    def stop(self) -> "ProcessWatch":
        self._stop.set()
        self._thread.join()
        left = [p for p in _alive_descendants() if p.pid not in self._before]
        self.leftovers = len(left)
        kill_all(left)
        return self


@dataclass
class PlainBatch:
    """What plain nbgrader produced for one batch."""

    scores: dict = field(default_factory=dict)  # (student, stem) -> points, or None if not in the gradebook
    aborted: dict = field(default_factory=dict)  # stem -> why its autograde process did not finish
    exit_codes: dict = field(default_factory=dict)  # stem -> return code of its autograde process
    seconds: float = 0.0  # the autograde processes, one after the other
    generate_seconds: float = 0.0  # nbgrader generate_assignment (an instructor's one-time step)
    logs: dict = field(default_factory=dict)  # stem -> log file


def environment() -> dict:
    """What the nbgrader processes get: the kernels' course variables, PATH with this venv first (alembic)."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from grader.kernelenv import kernel_env

    return kernel_env(REPO)


def _nbgrader(args: list[str], course: Path, log: Path, limit: float) -> tuple[int | None, str]:
    """Run ``python -m nbgrader <args>``; return (exit code, why it was aborted or "")."""
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
                                cwd=course, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                env=environment(), start_new_session=True)
        family: dict[int, psutil.Process] = {}
        deadline = time.monotonic() + limit
        while proc.poll() is None and time.monotonic() < deadline:
            try:  # remember the tree as it grows: kernels outlive a killed parent
                family.update({p.pid: p for p in psutil.Process(proc.pid).children(recursive=True)})
            except psutil.NoSuchProcess:
                pass
            time.sleep(0.2)
        if proc.poll() is None:
            kill_all([*family.values(), psutil.Process(proc.pid)])
            proc.wait()
            return proc.returncode, f"killed after the {limit:.0f} s limit"
        if proc.returncode < 0:
            return proc.returncode, f"nbgrader was killed by signal {-proc.returncode}"
        return proc.returncode, ""


def _link_datasets(course: Path, student: str) -> None:
    folder = course / "autograded" / student
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "datasets"
    if not link.is_symlink():
        link.symlink_to(REPO / "datasets", target_is_directory=True)


def grade(submissions: dict, course: Path, *, source_dir: Path = REPO / "solutions", cell_timeout: int = 300,
          batch_limit: float = 1800) -> PlainBatch:
    """Grade ``{(student, stem): notebook path}`` with plain nbgrader in the new folder ``course``.

    Args:
        submissions: the notebooks to grade, by student and notebook.
        course: an empty or absent folder for the nbgrader course.
        source_dir: the answer key (``solutions/``).
        cell_timeout: nbgrader's per-cell timeout (``ExecutePreprocessor.timeout``).
        batch_limit: wall-clock seconds for one notebook's autograde process, all students.
    """
    course.mkdir(parents=True, exist_ok=True)
    batch = PlainBatch()
    stems = sorted({stem for _, stem in submissions})
    started = time.monotonic()
    for stem in stems:
        (course / "source" / stem).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source_dir / f"{stem}.ipynb", course / "source" / stem / f"{stem}.ipynb")
        log = batch.logs.setdefault(stem, course / f"nbgrader-{stem}.log")
        code, why = _nbgrader(["generate_assignment", stem, "--force"], course, log, 300)
        if code != 0:
            raise SystemExit(f"nbgrader generate_assignment {stem} failed ({why or code}); see {log}")
    batch.generate_seconds = time.monotonic() - started
    for (student, stem), path in submissions.items():
        target = course / "submitted" / student / stem
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / f"{stem}.ipynb")
        _link_datasets(course, student)
    started = time.monotonic()
    for stem in stems:
        code, why = _nbgrader(["autograde", stem, "--force", f"--ExecutePreprocessor.timeout={cell_timeout}"],
                              course, batch.logs[stem], batch_limit)
        batch.exit_codes[stem] = code
        students = {student for student, s in submissions if s == stem}
        why = why or _stopped_early(batch.logs[stem], students, code)
        if why:
            batch.aborted[stem] = why
    batch.seconds = time.monotonic() - started
    batch.scores = read_scores(course, list(submissions))
    return batch


_STARTED = re.compile(r"Creating/updating student with ID '([^']+)'")


def _stopped_early(log: Path, students: set, code: int | None) -> str:
    """A batch that exited with an error before it started every student (nbgrader raises on some errors)."""
    text = log.read_text(errors="replace")
    started = _STARTED.findall(text)
    never = students - set(started)
    if code == 0 or not never:
        return ""
    tail = text[text.rfind("Creating/updating student"):]  # what went wrong with the last one started
    errors = [line.strip() for line in tail.splitlines() if "ERROR" in line]
    last = errors[-1][:160] if errors else "no error logged"
    return (f"nbgrader exited with code {code} while grading {started[-1] if started else 'no one'}; "
            f"{len(never)} students never started ({last})")


def read_scores(course: Path, wanted: list) -> dict:
    """``{(student, stem): score or None}`` from the course's ``gradebook.db``."""
    from nbgrader.api import Gradebook, MissingEntry

    scores = {key: None for key in wanted}
    if not (course / "gradebook.db").exists():
        return scores
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student, stem in wanted:
            try:
                scores[student, stem] = float(gb.find_submission_notebook(stem, stem, student).score)
            except MissingEntry:
                pass
    return scores


def tree_hash(folder: Path) -> dict:
    """Size and modification time of every file under ``folder``: cheap proof nothing was written."""
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(Path(folder).rglob("*")) if p.is_file()}

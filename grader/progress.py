"""The learner's local progress store: what was attempted, passed and hinted, by exam domain.

One SQLite file in the workspace folder (``home()/progress.sqlite``), opened per call so
several kernels can share it. Recording is a side effect of checking and must never break a
check: if the store cannot be opened or written, we warn once and carry on. Setting
``GRADER_NO_PROGRESS=1`` (CI, autograding) turns recording off entirely.
"""
from __future__ import annotations

import os
import sqlite3
import warnings
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, NamedTuple

from localbricks import workspace

DISABLE_ENV = "GRADER_NO_PROGRESS"
FILENAME = "progress.sqlite"
OUTCOMES = ("pass", "fail", "error")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    ts TEXT NOT NULL, exercise_id TEXT NOT NULL, outcome TEXT NOT NULL, message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS hints (ts TEXT NOT NULL, exercise_id TEXT NOT NULL, n INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS attempts_by_exercise ON attempts (exercise_id);
"""

_warned = False
_session_hints: dict[str, set[int]] = {}  # hints shown in this process, even when not stored


class Standing(NamedTuple):
    """One exam domain's numbers."""

    total: int
    passed: int
    attempted: int


def enabled() -> bool:
    """False when ``GRADER_NO_PROGRESS`` is set to anything but ``""``/``"0"``."""
    return os.environ.get(DISABLE_ENV, "") in ("", "0")


def store_path() -> Path:
    """Where the store lives (the workspace folder is created on demand)."""
    return workspace.home() / FILENAME


def _warn_once(err: Exception) -> None:
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(
            f"grader: progress is not being saved ({type(err).__name__}: {err}); checks still work.",
            RuntimeWarning,
            stacklevel=3,
        )


def _connect() -> sqlite3.Connection:
    conn = sqlite3.connect(store_path(), timeout=10)
    conn.executescript(_SCHEMA)
    return conn


def _write(sql: str, params: tuple) -> None:
    if not enabled():
        return
    try:
        with closing(_connect()) as conn, conn:
            conn.execute(sql, params)
    except (OSError, sqlite3.Error) as err:
        _warn_once(err)


def _read(sql: str, params: tuple = ()) -> list[tuple]:
    if not enabled():
        return []
    try:
        if not store_path().is_file():  # nothing recorded yet: do not create the store to read it
            return []
        with closing(_connect()) as conn:
            return conn.execute(sql, params).fetchall()
    except (OSError, sqlite3.Error) as err:
        _warn_once(err)
        return []


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def record_attempt(exercise_id: str, outcome: str, message: str = "") -> None:
    """Store one check call's outcome (``pass``, ``fail`` or ``error``)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}, not {outcome!r}")
    _write("INSERT INTO attempts VALUES (?, ?, ?, ?)", (_now(), exercise_id, outcome, message))


def record_hint(exercise_id: str, n: int) -> None:
    """Remember that hint ``n`` (1-based) of ``exercise_id`` was shown."""
    _session_hints.setdefault(exercise_id, set()).add(n)
    _write("INSERT INTO hints VALUES (?, ?, ?)", (_now(), exercise_id, n))


def hints_seen(exercise_id: str) -> set[int]:
    """Numbers of the hints already shown for ``exercise_id`` (stored or in this session)."""
    stored = _read("SELECT DISTINCT n FROM hints WHERE exercise_id = ?", (exercise_id,))
    return {n for (n,) in stored} | _session_hints.get(exercise_id, set())


def latest_outcomes() -> dict[str, str]:
    """The most recent outcome of every attempted exercise."""
    rows = _read(
        "SELECT exercise_id, outcome FROM attempts"
        " WHERE rowid IN (SELECT MAX(rowid) FROM attempts GROUP BY exercise_id)"
    )
    return dict(rows)


def standing(exercises: Iterable | None = None) -> dict[str, Standing]:
    """Per exam domain: exercises in the course, passed (latest outcome), attempted.

    Args:
        exercises: the :class:`grader.exercise.Exercise` objects to count; by default every
            check module is imported and the whole registry is used.
    """
    from grader.exercise import DOMAINS, REGISTRY

    if exercises is None:
        from grader.checks import load_all

        load_all()
        exercises = REGISTRY.values()
    latest = latest_outcomes()
    counts = {domain: [0, 0, 0] for domain in DOMAINS}
    for ex in exercises:
        row = counts.setdefault(ex.domain, [0, 0, 0])
        row[0] += 1
        row[1] += latest.get(ex.id) == "pass"
        row[2] += ex.id in latest
    return {domain: Standing(*row) for domain, row in counts.items()}


def format_standing(table: dict[str, Standing]) -> str:
    """A plain-text table of :func:`standing`, with a total line."""
    width = max(len("Exam domain"), *(len(d) for d in table))
    lines = [f"{'Exam domain':<{width}}  passed  attempted  total", "-" * (width + 26)]
    for domain, s in table.items():
        lines.append(f"{domain:<{width}}  {s.passed:>6}  {s.attempted:>9}  {s.total:>5}")
    total = Standing(*(sum(col) for col in zip(*table.values()))) if table else Standing(0, 0, 0)
    lines.append("-" * (width + 26))
    lines.append(f"{'All':<{width}}  {total.passed:>6}  {total.attempted:>9}  {total.total:>5}")
    return "\n".join(lines)

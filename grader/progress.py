"""The learner's local progress store: exercise attempts, hints shown, and practice-exam sittings.

The store keeps facts and knows nothing of the course's content: which exercises exist and which
domain they belong to is ``grader.exercise``'s business, and standings are computed from both
by ``grader.exam_readiness``. So this module imports nothing from ``grader``.

One SQLite file in the workspace folder (``home()/progress.sqlite``), opened per call so
several kernels can share it. Recording is a side effect of checking and must never break a
check: if the store cannot be opened or written, we warn once and carry on. Setting
``GRADER_NO_PROGRESS=1`` (CI, autograding) turns recording off entirely.
"""
from __future__ import annotations

import json
import os
import sqlite3
import warnings
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping, NamedTuple

from localbricks import workspace

DISABLE_ENV = "GRADER_NO_PROGRESS"
FILENAME = "progress.sqlite"
OUTCOMES = ("pass", "fail", "error")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    ts TEXT NOT NULL, exercise_id TEXT NOT NULL, outcome TEXT NOT NULL, message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS hints (ts TEXT NOT NULL, exercise_id TEXT NOT NULL, n INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS attempts_by_exercise ON attempts (exercise_id);
CREATE TABLE IF NOT EXISTS sittings (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, domain TEXT, seed INTEGER,
    started TEXT NOT NULL, question_ids TEXT NOT NULL, seconds_left REAL,
    status TEXT NOT NULL DEFAULT 'open', finished TEXT, correct INTEGER, total INTEGER,
    by_domain TEXT);
CREATE TABLE IF NOT EXISTS sitting_answers (
    sitting_id INTEGER NOT NULL, question_id TEXT NOT NULL, answer TEXT NOT NULL DEFAULT '',
    flagged INTEGER NOT NULL DEFAULT 0, correct INTEGER, ts TEXT NOT NULL,
    PRIMARY KEY (sitting_id, question_id));
"""
SITTING_KINDS = ("exam", "practice")

_warned = False
_session_hints: dict[str, set[int]] = {}  # hints shown in this process, even when not stored


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


def _write(sql: str, params: tuple) -> int | None:
    """Run one write in its own transaction; return the new row's id, or None if not stored."""
    if not enabled():
        return None
    try:
        with closing(_connect()) as conn, conn:
            return conn.execute(sql, params).lastrowid
    except (OSError, sqlite3.Error) as err:
        _warn_once(err)
        return None


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


def reset_module(prefix: str) -> int:
    """Forget every attempt and hint of notebook ``prefix`` (``"02"``); return how many rows went."""
    if not (len(prefix) == 2 and prefix.isdigit()):
        raise ValueError(f"a module is a two-digit notebook number like '02', not {prefix!r}")
    if not enabled() or not store_path().is_file():
        return 0
    pattern = f"{prefix}.%"
    try:
        with closing(_connect()) as conn, conn:
            gone = conn.execute("DELETE FROM attempts WHERE exercise_id LIKE ?", (pattern,)).rowcount
            gone += conn.execute("DELETE FROM hints WHERE exercise_id LIKE ?", (pattern,)).rowcount
    except (OSError, sqlite3.Error) as err:
        _warn_once(err)
        return 0
    _session_hints.update({k: set() for k in _session_hints if k.startswith(f"{prefix}.")})
    return gone


# --- practice-exam sittings ----------------------------------------------------------------------

class Sitting(NamedTuple):
    """One practice exam or drill, finished or not, with every answer saved so far."""

    id: int
    kind: str                       # "exam" | "practice"
    domain: str | None              # the drilled domain; None for an exam
    seed: int | None
    started: str
    question_ids: list[str]
    seconds_left: float | None      # the exam clock when last saved
    status: str                     # "open" | "submitted" | "abandoned"
    finished: str | None
    correct: int | None
    total: int | None
    by_domain: dict[str, list[int]]  # domain -> [correct, total]
    answers: dict[str, str]          # question id -> letters ("" when cleared)
    flagged: set[str]


def start_sitting(kind: str, question_ids: list[str], *, seconds_left: float | None = None,
                  seed: int | None = None, domain: str | None = None) -> int | None:
    """Open a sitting; return its id (None when the store is off or cannot be written)."""
    if kind not in SITTING_KINDS:
        raise ValueError(f"kind must be one of {SITTING_KINDS}, not {kind!r}")
    return _write(
        "INSERT INTO sittings (kind, domain, seed, started, question_ids, seconds_left)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (kind, domain, seed, _now(), json.dumps(list(question_ids)), seconds_left))


def save_answer(sitting_id: int | None, question_id: str, answer: str, *, flagged: bool = False,
                correct: bool | None = None, seconds_left: float | None = None) -> None:
    """Save (or replace) one answer and its flag, and the clock, the moment it is given."""
    if sitting_id is None:
        return
    _write("INSERT INTO sitting_answers VALUES (?, ?, ?, ?, ?, ?)"
           " ON CONFLICT (sitting_id, question_id) DO UPDATE SET answer = excluded.answer,"
           " flagged = excluded.flagged, correct = excluded.correct, ts = excluded.ts",
           (sitting_id, question_id, answer, int(flagged), None if correct is None else int(correct),
            _now()))
    if seconds_left is not None:
        save_clock(sitting_id, seconds_left)


def save_clock(sitting_id: int | None, seconds_left: float) -> None:
    """Remember how much exam time is left, so a resumed sitting continues from there."""
    if sitting_id is not None:
        _write("UPDATE sittings SET seconds_left = ? WHERE id = ?", (max(0.0, seconds_left), sitting_id))


def finish_sitting(sitting_id: int | None, correct: int, total: int,
                   by_domain: Mapping[str, tuple[int, int]], results: Mapping[str, bool]) -> None:
    """Close a sitting with its score, its per-domain scores and whether each question was right."""
    if sitting_id is None or not enabled():
        return
    try:
        with closing(_connect()) as conn, conn:
            for question_id, right in results.items():
                conn.execute(
                    "INSERT INTO sitting_answers (sitting_id, question_id, correct, ts) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (sitting_id, question_id) DO UPDATE SET correct = excluded.correct",
                    (sitting_id, question_id, int(right), _now()))
            conn.execute(
                "UPDATE sittings SET status = 'submitted', finished = ?, correct = ?, total = ?,"
                " by_domain = ? WHERE id = ?",
                (_now(), correct, total, json.dumps({d: list(v) for d, v in by_domain.items()}),
                 sitting_id))
    except (OSError, sqlite3.Error) as err:
        _warn_once(err)


def abandon_sitting(sitting_id: int) -> None:
    """Mark an unfinished sitting as given up, so it is no longer offered for resuming."""
    _write("UPDATE sittings SET status = 'abandoned', finished = ? WHERE id = ? AND status = 'open'",
           (_now(), sitting_id))


def _sittings(where: str, params: tuple) -> list[Sitting]:
    rows = _read("SELECT id, kind, domain, seed, started, question_ids, seconds_left, status, finished,"
                 f" correct, total, by_domain FROM sittings WHERE {where} ORDER BY id", params)
    found = []
    for row in rows:
        answers = _read("SELECT question_id, answer, flagged FROM sitting_answers WHERE sitting_id = ?",
                        (row[0],))
        found.append(Sitting(*row[:5], json.loads(row[5]), *row[6:11], json.loads(row[11] or "{}"),
                             {q: a for q, a, _ in answers if a}, {q for q, _, f in answers if f}))
    return found


def open_sitting(kind: str = "exam") -> Sitting | None:
    """The most recent unfinished sitting of ``kind``, to offer for resuming."""
    found = _sittings("kind = ? AND status = 'open'", (kind,))
    return found[-1] if found else None


def finished_sittings(kind: str = "exam") -> list[Sitting]:
    """Every submitted sitting of ``kind``, oldest first."""
    return _sittings("kind = ? AND status = 'submitted'", (kind,))


def last_results() -> dict[str, bool]:
    """Per question ever scored: was it right the last time it was asked (exam or drill)?"""
    rows = _read("SELECT a.question_id, a.correct FROM sitting_answers a JOIN sittings s"
                 " ON s.id = a.sitting_id WHERE a.correct IS NOT NULL ORDER BY s.id, a.rowid")
    return {question_id: bool(right) for question_id, right in rows}

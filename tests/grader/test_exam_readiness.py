"""Standing by module and exam domain, the exam-weighted readiness estimate, and `grader progress`."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from grader import exam_readiness as er
from grader import progress
from grader.exam_readiness import Standing
from grader.exercise import DOMAINS, Exercise

REPO = Path(__file__).resolve().parents[2]
DML, DP, MD, MDEP = DOMAINS


def sit(by_domain: dict[str, tuple[int, int]]):
    """Store one finished exam with these per-domain scores, as the exam program does."""
    sid = progress.start_sitting("exam", ["q"], seconds_left=60)
    correct, total = (sum(v[i] for v in by_domain.values()) for i in (0, 1))
    progress.finish_sitting(sid, correct, total, by_domain, {})


def test_standing_by_module_and_by_domain_counts_latest_outcomes():
    exercises = [Exercise("01.a", DP), Exercise("01.b", DP), Exercise("02.c", DP), Exercise("02.d", DP),
                 Exercise("05.e", MDEP)]
    latest = {"01.a": "pass", "01.b": "pass", "02.c": "error", "05.e": "fail"}
    assert er.by_module(exercises, latest) == {"01": Standing(2, 2, 2), "02": Standing(2, 0, 1),
                                               "05": Standing(1, 0, 1)}
    domains = er.by_domain(exercises, latest)
    assert list(domains) == list(DOMAINS)
    assert domains[DP] == Standing(4, 2, 3) and domains[MDEP] == Standing(1, 0, 1)
    assert domains[MD] == Standing(0, 0, 0)


def test_readiness_is_weighted_like_the_exam():
    domains = {DML: Standing(20, 10, 12), DP: Standing(10, 5, 5), MD: Standing(10, 0, 0), MDEP: Standing(0, 0, 0)}
    sit({DML: (9, 18), DP: (9, 9), MD: (15, 15), MDEP: (3, 6)})
    exams = er.recent_exam_scores(progress.finished_sittings())
    ready = er.readiness(domains, exams)
    # per domain: mean(50, 50), mean(50, 100), mean(0, 100), mean(50) → 0.38·50 + 0.19·75 + 0.31·50 + 0.12·50
    assert ready.by_domain == {DML: 50.0, DP: 75.0, MD: 50.0, MDEP: 50.0}
    assert ready.percent == pytest.approx(54.75) and ready.from_exams


def test_readiness_from_exercises_alone_and_from_nothing():
    domains = {DML: Standing(2, 2, 2), DP: Standing(1, 0, 0), MD: Standing(0, 0, 0), MDEP: Standing(0, 0, 0)}
    ready = er.readiness(domains, er.recent_exam_scores([]))
    assert ready.percent == pytest.approx(38.0) and not ready.from_exams


def test_recent_exam_scores_pool_the_last_three():
    sit({DML: (0, 18)})  # the oldest: left out
    for correct in (18, 9, 9):
        sit({DML: (correct, 18)})
    pooled = er.recent_exam_scores(progress.finished_sittings())
    assert (pooled[DML].correct, pooled[DML].total) == (36, 54)
    assert pooled[DP].total == 0


def run_grader(*args, home) -> subprocess.CompletedProcess:
    env = {**os.environ, "LOCALBRICKS_HOME": str(home)}
    env.pop(progress.DISABLE_ENV, None)
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


def module_row(out: str, stem: str) -> tuple[int, int]:
    match = re.search(rf"^{stem}\s+(\d+)\s+(\d+)\s+\d+$", out, re.M)
    assert match, out
    return int(match[1]), int(match[2])


def test_progress_command_shows_modules_domains_exams_and_readiness(workspace):
    progress.record_attempt("02.outliers_iqr", "pass")
    progress.record_attempt("00.hello_table", "fail")
    sit({DML: (15, 18), DP: (9, 9), MD: (12, 15), MDEP: (3, 6)})
    done = run_grader("progress", home=workspace)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert module_row(out, "02_data_preparation") == (1, 1)
    assert module_row(out, "00_welcome_and_setup") == (0, 1)
    assert re.search(r"^\s+1\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+81%\s+83%\s+100%\s+80%\s+50%$", out, re.M), out  # 39/48
    assert re.search(rf"^{DP}\s+19%\s+1/\d+\s+100%\s+\d+%$", out, re.M), out
    assert re.search(r"^Readiness estimate: \d+% \(weighted 38/19/31/12; from exercises and the last 1 ", out, re.M)
    assert "80–85%" in out and "Practice drills" not in out

    drill = progress.start_sitting("practice", ["q1", "q2"], domain=DP)
    progress.finish_sitting(drill, 1, 2, {DP: (1, 2)}, {"q1": True, "q2": False})
    again = run_grader("progress", home=workspace).stdout
    assert f"Practice drills: {DP} 1/2 right" in again
    assert again.split("Readiness estimate")[1] == out.split("Readiness estimate")[1]  # drills don't count


def test_progress_reset_forgets_one_module_only(workspace):
    progress.record_attempt("02.outliers_iqr", "pass")
    progress.record_attempt("00.hello_table", "pass")
    done = run_grader("progress", "--reset", "02_data_preparation", home=workspace)
    assert done.returncode == 0 and "forgot 1 attempt(s)" in done.stdout
    assert progress.latest_outcomes() == {"00.hello_table": "pass"}
    out = run_grader("progress", home=workspace).stdout
    assert module_row(out, "02_data_preparation") == (0, 0) and module_row(out, "00_welcome_and_setup") == (1, 1)


def test_progress_reset_refuses_a_module_that_is_not_one(workspace):
    done = run_grader("progress", "--reset", "data", home=workspace)
    assert done.returncode == 2 and "grader: error: a module is a notebook number" in done.stderr

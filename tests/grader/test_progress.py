"""The progress store: attempts, hints and exam sittings, never breaking a check, knowing no content."""
from __future__ import annotations

import warnings

import pytest

import ast
import subprocess
import sys
from pathlib import Path

from grader import progress


def test_unknown_outcome_refused():
    with pytest.raises(ValueError):
        progress.record_attempt("01.a", "maybe")


def test_unwritable_home_warns_once_and_checks_still_work(examples, tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the workspace should be")
    monkeypatch.setenv("LOCALBRICKS_HOME", str(blocker))

    check = examples.check_truthy
    with pytest.warns(RuntimeWarning, match="progress is not being saved"):
        check(True)
    assert "✔ 99.truthy: correct" in capsys.readouterr().out
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second warning would raise here
        with pytest.raises(AssertionError, match="Try again"):
            check(False)
        assert progress.latest_outcomes() == {}


def test_disabled_by_env_writes_nothing(monkeypatch):
    monkeypatch.setenv(progress.DISABLE_ENV, "1")
    progress.record_attempt("01.a", "pass")
    progress.record_hint("01.a", 1)
    assert not progress.store_path().exists()
    assert progress.latest_outcomes() == {}


def test_reading_an_empty_workspace_creates_nothing():
    assert progress.latest_outcomes() == {} and progress.hints_seen("01.a") == set()
    assert not progress.store_path().exists()


def test_reset_module_forgets_only_that_module():
    for ex_id in ("02.a", "02.b", "03.a", "20.a", "020.a"):  # 020 starts with 02 but is not module 02
        progress.record_attempt(ex_id, "pass")
    progress.record_hint("02.a", 1)
    progress.record_hint("03.a", 1)
    assert progress.reset_module("02") == 3
    assert progress.latest_outcomes() == {"03.a": "pass", "20.a": "pass", "020.a": "pass"}
    assert progress.hints_seen("02.a") == set() and progress.hints_seen("03.a") == {1}
    assert progress.reset_module("02") == 0
    with pytest.raises(ValueError):
        progress.reset_module("2_data")


def test_a_sitting_saves_each_answer_and_resumes_until_finished():
    sid = progress.start_sitting("exam", ["q1", "q2", "q3"], seconds_left=5400, seed=4)
    progress.save_answer(sid, "q1", "B", seconds_left=5000)
    progress.save_answer(sid, "q2", "AC", flagged=True, seconds_left=4900)
    progress.save_answer(sid, "q1", "D", seconds_left=4800)  # changed answer replaces the first
    progress.save_answer(sid, "q3", "", flagged=True, seconds_left=4700)  # flagged, unanswered
    open_ = progress.open_sitting("exam")
    assert (open_.id, open_.question_ids, open_.seed, open_.seconds_left) == (sid, ["q1", "q2", "q3"], 4, 4700)
    assert open_.answers == {"q1": "D", "q2": "AC"} and open_.flagged == {"q2", "q3"}
    assert progress.open_sitting("practice") is None and progress.finished_sittings() == []

    progress.finish_sitting(sid, 1, 3, {"Data Processing": (1, 3)}, {"q1": True, "q2": False, "q3": False})
    assert progress.open_sitting("exam") is None
    [done] = progress.finished_sittings("exam")
    assert (done.correct, done.total, done.by_domain, done.status) == (1, 3, {"Data Processing": [1, 3]}, "submitted")
    assert progress.last_results() == {"q1": True, "q2": False, "q3": False}


def test_last_results_keep_the_latest_verdict_per_question():
    first = progress.start_sitting("practice", ["q1"], domain="Data Processing")
    progress.save_answer(first, "q1", "A", correct=False)
    second = progress.start_sitting("practice", ["q1", "q2"], domain="Data Processing")
    progress.save_answer(second, "q1", "B", correct=True)
    progress.save_answer(second, "q2", "B", correct=False)
    assert progress.last_results() == {"q1": True, "q2": False}


def test_an_abandoned_sitting_is_not_offered_again():
    sid = progress.start_sitting("exam", ["q1"], seconds_left=60)
    progress.abandon_sitting(sid)
    assert progress.open_sitting("exam") is None and progress.finished_sittings("exam") == []


def test_sittings_are_not_stored_when_recording_is_off(monkeypatch):
    monkeypatch.setenv(progress.DISABLE_ENV, "1")
    sid = progress.start_sitting("exam", ["q1"], seconds_left=60)
    progress.save_answer(sid, "q1", "A")
    assert sid is None and progress.open_sitting("exam") is None
    assert not progress.store_path().exists()


def grader_imports(source: str) -> set[str]:
    """Every ``grader`` module a source file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "grader"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "grader":
            found |= {node.module} if node.module != "grader" else {f"grader.{a.name}" for a in node.names}
    return found


def test_the_store_imports_nothing_of_the_course_content():
    """progress is imported by grader.exercise (to record) and must not import it back, nor the checks."""
    assert grader_imports(Path(progress.__file__).read_text()) == set()


def test_the_import_detector_sees_lazy_imports():
    # the shape of the cycle this test guards against: progress.standing() importing the registry
    lazy = "def standing():\n    from grader.exercise import REGISTRY\n    from grader import checks\n"
    assert grader_imports(lazy) == {"grader.exercise", "grader.checks"}


def test_each_module_of_the_old_cycle_imports_first_on_its_own():
    for order in (["grader.progress", "grader.exercise", "grader.checks"],
                  ["grader.checks", "grader.exercise", "grader.progress"],
                  ["grader.exercise", "grader.progress"]):
        code = "import importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in order)
        subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])

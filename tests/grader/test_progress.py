"""The progress store: standing by domain, and never breaking a check."""
from __future__ import annotations

import warnings

import pytest

from grader import exercise, progress
from grader.exercise import DOMAINS, Exercise
from grader.progress import Standing


def test_standing_counts_latest_outcomes():
    exercises = [Exercise("01.a", "Data Processing"), Exercise("01.b", "Data Processing"),
                 Exercise("01.c", "Data Processing"), Exercise("01.d", "Data Processing"),
                 Exercise("05.e", "Model Deployment")]
    for ex_id, outcome in [("01.a", "pass"), ("01.b", "fail"), ("01.b", "pass"),
                           ("01.c", "pass"), ("01.c", "error"), ("05.e", "fail")]:
        progress.record_attempt(ex_id, outcome)
    table = progress.standing(exercises)
    assert list(table) == list(DOMAINS)
    assert table["Data Processing"] == Standing(total=4, passed=2, attempted=3)
    assert table["Model Deployment"] == Standing(total=1, passed=0, attempted=1)
    assert table["Model Development"] == Standing(0, 0, 0)
    text = progress.format_standing(table)
    assert text.splitlines()[-1].split() == ["All", "2", "4", "5"]


def test_standing_default_uses_the_registry(registry):
    @exercise("99.x", domain="Model Development")
    def check():
        pass

    check()
    assert progress.standing()["Model Development"].passed >= 1


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
        assert progress.standing([]) is not None


def test_disabled_by_env_writes_nothing(monkeypatch):
    monkeypatch.setenv(progress.DISABLE_ENV, "1")
    progress.record_attempt("01.a", "pass")
    progress.record_hint("01.a", 1)
    assert not progress.store_path().exists()
    assert progress.latest_outcomes() == {}


def test_reading_an_empty_workspace_creates_nothing():
    assert progress.latest_outcomes() == {} and progress.hints_seen("01.a") == set()
    assert not progress.store_path().exists()

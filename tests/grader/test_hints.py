"""Numbered hints: explicit numbers, next-unseen order, persistence, unknown ids."""
from __future__ import annotations

import pytest

from grader import exercise, hint, progress
from grader.hints import UnknownExercise


@pytest.fixture
def three_hints(registry):
    @exercise("99.iqr_filter", domain="Data Processing", hints=["first", "second", "third"])
    def check():
        pass

    return check


def shown(capsys) -> list[str]:
    return capsys.readouterr().out.splitlines()


def test_numbered_hint(three_hints, capsys):
    hint("99.iqr_filter", 2)
    assert shown(capsys) == ["Hint 2/3 for 99.iqr_filter: second"]


def test_next_unseen_then_none_left(three_hints, capsys):
    hint("99.iqr_filter", 2)
    for _ in range(3):
        hint("99.iqr_filter")
    lines = shown(capsys)
    assert lines[1:3] == ["Hint 1/3 for 99.iqr_filter: first", "Hint 3/3 for 99.iqr_filter: third"]
    assert lines[3].startswith("No hints left for 99.iqr_filter: you have seen all 3.")


def test_seen_hints_are_stored(three_hints, capsys, monkeypatch):
    hint("99.iqr_filter")
    monkeypatch.setattr(progress, "_session_hints", {})  # a new kernel: only the store remembers
    hint("99.iqr_filter")
    assert shown(capsys)[-1] == "Hint 2/3 for 99.iqr_filter: second"
    assert progress.hints_seen("99.iqr_filter") == {1, 2}


def test_next_hint_advances_without_a_store(three_hints, capsys, monkeypatch):
    monkeypatch.setenv(progress.DISABLE_ENV, "1")
    hint("99.iqr_filter")
    hint("99.iqr_filter")
    assert shown(capsys)[-1] == "Hint 2/3 for 99.iqr_filter: second"
    assert not progress.store_path().exists()


def test_hint_number_out_of_range(three_hints):
    with pytest.raises(ValueError, match="hints 1 to 3"):
        hint("99.iqr_filter", 4)


def test_unknown_id_lists_close_matches(three_hints):
    with pytest.raises(UnknownExercise, match=r"no exercise '99\.iqr_filtr'; did you mean .*99\.iqr_filter"):
        hint("99.iqr_filtr")


def test_exercise_without_hints(registry, capsys):
    @exercise("99.plain", domain="Model Development")
    def check():
        pass

    hint("99.plain")
    assert shown(capsys) == ["99.plain has no hints."]

"""Bulk autograding with nbgrader: the key scores full, the untouched release scores 0, and every
bad submission (tampered, invalid, looping, crashing, hung) gets its own row and status."""
from __future__ import annotations

import copy
import csv

import psutil
import pytest

from nbfactory import graded_notebook, save
from grader import autograde, gradebook, notebooks, release
from grader.autograde import Limits
from grader.cli import main

STEM = "01_squares"


def with_solution(nb, source):
    nb = copy.deepcopy(nb)
    nb.cells[2].source = source
    return nb


def without_cell(nb, grade_id):
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != grade_id]
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A fake checkout: datasets/, solutions/ with one graded notebook, and its release."""
    repo = tmp_path_factory.mktemp("repo")
    (repo / "datasets").mkdir()
    (repo / "datasets" / "tiny.csv").write_text("x,y\n1,2\n")
    save(graded_notebook(), repo / "solutions" / f"{STEM}.ipynb")
    release.release(repo / "solutions", repo / "notebooks")
    return repo


@pytest.fixture(scope="module")
def student_copy(course):
    return notebooks.read(course / "notebooks" / f"{STEM}.ipynb")


@pytest.fixture(scope="module")
def graded(course, student_copy, tmp_path_factory):
    """One batch with good, untouched and bad submissions, graded in parallel."""
    subs = tmp_path_factory.mktemp("submissions")
    right = "def square(x):\n    return x * x"
    save(graded_notebook(), subs / "alice" / f"{STEM}.ipynb")  # the answer key itself
    save(student_copy, subs / "bob" / f"{STEM}.ipynb")  # untouched
    save(without_cell(with_solution(student_copy, right), "test_square_hidden"), subs / "carol" / f"{STEM}.ipynb")
    cheat = without_cell(with_solution(student_copy, "def square(x):\n    return 0"), "test_square_hidden")
    cheat.cells[3].source = "pass"  # "edited" a locked test cell away
    save(cheat, subs / "mallory" / f"{STEM}.ipynb")
    (subs / "dave").mkdir()
    (subs / "dave" / f"{STEM}.ipynb").write_text('{"cells": [')
    save(with_solution(student_copy, "def square(x):\n    while True:\n        pass"), subs / "eve" / f"{STEM}.ipynb")
    save(with_solution(student_copy, "import os\nos._exit(1)"), subs / "frank" / f"{STEM}.ipynb")
    rows = autograde.autograde(subs, course / "solutions", repo_root=course, workers=2, progress_bar=False,
                               limits=Limits(cell_timeout=3, submission_timeout=120, memory_mb=4096))
    return {r.student: r for r in rows}


def test_answer_key_scores_full_and_untouched_release_scores_zero(graded):
    alice, bob = graded["alice"], graded["bob"]
    assert (alice.score, alice.max_score, alice.status, alice.detail) == (3, 3, "graded", "")
    assert alice.cells == {"test_square_visible": (1, 1), "test_square_hidden": (2, 2)}
    assert (bob.score, bob.max_score, bob.status) == (0, 3, "graded")


def test_deleted_test_cell_is_restored_and_reported(graded):
    carol = graded["carol"]
    assert (carol.score, carol.status) == (3, "graded")  # hidden test restored, and it passes
    assert carol.detail == "tampering: deleted locked cell(s) test_square_hidden (restored by nbgrader)"


def test_tampering_gains_nothing(graded):
    mallory = graded["mallory"]
    assert (mallory.score, mallory.status) == (0, "graded")
    assert "deleted locked cell(s) test_square_hidden" in mallory.detail
    assert "edited locked cell(s) test_square_visible" in mallory.detail


def test_invalid_json(graded):
    dave = graded["dave"]
    assert (dave.score, dave.max_score, dave.status) == (0, 3, "invalid")
    assert dave.detail.startswith("not a valid notebook")


def test_infinite_loop_hits_the_cell_timeout(graded):
    eve = graded["eve"]
    assert (eve.score, eve.status) == (0, "timeout")
    assert eve.detail.startswith("2 cell(s) interrupted after 3 s")


def test_crash_is_an_error(graded):
    frank = graded["frank"]
    assert (frank.score, frank.status) == (0, "error")
    assert "DeadKernelError" in frank.detail


def test_hung_submission_is_killed_with_its_kernel(course, student_copy, tmp_path):
    hung = ("import os, signal\n"
            "open('../kernel.pid', 'w').write(str(os.getpid()))\n"
            "signal.signal(signal.SIGINT, signal.SIG_IGN)  # deaf to nbgrader's interrupt\n"
            "while True:\n    pass")
    subs = tmp_path / "subs"
    save(with_solution(student_copy, hung), subs / "gina" / f"{STEM}.ipynb")
    save(student_copy, subs / "zed" / "09_unknown.ipynb")
    rows = autograde.autograde(subs, course / "solutions", repo_root=course, progress_bar=False,
                               limits=Limits(cell_timeout=600, submission_timeout=40), workdir=tmp_path / "work")
    by_key = {(r.student, r.notebook): r for r in rows}
    gina = by_key["gina", STEM]
    assert (gina.score, gina.status) == (0, "timeout")
    assert gina.detail == "killed after 40 s (limit for one submission)"
    pid_file = tmp_path / "work" / "jobs" / "gina" / STEM / "autograded" / "gina" / "kernel.pid"
    # 40 s, not less: on a loaded 2-core machine nbgrader and the kernel can take many seconds to
    # start, and the kernel must have written its pid before the kill for this test to prove anything
    pid = int(pid_file.read_text())
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert (by_key["zed", STEM].status, by_key["zed", STEM].detail) == ("invalid", "not submitted")
    assert by_key["zed", "09_unknown"].status == "invalid"
    assert ("gina", "09_unknown") not in by_key  # unknown notebooks only for those who sent one


def test_export_csv(graded, tmp_path):
    rows = sorted(graded.values(), key=lambda r: r.student)
    out = gradebook.export(rows, tmp_path / "gradebook.csv")
    with open(out, newline="") as fh:
        table = list(csv.DictReader(fh))
    assert list(table[0]) == list(gradebook.COLUMNS)
    assert {r["student"]: (r["score"], r["max_score"], r["status"]) for r in table}["alice"] == ("3", "3", "graded")
    cells_path = gradebook.export_cells(rows, tmp_path / "cells.csv")
    cells = cells_path.read_text().splitlines()
    assert cells[0] == "student,notebook,grade_id,score,max_score"
    assert "alice,01_squares,test_square_hidden,2,2" in cells
    assert gradebook.read(out, cells_path) == rows  # round trip, details and cell scores included
    assert {r.status for r in rows} <= set(gradebook.STATUSES)


def test_cli_autograde_writes_gradebook(course, tmp_path, capsys):
    subs = tmp_path / "subs"
    (subs / "dave").mkdir(parents=True)
    (subs / "dave" / f"{STEM}.ipynb").write_text("not json")
    out = tmp_path / "book.csv"
    assert main(["autograde", str(subs), "--source", str(course / "solutions"), "--out", str(out), "-q"]) == 0
    assert "dave,01_squares,0,3,invalid," in out.read_text()
    assert (tmp_path / "book_cells.csv").exists()
    assert main(["autograde", str(tmp_path / "missing"), "-q"]) == 2
    assert "grader: error: no submissions folder" in capsys.readouterr().err


def test_tampering_detects_edits_against_release_and_source(course, student_copy):
    source = notebooks.read(course / "solutions" / f"{STEM}.ipynb")
    assert autograde.tampering(student_copy, student_copy, source) == ""
    assert autograde.tampering(source, student_copy, source) == ""  # the key is not tampering
    edited = copy.deepcopy(student_copy)
    edited.cells[4].source += "\nassert True"
    assert autograde.tampering(edited, student_copy, source) == (
        "tampering: edited locked cell(s) test_square_hidden (restored by nbgrader)")


def test_error_detail_picks_the_exception_line():
    log = ("[AutogradeApp | ERROR] There was an error\n  Traceback (most recent call last):\n"
           "  nbclient.exceptions.DeadKernelError: Kernel died\n"
           "nbgrader.converters.base.NbGraderException: Please see the above traceback\n")
    assert autograde._error_detail(log) == "nbclient.exceptions.DeadKernelError: Kernel died"

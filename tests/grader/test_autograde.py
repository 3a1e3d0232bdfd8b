"""Bulk autograding: the key scores full, the untouched release scores 0, and every bad submission
(tampered, malformed, looping, crashing, hung) gets exactly one row and its status.
The hostile corpus built from the course's own notebooks is in test_integrity.py."""
from __future__ import annotations

import copy
import csv

import psutil
import pytest

from nbfactory import graded_notebook, save
from grader import autograde, gradebook, notebooks, release, restore
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
def batch(course, student_copy, tmp_path_factory):
    """One batch with good, untouched and bad submissions, graded in parallel: (folder, rows by student)."""
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
    save(with_solution(student_copy, right + "\nprint = None"), subs / "hank" / f"{STEM}.ipynb")
    rows = autograde.autograde(subs, course / "solutions", repo_root=course, workers=2, progress_bar=False,
                               limits=Limits(cell_timeout=3, submission_timeout=120, memory_mb=4096))
    return subs, {r.student: r for r in rows}


@pytest.fixture(scope="module")
def graded(batch):
    return batch[1]


def test_answer_key_scores_full_and_untouched_release_scores_zero(graded):
    alice, bob = graded["alice"], graded["bob"]
    assert (alice.score, alice.max_score, alice.status, alice.detail) == (3, 3, "graded", "")
    assert {g: (c.score, c.max_score, c.outcome) for g, c in alice.cells.items()} == {
        "test_square_visible": (1, 1, "passed"), "test_square_hidden": (2, 2, "passed")}
    assert (bob.score, bob.max_score, bob.status) == (0, 3, "graded")


def test_a_rebound_print_does_not_hide_a_finished_test_cell(graded):
    hank = graded["hank"]
    assert (hank.score, hank.status) == (3, "graded")


def test_a_cell_counts_only_when_its_token_was_seen():
    from grader.cellrun import _judge

    cell = {"outputs": []}
    ok = {"content": {"status": "ok"}}
    assert _judge(cell, ok, token_seen=True).outcome == "passed"
    assert _judge(cell, ok, token_seen=False).outcome == "error"  # replied ok but never reached its end
    assert _judge(cell, None, token_seen=True).outcome == "error"  # no reply: the kernel went away
    failed = {"outputs": [{"output_type": "error", "ename": "AssertionError", "evalue": "Not yet."}]}
    assert (_judge(failed, {"content": {"status": "error"}}, False).outcome,
            _judge(failed, {"content": {"status": "error"}}, False).message) == ("failed", "Not yet.")
    quiet = {"content": {"status": "error", "ename": "ValueError", "evalue": "bad"}}
    assert _judge(cell, quiet, False).message == "ValueError: bad (no traceback was shown)"


def test_deleted_test_cell_is_restored_and_reported(graded):
    carol = graded["carol"]
    assert (carol.score, carol.status) == (3, "tampered")  # hidden test restored, and it passes
    assert carol.detail == "deleted locked cell(s) test_square_hidden (restored from the answer key)"


def test_tampering_gains_nothing(graded):
    mallory = graded["mallory"]
    assert (mallory.score, mallory.status) == (0, "tampered")
    assert "deleted locked cell(s) test_square_hidden" in mallory.detail
    assert "edited locked cell(s) test_square_visible" in mallory.detail


def test_invalid_json(graded):
    dave = graded["dave"]
    assert (dave.score, dave.max_score, dave.status) == (0, 3, "malformed")
    assert dave.detail.startswith("not a valid notebook")


def test_infinite_loop_hits_the_cell_timeout(graded):
    eve = graded["eve"]
    assert (eve.score, eve.status) == (0, "timed out")
    assert eve.detail == "a cell ran past 3 s"
    assert {c.outcome for c in eve.cells.values()} == {"timed out"}  # each test cell calls the loop


def test_crash_is_a_dead_kernel(graded):
    frank = graded["frank"]
    assert (frank.score, frank.status) == (0, "kernel died")
    assert {c.outcome for c in frank.cells.values()} == {"not run"}


def _kernels_left():
    left = []
    for p in psutil.Process().children(recursive=True):
        try:
            if p.status() != psutil.STATUS_ZOMBIE and ("ipykernel" in " ".join(p.cmdline()) or p.name() == "bwrap"):
                left.append(p)
        except psutil.NoSuchProcess:
            pass
    return left


def test_signal_tricks_are_refused_and_missing_notebooks_reported(course, student_copy, tmp_path):
    hung = ("import signal\n"
            "signal.signal(signal.SIGINT, signal.SIG_IGN)  # deaf to the grader's interrupt\n"
            "while True:\n    pass")
    subs = tmp_path / "subs"
    save(with_solution(student_copy, hung), subs / "gina" / f"{STEM}.ipynb")
    save(student_copy, subs / "zed" / "09_unknown.ipynb")
    rows = autograde.autograde(subs, course / "solutions", repo_root=course, progress_bar=False,
                               limits=Limits(cell_timeout=600, submission_timeout=20), workdir=tmp_path / "work")
    by_key = {(r.student, r.notebook): r for r in rows}
    gina = by_key["gina", STEM]
    # the screen would refuse `import signal`: this row proves the time limit, so the cell is trusted here
    assert (gina.score, gina.status) == (0, "tampered") and "imports signal" in gina.detail
    assert (by_key["zed", STEM].status, by_key["zed", STEM].detail) == ("missing", "not submitted")
    assert by_key["zed", "09_unknown"].status == "missing"
    assert ("gina", "09_unknown") not in by_key  # unknown notebooks only for those who sent one


def test_submission_time_limit_kills_the_kernel_and_all_it_started(course, student_copy, tmp_path):
    spin = "import time\nwhile True:\n    try:\n        time.sleep(100)\n    except KeyboardInterrupt:\n        pass"
    subs = tmp_path / "subs"
    save(with_solution(student_copy, spin), subs / "gina" / f"{STEM}.ipynb")
    rows = autograde.autograde(subs, course / "solutions", repo_root=course, progress_bar=False,
                               limits=Limits(cell_timeout=600, submission_timeout=20))
    (gina,) = rows
    assert (gina.score, gina.status) == (0, "timed out")
    assert gina.detail == "killed after 20 s (limit for one submission)"
    assert _kernels_left() == []


def test_export_csv(graded, tmp_path):
    rows = sorted(graded.values(), key=lambda r: r.student)
    out = gradebook.export(rows, tmp_path / "gradebook.csv")
    with open(out, newline="") as fh:
        table = list(csv.DictReader(fh))
    assert list(table[0]) == list(gradebook.COLUMNS)
    assert {r["student"]: (r["score"], r["max_score"], r["status"]) for r in table}["alice"] == ("3", "3", "graded")
    cells_path = gradebook.export_cells(rows, tmp_path / "cells.csv")
    cells = cells_path.read_text().splitlines()
    assert cells[0] == "student,notebook,grade_id,exercise,domain,score,max_score,outcome,message"
    assert "alice,01_squares,test_square_hidden,,,2,2,passed," in cells
    assert gradebook.read(out, cells_path) == rows  # round trip, details and cell scores included
    assert {r.status for r in rows} <= set(gradebook.STATUSES)


def test_cli_autograde_writes_gradebook(course, tmp_path, capsys):
    subs = tmp_path / "subs"
    (subs / "dave").mkdir(parents=True)
    (subs / "dave" / f"{STEM}.ipynb").write_text("not json")
    out = tmp_path / "book.csv"
    assert main(["autograde", str(subs), "--source", str(course / "solutions"), "--out", str(out), "-q"]) == 0
    assert "dave,01_squares,0,3,malformed," in out.read_text()
    assert (tmp_path / "book_cells.csv").exists()
    assert main(["autograde", str(tmp_path / "missing"), "-q"]) == 2
    assert "grader: error: no submissions folder" in capsys.readouterr().err


def test_an_unwritable_gradebook_path_loses_nothing(course, tmp_path, capsys, monkeypatch):
    subs = tmp_path / "subs"
    (subs / "dave").mkdir(parents=True)
    (subs / "dave" / f"{STEM}.ipynb").write_text("not json")
    taken = tmp_path / "book.csv"
    taken.mkdir()  # a folder where the file should go: the write fails
    monkeypatch.chdir(tmp_path)
    assert main(["autograde", str(subs), "--source", str(course / "solutions"), "--out", str(taken), "-q"]) == 0
    assert "cannot write" in capsys.readouterr().err
    (written,) = [p for p in tmp_path.glob("book-*.csv") if not p.name.endswith("_cells.csv")]
    assert "dave,01_squares,0,3,malformed," in written.read_text()


def test_grading_the_same_batch_twice_gives_the_same_scores(batch, course):
    subs, graded = batch
    again = autograde.autograde(subs, course / "solutions", repo_root=course, workers=2, progress_bar=False,
                                limits=Limits(cell_timeout=3, submission_timeout=120, memory_mb=4096))
    assert {r.student: (r.status, r.score, r.detail) for r in again} == {
        s: (r.status, r.score, r.detail) for s, r in graded.items()}


def test_tampering_detects_edits_against_release_and_source(course, student_copy):
    source = notebooks.read(course / "solutions" / f"{STEM}.ipynb")
    assert restore.tampering(student_copy, student_copy, source) == ""
    assert restore.tampering(source, student_copy, source) == ""  # the key is not tampering
    edited = copy.deepcopy(student_copy)
    edited.cells[4].source += "\nassert True"
    assert restore.tampering(edited, student_copy, source) == (
        "edited locked cell(s) test_square_hidden (restored from the answer key)")


@pytest.mark.spark
def test_walls_are_prepared_with_every_jar_a_walled_kernel_needs(tmp_path, monkeypatch):
    """Walled kernels can neither compile (the jar cache is read-only to them) nor download (no
    network): on a machine whose jar cache is empty, the preparation compiles the catalog plugin and
    the pipelines' one (notebook 07's kernel died with EROFS trying to compile that one itself), and
    records Spark's class archive."""
    from localbricks import class_archive
    from localbricks.pipelines.server import streaming_catalog_jar
    from localbricks.session import cached_delta_jar

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    autograde._prepare_walls("scratch")  # no walls, nothing to prepare
    assert not list(tmp_path.rglob("*.jar")) and not list(tmp_path.rglob("*.jsa"))
    autograde._prepare_walls("namespaces")
    jars = {p.name for p in (tmp_path / "localbricks").glob("*.jar")}
    assert {name.rsplit("-", 1)[0] for name in jars} == {"localbricks-catalog", "localbricks-streaming-catalog"}
    assert streaming_catalog_jar(cached_delta_jar()).name in jars  # what 07's kernel will look for
    # recorded by a real start, and whole: a JVM starts from it (a walled kernel could not record it)
    archive = class_archive.archive_path()
    assert archive.parent == tmp_path / "localbricks" and not class_archive._unusable(archive)

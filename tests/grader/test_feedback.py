"""`grader feedback`: one page per student, built from the gradebook rows and nothing else."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader

from browser_support import colour_pixels, screenshot
from grader import cli, feedback, gradebook, report
from grader.exercise import DOMAINS
from grader.gradebook import CellResult, Row

DML, DP, MD, MDEP = DOMAINS
REPO = Path(__file__).resolve().parents[2]
SCRIPT = "<script>alert(1)</script>"
HIDDEN = "assert HIDDEN_CASE_7f3a == 0.4142  # planted hidden test"


def batch() -> list[Row]:
    return [
        Row("ada", "02_data_preparation", 1, 3, "graded", "", {
            "iqr": CellResult(1, 1, "passed", "", "02.iqr_filter", DP),
            "impute": CellResult(0, 2, "failed", "the median moved: fill before you split? — stuck? run "
                                 'hint("02.impute")', "02.impute", DP)}),
        Row("ada", "06_model_registry", 0, 2, "missing", "not submitted"),
        Row("bo", "02_data_preparation", 0, 3, "timed out", "cell 3 ran past 300 s", {
            "iqr": CellResult(0, 1, "timed out", "", "02.iqr_filter", DP),
            "impute": CellResult(0, 2, "not run", "", "02.impute", DP)}),
        Row("bo", "06_model_registry", 2, 2, "graded", "", {
            "alias": CellResult(2, 2, "passed", "", "06.alias", MDEP)}),
    ]


def test_one_page_per_student_with_each_notebook_and_each_exercise_message(tmp_path):
    paths = feedback.write_feedback(batch(), tmp_path / "fb")
    assert [p.name for p in paths] == ["ada.html", "bo.html"] and set((tmp_path / "fb").iterdir()) == set(paths)
    ada, bo = (p.read_text() for p in paths)
    assert "02_data_preparation: 1/3" in ada and "06_model_registry: 0/2" in ada and "(missing)" in ada
    assert "the median moved: fill before you split?" in ada and "02.impute" in ada
    assert "not submitted" in ada and "No exercise results for this notebook" in ada
    assert "the median moved" not in bo  # another student's messages never reach a page
    assert "cell 3 ran past 300 s" in bo and "timed out" in bo and "06.alias" in bo
    assert ada.count("<svg") == 1 and 'id="chart-domains"' in ada


def test_pages_are_self_contained(tmp_path):
    html = feedback.write_feedback(batch(), tmp_path)[0].read_text()
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", html)
    assert not re.search(r'\b(src|href)="(?!#)', html)


ODD = ["../../etc/passwd", "a/b", "a\\b", "", " ", ".hidden", "Zoë Ünal", "CON", "con.txt", "Alice", "alice",
       "a b", "a_b", "x" * 300, "ok-name_1.2", "trailing.", "nul\x00byte"]


def test_file_names_are_safe_and_unique_for_odd_student_folder_names(tmp_path):
    names = feedback.file_names(ODD)
    assert len({n.casefold() for n in names.values()}) == len(ODD)
    for name in names.values():
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.html", name) and len(name) <= 100, name
        assert name.split(".")[0].upper() not in {"CON", "NUL", "PRN", "AUX"}
    assert names["ok-name_1.2"] == "ok-name_1.2.html"  # a plain name stays readable
    assert names["Alice"] != "Alice.html"  # equal but for case: both hashed

    out = tmp_path / "deep" / "fb"
    paths = feedback.write_feedback([Row(s, "02", 0, 1, "graded") for s in ODD], out)
    assert len(paths) == len(ODD) and all(p.parent == out and p.is_file() for p in paths)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(p.name for p in paths)


def test_everything_a_submission_can_influence_is_escaped(tmp_path, monkeypatch):
    rows = [Row(f"st{SCRIPT}", f"02{SCRIPT}", 0, 1, "graded", f"detail {SCRIPT}",
                {f"g{SCRIPT}": CellResult(0, 1, f"failed{SCRIPT}", f"msg {SCRIPT}", f"02.x{SCRIPT}", f"D{SCRIPT}")})]
    html = feedback.write_feedback(rows, tmp_path)[0].read_text()
    assert "<script" not in html.lower() and "msg &lt;script&gt;alert(1)&lt;/script&gt;" in html
    # the check above can fail: the same page without autoescape carries the script
    loader = FileSystemLoader(report.TEMPLATES)
    monkeypatch.setattr(feedback, "environment", lambda: Environment(loader=loader, autoescape=False))
    assert "<script" in feedback.render_feedback(rows[0].student, rows)


def test_edge_cases_render(tmp_path):
    assert feedback.write_feedback([], tmp_path / "none") == []
    (page,) = feedback.write_feedback([Row("ada", "02", 0, 0, "missing", "no such notebook")], tmp_path / "one")
    html = page.read_text()
    assert "<svg" not in html and "0/0 points" in html and "no such notebook" in html


# ---------------------------------------------------------------- never the answer key


_opened: list | None = None


def _record_opens(event, args):
    if event == "open" and _opened is not None and isinstance(args[0], (str, bytes, Path)):
        _opened.append(Path(args[0].decode() if isinstance(args[0], bytes) else args[0]).resolve())


sys.addaudithook(_record_opens)  # audit hooks cannot be removed: it records only while _opened is a list


def test_feedback_never_opens_solutions_or_notebooks(tmp_path, monkeypatch, capsys):
    global _opened
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    (solutions / "02_data_preparation.ipynb").write_text('{"cells": [{"source": "%s"}]}' % HIDDEN)
    book = tmp_path / "book.csv"
    gradebook.export(batch(), book)
    gradebook.export_cells(batch(), gradebook.cells_path(book))
    monkeypatch.chdir(tmp_path)  # a relative "solutions/" would find the planted folder
    monkeypatch.setattr(cli, "SOLUTIONS", solutions)

    _opened = []
    try:
        assert cli.main(["feedback", str(book)]) == 0
        during = list(_opened)
        (solutions / "02_data_preparation.ipynb").read_text()  # the recorder sees an open of the key
        assert (solutions / "02_data_preparation.ipynb").resolve() in _opened
    finally:
        _opened = None

    read = [p for p in during if p.suffix == ".ipynb" or solutions in p.parents
            or (REPO / "solutions") in p.parents or (REPO / "notebooks") in p.parents]
    assert read == []
    pages = sorted((tmp_path / "book_feedback").iterdir())
    assert len(pages) == 2 and all(HIDDEN not in p.read_text() for p in pages)
    assert "wrote 2 feedback page(s)" in capsys.readouterr().out
    # the page check can fail: a message that carried the hidden test would show on the page
    leaky = [Row("ada", "02", 0, 1, "graded", "", {"g": CellResult(0, 1, "failed", HIDDEN, "02.x", DP)})]
    assert HIDDEN in feedback.write_feedback(leaky, tmp_path / "leaky")[0].read_text()


# ---------------------------------------------------------------- command line


def test_cli_default_and_given_folders(tmp_path, capsys):
    book = tmp_path / "week1.csv"
    gradebook.export(batch(), book)
    assert cli.main(["feedback", str(book), "--out", str(tmp_path / "mine")]) == 0
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["ada.html", "bo.html"]
    assert cli.main(["feedback", str(book)]) == 0
    assert (tmp_path / "week1_feedback" / "bo.html").is_file()


@pytest.mark.parametrize("content, says", [(None, "no gradebook"), ("a,b\n1,2\n", "is not a gradebook")])
def test_cli_errors_exit_2_with_one_line(tmp_path, capsys, content, says):
    book = tmp_path / "book.csv"
    if content is not None:
        book.write_text(content)
    assert cli.main(["feedback", str(book)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("grader: error: ") and says in err and err.count("\n") == 1
    assert not (tmp_path / "book_feedback").exists()


# ---------------------------------------------------------------- in a real browser


def test_headless_chromium_renders_the_domain_chart(tmp_path):
    page = feedback.write_feedback(batch(), tmp_path / "fb")[1]  # bo: one domain earned, one not
    colours = {"earned": feedback.EARNED_COLOUR, "available": feedback.AVAILABLE_COLOUR}
    drawn = colour_pixels(screenshot(page, tmp_path / "page.png", size=(1000, 1400)), colours)
    assert all(count > 2000 for count in drawn.values()), drawn

    bare = tmp_path / "bare.html"
    bare.write_text(re.sub(r"<svg.*?</svg>", "", page.read_text(), flags=re.S))
    left = colour_pixels(screenshot(bare, tmp_path / "bare.png"), colours)
    assert all(count < 50 for count in left.values()), left

"""`grader report`: the instructor's page for an autograde batch, from the gradebook alone."""
from __future__ import annotations

import re

import pytest
from jinja2 import Environment, FileSystemLoader

from browser_support import colour_pixels, screenshot
from grader import cli, gradebook, report
from grader.exercise import DOMAINS
from grader.gradebook import CellResult, Row

DML, DP, MD, MDEP = DOMAINS
SCRIPT = "<script>alert(1)</script>"


def cells(*specs) -> dict:
    """``("02.iqr_filter", DP, "passed")`` … → {grade_id: CellResult}, 1 point each."""
    return {f"cell-{k}": CellResult(1.0 if outcome == "passed" else 0.0, 1.0, outcome,
                                    "" if outcome == "passed" else f"look again at {exercise}", exercise, domain)
            for k, (exercise, domain, outcome) in enumerate(specs)}


def batch() -> list[Row]:
    """A small batch with every chart fed: scores, two domains, five statuses, timings."""
    return [
        Row("ada", "02_data_preparation", 2, 2, "graded", "",
            cells(("02.iqr_filter", DP, "passed"), ("02.impute", DP, "passed")), seconds=40.0),
        Row("bo", "02_data_preparation", 1, 2, "graded", "",
            cells(("02.iqr_filter", DP, "passed"), ("02.impute", DP, "failed")), seconds=12.0),
        Row("cy", "02_data_preparation", 0, 2, "timed out", "cell 3 ran past 300 s",
            cells(("02.iqr_filter", DP, "timed out"), ("02.impute", DP, "not run")), seconds=300.0),
        Row("ada", "06_model_registry", 1, 2, "tampered", "locked cell restored",
            cells(("06.alias", MDEP, "passed"), ("", "", "failed")), seconds=25.0),
        Row("bo", "06_model_registry", 0, 2, "missing", "not submitted"),
        Row("cy", "06_model_registry", 0, 2, "error", "grader bug: KeyError 'x'", seconds=3.0),
    ]


# ---------------------------------------------------------------- numbers


def test_score_distribution_leaves_out_missing_rows_and_rows_without_points():
    rows = batch() + [Row("dee", "99_unknown", 0, 0, "missing", "no such notebook")]
    assert report.submission_percents(rows) == [100.0, 50.0, 0.0, 50.0, 0.0]


def test_pass_rates_per_exercise_and_per_domain_count_test_cells():
    rates = {r.name: (r.passed, r.total) for r in report.exercise_pass_rates(batch())}
    assert rates == {"02.iqr_filter": (2, 3), "02.impute": (1, 3), "06.alias": (1, 1),
                     "06_model_registry/cell-1": (0, 1)}  # a cell without an exercise keeps its place
    domains = report.domain_pass_rates(batch())
    assert [(d.name, d.passed, d.total) for d in domains] == [(DP, 3, 6), (MDEP, 1, 1), (report.NO_DOMAIN, 0, 1)]
    assert domains[0].percent == 50.0


def test_status_counts_keep_every_known_status_in_order_then_unknown_ones():
    counts = report.status_counts(batch() + [Row("x", "02", 0, 1, "invalid")])
    assert list(counts)[:len(gradebook.STATUSES)] == list(gradebook.STATUSES)
    assert counts["graded"] == 2 and counts["kernel died"] == 0 and counts["invalid"] == 1


def test_slowest_are_sorted_by_seconds_and_untimed_rows_left_out():
    slow = report.slowest(batch(), n=3)
    assert [(r.student, r.seconds) for r in slow] == [("cy", 300.0), ("ada", 40.0), ("ada", 25.0)]
    assert all(r.seconds > 0 for r in report.slowest(batch()))
    assert len(report.slowest(batch())) == 5


def test_every_status_has_its_own_chart_colour():
    assert set(report.STATUS_COLOURS) == set(gradebook.STATUSES)
    assert len(set(report.STATUS_COLOURS.values())) == len(gradebook.STATUSES)


# ---------------------------------------------------------------- the page


def test_page_is_self_contained_with_every_chart_and_every_row(tmp_path):
    html = report.write_report(batch(), tmp_path / "out" / "r.html").read_text()
    for chart in ("scores", "exercises", "domains", "statuses", "slowest"):
        assert f'id="chart-{chart}"' in html
    assert html.count("<svg") == 5
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", html)
    assert not re.search(r'\b(src|href)="(?!#)', html) and "http://www.w3.org/2000/svg" in html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # five matplotlib SVGs, no clashing ids
    assert set(re.findall(r'(?:href="#|url\(#)([^")]+)', html)) <= set(ids)
    table = html[html.index('id="rows"'):]
    assert table.count("<tr>") == 1 + len(batch())
    assert "grader bug: KeyError &#39;x&#39;" in table and "cell 3 ran past 300 s" in table


@pytest.mark.parametrize("rows, charts, says", [
    ([], 0, "The gradebook has no rows."),
    ([Row("ada", "02_data_preparation", 0, 2, "missing", "not submitted")] * 3, 1, "No submission with points"),
    ([Row("ada", "02_data_preparation", 1, 2, "graded", "")], 2, "No graded test cells"),  # no cells, no timing
    ([Row("ada", "02_data_preparation", 0, 2, "graded", "", seconds=1.5,
          cells=cells(("02.iqr_filter", "", "failed")))], 5, "(no exam domain)"),
])
def test_edge_cases_still_render_and_say_what_is_missing(tmp_path, rows, charts, says):
    html = report.write_report(rows, tmp_path / "r.html").read_text()
    assert html.count("<svg") == charts and says in html and html.rstrip().endswith("</html>")


def _hostile_batch() -> list[Row]:
    return [Row(f"st{SCRIPT}", f"02{SCRIPT}", 1, 2, f"graded{SCRIPT}", f"detail {SCRIPT}", seconds=2.0,
                cells={f"id{SCRIPT}": CellResult(0, 1, "failed", f"msg {SCRIPT}", f"02.x{SCRIPT}", f"D{SCRIPT}")})]


def test_everything_a_submission_can_influence_is_escaped(tmp_path, monkeypatch):
    html = report.write_report(_hostile_batch(), tmp_path / "r.html").read_text()
    assert "<script" not in html.lower()
    assert "detail &lt;script&gt;alert(1)&lt;/script&gt;" in html
    # the check above can fail: the same page without autoescape carries the script
    loader = FileSystemLoader(report.TEMPLATES)
    monkeypatch.setattr(report, "environment", lambda: Environment(loader=loader, autoescape=False))
    assert "<script" in report.render_report(_hostile_batch())


def test_labels_with_dollar_signs_are_drawn_as_typed_not_as_mathtext(tmp_path):
    rows = [Row(r"a$\nosuchcommand$b", "02", 1, 2, "graded", "", seconds=1.0,
                cells={"c": CellResult(0, 1, "failed", "", r"02.$\frac", DP)})]
    assert report.write_report(rows, tmp_path / "r.html").read_text().count("<svg") == 5
    with pytest.raises(ValueError):  # what plain() prevents: matplotlib parses the raw label as math
        fig, ax = report.new_figure(2, 2)
        ax.set_title(r"a$\nosuchcommand$b")
        report.inline_svg(fig, "raw")


# ---------------------------------------------------------------- command line


def _export(rows, path):
    gradebook.export(rows, path)
    gradebook.export_cells(rows, gradebook.cells_path(path))
    return path


def test_cli_writes_the_report_beside_the_gradebook_with_its_cells(tmp_path, capsys):
    book = _export(batch(), tmp_path / "book.csv")
    assert cli.main(["report", str(book)]) == 0
    out = tmp_path / "book_report.html"
    assert f"wrote {out}" in capsys.readouterr().out
    html = out.read_text()
    assert html.count("<svg") == 5 and "02.iqr_filter" in html  # the per-cell table was read too

    assert cli.main(["report", str(book), "--out", str(tmp_path / "x" / "mine.html")]) == 0
    assert (tmp_path / "x" / "mine.html").is_file()


@pytest.mark.parametrize("content, cells_content, says", [
    (None, None, "no gradebook"),
    ("name,points\nada,3\n", None, "is not a gradebook: no column student"),
    ("student,notebook,score,max_score,status,seconds,detail\nada,02,three,2,graded,1.0,\n", None,
     "is not a gradebook: ValueError"),
    (b"\x89PNG\r\n\x1a\n\x00\xff", None, "not UTF-8"),
    ("student,notebook,score,max_score,status,seconds,detail\nada,02,1,2,graded,1.0,\n", "a,b\n1,2\n",
     "is not a per-cell table"),
])
def test_cli_refuses_what_is_not_a_gradebook_with_one_line_and_exit_2(tmp_path, capsys, content, cells_content, says):
    book = tmp_path / "book.csv"
    if isinstance(content, bytes):
        book.write_bytes(content)
    elif content is not None:
        book.write_text(content)
    if cells_content is not None:
        gradebook.cells_path(book).write_text(cells_content)
    assert cli.main(["report", str(book)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("grader: error: ") and says in err and err.count("\n") == 1
    assert not (tmp_path / "book_report.html").exists()


# ---------------------------------------------------------------- in a real browser


def test_headless_chromium_renders_the_charts(tmp_path):
    out = _export(batch(), tmp_path / "book.csv")
    assert cli.main(["report", str(out)]) == 0
    page = tmp_path / "book_report.html"
    colours = {"scores": report.SCORE_COLOUR, "exercises": report.EXERCISE_COLOUR,
               "domains": report.DOMAIN_COLOUR, "slowest": report.SLOW_COLOUR,
               **{s: report.STATUS_COLOURS[s] for s in ("graded", "tampered", "timed out", "error")}}

    drawn = colour_pixels(screenshot(page, tmp_path / "page.png", size=(1000, 3200)), colours)
    assert all(count > 2000 for count in drawn.values()), drawn

    # the same page with its charts taken out: the check must see that nothing was drawn
    bare = tmp_path / "bare.html"
    bare.write_text(re.sub(r"<svg.*?</svg>", "", page.read_text(), flags=re.S))
    left = colour_pixels(screenshot(bare, tmp_path / "bare.png"), colours)
    assert all(count < 50 for count in left.values()), left

"""`grader progress --html`: one self-contained page whose charts a real browser renders."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from browser_support import colour_pixels, screenshot
from grader import exam_report, progress
from grader.exam_readiness import Standing
from grader.exercise import DOMAINS

REPO = Path(__file__).resolve().parents[2]
DML, DP, MD, MDEP = DOMAINS
MODULES = {"02": Standing(13, 4, 6), "03": Standing(12, 0, 0)}
DOMAIN_STANDING = {DML: Standing(10, 5, 5), DP: Standing(10, 4, 6), MD: Standing(12, 0, 0), MDEP: Standing(4, 0, 0)}


def sit(by_domain):
    sid = progress.start_sitting("exam", ["q"], seconds_left=60)
    progress.finish_sitting(sid, sum(c for c, _ in by_domain.values()), sum(t for _, t in by_domain.values()),
                            by_domain, {})


def page(with_exams: bool) -> str:
    if with_exams:
        sit({DML: (12, 18), DP: (6, 9), MD: (9, 15), MDEP: (3, 6)})
        sit({DML: (16, 18), DP: (8, 9), MD: (13, 15), MDEP: (5, 6)})
    return exam_report.render_html(MODULES, DOMAIN_STANDING, progress.finished_sittings(),
                                   {"02": "02_data_preparation"})


def test_page_is_self_contained_with_one_chart_per_section():
    html = page(with_exams=True)
    assert html.count("<svg") == 3 and 'id="chart-exams"' in html
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert not re.search(r'\b(src|href)="(?!#)', html)  # only in-page references
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # three matplotlib SVGs in one page, no clashing ids
    assert set(re.findall(r'(?:href="#|url\(#)([^")]+)', html)) <= set(ids)
    assert "02_data_preparation" in html and "80–85%" in html


def test_page_without_exams_says_so_instead_of_an_empty_chart():
    html = page(with_exams=False)
    assert html.count("<svg") == 2 and 'id="chart-exams"' not in html
    assert "None yet: <code>python -m grader exam</code>" in html


def chart_pixels(png: Path) -> dict[str, int]:
    """How many pixels of each chart colour the screenshot holds (the tables use none of them)."""
    return colour_pixels(png, {"exercises": exam_report.EXERCISE_COLOUR, "exams": exam_report.EXAM_COLOUR,
                               "estimate": exam_report.ESTIMATE_COLOUR})


def test_headless_chromium_renders_the_charts(tmp_path, workspace):
    progress.record_attempt("02.outliers_iqr", "pass")
    sit({DML: (12, 18), DP: (6, 9), MD: (9, 15), MDEP: (3, 6)})
    sit({DML: (16, 18), DP: (8, 9), MD: (13, 15), MDEP: (5, 6)})
    out = tmp_path / "report" / "progress.html"
    env = {**os.environ, "LOCALBRICKS_HOME": str(workspace)}
    env.pop(progress.DISABLE_ENV, None)
    done = subprocess.run([sys.executable, "-m", "grader", "progress", "--html", str(out)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and f"wrote {out}" in done.stdout, done.stderr

    screenshot(out, tmp_path / "page.png")
    drawn = chart_pixels(tmp_path / "page.png")
    assert all(count > 500 for count in drawn.values()), drawn

    # the same page with its charts taken out: the check must see that nothing was drawn
    bare = tmp_path / "bare.html"
    bare.write_text(re.sub(r"<svg.*?</svg>", "", out.read_text(), flags=re.S))
    screenshot(bare, tmp_path / "bare.png")
    assert all(count < 50 for count in chart_pixels(tmp_path / "bare.png").values())

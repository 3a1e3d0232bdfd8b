"""``python -m grader report GRADEBOOK``: an autograde batch as one self-contained HTML page.

The instructor's view of a batch: how scores spread, which exercises and exam domains the group
passes, how many submissions ended in each status, which ones were slow, and every row with its
detail. Built only from the gradebook and its per-cell table (:mod:`grader.gradebook`); charts are
matplotlib SVGs inlined in the page and the CSS sits in the template, so the file opens offline.
Every text in it passes through Jinja2's autoescape: student names, details and messages come
from what students' code did.
"""
from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from grader import gradebook
from grader.exercise import DOMAINS
from grader.gradebook import Row

TEMPLATES = Path(__file__).resolve().parent / "templates"
NO_DOMAIN = "(no exam domain)"
SLOWEST = 10

SCORE_COLOUR, EXERCISE_COLOUR, DOMAIN_COLOUR, SLOW_COLOUR = "#1f77b4", "#2ca02c", "#9467bd", "#8c564b"
STATUS_COLOURS = {"graded": "#17becf", "tampered": "#d62728", "timed out": "#ff7f0e", "kernel died": "#e377c2",
                  "malformed": "#bcbd22", "missing": "#7f7f7f", "error": "#393b79"}
OTHER_STATUS_COLOUR = "#000000"


class GradebookError(ValueError):
    """The file given is not a gradebook (or its per-cell table is not one)."""


# ---------------------------------------------------------------- reading


def _header(path: Path) -> list[str]:
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return next(csv.reader(fh), [])
    except UnicodeDecodeError:
        raise GradebookError(f"{path} is not a gradebook: not UTF-8 text") from None


def load(path: Path | str) -> list[Row]:
    """:func:`gradebook.read` with one clear error for a missing file or a CSV of another shape."""
    path = Path(path)
    if not path.is_file():
        raise GradebookError(f"no gradebook {path}")
    needed = [c for c in gradebook.COLUMNS if c != "seconds"]  # gradebooks before `seconds` still read
    missing = [c for c in needed if c not in _header(path)]
    if missing:
        raise GradebookError(f"{path} is not a gradebook: no column {', '.join(missing)} "
                             f"(a gradebook has {', '.join(gradebook.COLUMNS)})")
    cells = gradebook.cells_path(path)
    if cells.is_file():
        missing = [c for c in gradebook.CELL_COLUMNS if c not in _header(cells)]
        if missing:
            raise GradebookError(f"{cells} is not a per-cell table: no column {', '.join(missing)}")
    try:
        return gradebook.read(path)
    except (ValueError, KeyError, TypeError) as err:  # a score that is not a number, a short line
        raise GradebookError(f"{path} is not a gradebook: {type(err).__name__}: {err}") from None


# ---------------------------------------------------------------- numbers


def percent(part: float, whole: float) -> float | None:
    return 100.0 * part / whole if whole else None


@dataclass(frozen=True)
class PassRate:
    """How many graded test cells of one exercise (or domain) passed."""

    name: str
    passed: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.passed / self.total if self.total else 0.0


def exercise_label(notebook: str, grade_id: str, exercise: str) -> str:
    """The exercise id, or ``notebook/grade_id`` for a test cell that calls no registered check."""
    return exercise or f"{notebook}/{grade_id}"


def submission_percents(rows: Iterable[Row]) -> list[float]:
    """Score as % of max for every submitted row that has points to earn (missing ones left out)."""
    return [100.0 * r.score / r.max_score for r in rows if r.status != "missing" and r.max_score > 0]


def exercise_pass_rates(rows: Iterable[Row]) -> list[PassRate]:
    """Per exercise, across all submissions: test cells passed / test cells; sorted by id."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        for grade_id, c in r.cells.items():
            entry = counts[exercise_label(r.notebook, grade_id, c.exercise)]
            entry[0] += c.outcome == "passed"
            entry[1] += 1
    return [PassRate(name, p, t) for name, (p, t) in sorted(counts.items())]


def domain_pass_rates(rows: Iterable[Row]) -> list[PassRate]:
    """Per exam domain (in the exam's order, then cells without one): cells passed / cells."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        for c in r.cells.values():
            entry = counts[c.domain or NO_DOMAIN]
            entry[0] += c.outcome == "passed"
            entry[1] += 1
    order = [d for d in DOMAINS if d in counts] + sorted(d for d in counts if d not in DOMAINS)
    return [PassRate(d, *counts[d]) for d in order]


def status_counts(rows: Iterable[Row]) -> dict[str, int]:
    """Every known status (zeros included, in :data:`gradebook.STATUSES` order), then any other seen."""
    seen = Counter(r.status for r in rows)
    return {**{s: seen.get(s, 0) for s in gradebook.STATUSES},
            **{s: n for s, n in sorted(seen.items()) if s not in gradebook.STATUSES}}


def slowest(rows: Iterable[Row], n: int = SLOWEST) -> list[Row]:
    """The ``n`` rows that took longest to grade (rows never timed are left out)."""
    return sorted((r for r in rows if r.seconds > 0), key=lambda r: -r.seconds)[:n]


# ---------------------------------------------------------------- charts


def new_figure(width: float, height: float):
    """A matplotlib figure without pyplot: no global state, no GUI backend (Agg/SVG only)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig, fig.add_subplot()


def inline_svg(fig, name: str) -> Markup:
    """A figure as an inline ``<svg>`` element: prolog dropped, every id prefixed with ``name``,
    so several matplotlib charts (which all use the same ids) can share one page."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r'\bid="', f'id="{name}-', text)
    text = re.sub(r'(href="#|url\(#)', rf"\g<1>{name}-", text)
    return Markup(text)  # matplotlib escapes the texts it writes (labels, comments)


def plain(label: str, limit: int = 40) -> str:
    """A label matplotlib draws as typed: ``$`` would start mathtext (and can raise on odd names)."""
    label = label if len(label) <= limit else label[:limit - 1] + "…"
    return label.replace("$", r"\$")


def score_chart(percents: list[float]) -> Markup:
    """Histogram of submissions' score as % of max, in ten 10-point bins."""
    fig, ax = new_figure(8, 2.8)
    ax.hist(percents, bins=[10 * k for k in range(11)], color=SCORE_COLOUR, edgecolor="white")
    ax.set_xlim(0, 100)
    ax.set_xlabel("score (% of max)")
    ax.set_ylabel("submissions")
    ax.yaxis.get_major_locator().set_params(integer=True)
    return inline_svg(fig, "scores")


def pass_rate_chart(rates: list[PassRate], colour: str, name: str) -> Markup:
    """Horizontal bars: % of test cells passed, with ``passed/total`` at each bar's end."""
    fig, ax = new_figure(8, 0.32 * len(rates) + 0.9)
    labels = [plain(r.name) for r in rates]
    ys = range(len(rates))
    ax.barh(list(ys), [r.percent for r in rates], color=colour)
    ax.set_yticks(list(ys), labels, fontsize=8)
    for y, r in zip(ys, rates):
        ax.text(min(r.percent, 88) + 1, y, f"{r.passed}/{r.total}", va="center", fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("test cells passed (%)")
    return inline_svg(fig, name)


def status_chart(counts: dict[str, int]) -> Markup:
    """One bar per status, in the status's own colour."""
    fig, ax = new_figure(8, 2.6)
    names = list(counts)
    ax.bar(range(len(names)), list(counts.values()),
           color=[STATUS_COLOURS.get(s, OTHER_STATUS_COLOUR) for s in names])
    ax.set_xticks(range(len(names)), [plain(s, 16) for s in names], fontsize=8)
    ax.set_ylabel("submissions")
    ax.yaxis.get_major_locator().set_params(integer=True)
    return inline_svg(fig, "statuses")


def slowest_chart(rows: list[Row]) -> Markup:
    """Horizontal bars of seconds spent grading, slowest first."""
    fig, ax = new_figure(8, 0.32 * len(rows) + 0.9)
    ys = range(len(rows))
    ax.barh(list(ys), [r.seconds for r in rows], color=SLOW_COLOUR)
    ax.set_yticks(list(ys), [plain(f"{r.student} · {r.notebook}") for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("seconds")
    return inline_svg(fig, "slowest")


# ---------------------------------------------------------------- page


def environment() -> Environment:
    """Templates of ``grader/templates``; autoescape is on for every template (their names end in
    ``.j2``, which ``select_autoescape`` would not recognise as HTML)."""
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def fmt_points(score: float, max_score: float) -> str:
    return f"{score:g}/{max_score:g}"


def render_report(rows: list[Row]) -> str:
    """The whole report page as a string."""
    percents = submission_percents(rows)
    exercises = exercise_pass_rates(rows)
    domains = domain_pass_rates(rows)
    statuses = status_counts(rows)
    slow = slowest(rows)
    charts = {"scores": score_chart(percents) if percents else None,
              "exercises": pass_rate_chart(exercises, EXERCISE_COLOUR, "exercises") if exercises else None,
              "domains": pass_rate_chart(domains, DOMAIN_COLOUR, "domains") if domains else None,
              "statuses": status_chart(statuses) if rows else None,
              "slowest": slowest_chart(slow) if slow else None}
    total = sum(r.score for r in rows if r.status != "missing")
    most = sum(r.max_score for r in rows if r.status != "missing")
    return environment().get_template("report.html.j2").render(
        rows=rows, charts=charts, percents=percents, exercises=exercises, domains=domains,
        statuses=statuses, slow=slow, students=len({r.student for r in rows}),
        notebooks=len({r.notebook for r in rows}), missing=statuses.get("missing", 0),
        mean=sum(percents) / len(percents) if percents else None, overall=percent(total, most),
        fmt_points=fmt_points)


def write_report(rows: list[Row], out_path: Path | str) -> Path:
    """Write :func:`render_report` to ``out_path`` (parent folders created); return the path."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(render_report(rows), encoding="utf-8")
    return out_path

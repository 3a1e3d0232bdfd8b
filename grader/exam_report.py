"""``python -m grader progress --html PATH``: the learner's standing as one self-contained page.

The same numbers as the text report (:mod:`grader.exam_readiness`), laid out with a Jinja2
template and three matplotlib charts embedded as inline SVG, so the file can be opened, mailed
or archived without anything beside it: no scripts, no stylesheets, no images to fetch.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

from jinja2 import Environment
from markupsafe import Markup

from grader.exam import DOMAIN_WEIGHTS, PRACTICE_TARGET, SAFER_AIM, TARGET_NOTE
from grader.exam_readiness import Standing, format_when, readiness, recent_exam_scores
from grader.exercise import DOMAINS
from grader.report import inline_svg

EXERCISE_COLOUR, EXAM_COLOUR, ESTIMATE_COLOUR = "#1f77b4", "#ff7f0e", "#2ca02c"

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Exam readiness: {{ "%.0f"|format(ready.percent) }}%</title>
<style>
 body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
 table { border-collapse: collapse; margin: 1rem 0; } td, th { padding: .25rem .75rem; text-align: right; }
 th:first-child, td:first-child { text-align: left; } tr:nth-child(even) { background: #f4f4f4; }
 .headline { font-size: 1.5rem; } figure { margin: 1rem 0; } svg { max-width: 100%; height: auto; }
</style></head>
<body>
<h1>Databricks ML Associate: your standing</h1>
<p class="headline">Readiness estimate: <strong>{{ "%.0f"|format(ready.percent) }}%</strong>
 ({{ "at or above" if ready.percent >= target else "below" }} the {{ target|int }}% practice target)</p>
<p>{{ note }} The estimate weighs the domains like the exam (38/19/31/12) and averages, per domain,
 the share of exercises passed and the score over the last practice exams{% if not ready.from_exams %}
 (no practice exam yet: run <code>python -m grader exam</code>){% endif %}.</p>

<h2>By exam domain</h2>
<figure id="chart-domains">{{ charts.domains }}</figure>
<table><tr><th>Exam domain</th><th>weight</th><th>exercises passed</th><th>recent exams</th><th>estimate</th></tr>
{% for d in domain_rows %}<tr><td>{{ d.name }}</td><td>{{ d.weight }}</td><td>{{ d.passed }}</td><td>{{ d.exam }}</td><td>{{ d.estimate }}</td></tr>
{% endfor %}</table>

<h2>Practice exams</h2>
{% if charts.exams %}<figure id="chart-exams">{{ charts.exams }}</figure>
<table><tr><th>#</th><th>finished</th><th>score</th>{% for d in domains %}<th>{{ d }}</th>{% endfor %}</tr>
{% for s in sitting_rows %}<tr><td>{{ s.n }}</td><td>{{ s.finished }}</td><td>{{ s.score }}</td>{% for p in s.per_domain %}<td>{{ p }}</td>{% endfor %}</tr>
{% endfor %}</table>
{% else %}<p>None yet: <code>python -m grader exam</code> sits a timed 48-question mock exam.</p>{% endif %}

<h2>By module</h2>
<figure id="chart-modules">{{ charts.modules }}</figure>
<table><tr><th>Module</th><th>passed</th><th>attempted</th><th>total</th></tr>
{% for m in module_rows %}<tr><td>{{ m.name }}</td><td>{{ m.passed }}</td><td>{{ m.attempted }}</td><td>{{ m.total }}</td></tr>
{% endfor %}</table>
</body></html>
"""


def _figure(width: float, height: float):
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

    fig = Figure(figsize=(width, height))
    return fig, fig.add_subplot()


def _pct(correct: int, total: int) -> float:
    return 100.0 * correct / total if total else 0.0


def domain_chart(domains: Mapping[str, Standing], exams, ready) -> Markup:
    """Grouped bars per domain: exercises passed, recent exam score, estimate; the target line."""
    fig, ax = _figure(8, 3.6)
    xs = range(len(DOMAINS))
    bars = [("exercises passed", [_pct(domains[d].passed, domains[d].total) for d in DOMAINS], EXERCISE_COLOUR),
            ("recent exams", [exams[d].percent for d in DOMAINS], EXAM_COLOUR),
            ("estimate", [ready.by_domain[d] for d in DOMAINS], ESTIMATE_COLOUR)]
    for k, (label, values, colour) in enumerate(bars):
        ax.bar([x + (k - 1) * 0.27 for x in xs], values, 0.27, label=label, color=colour)
    ax.axhline(100 * PRACTICE_TARGET, color="#d62728", linestyle="--", linewidth=1, label="70% target")
    ax.set_xticks(list(xs), [f"{d}\n({DOMAIN_WEIGHTS[d]:.0%})" for d in DOMAINS], fontsize=8)
    ax.set_ylim(0, 105)
    ax.set_ylabel("%")
    ax.legend(fontsize=7, loc="upper right", ncols=4)
    return inline_svg(fig, "domains")


def exams_chart(sittings: Sequence) -> Markup | None:
    """Each finished exam's score in order, with the 70% target and the 80–85% band."""
    if not sittings:
        return None
    fig, ax = _figure(8, 3)
    xs = list(range(1, len(sittings) + 1))
    ax.axhspan(100 * SAFER_AIM[0], 100 * SAFER_AIM[1], color=ESTIMATE_COLOUR, alpha=0.15, label="safer aim 80–85%")
    ax.axhline(100 * PRACTICE_TARGET, color="#d62728", linestyle="--", linewidth=1, label="70% target")
    ax.plot(xs, [_pct(s.correct, s.total) for s in sittings], marker="o", color=EXAM_COLOUR,
            linewidth=2, label="score")
    ax.set_xticks(xs)
    ax.set_xlabel("practice exam")
    ax.set_ylim(0, 105)
    ax.set_ylabel("%")
    ax.legend(fontsize=7, loc="lower right")
    return inline_svg(fig, "exams")


def modules_chart(modules: Mapping[str, Standing], names: Mapping[str, str]) -> Markup:
    """Horizontal bars: exercises passed out of the module's total."""
    fig, ax = _figure(8, 0.35 * max(len(modules), 1) + 1)
    labels = [names.get(m, m) for m in modules]
    ax.barh(labels, [s.total for s in modules.values()], color="#dddddd", label="exercises")
    ax.barh(labels, [s.passed for s in modules.values()], color=EXERCISE_COLOUR, label="passed")
    ax.invert_yaxis()
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=7, loc="lower right")
    return inline_svg(fig, "modules")


def render_html(modules: Mapping[str, Standing], domains: Mapping[str, Standing], sittings: Sequence,
                module_names: Mapping[str, str] | None = None) -> str:
    """The whole page as a string."""
    names = module_names or {}
    exams = recent_exam_scores(sittings)
    ready = readiness(domains, exams)
    fmt = lambda c, t: f"{_pct(c, t):.0f}%" if t else "-"  # noqa: E731
    env = Environment(autoescape=True)
    return env.from_string(TEMPLATE).render(
        ready=ready, target=100 * PRACTICE_TARGET, note=TARGET_NOTE, domains=DOMAINS,
        charts={"domains": domain_chart(domains, exams, ready), "exams": exams_chart(sittings),
                "modules": modules_chart(modules, names)},
        domain_rows=[{"name": d, "weight": f"{DOMAIN_WEIGHTS[d]:.0%}",
                      "passed": f"{domains[d].passed}/{domains[d].total}",
                      "exam": fmt(exams[d].correct, exams[d].total),
                      "estimate": f"{ready.by_domain[d]:.0f}%"} for d in DOMAINS],
        sitting_rows=[{"n": n, "finished": format_when(s.finished), "score": fmt(s.correct, s.total),
                       "per_domain": [fmt(*s.by_domain.get(d, (0, 0))) for d in DOMAINS]}
                      for n, s in enumerate(sittings, start=1)],
        module_rows=[{"name": names.get(m, m), **s._asdict()} for m, s in modules.items()],
    )


def write_html(path: Path | str, modules, domains, sittings, module_names=None) -> Path:
    """Write :func:`render_html` to ``path`` (parent folders created); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(modules, domains, sittings, module_names), encoding="utf-8")
    return path

"""A learner's standing by module and by exam domain, and how ready they look for the exam.

Pure functions over what the caller hands in (the exercises, their latest outcomes from the
progress store, the finished practice exams), so neither the store nor this module needs to
import the course's content. ``python -m grader progress`` prints :func:`format_progress`.

The readiness estimate weighs each domain like the exam does (38/19/31/12). A domain's number is
the average of the evidence there is for it: the share of its exercises passed, and its score
over the last three practice exams (pooled); with no evidence at all a domain counts as 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, NamedTuple, Sequence

from grader.exam import DOMAIN_WEIGHTS, PRACTICE_TARGET, TARGET_NOTE, DomainScore
from grader.exercise import DOMAINS

RECENT_EXAMS = 3


class Standing(NamedTuple):
    """Exercises in a group (a module or a domain): total, passed (latest outcome), attempted."""

    total: int
    passed: int
    attempted: int


def _count(exercises: Iterable, latest: Mapping[str, str], group) -> dict[str, Standing]:
    counts: dict[str, list[int]] = {}
    for ex in exercises:
        row = counts.setdefault(group(ex), [0, 0, 0])
        row[0] += 1
        row[1] += latest.get(ex.id) == "pass"
        row[2] += ex.id in latest
    return {name: Standing(*row) for name, row in counts.items()}


def by_module(exercises: Iterable, latest: Mapping[str, str]) -> dict[str, Standing]:
    """Per notebook number (``"02"``), sorted."""
    counts = _count(exercises, latest, lambda ex: ex.id.split(".", 1)[0])
    return dict(sorted(counts.items()))


def by_domain(exercises: Iterable, latest: Mapping[str, str]) -> dict[str, Standing]:
    """Per exam domain, all four in the exam guide's order (zeros where a domain has none)."""
    counts = _count(exercises, latest, lambda ex: ex.domain)
    return {domain: counts.get(domain, Standing(0, 0, 0)) for domain in DOMAINS}


def recent_exam_scores(sittings: Sequence, last: int = RECENT_EXAMS) -> dict[str, DomainScore]:
    """Per domain, the score pooled over the ``last`` finished exams (``Sitting.by_domain``)."""
    pooled = {domain: [0, 0] for domain in DOMAINS}
    for sitting in list(sittings)[-last:] if last else []:
        for domain, (correct, total) in sitting.by_domain.items():
            row = pooled.setdefault(domain, [0, 0])
            row[0] += correct
            row[1] += total
    return {domain: DomainScore(*row) for domain, row in pooled.items()}


@dataclass(frozen=True)
class Readiness:
    percent: float
    by_domain: dict[str, float]      # 0-100 per domain
    from_exams: bool                 # any practice exam counted


def readiness(domains: Mapping[str, Standing], exams: Mapping[str, DomainScore]) -> Readiness:
    """The exam-weighted estimate described in the module docstring."""
    per_domain = {}
    for domain in DOMAINS:
        evidence = []
        standing = domains.get(domain)
        if standing and standing.total:
            evidence.append(100.0 * standing.passed / standing.total)
        exam = exams.get(domain)
        if exam and exam.total:
            evidence.append(exam.percent)
        per_domain[domain] = sum(evidence) / len(evidence) if evidence else 0.0
    overall = sum(DOMAIN_WEIGHTS[d] * per_domain[d] for d in DOMAINS)
    return Readiness(overall, per_domain, any(s.total for s in exams.values()))


def format_when(timestamp: str | None) -> str:
    """``2026-12-02T02:12:17+00:00`` → ``2026-12-02 02:12 UTC``."""
    return f"{timestamp[:16].replace('T', ' ')} UTC" if timestamp else ""


def _pct(correct: int, total: int) -> str:
    return f"{100.0 * correct / total:.0f}%" if total else "-"


def format_progress(modules: Mapping[str, Standing], domains: Mapping[str, Standing],
                    sittings: Sequence, module_names: Mapping[str, str] | None = None,
                    drills: Sequence = ()) -> str:
    """The text ``python -m grader progress`` prints: modules, domains, exams, drills, readiness.

    Drills are listed but do not count toward readiness: they favour what the learner got
    wrong, so their scores understate what an exam would show.
    """
    names = module_names or {}
    lines = ["By module", f"{'Module':<40}  passed  attempted  total", "-" * 66]
    for module, s in modules.items():
        lines.append(f"{names.get(module, module):<40}  {s.passed:>6}  {s.attempted:>9}  {s.total:>5}")
    total = Standing(*(sum(col) for col in zip(*modules.values()))) if modules else Standing(0, 0, 0)
    lines += ["-" * 66, f"{'All':<40}  {total.passed:>6}  {total.attempted:>9}  {total.total:>5}", ""]

    exams = recent_exam_scores(sittings)
    ready = readiness(domains, exams)
    lines += ["By exam domain", f"{'Exam domain':<30}  weight  exercises passed  recent exams  estimate",
              "-" * 83]
    for domain in DOMAINS:
        s, e = domains[domain], exams[domain]
        lines.append(f"{domain:<30}  {DOMAIN_WEIGHTS[domain]:>6.0%}  {f'{s.passed}/{s.total}':>16}"
                     f"  {_pct(e.correct, e.total):>12}  {ready.by_domain[domain]:>7.0f}%")
    lines.append("")

    if sittings:
        lines += ["Practice exams", f"{'#':>3}  {'finished':<25}  score  " + "  ".join(
            f"D{i}" .rjust(4) for i in range(1, len(DOMAINS) + 1)), "-" * 66]
        for n, sitting in enumerate(sittings, start=1):
            per = "  ".join(_pct(*sitting.by_domain.get(d, (0, 0))).rjust(4) for d in DOMAINS)
            lines.append(f"{n:>3}  {format_when(sitting.finished):<25}  {_pct(sitting.correct, sitting.total):>5}  {per}")
        lines.append("")
    else:
        lines += ["Practice exams: none yet (python -m grader exam)", ""]

    if drills:
        answered = {domain: [0, 0] for domain in DOMAINS}
        for drill in drills:
            for domain, (correct, total) in drill.by_domain.items():
                answered.setdefault(domain, [0, 0])
                answered[domain][0] += correct
                answered[domain][1] += total
        lines.append("Practice drills: " + "; ".join(
            f"{domain} {c}/{t} right" for domain, (c, t) in answered.items() if t))
        lines.append("")

    basis = (f"exercises and the last {min(len(sittings), RECENT_EXAMS)} practice exam(s)"
             if ready.from_exams else "exercises only: take a practice exam for a truer estimate")
    verdict = "at or above" if ready.percent >= 100 * PRACTICE_TARGET else "below"
    lines.append(f"Readiness estimate: {ready.percent:.0f}% (weighted 38/19/31/12; from {basis}),"
                 f" {verdict} the 70% practice target.")
    lines.append(TARGET_NOTE)
    return "\n".join(lines)

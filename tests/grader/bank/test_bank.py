"""The real bank: it loads and validates, and it covers the exam as FORMAT.md demands.

The coverage test fails until the domain files are written; that is its job.
"""
from __future__ import annotations

from collections import Counter

from grader.bank import DOMAIN_OF, OBJECTIVES, load_bank
from grader.bank.loader import QUESTIONS
from grader.exercise import DOMAINS

WEIGHTS = dict(zip(DOMAINS, (38, 19, 31, 12)))
STALE_TOPICS = ("transition_model_version_stage", "pandas API on Spark", "applyInPandas", "HorovodRunner")


def test_the_whole_bank_loads_and_validates():
    questions = load_bank()
    assert questions, f"no questions in {QUESTIONS}"
    assert len({q.id for q in questions}) == len(questions)
    assert all(q.objective in OBJECTIVES and q.domain == DOMAIN_OF[q.objective] for q in questions)


def coverage_problems(questions) -> list[str]:
    """What keeps a bank from covering the exam: size, objectives with under 3 questions, domain spread."""
    problems = []
    if len(questions) < 150:
        problems.append(f"{len(questions)} questions, fewer than 150")
    per_objective = Counter(q.objective for q in questions)
    thin = [f"{o} ({per_objective[o]})" for o in OBJECTIVES if per_objective[o] < 3]
    if thin:
        problems.append(f"objectives with fewer than 3 questions: {', '.join(thin)}")
    per_domain = Counter(q.domain for q in questions)
    for domain, weight in WEIGHTS.items():
        share = 100 * per_domain[domain] / max(len(questions), 1)
        if abs(share - weight) > 2:
            problems.append(f"{domain}: {share:.1f}% of the bank, not within 2 points of {weight}%")
    return problems


def test_the_bank_covers_every_objective_and_follows_the_domain_weights():
    problems = coverage_problems(load_bank())
    assert not problems, "the bank does not yet cover the exam:\n  " + "\n  ".join(problems)


def test_the_coverage_rule_itself_passes_a_balanced_bank_and_fails_a_lopsided_one():
    class Q:
        def __init__(self, objective):
            self.objective, self.domain = objective, DOMAIN_OF[objective]

    counts = {"Databricks Machine Learning": 76, "Data Processing": 38, "Model Development": 62, "Model Deployment": 24}
    balanced = []
    for domain, count in counts.items():
        objectives = [o for o in OBJECTIVES if DOMAIN_OF[o] == domain]
        balanced += [Q(objectives[i % len(objectives)]) for i in range(count)]
    assert coverage_problems(balanced) == []
    lopsided = balanced + [Q("4.1")] * 30
    assert any("Model Deployment" in p for p in coverage_problems(lopsided))
    assert any("3.1 (0)" in p for p in coverage_problems([q for q in balanced if q.objective != "3.1"]))
    assert "149 questions, fewer than 150" in coverage_problems(balanced[:149])


def test_stale_items_are_marked_and_one_per_dropped_topic_at_most():
    stale = [q for q in load_bank() if q.stale]
    for topic in STALE_TOPICS:
        teaching = [q.id for q in stale if topic.lower() in (q.stem + " ".join(q.options.values())).lower()]
        assert len(teaching) <= 1, f"more than one stale question teaches that {topic} is gone: {teaching}"

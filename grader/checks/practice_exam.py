"""Checks for notebook 10, the practice exam: reading a sitting's per-domain scores the way the
exam weighs them. The learner writes functions; each check calls them on the notebook's example
and on sittings of other shapes, and compares with :mod:`grader.exam_readiness`'s own numbers."""
from __future__ import annotations

import math

from grader import exercise
from grader.exam import DOMAIN_WEIGHTS, DomainScore
from grader.exercise import DOMAINS

DOMAIN = "Databricks Machine Learning"  # the course's home domain; these exercises are about the exam itself

CASES = (
    {DOMAINS[0]: (12, 18), DOMAINS[1]: (8, 9), DOMAINS[2]: (12, 15), DOMAINS[3]: (3, 6)},
    {DOMAINS[0]: (18, 18), DOMAINS[1]: (0, 9), DOMAINS[2]: (15, 15), DOMAINS[3]: (6, 6)},
    {DOMAINS[2]: (7, 10)},                                   # a drill: one domain only
    {DOMAINS[0]: (5, 10), DOMAINS[1]: (1, 2), DOMAINS[3]: (0, 4)},
)
"""Sittings a right answer must handle: an exam, an uneven exam, a one-domain drill, a partial mix."""


def expected_readiness(by_domain) -> float:
    from grader.exam_readiness import readiness

    return readiness({}, {d: DomainScore(*by_domain[d]) for d in by_domain}).percent


def points_lost(by_domain) -> dict[str, float]:
    """Per domain, the share of the whole exam (in %) lost there: weight × (100 − domain score)."""
    lost = {}
    for domain in DOMAINS:
        correct, total = by_domain.get(domain, (0, 0))
        lost[domain] = DOMAIN_WEIGHTS[domain] * (100.0 - (100.0 * correct / total if total else 0.0))
    return lost


@exercise("10.weighted_readiness", domain=DOMAIN, hints=[
    "For each of the four domains take its percent correct (100 × correct / total; 0 when the sitting has "
    "no question of it) and multiply by its weight: 0.38, 0.19, 0.31, 0.12.",
    "Add the four products: the result is a percentage between 0 and 100. DOMAIN_WEIGHTS in grader.exam "
    "holds the weights by domain name.",
])
def check_weighted_readiness(weighted_readiness):
    assert callable(weighted_readiness), "weighted_readiness should be a function of a sitting's by_domain dict."
    for by_domain in CASES:
        got = weighted_readiness(dict(by_domain))
        assert isinstance(got, (int, float)) and not isinstance(got, bool), \
            "weighted_readiness should return a number (a percentage)."
        if 0 <= got <= 1 and expected_readiness(by_domain) > 1:
            raise AssertionError("Return a percentage between 0 and 100, not a fraction.")
        missing = [d for d in DOMAINS if d not in by_domain]
        assert math.isclose(got, expected_readiness(by_domain), abs_tol=0.01), (
            "Not the exam-weighted score for a sitting"
            + (" that has no questions of some domains (they count 0)." if missing else ".")
            + " Weigh each domain's percent, do not pool the questions.")


@exercise("10.study_first", domain=DOMAIN, hints=[
    "A domain costs you its weight times the percent you missed there: 0.38 × (100 − 60) = 15.2 points "
    "of the whole exam for 60% in Databricks Machine Learning.",
    "Compute that for the four domains (a domain with no questions is missed entirely) and return the name "
    "of the largest: max(costs, key=costs.get).",
])
def check_study_first(study_first):
    assert callable(study_first), "study_first should be a function of a sitting's by_domain dict."
    for by_domain in CASES:
        lost = points_lost(by_domain)
        got = study_first(dict(by_domain))
        assert got in DOMAINS, f"study_first should return a domain's name, one of: {', '.join(DOMAINS)}."
        assert math.isclose(lost[got], max(lost.values()), abs_tol=1e-9), (
            "Not the domain where the sitting lost the most weighted points: a low score in a light "
            "domain can cost less than a middling one in a heavy domain.")

"""Both sides of the notebook-10 checks: a right function passes, each typical slip fails."""
from __future__ import annotations

from grader.checks import practice_exam as checks
from grader.exam import DOMAIN_WEIGHTS
from grader.exercise import DOMAINS
from grader.testing import assert_check_failed, assert_check_passed


def percent(by_domain, domain):
    correct, total = by_domain.get(domain, (0, 0))
    return 100.0 * correct / total if total else 0.0


def weighted(by_domain):
    return sum(DOMAIN_WEIGHTS[d] * percent(by_domain, d) for d in DOMAINS)


def costliest(by_domain):
    costs = {d: DOMAIN_WEIGHTS[d] * (100 - percent(by_domain, d)) for d in DOMAINS}
    return max(costs, key=costs.get)


def test_the_example_sitting_is_a_full_exam_whose_weakest_domain_is_not_the_costliest():
    """The notebook's example (CASES[0]) teaches that the lowest percent is not where most is lost."""
    from grader.exam import EXAM_MIX

    example = checks.CASES[0]
    assert {d: t for d, (_, t) in example.items()} == EXAM_MIX
    lowest = min(example, key=lambda d: percent(example, d))
    assert costliest(example) != lowest


def test_weighted_readiness_passes_a_right_function_and_matches_the_progress_estimate():
    assert_check_passed(checks.check_weighted_readiness, weighted)
    assert abs(checks.expected_readiness(checks.CASES[0]) - weighted(checks.CASES[0])) < 1e-9


def test_weighted_readiness_fails_a_pooled_score():
    def pooled(by_domain):
        return 100.0 * sum(c for c, _ in by_domain.values()) / sum(t for _, t in by_domain.values())

    message = assert_check_failed(checks.check_weighted_readiness, pooled, match="do not pool")
    assert "%" not in message.split(" — ")[0]  # no expected number given away


def test_weighted_readiness_fails_a_fraction_and_a_non_number():
    assert_check_failed(checks.check_weighted_readiness, lambda bd: weighted(bd) / 100, match="not a fraction")
    assert_check_failed(checks.check_weighted_readiness, lambda bd: f"{weighted(bd):.1f}%", match="return a number")
    assert_check_failed(checks.check_weighted_readiness, 42.0, match="should be a function")


def test_weighted_readiness_fails_when_absent_domains_are_renormalised_away():
    """Weighing only the domains present (a drill of one domain at 70% is not 70% ready)."""
    def only_present(by_domain):
        present = [d for d in DOMAINS if d in by_domain]
        return sum(DOMAIN_WEIGHTS[d] * percent(by_domain, d) for d in present) / sum(DOMAIN_WEIGHTS[d] for d in present)

    assert_check_failed(checks.check_weighted_readiness, only_present, match="count 0")


def test_study_first_passes_the_costliest_domain():
    assert_check_passed(checks.check_study_first, costliest)


def test_study_first_fails_the_lowest_percent_and_a_non_domain():
    def lowest(by_domain):
        return min(DOMAINS, key=lambda d: percent(by_domain, d) if d in by_domain else 101)

    assert_check_failed(checks.check_study_first, lowest, match="lost the most weighted points")
    assert_check_failed(checks.check_study_first, lambda bd: "Domain 1", match="domain's name")

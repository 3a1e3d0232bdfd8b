"""The drift formulas, applied on the driver to the small pieces Spark computed (counts, ECDF maxima).

Written out here (not by calling scipy on raw samples) because the raw samples stay on the cluster;
the tests check each formula against scipy on the same data. The KS p-value depends only on
(statistic, n1, n2), so it is taken from scipy's own two-sample distribution code.
"""
from __future__ import annotations

import math

import numpy as np

# PSI is undefined when a bin is empty on one side; like most PSI write-ups, empty proportions are
# floored at this epsilon before the logarithm (the tests' hand-computed PSI uses the same floor).
PSI_EPSILON = 1e-4


def _proportions(counts) -> np.ndarray:
    counts = np.asarray(counts, dtype=float)
    total = counts.sum()
    return counts / total if total else counts


def js_distance(p_counts, q_counts) -> float:
    """Jensen–Shannon distance, base 2 (so it lies in [0, 1]), as scipy.spatial.distance.jensenshannon."""
    p, q = _proportions(p_counts), _proportions(q_counts)
    m = (p + q) / 2

    def kl(a):
        mask = a > 0
        return float(np.sum(a[mask] * np.log2(a[mask] / m[mask])))

    return math.sqrt(max((kl(p) + kl(q)) / 2, 0.0))


def population_stability_index(actual_counts, expected_counts) -> float:
    """PSI = Σ (a − e)·ln(a / e) over bins, proportions floored at PSI_EPSILON."""
    a = np.maximum(_proportions(actual_counts), PSI_EPSILON)
    e = np.maximum(_proportions(expected_counts), PSI_EPSILON)
    return float(np.sum((a - e) * np.log(a / e)))


def tv_distance(p_counts, q_counts) -> float:
    """Total variation distance: half the L1 distance between the two proportion vectors."""
    return float(0.5 * np.abs(_proportions(p_counts) - _proportions(q_counts)).sum())


def l_infinity_distance(p_counts, q_counts) -> float:
    """The largest gap between the two proportion vectors."""
    return float(np.abs(_proportions(p_counts) - _proportions(q_counts)).max())


def chi_squared_test(p_counts, q_counts) -> tuple[float, float]:
    """Pearson's test of homogeneity on the 2×k table, as scipy.stats.chi2_contingency.

    Categories empty on both sides are dropped (they have no expected count); with one degree of
    freedom Yates' correction is applied, which is chi2_contingency's default.
    """
    from scipy.stats import chi2

    table = np.array([p_counts, q_counts], dtype=float)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return 0.0, 1.0
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    dof = table.shape[1] - 1
    diff = np.abs(table - expected)
    if dof == 1:
        diff = np.maximum(diff - 0.5, 0.0)  # Yates, capped as scipy caps it
    statistic = float(np.sum(diff ** 2 / expected))
    return statistic, float(chi2.sf(statistic, dof))


def ks_pvalue(statistic: float, n1: int, n2: int) -> float:
    """Two-sided p-value of the two-sample KS statistic, as scipy.stats.ks_2samp(method='auto').

    Exact for samples up to 10,000 rows (scipy's rule), asymptotic above.
    """
    from scipy.stats import distributions
    from scipy.stats._stats_py import _attempt_exact_2kssamp

    if max(n1, n2) <= 10000:
        ok, d, prob = _attempt_exact_2kssamp(n1, n2, math.gcd(n1, n2), statistic, "two-sided")
        if ok:
            return float(np.clip(prob, 0, 1))
    m, n = sorted([float(n1), float(n2)], reverse=True)
    return float(np.clip(distributions.kstwo.sf(statistic, np.round(m * n / (m + n))), 0, 1))

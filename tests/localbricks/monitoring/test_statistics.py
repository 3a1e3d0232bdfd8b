"""The driver-side drift formulas against scipy, on the same counts (no Spark needed)."""
import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import chi2_contingency, ks_2samp

from localbricks.monitoring import statistics as S

RNG = np.random.default_rng(7)
P = RNG.integers(0, 50, size=12)
Q = RNG.integers(0, 50, size=12)
P[3] = 0  # an empty bin on one side


def hand_psi(actual, expected, eps=S.PSI_EPSILON):
    a = np.maximum(actual / actual.sum(), eps)
    e = np.maximum(expected / expected.sum(), eps)
    return sum((ai - ei) * np.log(ai / ei) for ai, ei in zip(a, e))


def test_js_distance_is_scipys_base_2():
    assert S.js_distance(P, Q) == pytest.approx(jensenshannon(P, Q, base=2), abs=1e-9)
    assert S.js_distance(P, P) == pytest.approx(0.0, abs=1e-9)


def test_psi_is_the_hand_computed_sum():
    assert S.population_stability_index(P, Q) == pytest.approx(hand_psi(P.astype(float), Q.astype(float)), abs=1e-9)


def test_tv_and_l_infinity():
    p, q = P / P.sum(), Q / Q.sum()
    assert S.tv_distance(P, Q) == pytest.approx(0.5 * np.abs(p - q).sum(), abs=1e-12)
    assert S.l_infinity_distance(P, Q) == pytest.approx(np.abs(p - q).max(), abs=1e-12)


@pytest.mark.parametrize("k", [2, 5])  # k=2: one degree of freedom, where Yates' correction applies
def test_chi_squared_is_chi2_contingency(k):
    p, q = P[:k] + 1, Q[:k] + 3
    expected = chi2_contingency(np.array([p, q]))
    statistic, pvalue = S.chi_squared_test(p, q)
    assert statistic == pytest.approx(expected.statistic, abs=1e-9)
    assert pvalue == pytest.approx(expected.pvalue, abs=1e-9)


def test_chi_squared_drops_categories_empty_on_both_sides():
    p, q = np.array([5, 0, 7, 9]), np.array([6, 0, 2, 8])
    expected = chi2_contingency(np.array([[5, 7, 9], [6, 2, 8]]))
    assert S.chi_squared_test(p, q) == pytest.approx((expected.statistic, expected.pvalue), abs=1e-9)


@pytest.mark.parametrize("n1,n2", [(40, 55), (300, 120), (12000, 9000)])  # the last is scipy's asymptotic case
def test_ks_pvalue_is_ks_2samp(n1, n2):
    a, b = RNG.normal(0, 1, n1), RNG.normal(0.15, 1, n2)
    expected = ks_2samp(a, b)
    assert S.ks_pvalue(float(expected.statistic), n1, n2) == pytest.approx(expected.pvalue, abs=1e-9)

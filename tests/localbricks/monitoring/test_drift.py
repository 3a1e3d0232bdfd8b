"""Every drift statistic, computed through Spark, against scipy on the same raw samples."""
import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import chi2_contingency, ks_2samp, wasserstein_distance

from localbricks.monitoring import drift
from localbricks.monitoring.frames import melt, with_groups
from localbricks.monitoring.statistics import PSI_EPSILON
from localbricks.monitoring.windows import parse_granularity

pytestmark = pytest.mark.spark
TOL = 1e-6


def hand_psi(actual, expected):
    a = np.maximum(np.asarray(actual, float) / np.sum(actual), PSI_EPSILON)
    e = np.maximum(np.asarray(expected, float) / np.sum(expected), PSI_EPSILON)
    return float(np.sum((a - e) * np.log(a / e)))


@pytest.fixture(scope="module")
def data(day, numeric_with_nulls):
    rng = np.random.default_rng(11)
    sizes, locs = [140, 90], [0.0, 0.6]
    windows = []
    for w, (n, loc) in enumerate(zip(sizes, locs)):
        x = numeric_with_nulls(rng, n, loc)
        cats = rng.choice(["a", "b", "c", "d"], size=n, p=[0.4, 0.3, 0.2, 0.1] if w == 0 else [0.25, 0.25, 0.3, 0.2])
        c = [None if i % 7 == 0 else str(v) for i, v in enumerate(cats)]
        windows.append((x, c))
    base_x = numeric_with_nulls(rng, 200, -0.3)
    base_c = [str(v) for v in rng.choice(["a", "b", "c", "e"], size=200)]  # 'e' never seen in the windows
    return windows, (base_x, base_c)


@pytest.fixture(scope="module")
def stats(spark, data, day):
    windows, (base_x, base_c) = data
    rows = [(day(w, i % 24), x, c) for w, (xs, cs) in enumerate(windows) for i, (x, c) in enumerate(zip(xs, cs))]
    df = spark.createDataFrame(rows, "ts timestamp, x double, c string")
    base = spark.createDataFrame(list(zip(base_x, base_c)), "x double, c string")
    columns = {f.name: f.dataType for f in df.schema.fields if f.name != "ts"}
    long = melt(with_groups(df, "ts", [parse_granularity("1 day")], []), columns)
    base_long = melt(with_groups(base, None, None, []), columns)
    return drift.statistics(long, base_long)


def _get(stats, drift_type, when, column):
    return stats[(drift_type, "1 day", when, None, None, None, column)]


def _present(values):
    return np.array([v for v in values if v is not None])


def _compared(data, drift_type, index):
    windows, base = data
    other = windows[0] if drift_type == "CONSECUTIVE" else base
    return windows[1][index], other[index]


@pytest.mark.parametrize("drift_type", ["CONSECUTIVE", "BASELINE"])
def test_numeric_drift_matches_scipy(stats, data, day, drift_type):
    cur, cmp = (_present(v) for v in _compared(data, drift_type, 0))
    got = _get(stats, drift_type, day(1), "x")
    ks = ks_2samp(cur, cmp)
    assert got["ks_test"]["statistic"] == pytest.approx(ks.statistic, abs=TOL)
    assert got["ks_test"]["pvalue"] == pytest.approx(ks.pvalue, abs=TOL)
    assert got["wasserstein_distance"] == pytest.approx(wasserstein_distance(cur, cmp), abs=TOL)
    pooled = np.concatenate([cur, cmp])
    edges = (pooled.min(), pooled.max())
    h_cur = np.histogram(cur, bins=drift.HISTOGRAM_BINS, range=edges)[0]
    h_cmp = np.histogram(cmp, bins=drift.HISTOGRAM_BINS, range=edges)[0]
    assert got["js_distance"] == pytest.approx(jensenshannon(h_cur, h_cmp, base=2), abs=TOL)
    assert got["population_stability_index"] == pytest.approx(hand_psi(h_cur, h_cmp), abs=TOL)


@pytest.mark.parametrize("drift_type", ["CONSECUTIVE", "BASELINE"])
def test_categorical_drift_matches_scipy(stats, data, day, drift_type):
    cur, cmp = (list(_present(v)) for v in _compared(data, drift_type, 1))
    categories = sorted(set(cur) | set(cmp))
    a = np.array([cur.count(k) for k in categories])
    b = np.array([cmp.count(k) for k in categories])
    got = _get(stats, drift_type, day(1), "c")
    chi = chi2_contingency(np.array([a, b]))
    assert got["chi_squared_test"]["statistic"] == pytest.approx(chi.statistic, abs=TOL)
    assert got["chi_squared_test"]["pvalue"] == pytest.approx(chi.pvalue, abs=TOL)
    assert got["js_distance"] == pytest.approx(jensenshannon(a, b, base=2), abs=TOL)
    assert got["population_stability_index"] == pytest.approx(hand_psi(a, b), abs=TOL)
    p, q = a / a.sum(), b / b.sum()
    assert got["tv_distance"] == pytest.approx(0.5 * np.abs(p - q).sum(), abs=TOL)
    assert got["l_infinity_distance"] == pytest.approx(np.abs(p - q).max(), abs=TOL)


def test_first_window_has_no_consecutive_drift(stats, day):
    assert ("CONSECUTIVE", "1 day", day(0), None, None, None, "x") not in stats
    assert ("BASELINE", "1 day", day(0), None, None, None, "x") in stats


def test_a_column_with_one_value_on_both_sides_has_no_drift(spark, day):
    """The pooled range is empty (hi == lo), yet every value must land in a bin, and the two sides agree."""
    df = spark.createDataFrame([(day(w, h), 3.0) for w in (0, 1) for h in range(5)], "ts timestamp, x double")
    long = melt(with_groups(df, "ts", [parse_granularity("1 day")], []), {"x": df.schema["x"].dataType})
    got = _get(drift.statistics(long), "CONSECUTIVE", day(1), "x")
    assert got["ks_test"]["statistic"] == 0.0
    assert got["wasserstein_distance"] == 0.0
    assert got["js_distance"] == pytest.approx(0.0, abs=TOL)
    assert got["population_stability_index"] == pytest.approx(0.0, abs=TOL)

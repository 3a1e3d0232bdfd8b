"""Profile metrics on Spark against numpy on the same values (quantiles within percentile_approx's bound)."""
from collections import Counter

import numpy as np
import pytest

from localbricks.monitoring import profile
from localbricks.monitoring.frames import melt, with_groups
from localbricks.monitoring.windows import parse_granularity

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def computed(spark, day, numeric_with_nulls):
    rng = np.random.default_rng(21)
    x = numeric_with_nulls(rng, 500, 0.0)
    x[5] = x[6] = 0.0
    c = [None if i % 4 == 0 else f"k{int(v)}" for i, v in enumerate(rng.poisson(3, 500))]
    rows = [(day(0, i % 24), a, b) for i, (a, b) in enumerate(zip(x, c))]
    df = spark.createDataFrame(rows, "ts timestamp, x double, c string")
    grouped = with_groups(df, "ts", [parse_granularity("1 day")], ["c = 'k3'"])
    long = melt(grouped, {"x": df.schema["x"].dataType, "c": df.schema["c"].dataType})
    return x, c, profile.column_profiles(long), profile.table_counts(grouped)


def _whole(profiles, column):
    return next(v for k, v in profiles.items() if k[2] is None and k[5] == column)


def test_numeric_profile_matches_numpy(computed):
    x, _, profiles, _ = computed
    values = np.array([v for v in x if v is not None])
    got = _whole(profiles, "x")
    assert (got["count"], got["num_nulls"]) == (len(x), x.count(None))
    assert got["percent_null"] == pytest.approx(100 * x.count(None) / len(x))
    assert got["avg"] == pytest.approx(values.mean(), abs=1e-9)
    assert got["stddev"] == pytest.approx(values.std(ddof=1), abs=1e-9)
    assert (got["min"], got["max"]) == (values.min(), values.max())
    assert got["distinct_count"] == len(set(values))
    assert got["num_zeros"] == int((values == 0).sum())


def test_quantiles_are_within_the_documented_rank_error(computed):
    x, _, profiles, _ = computed
    values = np.sort([v for v in x if v is not None])
    got = _whole(profiles, "x")
    eps = 1 / profile.QUANTILE_ACCURACY + 1 / len(values)
    for q, v in zip(profile.QUANTILE_LEVELS, got["quantiles"]):
        low = np.quantile(values, max(q - eps, 0), method="lower")
        high = np.quantile(values, min(q + eps, 1), method="higher")
        assert low <= v <= high, q
    assert got["median"] == got["quantiles"][50]


def test_categorical_profile_and_frequent_items(computed):
    _, c, profiles, _ = computed
    got = _whole(profiles, "c")
    present = [v for v in c if v is not None]
    assert (got["count"], got["num_nulls"], got["distinct_count"]) == (len(c), c.count(None), len(set(present)))
    assert got["avg"] is None and got["quantiles"] is None
    expected = sorted(Counter(present).items(), key=lambda kv: (-kv[1], kv[0]))[: profile.FREQUENT_ITEMS]
    assert [(i["item"], i["count"]) for i in got["frequent_items"]] == expected


def test_slices_profile_their_own_rows(computed):
    x, c, profiles, counts = computed
    in_slice = [a for a, b in zip(x, c) if b == "k3"]
    got = next(v for k, v in profiles.items() if k[2] == "c = 'k3'" and k[3] == "true" and k[5] == "x")
    assert got["count"] == len(in_slice)
    assert got["avg"] == pytest.approx(np.mean([v for v in in_slice if v is not None]), abs=1e-9)
    # slice value NULL where c is NULL (the expression is NULL there), as Spark evaluates it
    assert {k[3] for k in counts if k[2] is not None} == {"true", "false", None}
    assert sum(n for k, n in counts.items() if k[2] is not None) == len(x)

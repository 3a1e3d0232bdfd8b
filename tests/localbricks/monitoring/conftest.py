"""Helpers for the monitoring tests: small Delta tables with known contents, dropped afterwards."""
import datetime as dt
import itertools

import numpy as np
import pytest

_names = itertools.count()


@pytest.fixture
def table(spark):
    """table(rows, ddl) → a fresh 'main.default.<name>' holding rows; tables it made are dropped after the test."""
    made = []

    def make(rows, ddl, name=None):
        name = name or f"main.default.mon_{next(_names)}"
        spark.createDataFrame(rows, ddl).write.format("delta").mode("overwrite").saveAsTable(name)
        made.append(name)
        return name

    yield make
    for name in made:
        for suffix in ("", "_profile_metrics", "_drift_metrics", "_monitor_state"):
            spark.sql(f"DROP TABLE IF EXISTS {name}{suffix}")


def _day(d: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, 1 + d, hour)


def _numeric_with_nulls(rng, n, loc, null_every=9):
    """Normal values rounded to one decimal, so some repeat (ties); every null_every-th one None."""
    values = np.round(rng.normal(loc, 1.0, n), 1)
    return [None if i % null_every == 0 else float(v) for i, v in enumerate(values)]


@pytest.fixture(scope="session")
def day():
    """day(d, hour) → the timestamp 2026-03-(1+d) hour:00, the tests' time axis."""
    return _day


@pytest.fixture(scope="session")
def numeric_with_nulls():
    return _numeric_with_nulls

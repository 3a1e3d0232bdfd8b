"""Granularity strings and the window each timestamp falls in."""
import datetime as dt

import pytest

from localbricks.monitoring.errors import MonitorConfigError
from localbricks.monitoring.windows import parse_granularity, window_column


@pytest.mark.parametrize("text", ["5 minutes", "30 minutes", "1 hour", "1 day", "1 week", "2 weeks", "1 month",
                                  "1 year", " 1  DAY "])
def test_accepted_granularities(text):
    assert parse_granularity(text).text == " ".join(text.lower().split())


@pytest.mark.parametrize("text", ["2 days", "1 minute", "15 minutes", "0 weeks", "daily", "", 7])
def test_unknown_granularity_is_refused_with_the_accepted_list(text):
    with pytest.raises(MonitorConfigError, match="'1 day'"):
        parse_granularity(text)


TS = dt.datetime(2026, 3, 11, 14, 47, 31)  # a Wednesday


@pytest.mark.spark
@pytest.mark.parametrize("text,start,end", [
    ("5 minutes", dt.datetime(2026, 3, 11, 14, 45), dt.datetime(2026, 3, 11, 14, 50)),
    ("30 minutes", dt.datetime(2026, 3, 11, 14, 30), dt.datetime(2026, 3, 11, 15, 0)),
    ("1 hour", dt.datetime(2026, 3, 11, 14), dt.datetime(2026, 3, 11, 15)),
    ("1 day", dt.datetime(2026, 3, 11), dt.datetime(2026, 3, 12)),
    ("1 week", dt.datetime(2026, 3, 9), dt.datetime(2026, 3, 16)),  # weeks start on Mondays
    ("2 weeks", dt.datetime(2026, 3, 2), dt.datetime(2026, 3, 16)),  # n-week windows count from Mon 1970-01-05
    ("1 month", dt.datetime(2026, 3, 1), dt.datetime(2026, 4, 1)),
    ("1 year", dt.datetime(2026, 1, 1), dt.datetime(2027, 1, 1)),
])
def test_window_assignment(spark, text, start, end):
    df = spark.createDataFrame([(TS,)], "ts timestamp")
    window = df.select(window_column("ts", parse_granularity(text)).alias("w")).first()["w"]
    assert (window["start"], window["end"]) == (start, end)


@pytest.mark.spark
def test_two_week_windows_tile_time_without_gaps(spark):
    rows = [(dt.datetime(2026, 1, 1) + dt.timedelta(days=d),) for d in range(60)]
    g = parse_granularity("2 weeks")
    windows = sorted({(r["w"]["start"], r["w"]["end"]) for r in
                      spark.createDataFrame(rows, "ts timestamp").select(window_column("ts", g).alias("w")).collect()})
    assert all(a[1] == b[0] for a, b in zip(windows, windows[1:]))
    assert all(w[0].weekday() == 0 and w[1] - w[0] == dt.timedelta(days=14) for w in windows)

import math

import pytest

from localbricks.dbutils.data import build_summary

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def frame(spark):
    rows = [(float(i) if i % 10 else None, "a" if i % 3 else None, i % 2) for i in range(1, 201)]
    return spark.createDataFrame(rows, "x DOUBLE, cat STRING, flag INT")


def test_null_counts_and_moments_match_pandas(frame):
    summary = build_summary(frame, precise=True)
    pdf = frame.toPandas()
    x = summary.column("x")
    assert summary.rows == 200
    assert x.nulls == int(pdf.x.isna().sum()) == 20
    assert math.isclose(x.stats["mean"], pdf.x.mean())
    assert math.isclose(x.stats["stddev"], pdf.x.std())
    assert x.stats["min"] == 1.0 and x.stats["max"] == 199.0
    assert summary.column("cat").nulls == int(pdf.cat.isna().sum())
    assert summary.column("cat").kind == "categorical"


def test_histograms_cover_every_non_null_value(frame):
    summary = build_summary(frame)
    assert sum(count for _, count in summary.column("x").histogram) == 180
    assert dict(summary.column("flag").histogram) == {"0": 100, "1": 100}


def test_html_shows_missing_and_bars(frame):
    html = build_summary(frame).to_html()
    assert "200 rows × 3 columns" in html and "20 (10.0%)" in html and "background:#1f77b4" in html


def test_large_frames_are_sampled_and_say_so(spark):
    summary = build_summary(spark.range(50_000), sample_rows=1_000)
    assert summary.rows == 50_000 and summary.sampled_rows < 50_000
    assert "random sample" in summary.to_html()


def test_summarize_rejects_non_dataframes():
    with pytest.raises(TypeError, match="Spark DataFrame"):
        build_summary([1, 2, 3])

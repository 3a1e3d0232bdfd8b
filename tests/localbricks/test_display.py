import pandas as pd
import pytest
from matplotlib.figure import Figure

from localbricks.display import display, prepare


def test_pandas_is_shown_as_a_table_of_the_first_rows():
    pdf = pd.DataFrame({"x": range(2000)})
    shown = prepare(pdf)
    assert display(pdf) is None
    assert len(shown) == 1000


@pytest.mark.spark
def test_spark_frames_are_limited_before_collecting(spark):
    shown = prepare(spark.range(5000), limit=10)
    assert list(shown["id"]) == list(range(10))


@pytest.mark.parametrize("chart", ["bar", "line", "scatter", "hist", "box"])
def test_charts_return_a_figure(chart):
    pdf = pd.DataFrame({"k": ["a", "b", "c"], "n": [3, 1, 2]})
    pdf["m"] = [1.0, 2.0, 2.5]
    fig = prepare(pdf, chart=chart, x="k" if chart in ("bar", "line") else "n", y="m" if chart != "hist" else None)
    assert isinstance(fig, Figure)


def test_bad_chart_or_column_is_explained():
    pdf = pd.DataFrame({"k": ["a"], "n": [1]})
    with pytest.raises(ValueError, match="chart must be one of"):
        display(pdf, chart="pie")
    with pytest.raises(ValueError, match="needs a numeric y"):
        display(pdf, chart="scatter", x="n")
    with pytest.raises(ValueError, match="'nope' is not in the result"):
        display(pdf, chart="bar", x="nope")

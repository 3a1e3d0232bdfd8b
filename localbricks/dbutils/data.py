"""``dbutils.data.summarize(df)``: a per-column profile with null counts and distributions.

Counts, nulls, means, quantiles and distinct counts come from one Spark aggregation over all rows
(approximate quantiles and distinct counts unless ``precise=True``, like Databricks); histograms
and top values are drawn from at most ``SAMPLE_ROWS`` rows, and the page says when it sampled.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

SAMPLE_ROWS = 10_000
BINS = 20


@dataclass
class ColumnSummary:
    name: str
    dtype: str
    kind: str  # "numeric" | "categorical" | "temporal"
    count: int
    nulls: int
    distinct: int
    stats: dict = field(default_factory=dict)  # mean, stddev, min, p25, median, p75, max, zeros
    histogram: list[tuple[str, int]] = field(default_factory=list)  # (bin label or value, count)

    @property
    def null_fraction(self) -> float:
        total = self.count + self.nulls
        return self.nulls / total if total else 0.0


@dataclass
class Summary:
    rows: int
    columns: list[ColumnSummary]
    sampled_rows: int

    def column(self, name: str) -> ColumnSummary:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"No column {name!r}; columns are {[c.name for c in self.columns]}.")

    def to_html(self) -> str:
        note = ("" if self.sampled_rows >= self.rows else
                f" Histograms and top values use a random sample of {self.sampled_rows:,} rows.")
        parts = [f"<div class='lb-summary'><p><b>{self.rows:,} rows × {len(self.columns)} columns.</b>{note}</p>",
                 "<table><thead><tr><th>column</th><th>type</th><th>missing</th><th>distinct</th>"
                 "<th>statistics</th><th>distribution</th></tr></thead><tbody>"]
        for col in self.columns:
            stats = ", ".join(f"{k} {_fmt(v)}" for k, v in col.stats.items())
            warn = " style='color:#b00'" if col.nulls else ""
            parts.append(
                f"<tr><td><b>{html.escape(col.name)}</b></td><td>{html.escape(col.dtype)}</td>"
                f"<td{warn}>{col.nulls:,} ({col.null_fraction:.1%})</td><td>{col.distinct:,}</td>"
                f"<td>{html.escape(stats)}</td><td>{_bars(col.histogram)}</td></tr>")
        parts.append("</tbody></table></div>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        lines = [f"{self.rows} rows"]
        for col in self.columns:
            lines.append(f"  {col.name:<24} {col.dtype:<10} nulls={col.nulls:<6} distinct={col.distinct:<6} "
                         + " ".join(f"{k}={_fmt(v)}" for k, v in col.stats.items()))
        return "\n".join(lines)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value)


def _bars(histogram: list[tuple[str, int]]) -> str:
    """A tiny inline bar chart in plain HTML, so the summary needs no images or JavaScript."""
    if not histogram:
        return ""
    top = max(count for _, count in histogram) or 1
    bars = "".join(
        f"<div title='{html.escape(str(label))}: {count:,}' style='display:inline-block;width:6px;"
        f"margin-right:1px;background:#1f77b4;vertical-align:bottom;height:{max(1, round(40 * count / top))}px'></div>"
        for label, count in histogram)
    return f"<div style='height:42px;white-space:nowrap'>{bars}</div>"


def _kind(data_type) -> str:
    from pyspark.sql import types as T

    if isinstance(data_type, T.NumericType):
        return "numeric"
    if isinstance(data_type, (T.DateType, T.TimestampType, T.TimestampNTZType)):
        return "temporal"
    return "categorical"


def build_summary(df, precise: bool = False, sample_rows: int = SAMPLE_ROWS) -> Summary:
    """Compute the profile of a Spark DataFrame (the data behind ``summarize``)."""
    from pyspark.sql import functions as F

    if not hasattr(df, "schema") or not hasattr(df, "agg"):
        raise TypeError(f"dbutils.data.summarize expects a Spark DataFrame, got {type(df).__name__}; "
                        "for pandas use spark.createDataFrame(pdf) first.")
    fields = [(f.name, f.dataType, _kind(f.dataType)) for f in df.schema.fields]
    exprs = [F.count(F.lit(1)).alias("__rows")]
    for i, (name, dtype, kind) in enumerate(fields):
        col = F.col(f"`{name}`")
        exprs.append(F.count(col).alias(f"c{i}"))
        exprs.append((F.count_distinct(col) if precise else F.approx_count_distinct(col)).alias(f"d{i}"))
        if kind == "numeric":
            value = col.cast("double")
            exprs += [F.mean(value).alias(f"mean{i}"), F.stddev(value).alias(f"sd{i}"),
                      F.min(value).alias(f"min{i}"), F.max(value).alias(f"max{i}"),
                      F.sum(F.when(value == 0, 1).otherwise(0)).alias(f"z{i}"),
                      F.percentile_approx(value, [0.25, 0.5, 0.75], 1_000_000 if precise else 10_000).alias(f"q{i}")]
        elif kind == "temporal":
            exprs += [F.min(col).alias(f"min{i}"), F.max(col).alias(f"max{i}")]
    row = df.agg(*exprs).first().asDict()
    rows = row["__rows"]
    fraction = 1.0 if rows <= sample_rows else sample_rows / rows
    sample = (df if fraction >= 1.0 else df.sample(fraction=fraction, seed=0)).toPandas()
    columns = []
    for i, (name, dtype, kind) in enumerate(fields):
        stats: dict = {}
        if kind == "numeric" and row[f"c{i}"]:
            q = row[f"q{i}"] or [None] * 3
            stats = {"mean": row[f"mean{i}"], "stddev": row[f"sd{i}"], "min": row[f"min{i}"], "p25": q[0],
                     "median": q[1], "p75": q[2], "max": row[f"max{i}"], "zeros": row[f"z{i}"]}
        elif kind == "temporal" and row[f"c{i}"]:
            stats = {"min": row[f"min{i}"], "max": row[f"max{i}"]}
        columns.append(ColumnSummary(name, dtype.simpleString(), kind, row[f"c{i}"], rows - row[f"c{i}"],
                                     row[f"d{i}"], stats, _histogram(sample[name], kind)))
    return Summary(rows, columns, len(sample))


def _histogram(series, kind: str) -> list[tuple[str, int]]:
    import numpy as np

    values = series.dropna()
    if values.empty:
        return []
    if kind == "numeric" and values.nunique() > 10:
        counts, edges = np.histogram(values.astype(float), bins=BINS)
        return [(f"{edges[j]:.3g}–{edges[j + 1]:.3g}", int(c)) for j, c in enumerate(counts)]
    top = values.astype(str).value_counts().head(BINS)
    return [(str(label), int(count)) for label, count in top.items()]


class DataUtils:
    """``dbutils.data``."""

    def __init__(self, spark=None):
        self._spark = spark

    def summarize(self, df, precise: bool = False) -> None:
        """Show the profile of ``df`` as HTML in a notebook (text elsewhere); returns None like Databricks."""
        import pandas as pd

        if isinstance(df, pd.DataFrame) and self._spark is not None:
            df = self._spark.createDataFrame(df)  # a pandas frame: Databricks accepts those too
        summary = build_summary(df, precise=precise)
        try:
            from IPython import get_ipython
            from IPython.display import HTML, display

            if get_ipython() is not None:
                display(HTML(summary.to_html()))
                return None
        except ImportError:
            pass
        print(repr(summary))
        return None

"""``display(...)``: Databricks' one call for showing a result, as a table or a chart.

Spark DataFrames are shown as an HTML table of their first rows (Databricks shows up to 1,000 and
so do we by default); ``chart="bar" | "line" | "scatter" | "hist" | "box"`` plots them instead,
as the chart tab of a Databricks result cell would. Anything else goes to IPython's display.
"""
from __future__ import annotations

from typing import Any

MAX_ROWS = 1000
CHARTS = ("bar", "line", "scatter", "hist", "box")


def _to_pandas(obj: Any, limit: int):
    import pandas as pd

    if isinstance(obj, pd.DataFrame):
        return obj.head(limit)
    if hasattr(obj, "limit") and hasattr(obj, "toPandas"):  # a Spark DataFrame (classic or Connect)
        return obj.limit(limit).toPandas()
    return None


def _show(obj: Any) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display as ipy_display

        if get_ipython() is not None:
            ipy_display(obj)
            return
    except ImportError:
        pass
    print(obj)


def plot(pdf, chart: str, x: str | None = None, y: str | list[str] | None = None, title: str | None = None):
    """Draw ``pdf`` (pandas) as a chart and return the matplotlib Figure."""
    import matplotlib

    if chart not in CHARTS:
        raise ValueError(f"chart must be one of {', '.join(CHARTS)}; got {chart!r}.")
    matplotlib.use(matplotlib.get_backend())  # keep the notebook's inline backend
    import matplotlib.pyplot as plt

    columns = list(pdf.columns)
    for name in [x] + (y if isinstance(y, list) else [y]):
        if name is not None and name not in columns:
            raise ValueError(f"Column {name!r} is not in the result; columns are {columns}.")
    x = x or columns[0]
    numeric = [c for c in columns if c != x and pdf[c].dtype.kind in "iuf"]
    y = y or (numeric[:1] if chart in ("bar", "line", "scatter") else None)
    if chart in ("bar", "line", "scatter") and not y:
        raise ValueError(f"A {chart} chart needs a numeric y column besides x={x!r}; pass y='...'.")
    fig, ax = plt.subplots(figsize=(7, 4))
    if chart == "bar":
        pdf.plot.bar(x=x, y=y, ax=ax, legend=False)
    elif chart == "line":
        pdf.plot.line(x=x, y=y, ax=ax)
    elif chart == "scatter":
        pdf.plot.scatter(x=x, y=y if isinstance(y, str) else y[0], ax=ax, alpha=0.5)
    elif chart == "hist":
        pdf[x].dropna().plot.hist(bins=30, ax=ax)
        ax.set_xlabel(x)
    else:
        pdf[[x] + ([] if y is None else ([y] if isinstance(y, str) else y))].plot.box(ax=ax)
    ax.set_title(title or f"{chart} of {x}")
    fig.tight_layout()
    plt.close(fig)  # returned for display; not shown twice by the inline backend
    return fig


def prepare(obj: Any, chart: str | None = None, x: str | None = None, y: str | list[str] | None = None,
            title: str | None = None, limit: int = MAX_ROWS):
    """What ``display`` would show: a pandas frame of the first ``limit`` rows, a Figure, or ``obj``."""
    pdf = _to_pandas(obj, limit)
    if pdf is None:
        return obj
    if chart is not None:
        return plot(pdf, chart, x=x, y=y, title=title)
    return pdf


def display(obj: Any, chart: str | None = None, x: str | None = None, y: str | list[str] | None = None,
            title: str | None = None, limit: int = MAX_ROWS) -> None:
    """Show ``obj`` as Databricks would: a table of the first ``limit`` rows, or a chart.

    Returns None, like Databricks' ``display``, so a notebook cell does not show the result twice.
    """
    _show(prepare(obj, chart=chart, x=x, y=y, title=title, limit=limit))

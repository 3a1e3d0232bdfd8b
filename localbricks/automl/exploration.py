"""Write the data exploration notebook Databricks AutoML writes once per run.

It loads the run's data file and shows its shape, types, gaps, the target's distribution and
the columns' cardinality, and says in words what AutoML decided for each column and what in the
data deserves attention (class imbalance, missing values, high cardinality, dropped columns).
"""
from __future__ import annotations

from localbricks.automl.dataset import SPLIT_COL
from localbricks.automl.trial_notebook import new_notebook


def findings(setup) -> list[str]:
    """Plain-language notes about the data, computed now (they are text in the notebook)."""
    frame, target = setup.frame, setup.target_col
    notes = []
    if setup.task == "classification":
        shares = frame[target].value_counts(normalize=True)
        if shares.iloc[-1] < 0.2:
            common, rare = shares.index.tolist()[0], shares.index.tolist()[-1]
            notes.append(f"Imbalanced classes: {rare!r} is only {shares.iloc[-1]:.1%} of rows, and always predicting "
                         f"{common!r} is {shares.iloc[0]:.1%} accurate. Prefer F1, precision/recall or ROC AUC to "
                         "accuracy. AutoML's random split is stratified, so every split keeps these proportions.")
    gaps = frame.drop(columns=[SPLIT_COL]).isna().mean()
    for col, share in gaps[gaps > 0].sort_values(ascending=False).items():
        notes.append(f"`{col}` is missing in {share:.1%} of rows.")
    for col in setup.plan.numeric:
        skew = frame[col].astype("float64").skew()
        if abs(skew) > 1.5:
            notes.append(f"`{col}` is {'right' if skew > 0 else 'left'}-skewed (skewness {skew:.1f}): the median "
                         "describes it better than the mean, and a log transform may help linear models.")
    for col in setup.plan.hashed:
        notes.append(f"`{col}` has {frame[col].nunique()} distinct values: too many to one-hot, so it is hashed.")
    for col, why in setup.plan.dropped.items():
        notes.append(f"`{col}` is not used: {why}.")
    return notes


def render(setup):
    """The notebook, ready to write."""
    decided = "\n".join(f"- {line}" for line in setup.plan.describe(imputers=setup.imputers).splitlines())
    noted = "\n".join(f"- {note}" for note in findings(setup)) or "- Nothing unusual."
    target_view = ("df[target_col].value_counts().to_frame('rows').assign(share=lambda t: t['rows'] / len(df))"
                   if setup.task == "classification" else "df[target_col].describe()")
    cells = [
        ("md", f"# Data exploration: predicting `{setup.target_col}`"
               + (f" from `{setup.dataset_name}`" if setup.dataset_name != "dataset" else "") + "\n\n"
               f"The data AutoML ({setup.task}) received for experiment `{setup.experiment_name}`: "
               f"{len(setup.frame):,} rows. Run the cells to see it; the notes below were written by AutoML."),
        ("code", f"""
# Parameters
data_path = {str(setup.data_path)!r}
target_col = {setup.target_col!r}
""", "parameters"),
        ("code", f"""
import pandas as pd

df = pd.read_parquet(data_path)
split = df.pop({SPLIT_COL!r})
df.shape
"""),
        ("md", "## What AutoML noticed\n\n" + noted),
        ("md", "## What AutoML does with each column\n\n" + decided),
        ("md", "## The target"),
        ("code", target_view),
        ("md", "## Types, gaps and distinct values per column"),
        ("code", "pd.DataFrame({'type': df.dtypes.astype(str), 'missing': df.isna().mean().round(3), "
                 "'distinct': df.nunique()})"),
        ("md", "## Numeric columns"),
        ("code", "df.describe().T"),
        ("md", "## How the rows were split"),
        ("code", "split.value_counts()"),
    ]
    return new_notebook(cells)

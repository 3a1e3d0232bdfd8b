"""The data an AutoML run sees: read it, check the target, split it once, and keep a copy.

The copy (a Parquet file with a ``_automl_split_col`` column saying ``train``, ``val`` or ``test``
for each row) is what every trial trains on and what every trial notebook reads, so a notebook
re-run later retrains on exactly the rows and split AutoML used. Databricks AutoML likewise saves
the training data (as an MLflow artifact, or under ``data_dir``) for its notebooks to load.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SPLIT_COL = "_automl_split_col"
SPLIT_FRACTIONS = (0.6, 0.2, 0.2)  # train, validation, test: Databricks' default split
MIN_ROWS_PER_CLASS = 5


@dataclass
class Dataset:
    frame: object  # pandas DataFrame: every column, the target and SPLIT_COL, as read back from `path`
    path: Path
    name: str  # a short label for names and messages: the table name, or "dataset"
    classes: list | None = None  # classification only, sorted
    pos_label: object = None  # binary classification only


def _is_spark(dataset) -> bool:
    return type(dataset).__module__.startswith("pyspark.sql") and hasattr(dataset, "toPandas")


def resolve(dataset):
    """A table name becomes a Spark DataFrame; a DataFrame (Spark, pandas, pandas-on-Spark) passes through."""
    if isinstance(dataset, str):
        from localbricks.session import get_spark

        return get_spark().table(dataset)
    import pandas as pd

    if _is_spark(dataset) or hasattr(dataset, "to_pandas") or isinstance(dataset, pd.DataFrame):
        return dataset
    raise TypeError("dataset must be a Spark DataFrame, a pandas DataFrame, a pandas-on-Spark DataFrame "
                    f"or a table name, not {type(dataset).__name__}.")


def to_pandas(dataset):
    """A pandas copy; Spark decimals become doubles so they stay numeric."""
    if _is_spark(dataset):
        from pyspark.sql import functions as F
        from pyspark.sql.types import DecimalType

        casts = [F.col(f"`{f.name}`").cast("double").alias(f.name) if isinstance(f.dataType, DecimalType)
                 else F.col(f"`{f.name}`") for f in dataset.schema.fields]
        return dataset.select(casts).toPandas()
    if hasattr(dataset, "to_pandas"):  # pandas-on-Spark
        return dataset.to_pandas()
    return dataset.copy()


def check_columns(columns, target_col, exclude_cols=None, **roles) -> None:
    """Raise a ValueError naming the column if ``target_col`` or any other named column is missing."""
    columns = list(columns)
    listing = ", ".join(columns)
    if not isinstance(target_col, str) or target_col not in columns:
        raise ValueError(f"target_col {target_col!r} is not a column of the dataset. Its columns are: {listing}.")
    for role, col in roles.items():
        if col is not None and col not in columns:
            raise ValueError(f"{role} {col!r} is not a column of the dataset. Its columns are: {listing}.")
    unknown = [c for c in (exclude_cols or []) if c not in columns]
    if unknown:
        raise ValueError(f"exclude_cols names columns the dataset does not have: {unknown}. "
                         f"Its columns are: {listing}.")
    if target_col in (exclude_cols or []):
        raise ValueError(f"exclude_cols cannot contain the target column {target_col!r}.")


def drop_unlabelled(frame, task: str, target_col: str):
    """Rows with no target value cannot be learnt from; a whole-number float label becomes an integer
    (a Spark integer column with gaps arrives as floats). Returns ``(frame, rows dropped)``."""
    import pandas as pd

    labelled = frame[frame[target_col].notna()].copy()
    y = labelled[target_col]
    if task == "classification" and pd.api.types.is_float_dtype(y) and len(y) and bool((y % 1 == 0).all()):
        labelled[target_col] = y.astype("int64")
    return labelled, len(frame) - len(labelled)


def check_target(frame, task: str, target_col: str, pos_label=None):
    """Validate the target; return ``(classes, pos_label)`` for classification, ``(None, None)`` otherwise."""
    import pandas as pd

    y = frame[target_col]
    if len(y) < 10:
        raise ValueError(f"AutoML needs at least 10 rows with a value in {target_col!r}; this dataset has {len(y)}.")
    if task == "regression":
        if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
            raise ValueError(f"automl.regress needs a numeric target; {target_col!r} has type {y.dtype}. "
                             "Use automl.classify to predict categories.")
        if y.nunique() < 2:
            raise ValueError(f"The target column {target_col!r} has a single value ({y.tolist()[0]!r}): "
                         "there is nothing to predict.")
        return None, None
    counts = y.value_counts()
    labels = counts.index.tolist()  # plain Python values, most frequent first
    if len(counts) < 2:
        raise ValueError(f"The target column {target_col!r} has only one class ({labels[0]!r}, in all "
                         f"{len(y)} rows): classification needs at least two classes.")
    if counts.iloc[-1] < MIN_ROWS_PER_CLASS:
        raise ValueError(f"Class {labels[-1]!r} of {target_col!r} has only {int(counts.iloc[-1])} rows; AutoML needs "
                         f"at least {MIN_ROWS_PER_CLASS} of each class to split train, validation and test sets.")
    try:
        classes = sorted(labels)
    except TypeError:  # mixed types
        classes = sorted(labels, key=repr)
    if len(classes) > 2:
        if pos_label is not None:
            raise ValueError(f"pos_label is only for binary classification; {target_col!r} has {len(classes)} classes.")
        return classes, None
    if pos_label is None:
        pos_label = next((c for c in classes if c is True or c == 1), labels[-1])  # 1/True, else the rarer class
    elif pos_label not in classes:
        raise ValueError(f"pos_label={pos_label!r} is not a class of {target_col!r}; its classes are {classes}.")
    return classes, pos_label


def assign_split(frame, task: str, target_col: str, seed: int, time_col=None, split_col=None):
    """A Series of "train" / "val" / "test": the user's ``split_col``, chronological by ``time_col``,
    or a seeded random 60/20/20 split, stratified by class for classification."""
    import numpy as np
    import pandas as pd
    from sklearn.model_selection import train_test_split

    if split_col is not None:
        names = {"train": "train", "validate": "val", "val": "val", "test": "test"}
        split = frame[split_col].map(names)
        bad = frame.loc[split.isna(), split_col].unique().tolist()
        if bad:
            raise ValueError(f"split_col {split_col!r} may only hold 'train', 'validate' or 'test'; found {bad[:5]}.")
    elif time_col is not None:
        when = frame[time_col]
        if not pd.api.types.is_numeric_dtype(when):
            when = pd.to_datetime(when, format="ISO8601", errors="coerce", utc=True)
        order = np.argsort(when.to_numpy(), kind="stable")
        cut_train, cut_val = (int(len(frame) * f) for f in (SPLIT_FRACTIONS[0], sum(SPLIT_FRACTIONS[:2])))
        labels = np.empty(len(frame), dtype=object)
        labels[order[:cut_train]], labels[order[cut_train:cut_val]], labels[order[cut_val:]] = "train", "val", "test"
        split = pd.Series(labels, index=frame.index)
    else:
        y = frame[target_col] if task == "classification" else None
        rest, test = train_test_split(frame.index, test_size=SPLIT_FRACTIONS[2], random_state=seed, stratify=y)
        y_rest = y.loc[rest] if y is not None else None
        val_share = SPLIT_FRACTIONS[1] / (SPLIT_FRACTIONS[0] + SPLIT_FRACTIONS[1])
        train, val = train_test_split(rest, test_size=val_share, random_state=seed, stratify=y_rest)
        split = pd.Series("train", index=frame.index).astype(object)
        split.loc[val], split.loc[test] = "val", "test"
    missing = {"train", "val", "test"} - set(split)
    if missing:
        raise ValueError(f"The split leaves no rows for {sorted(missing)}; give every split some rows.")
    if task == "classification":
        untrained = set(frame[target_col]) - set(frame.loc[split == "train", target_col])
        if untrained:
            raise ValueError(f"The training split has no rows of class {sorted(untrained, key=repr)}, so no model "
                             "could learn it; choose a time_col or split_col that puts every class in training.")
    return split


def _arrow_safe(frame):
    """Object columns mixing value types (which Parquet cannot store) become text."""
    for col in frame.columns:
        if frame[col].dtype == object:
            kinds = {type(v) for v in frame[col].dropna()}
            if len(kinds) > 1:
                frame[col] = frame[col].map(lambda v: v if v is None or v != v else str(v))
    return frame


def snapshot(frame, split, path: Path):
    """Write the rows with their split to ``path`` (Parquet) and return them as read back."""
    import pandas as pd

    frame = _arrow_safe(frame.reset_index(drop=True))
    frame[SPLIT_COL] = split.reset_index(drop=True).to_numpy()
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)
    return pd.read_parquet(path)

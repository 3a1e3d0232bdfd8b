"""Decide what AutoML does with each column, before any model sees the data.

Every column lands in one group, for a stated reason a learner can read in the data exploration
notebook and in each trial notebook: numeric, categorical (one-hot), high-cardinality categorical
(hashed), date/time (expanded to numbers), or dropped (identifiers, constants, empty or
unsupported columns, and the ones the user excluded). ``recipes.build_preprocessor`` turns the
groups into a scikit-learn transformer.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

ONE_HOT_MAX_LEVELS = 32  # more distinct values than this: hash instead of one-hot
_ID_NAME = re.compile(r"(^|[_\s])(id|uuid|guid|key)$", re.IGNORECASE)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")


@dataclass
class ColumnPlan:
    numeric: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    hashed: list[str] = field(default_factory=list)
    datetime: list[str] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)  # column -> why
    order: list[str] = field(default_factory=list)  # every feature column, in the data's order

    @property
    def features(self) -> list[str]:
        """The columns the model reads, in the data's order."""
        used = set(self.numeric + self.categorical + self.hashed + self.datetime)
        return [c for c in self.order if c in used]

    def builder_arguments(self) -> dict:
        """The column lists, named as ``recipes.build_preprocessor`` takes them."""
        return {"numeric_cols": self.numeric, "categorical_cols": self.categorical,
                "hashed_cols": self.hashed, "datetime_cols": self.datetime}

    def describe(self, scale_numeric: bool = False, imputers: dict | None = None) -> str:
        """One line per group, e.g. ``one-hot encoded: region, plan_tier``."""
        custom = f"; custom imputers for {', '.join(imputers)}" if imputers else ""
        scaled = ", standardised" if scale_numeric else ""
        lines = [
            (f"numeric (gaps filled with the median, plus was-missing flags{scaled}{custom})", self.numeric),
            ("one-hot encoded (gaps become a '(missing)' level)", self.categorical),
            ("feature-hashed into 64 columns each (too many levels to one-hot)", self.hashed),
            ("date/time, expanded to year, month, day of week, hour and days since 1970", self.datetime),
        ]
        text = [f"{title}: {', '.join(cols)}" for title, cols in lines if cols]
        text += [f"dropped {col}: {why}" for col, why in self.dropped.items()]
        return "\n".join(text)


def _looks_like_dates(values) -> bool:
    sample = values[:500]
    if all(isinstance(v, (dt.date, dt.datetime)) for v in sample):
        return True
    return all(isinstance(v, str) and _ISO_DATE.match(v.strip()) for v in sample)


def _kind(series, name: str) -> tuple[str, str]:
    """The group for one column and, for a dropped one, the reason."""
    import pandas as pd

    values = series.dropna()
    if values.empty:
        return "dropped", "every value is missing"
    distinct = values.nunique()
    if distinct == 1:
        return "dropped", f"the same value ({values.iloc[0]!r}) in every row, so it cannot help a prediction"
    if pd.api.types.is_bool_dtype(series):
        return "numeric", ""
    if pd.api.types.is_numeric_dtype(series):
        whole = pd.api.types.is_integer_dtype(series) or bool((values % 1 == 0).all())
        if whole and distinct == len(series) and _ID_NAME.search(name):
            return "dropped", "an identifier (a different whole number in every row, and named like an id)"
        return "numeric", ""
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime", ""
    if not (pd.api.types.is_object_dtype(series) or isinstance(series.dtype, pd.CategoricalDtype)
            or pd.api.types.is_string_dtype(series)):
        return "dropped", f"values of type {series.dtype} are not supported"
    listed = values.tolist()
    if _looks_like_dates(listed):
        return "datetime", ""
    odd = next((v for v in listed if not isinstance(v, str)), None)
    if odd is not None:
        return "dropped", f"values of type {type(odd).__name__} are not supported"
    if distinct == len(series) and len(series) > ONE_HOT_MAX_LEVELS:
        return "dropped", "an identifier (a different value in every row)"
    return ("categorical", "") if distinct <= ONE_HOT_MAX_LEVELS else ("hashed", "")


def plan_columns(frame, target_col: str, exclude_cols=(), not_features=()) -> ColumnPlan:
    """Sort every column of ``frame`` except the target and ``not_features`` into a ColumnPlan.

    Args:
        frame: the training data (pandas), as the trials will see it.
        target_col: the label column.
        exclude_cols: columns the user asked AutoML to ignore.
        not_features: bookkeeping columns (the split column, a sample-weight column).
    """
    plan = ColumnPlan()
    for col in frame.columns:
        if col == target_col or col in not_features:
            continue
        plan.order.append(col)
        if col in exclude_cols:
            kind, why = "dropped", "excluded by exclude_cols"
        else:
            kind, why = _kind(frame[col], str(col))
        if kind == "dropped":
            plan.dropped[col] = why
        else:
            getattr(plan, kind).append(col)
    if not plan.features:
        raise ValueError("No column is usable as a feature: " +
                         "; ".join(f"{c}: {why}" for c, why in plan.dropped.items()))
    return plan

"""The code every trial runs, written once and copied verbatim into each trial's notebook.

AutoML calls these functions to build, fit and score a trial; the trial notebook carries their
source text (``inspect.getsource``), so the notebook a learner reads and re-runs is the very code
that produced the logged model, not a paraphrase of it. Each function is therefore self-contained:
it imports what it needs in its own body and uses nothing else from this package.
"""
from __future__ import annotations


def datetime_features(frame):
    """Turn each date/time column into numbers a model can use: calendar parts and days since 1970."""
    import pandas as pd

    features = {}
    for col in frame.columns:
        when = pd.to_datetime(frame[col], format="ISO8601", errors="coerce", utc=True)
        features[f"{col}_year"] = when.dt.year
        features[f"{col}_month"] = when.dt.month
        features[f"{col}_day_of_week"] = when.dt.dayofweek
        features[f"{col}_hour"] = when.dt.hour
        since_1970 = when - pd.Timestamp("1970-01-01", tz="UTC")
        features[f"{col}_days_since_1970"] = since_1970.dt.total_seconds() / 86400
    return pd.DataFrame(features, index=frame.index).astype("float64")


def build_preprocessor(numeric_cols, categorical_cols, hashed_cols, datetime_cols,
                       imputers=None, scale_numeric=False):
    """One scikit-learn ColumnTransformer for every kind of column; columns not listed are dropped.

    - numeric: fill gaps (median unless ``imputers`` says otherwise) and add a 0/1 "was missing"
      column for each column that had gaps in training; standardise if ``scale_numeric``;
    - categorical (few levels): fill gaps with a "(missing)" level, then one-hot encode; levels
      never seen in training become all zeros;
    - hashed (many levels): feature hashing into 64 columns per column, so rare levels share columns;
    - datetime: calendar parts and days since 1970 (``datetime_features``), gaps filled with the median.

    ``imputers`` maps a column to "mean", "median", "most_frequent" or ("constant", value).
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction import FeatureHasher
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    imputers = imputers or {}

    def imputer(col, default, **options):
        choice = imputers.get(col, default)
        if isinstance(choice, (tuple, list)):  # ("constant", value)
            choice, options["fill_value"] = choice
        return SimpleImputer(strategy=choice, **options)

    def groups(cols, default):  # columns that share an imputer share one pipeline
        shared = {}
        for col in cols:
            shared.setdefault(repr(imputers.get(col, default)), []).append(col)
        return list(shared.values())

    transformers = []
    for i, cols in enumerate(groups(numeric_cols, "median")):
        steps = [("impute", imputer(cols[0], "median", add_indicator=True))]
        if scale_numeric:
            steps.append(("scale", StandardScaler()))
        transformers.append((f"numeric_{i}", Pipeline(steps), cols))
    for i, cols in enumerate(groups(categorical_cols, "constant")):
        transformers.append((f"onehot_{i}", Pipeline([
            ("impute", imputer(cols[0], "constant", fill_value="(missing)")),
            ("encode", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]), cols))
    for col in hashed_cols:
        transformers.append((f"hash_{col}", Pipeline([
            ("impute", imputer(col, "constant", fill_value="(missing)")),
            ("to_text", FunctionTransformer(lambda values: values.astype(str))),
            ("hash", FeatureHasher(n_features=64, input_type="string", alternate_sign=False)),
        ]), [col]))
    if datetime_cols:
        steps = [("expand", FunctionTransformer(datetime_features)), ("impute", SimpleImputer(strategy="median"))]
        if scale_numeric:
            steps.append(("scale", StandardScaler()))
        transformers.append(("datetime", Pipeline(steps), datetime_cols))
    return ColumnTransformer(transformers, remainder="drop", sparse_threshold=0)


def classification_metrics(model, X, y, prefix="", pos_label=None):
    """Accuracy, precision, recall, F1, log loss and ROC AUC of a fitted classifier on (X, y).

    A binary problem (``pos_label`` given) scores the ``pos_label`` class; with more classes,
    precision, recall and F1 are averaged over classes weighted by their counts, and ROC AUC is
    one-vs-rest. A metric that is undefined on this data (ROC AUC when ``y`` has one class) is left out.
    """
    import numpy as np
    from sklearn import metrics

    predicted = model.predict(X)
    proba = model.predict_proba(X)
    classes = list(model.classes_)
    average = {"average": "binary", "pos_label": pos_label} if pos_label is not None else {"average": "weighted"}
    scores = {
        "accuracy_score": metrics.accuracy_score(y, predicted),
        "precision_score": metrics.precision_score(y, predicted, zero_division=0, **average),
        "recall_score": metrics.recall_score(y, predicted, zero_division=0, **average),
        "f1_score": metrics.f1_score(y, predicted, zero_division=0, **average),
    }
    seen = np.unique(y)
    if set(seen) <= set(classes):  # the model knows every class in y
        scores["log_loss"] = metrics.log_loss(y, proba, labels=classes)
        if pos_label is not None and len(seen) == 2:
            scores["roc_auc"] = metrics.roc_auc_score(np.asarray(y) == pos_label, proba[:, classes.index(pos_label)])
        elif pos_label is None and len(seen) == len(classes):
            scores["roc_auc"] = metrics.roc_auc_score(y, proba, multi_class="ovr", average="weighted", labels=classes)
    return {prefix + name: float(value) for name, value in scores.items()}


def regression_metrics(model, X, y, prefix=""):
    """R², RMSE, MAE and MSE of a fitted regressor on (X, y)."""
    from sklearn import metrics

    predicted = model.predict(X)
    scores = {
        "r2_score": metrics.r2_score(y, predicted),
        "root_mean_squared_error": metrics.root_mean_squared_error(y, predicted),
        "mean_absolute_error": metrics.mean_absolute_error(y, predicted),
        "mean_squared_error": metrics.mean_squared_error(y, predicted),
    }
    return {prefix + name: float(value) for name, value in scores.items()}

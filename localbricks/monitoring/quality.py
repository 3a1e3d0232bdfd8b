"""Model quality per group, for inference logs whose labels have arrived (rows with a NULL label are skipped).

Classification: Spark counts the confusion matrix (k² rows per group) and the driver derives accuracy
and macro/weighted precision, recall and F1 as scikit-learn defines them (an undefined ratio is 0,
sklearn's zero_division default). ROC AUC (binary, with a probability column) is the Mann–Whitney
count done on Spark over distinct scores, ties counted half, which is what roc_auc_score computes.
Regression: RMSE, MAE and R² from Spark sums.
"""
from __future__ import annotations

from pyspark.sql import Window
from pyspark.sql import functions as F

from localbricks.monitoring.frames import GROUP_KEYS


def _key(row) -> tuple:
    return tuple(row[k] for k in GROUP_KEYS)


def _averaged(confusion: dict[tuple[str, str], int]) -> dict:
    labels = sorted({t for t, _ in confusion} | {p for _, p in confusion})
    total = sum(confusion.values())
    support = {c: sum(n for (t, _), n in confusion.items() if t == c) for c in labels}
    predicted = {c: sum(n for (_, p), n in confusion.items() if p == c) for c in labels}
    per_class = {}
    for c in labels:
        tp = confusion.get((c, c), 0)
        precision = tp / predicted[c] if predicted[c] else 0.0
        recall = tp / support[c] if support[c] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = (precision, recall, f1)
    out = {"accuracy_score": sum(confusion.get((c, c), 0) for c in labels) / total}
    for i, name in enumerate(["precision", "recall", "f1_score"]):
        out[name] = {"macro": sum(v[i] for v in per_class.values()) / len(labels),
                     "weighted": sum(per_class[c][i] * support[c] for c in labels) / total}
    return out


def classification(grouped, label_col: str, prediction_col: str, proba_col: str | None = None) -> dict[tuple, dict]:
    labelled = grouped.where(F.col(label_col).isNotNull() & F.col(prediction_col).isNotNull())
    counts = labelled.groupBy(*GROUP_KEYS, F.col(label_col).cast("string").alias("t"),
                              F.col(prediction_col).cast("string").alias("p")).count()
    confusion: dict[tuple, dict] = {}
    for r in counts.collect():
        confusion.setdefault(_key(r), {})[(r["t"], r["p"])] = r["count"]
    out = {key: _averaged(matrix) for key, matrix in confusion.items()}
    if proba_col:
        for key, auc in roc_auc(labelled, label_col, proba_col).items():
            out.setdefault(key, {})["roc_auc_score"] = auc
    return out


def roc_auc(labelled, label_col: str, proba_col: str) -> dict[tuple, float]:
    """Binary ROC AUC per group; the positive class is the larger label, as sklearn takes classes_[1]."""
    group = Window.partitionBy(*GROUP_KEYS)
    scored = labelled.where(F.col(proba_col).isNotNull()).select(
        *GROUP_KEYS, F.col(proba_col).cast("double").alias("score"),
        (F.col(label_col) == F.max(label_col).over(group)).cast("long").alias("pos"),
        F.size(F.collect_set(label_col).over(group)).alias("classes"))
    per_score = scored.where("classes = 2").groupBy(*GROUP_KEYS, "score").agg(
        F.sum("pos").alias("pos"), F.sum(1 - F.col("pos")).alias("neg"))
    below = Window.partitionBy(*GROUP_KEYS).orderBy("score").rowsBetween(Window.unboundedPreceding, -1)
    ranked = per_score.withColumn("neg_below", F.coalesce(F.sum("neg").over(below), F.lit(0)))
    agg = ranked.groupBy(*GROUP_KEYS).agg(
        F.sum(F.col("pos") * (F.col("neg_below") + 0.5 * F.col("neg"))).alias("wins"),
        F.sum("pos").alias("p"), F.sum("neg").alias("n"))
    return {_key(r): r["wins"] / (r["p"] * r["n"]) for r in agg.collect()}


def regression(grouped, label_col: str, prediction_col: str) -> dict[tuple, dict]:
    y, p = F.col(label_col).cast("double"), F.col(prediction_col).cast("double")
    agg = grouped.where(y.isNotNull() & p.isNotNull()).groupBy(*GROUP_KEYS).agg(
        F.count(F.lit(1)).alias("n"), F.sum((y - p) ** 2).alias("sse"), F.avg(F.abs(y - p)).alias("mae"),
        F.var_pop(y).alias("var"))
    out = {}
    for r in agg.collect():
        mse = r["sse"] / r["n"]
        r2 = 1 - mse / r["var"] if r["var"] else None  # sklearn's r2 is undefined for a constant label
        out[_key(r)] = {"mean_squared_error": mse, "root_mean_squared_error": mse ** 0.5,
                        "mean_absolute_error": r["mae"], "r2_score": r2}
    return out

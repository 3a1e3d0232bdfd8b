"""Drift between each window and its comparison (the previous window, or the baseline table).

Spark does the work that grows with the data: it merges both samples' distinct values with their
counts and runs one ordered window over them per (pair, column), which gives both ECDFs exactly —
so the KS statistic and the Wasserstein distance are exact, with ties handled as scipy handles them,
and only one row per pair reaches the driver. (Collecting each window's distinct values instead
would move O(rows) values to the driver for a continuous column.) Histograms for numeric JS/PSI use
HISTOGRAM_BINS equal-width bins over the two samples' pooled range, counted on Spark; categorical
counts are collected (a categorical column has few values). statistics.py applies the formulas.
"""
from __future__ import annotations

from pyspark.sql import Window
from pyspark.sql import functions as F

from localbricks.monitoring import statistics as S
from localbricks.monitoring.frames import SLICE_KEYS

HISTOGRAM_BINS = 20
PAIR_KEYS = ["drift_type", "granularity", "wstart", "slice_key", "slice_value", "model_id", "column_name"]


def _side(long, drift_type: str, start, a: int):
    return long.select(F.lit(drift_type).alias("drift_type"), "granularity", start.alias("wstart"), *SLICE_KEYS,
                       "model_id", "column_name", "x_num", "x_cat",
                       F.lit(a).alias("a"), F.lit(1 - a).alias("b"))


def samples(long, base_long=None):
    """Both sides of every comparison, labelled a (the window) and b (what it is compared with)."""
    present = long.where(F.col("x_num").isNotNull() | F.col("x_cat").isNotNull())
    parts = [_side(present, "CONSECUTIVE", F.col("window.start"), 1),
             # a window's rows are the comparison side of the window that starts where it ends
             _side(present, "CONSECUTIVE", F.col("window.end"), 0)]
    if base_long is not None:
        base = base_long.where(F.col("x_num").isNotNull() | F.col("x_cat").isNotNull())
        targets = present.select("granularity", "window", *SLICE_KEYS, "model_id").distinct()
        cond = [targets[k].eqNullSafe(base[k]) for k in SLICE_KEYS]
        joined = targets.join(base.drop("granularity", "window", "model_id"), cond) \
            .select(targets["granularity"], targets["window"], *[targets[k] for k in SLICE_KEYS],
                    targets["model_id"], "column_name", "x_num", "x_cat")
        parts += [_side(present, "BASELINE", F.col("window.start"), 1),
                  _side(joined, "BASELINE", F.col("window.start"), 0)]
    out = parts[0]
    for part in parts[1:]:
        out = out.unionByName(part)
    return out


def _key(row) -> tuple:
    return tuple(row[k] for k in PAIR_KEYS)


def numeric_pieces(pairs) -> dict[tuple, dict]:
    """Per pair: sizes, exact KS statistic and Wasserstein distance, and the two histograms.

    One Spark query: the ordered window gives each distinct value its two ECDF heights and the
    pair's range, which places the value in its bin; the pieces are summed per bin, then per pair.
    """
    merged = pairs.where(F.col("x_num").isNotNull()).groupBy(*PAIR_KEYS, "x_num") \
        .agg(F.sum("a").alias("a"), F.sum("b").alias("b"))
    ordered = Window.partitionBy(*PAIR_KEYS).orderBy("x_num")
    whole = Window.partitionBy(*PAIR_KEYS)
    ecdf = merged.select(
        *PAIR_KEYS, "x_num", "a", "b",
        F.try_divide(F.sum("a").over(ordered), F.sum("a").over(whole)).alias("fa"),
        F.try_divide(F.sum("b").over(ordered), F.sum("b").over(whole)).alias("fb"),
        F.lead("x_num").over(ordered).alias("next"),
        F.min("x_num").over(whole).alias("lo"), F.max("x_num").over(whole).alias("hi"),
    )
    gap = F.abs(F.col("fa") - F.col("fb"))
    span = F.col("hi") - F.col("lo")
    # the same arithmetic as numpy.histogram's: (x - lo) * (bins / span), the top edge closed
    raw = F.floor((F.col("x_num") - F.col("lo")) * F.try_divide(F.lit(float(HISTOGRAM_BINS)), span))
    bin_ = F.when(span == 0, 0).otherwise(F.least(raw, F.lit(HISTOGRAM_BINS - 1))).cast("int")
    per_bin = ecdf.groupBy(*PAIR_KEYS, bin_.alias("bin")).agg(
        F.sum("a").alias("a"), F.sum("b").alias("b"), F.max(gap).alias("ks"),
        F.sum(gap * (F.col("next") - F.col("x_num"))).alias("wasserstein"))
    per_pair = per_bin.groupBy(*PAIR_KEYS).agg(
        F.sum("a").alias("na"), F.sum("b").alias("nb"), F.max("ks").alias("ks"),
        F.sum("wasserstein").alias("wasserstein"),
        F.collect_list(F.struct("bin", "a", "b")).alias("bins"),
    ).where((F.col("na") > 0) & (F.col("nb") > 0))
    out = {}
    for r in per_pair.collect():
        piece = {k: r[k] for k in [*PAIR_KEYS, "na", "nb", "ks", "wasserstein"]}
        piece["hist_a"], piece["hist_b"] = [0] * HISTOGRAM_BINS, [0] * HISTOGRAM_BINS
        for b in r["bins"]:
            piece["hist_a"][b["bin"]] += b["a"]
            piece["hist_b"][b["bin"]] += b["b"]
        out[_key(r)] = piece
    return out


def categorical_pieces(pairs) -> dict[tuple, dict]:
    """Per pair: each category's count on both sides (categories sorted, so vectors line up)."""
    merged = pairs.where(F.col("x_cat").isNotNull()).groupBy(*PAIR_KEYS, "x_cat") \
        .agg(F.sum("a").alias("a"), F.sum("b").alias("b"))
    out: dict[tuple, dict] = {}
    # sorted here, not by Spark: a global orderBy costs a sampling job; Python orders str by code
    # point, which is the order of Spark's UTF-8 byte comparison
    for r in sorted(merged.collect(), key=lambda r: r["x_cat"]):
        piece = out.setdefault(_key(r), {"categories": [], "a": [], "b": []})
        piece["categories"].append(r["x_cat"])
        piece["a"].append(r["a"])
        piece["b"].append(r["b"])
    return {k: v for k, v in out.items() if sum(v["a"]) > 0 and sum(v["b"]) > 0}


def numeric_statistics(piece: dict) -> dict:
    return {
        "ks_test": {"statistic": float(piece["ks"]),
                    "pvalue": S.ks_pvalue(float(piece["ks"]), int(piece["na"]), int(piece["nb"]))},
        "wasserstein_distance": float(piece["wasserstein"] or 0.0),
        "js_distance": S.js_distance(piece["hist_a"], piece["hist_b"]),
        "population_stability_index": S.population_stability_index(piece["hist_a"], piece["hist_b"]),
    }


def categorical_statistics(piece: dict) -> dict:
    statistic, pvalue = S.chi_squared_test(piece["a"], piece["b"])
    return {
        "chi_squared_test": {"statistic": statistic, "pvalue": pvalue},
        "js_distance": S.js_distance(piece["a"], piece["b"]),
        "population_stability_index": S.population_stability_index(piece["a"], piece["b"]),
        "tv_distance": S.tv_distance(piece["a"], piece["b"]),
        "l_infinity_distance": S.l_infinity_distance(piece["a"], piece["b"]),
    }


def statistics(long, base_long=None) -> dict[tuple, dict]:
    """{pair key: drift statistics} for every pair whose two sides both have values."""
    pairs = samples(long, base_long).cache()
    try:
        out = {k: numeric_statistics(v) for k, v in numeric_pieces(pairs).items()}
        out.update({k: categorical_statistics(v) for k, v in categorical_pieces(pairs).items()})
    finally:
        pairs.unpersist()
    return out

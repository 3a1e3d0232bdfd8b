"""Monitor refresh: our Spark engine against the same statistics in pandas + scipy, on the same rows, in one run.

For each size (default 100 k, 1 M and 5 M rows) the course's churn inference log is generated
(``datasets/generate.py``, 28 daily windows, drift planted on 2025-07-19) and saved as Parquet, with
a baseline of its first 7 days. Generating and saving are not timed. Each side then runs in a fresh
child process, so that one size's memory does not inflate the next:

* ours: the log and the baseline become Delta tables (not timed), then
  ``localbricks.monitoring.refresh`` with a ``MonitorInferenceLog`` (classification, 1-day windows,
  probability column, no slices) is timed from the call to its return. That includes reading the
  Delta tables, every statistic, and writing the profile, drift and state Delta tables. Then one
  29th day (the last day's rows moved a day later) is appended and the refresh is run again; this
  is the incremental time, and it is checked that only the new window was recomputed.
* plain: ``pandas.read_parquet`` of the log and the baseline and the same statistics, timed
  together. For every daily window and monitored column: count, nulls, mean, standard deviation,
  min, max, 101 quantiles, median, distinct count, zeros, the 10 most frequent items. For every
  window: accuracy, macro and weighted precision, recall and F1 (scikit-learn) and ROC AUC. The
  baseline gets the same profile. For every window against the previous window and against the
  baseline: count, mean and null-share deltas; for numeric columns ``scipy.stats.ks_2samp``,
  ``wasserstein_distance``, Jensen-Shannon distance (``scipy.spatial.distance.jensenshannon``) and
  PSI on 20 equal-width bins over both samples' range; for categorical columns
  ``chi2_contingency``, Jensen-Shannon, PSI, total variation and L-infinity distances. The plain
  side writes nothing. Quantiles are exact here and approximate in ours (rank within 0.01 %).

``request_id`` is dropped from the log on both sides: a unique id is not a distribution to monitor,
and as a categorical column it would turn every comparison into millions of one-row categories.

Peak memory: ours is the largest sum, sampled every 20 ms during the full refresh, of the resident
set of the Python process and of its Spark driver JVM (``spark.driver.memory`` is localbricks' 4 g
unless ``LOCALBRICKS_DRIVER_MEMORY`` says otherwise, so the JVM's heap may grow up to that). Plain
is the peak resident set of its process (``getrusage`` ``ru_maxrss``), imports included.

Both sides' results are compared on a few values per size (Kolmogorov-Smirnov statistic and
p-value, Wasserstein, PSI, chi-squared, total variation, accuracy, ROC AUC, a mean) and on their
number of metric rows; the script exits non-zero if any value differs by more than 1e-6 (relative
to values above 1), so it cannot quietly compare two different computations.

    python bench/monitoring.py [--rows 100000,1000000,5000000] [--json out.json]
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import REPO, report_ratio, scratch_workspace

BASE_ROWS = 12_000  # the inference log's rows at scale 1
BASELINE_DAYS = 7
HISTOGRAM_BINS = 20  # as the engine's drift.HISTOGRAM_BINS
PSI_EPSILON = 1e-4  # as the engine's statistics.PSI_EPSILON
TOP_ITEMS = 10
TIMESTAMP, MODEL, LABEL, PREDICTION, PROBA = "request_time", "model_id", "churned", "prediction", "churn_probability"
CATEGORICAL = ["plan_tier"]
NUMERIC = ["tenure_months", "monthly_spend", "support_calls", "satisfaction_score", "churn_probability",
           "prediction", "churned"]
TABLE = ":table"
TOLERANCE = 1e-6
# the values both sides must agree on: (drift type or "profile", window day, column, metric)
CHECKS = [("CONSECUTIVE", "2025-07-19", "monthly_spend", "ks_statistic"),
          ("CONSECUTIVE", "2025-07-19", "monthly_spend", "ks_pvalue"),
          ("BASELINE", "2025-07-19", "monthly_spend", "ks_statistic"),
          ("CONSECUTIVE", "2025-07-19", "monthly_spend", "wasserstein_distance"),
          ("BASELINE", "2025-07-19", "monthly_spend", "population_stability_index"),
          ("BASELINE", "2025-07-19", "plan_tier", "chi_squared_statistic"),
          ("BASELINE", "2025-07-19", "plan_tier", "tv_distance"),
          ("CONSECUTIVE", "2025-07-10", "support_calls", "ks_statistic"),
          ("profile", "2025-07-05", TABLE, "accuracy_score"),
          ("profile", "2025-07-05", TABLE, "roc_auc_score"),
          ("profile", "2025-07-05", "monthly_spend", "avg")]


def _key(kind, day, column, metric) -> str:
    return f"{kind}|{day}|{column}|{metric}"


# ---------------------------------------------------------------------------------------------
# data: generated once per size, shared by both sides as Parquet files
# ---------------------------------------------------------------------------------------------

def _generator():
    spec = importlib.util.spec_from_file_location("course_datasets", REPO / "datasets" / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    return gen


def _write_data(rows: int, folder: Path) -> dict[str, str]:
    import pandas as pd

    log = _generator().generate("inference_log", scale=rows / BASE_ROWS)["churn_inference_log"]
    log = log.drop(columns=["request_id"])
    log[TIMESTAMP] = log[TIMESTAMP].astype("datetime64[us]")  # Spark reads microsecond Parquet timestamps only
    day = log[TIMESTAMP].dt.floor("D")
    first, last = day.min(), day.max()
    new_day = log[day == last].copy()
    new_day[TIMESTAMP] = (new_day[TIMESTAMP] + pd.Timedelta(days=1)).astype("datetime64[us]")
    paths = {name: str(folder / f"{name}_{rows}.parquet") for name in ("log", "baseline", "new_day")}
    log.to_parquet(paths["log"], index=False)
    log[day < first + pd.Timedelta(days=BASELINE_DAYS)].to_parquet(paths["baseline"], index=False)
    new_day.to_parquet(paths["new_day"], index=False)
    return paths


# ---------------------------------------------------------------------------------------------
# ours: the localbricks engine
# ---------------------------------------------------------------------------------------------

class _PeakRss:
    """Samples the resident set of this process plus its JVM children until stopped; keeps the largest sum."""

    def __init__(self, every: float = 0.02):
        import psutil

        self._me = psutil.Process()
        self._every = every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        import psutil

        total = self._me.memory_info().rss
        for child in self._me.children(recursive=True):
            try:
                if "java" in child.name():
                    total += child.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self._every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


def _ours(paths: dict, rows: int) -> dict:
    from databricks.sdk.service.catalog import MonitorInferenceLog, MonitorInferenceLogProblemType
    from pyspark.sql import functions as F

    from localbricks import monitoring
    from localbricks.session import get_spark

    spark = get_spark()
    table, baseline = f"main.default.inference_log_{rows}", f"main.default.inference_log_{rows}_baseline"

    def delta(path, name, mode="overwrite"):
        frame = spark.read.parquet(path).withColumn(TIMESTAMP, F.col(TIMESTAMP).cast("timestamp"))
        frame.write.format("delta").mode(mode).saveAsTable(name)

    delta(paths["log"], table)
    delta(paths["baseline"], baseline)
    config = MonitorInferenceLog(problem_type=MonitorInferenceLogProblemType.PROBLEM_TYPE_CLASSIFICATION,
                                 prediction_col=PREDICTION, label_col=LABEL, prediction_proba_col=PROBA,
                                 model_id_col=MODEL, timestamp_col=TIMESTAMP, granularities=["1 day"])
    with _PeakRss() as memory:
        started = time.perf_counter()
        full = monitoring.refresh(spark, config, table, "main.default", baseline_table=baseline)
        seconds = time.perf_counter() - started
    values, counts = _ours_values(spark, full)

    delta(paths["new_day"], table, mode="append")
    started = time.perf_counter()
    again = monitoring.refresh(spark, config, table, "main.default", baseline_table=baseline)
    incremental = time.perf_counter() - started
    spark.stop()
    return {"seconds": seconds, "peak_mb": memory.peak / 2**20, "incremental_seconds": incremental,
            "windows_full": len(full.windows_recomputed),
            "windows_incremental": [str(start) for _g, start in again.windows_recomputed],
            "values": values, "rows": counts}


def _ours_values(spark, result) -> tuple[dict, dict]:
    from pyspark.sql import functions as F

    whole = F.col("slice_key").isNull() & (F.col("granularity") == "1 day")
    drift = spark.table(result.drift_metrics_table).where(whole)
    profile = spark.table(result.profile_metrics_table).where(whole)
    values = {}
    for kind, day, column, metric in CHECKS:
        frame = profile if kind == "profile" else drift.where(F.col("drift_type") == kind)
        picked = frame.where((F.to_date("window.start") == day) & (F.col("column_name") == column)).collect()
        if len(picked) != 1:
            raise SystemExit(f"ours: expected one metric row for {kind} {day} {column}, found {len(picked)}")
        values[_key(kind, day, column, metric)] = _field(picked[0], metric)
    return values, {"profile": profile.count(), "drift": drift.count()}


def _field(row, metric):
    if metric.startswith("ks_"):
        return row["ks_test"][metric[3:]]
    if metric == "chi_squared_statistic":
        return row["chi_squared_test"]["statistic"]
    return row[metric]


# ---------------------------------------------------------------------------------------------
# plain: pandas + scipy + scikit-learn on one machine
# ---------------------------------------------------------------------------------------------

def _profile(values, numeric: bool) -> dict:
    import numpy as np

    present = values.dropna()
    out = {"count": len(values), "num_nulls": len(values) - len(present),
           "percent_null": 100.0 * (len(values) - len(present)) / len(values) if len(values) else None,
           "distinct_count": present.nunique()}
    counts = present.value_counts()
    top = counts.reset_index().sort_values(["count", counts.index.name or "index"], ascending=[False, True])
    out["frequent_items"] = top.head(TOP_ITEMS).to_numpy().tolist()
    if numeric and len(present):
        x = present.to_numpy(dtype=float)
        quantiles = np.quantile(x, np.linspace(0, 1, 101))
        out.update(avg=float(x.mean()), stddev=float(x.std(ddof=1)) if len(x) > 1 else None,
                   min=float(x.min()), max=float(x.max()), quantiles=quantiles.tolist(),
                   median=float(quantiles[50]), num_zeros=int((x == 0).sum()))
    return out


def _quality(frame) -> dict:
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support, roc_auc_score

    labelled = frame.dropna(subset=[LABEL, PREDICTION])
    if labelled.empty:
        return {}
    y, p = labelled[LABEL].astype(int).astype(str), labelled[PREDICTION].astype(int).astype(str)
    out = {"accuracy_score": accuracy_score(y, p)}
    for average in ("macro", "weighted"):
        precision, recall, f1, _ = precision_recall_fscore_support(y, p, average=average, zero_division=0)
        out[f"precision_{average}"], out[f"recall_{average}"], out[f"f1_{average}"] = precision, recall, f1
    scored = labelled.dropna(subset=[PROBA])
    if scored[LABEL].nunique() == 2:
        out["roc_auc_score"] = roc_auc_score(scored[LABEL].astype(int), scored[PROBA])
    return out


def _psi(actual, expected) -> float:
    import numpy as np

    a = np.maximum(actual / actual.sum(), PSI_EPSILON)
    e = np.maximum(expected / expected.sum(), PSI_EPSILON)
    return float(np.sum((a - e) * np.log(a / e)))


def _numeric_drift(a, b) -> dict:
    import numpy as np
    from scipy.spatial.distance import jensenshannon
    from scipy.stats import ks_2samp, wasserstein_distance

    ks = ks_2samp(a, b)
    lo, hi = min(a.min(), b.min()), max(a.max(), b.max())
    ha = np.histogram(a, bins=HISTOGRAM_BINS, range=(lo, hi))[0].astype(float)
    hb = np.histogram(b, bins=HISTOGRAM_BINS, range=(lo, hi))[0].astype(float)
    return {"ks_statistic": float(ks.statistic), "ks_pvalue": float(ks.pvalue),
            "wasserstein_distance": float(wasserstein_distance(a, b)),
            "js_distance": float(jensenshannon(ha, hb, base=2)), "population_stability_index": _psi(ha, hb)}


def _categorical_drift(a, b) -> dict:
    import numpy as np
    import pandas as pd
    from scipy.spatial.distance import jensenshannon
    from scipy.stats import chi2_contingency

    counts = pd.concat([a.value_counts().rename("a"), b.value_counts().rename("b")], axis=1).fillna(0).sort_index()
    ca, cb = counts["a"].to_numpy(float), counts["b"].to_numpy(float)
    if len(counts) >= 2:
        test = chi2_contingency(np.vstack([ca, cb]))
        statistic, pvalue = float(test.statistic), float(test.pvalue)
    else:
        statistic, pvalue = 0.0, 1.0
    pa, pb = ca / ca.sum(), cb / cb.sum()
    return {"chi_squared_statistic": statistic, "chi_squared_pvalue": pvalue,
            "js_distance": float(jensenshannon(ca, cb, base=2)), "population_stability_index": _psi(ca, cb),
            "tv_distance": float(0.5 * np.abs(pa - pb).sum()), "l_infinity_distance": float(np.abs(pa - pb).max())}


def _profiles(frame) -> dict:
    out = {column: _profile(frame[column], column in NUMERIC) for column in NUMERIC + CATEGORICAL}
    out[TABLE] = {"count": len(frame)}
    return out


def _delta(current, compared, name):
    if current.get(name) is None or compared.get(name) is None:
        return None
    return float(current[name] - compared[name])


def _drift(cur_frame, cur_profile, cmp_frame, cmp_profile) -> dict:
    out = {}
    for column, metrics in cur_profile.items():
        row = {f"{m}_delta": _delta(metrics, cmp_profile[column], m) for m in ("count", "avg", "percent_null")}
        if column != TABLE:
            a, b = cur_frame[column].dropna(), cmp_frame[column].dropna()
            if len(a) and len(b):
                row.update(_numeric_drift(a.to_numpy(float), b.to_numpy(float)) if column in NUMERIC
                           else _categorical_drift(a, b))
        out[column] = row
    return out


def _plain(paths: dict) -> dict:
    import pandas as pd

    started = time.perf_counter()
    log, baseline = pd.read_parquet(paths["log"]), pd.read_parquet(paths["baseline"])
    log["_window"] = log[TIMESTAMP].dt.floor("D")
    base_profile = _profiles(baseline)
    windows = {key: frame for key, frame in log.groupby(["_window", MODEL], sort=True)}
    profiles = {key: _profiles(frame) for key, frame in windows.items()}
    for key, frame in windows.items():
        profiles[key][TABLE].update(_quality(frame))
    drift = {}
    for (start, model), frame in windows.items():
        previous = (start - pd.Timedelta(days=1), model)
        if previous in windows:
            drift[("CONSECUTIVE", start, model)] = _drift(frame, profiles[(start, model)], windows[previous],
                                                          profiles[previous])
        drift[("BASELINE", start, model)] = _drift(frame, profiles[(start, model)], baseline, base_profile)
    seconds = time.perf_counter() - started
    values = {}
    for kind, day, column, metric in CHECKS:
        start = pd.Timestamp(day)
        found = [v for (k, s, _m), v in drift.items() if k == kind and s == start] if kind != "profile" else \
            [v for (s, _m), v in profiles.items() if s == start]
        values[_key(kind, day, column, metric)] = found[0][column].get(metric) if len(found) == 1 else None
    counts = {"profile": sum(len(p) for p in profiles.values()), "drift": sum(len(d) for d in drift.values())}
    return {"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "values": values, "rows": counts}


# ---------------------------------------------------------------------------------------------
# the run: one child process per size and side, then the table
# ---------------------------------------------------------------------------------------------

def _child(side: str, paths: dict, rows: int) -> dict:
    out = Path(paths["log"]).with_suffix(f".{side}.json")
    command = [sys.executable, __file__, "--side", side, "--paths", json.dumps(paths), "--rows", str(rows),
               "--json", str(out)]
    log = out.with_suffix(".log")
    with open(log, "wb") as sink:  # Spark's start-up chatter goes here, shown only if the side fails
        done = subprocess.run(command, stdout=sink, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise SystemExit(f"the {side} side failed at {rows} rows (exit {done.returncode}):\n"
                         + log.read_text(errors="replace")[-4000:])
    return json.loads(out.read_text())


def _agree(ours: dict, plain: dict, rows: int) -> list[str]:
    problems = []
    for key, mine in ours["values"].items():
        theirs = plain["values"].get(key)
        if mine is None or theirs is None or abs(mine - theirs) > TOLERANCE * max(1.0, abs(theirs)):
            problems.append(f"{rows} rows, {key}: ours {mine!r}, pandas+scipy {theirs!r}")
    if ours["rows"] != plain["rows"]:
        problems.append(f"{rows} rows: metric rows differ, ours {ours['rows']}, pandas+scipy {plain['rows']}")
    return problems


def _print(results: list[dict]) -> None:
    head = (f"{'rows':>10} {'ours s':>9} {'ours MB':>9} {'plain s':>9} {'plain MB':>9} {'plain/ours':>11} "
            f"{'incr s':>8} {'incr/full':>10}")
    print(head)
    for r in results:
        report_ratio("monitoring", f"{r['rows']:,} rows: pandas + scipy / ours, refresh", r["plain_s"] / r["ours_s"],
                     "above 1: our refresh is faster")
        report_ratio("monitoring", f"{r['rows']:,} rows: incremental / full refresh", r["incremental_s"] / r["ours_s"],
                     "the incremental refresh's share of the full one")
        print(f"{r['rows']:>10,} {r['ours_s']:>9.1f} {r['ours_peak_mb']:>9.0f} {r['plain_s']:>9.1f} "
              f"{r['plain_peak_mb']:>9.0f} {r['plain_s'] / r['ours_s']:>10.2f}x {r['incremental_s']:>8.1f} "
              f"{r['incremental_s'] / r['ours_s']:>10.2f}")
    print("plain/ours > 1: our refresh is faster; incr/full: the incremental refresh's share of the full one")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100000,1000000,5000000", help="comma-separated log sizes")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--side", choices=["ours", "plain"], help=argparse.SUPPRESS)  # a child's job
    parser.add_argument("--paths", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [int(r.replace("_", "")) for r in args.rows.split(",") if r.strip()]
    if args.side:
        with scratch_workspace("bench-monitoring-"):
            side = _ours(json.loads(args.paths), sizes[0]) if args.side == "ours" else _plain(json.loads(args.paths))
        Path(args.json).write_text(json.dumps(side, default=str))
        return 0
    with scratch_workspace("bench-monitoring-"), tempfile.TemporaryDirectory(prefix="bench-monitoring-data-") as data:
        return _run(sizes, Path(data), args.json)


def _run(sizes: list[int], data: Path, json_path: str | None) -> int:
    results, problems = [], []
    for rows in sizes:
        print(f"{rows:,} rows: generating…", file=sys.stderr, flush=True)
        paths = _write_data(rows, data)
        print(f"{rows:,} rows: ours…", file=sys.stderr, flush=True)
        ours = _child("ours", paths, rows)
        print(f"{rows:,} rows: pandas + scipy…", file=sys.stderr, flush=True)
        plain = _child("plain", paths, rows)
        for path in paths.values():
            os.remove(path)
        problems += _agree(ours, plain, rows)
        if len(ours["windows_incremental"]) != 1 or not ours["windows_incremental"][0].startswith("2025-07-29"):
            problems.append(f"{rows} rows: the incremental refresh recomputed {ours['windows_incremental']}, "
                            "not only the new window 2025-07-29")
        results.append({"rows": rows, "ours_s": ours["seconds"], "ours_peak_mb": ours["peak_mb"],
                        "plain_s": plain["seconds"], "plain_peak_mb": plain["peak_mb"],
                        "incremental_s": ours["incremental_seconds"], "windows_full": ours["windows_full"],
                        "windows_incremental": ours["windows_incremental"], "metric_rows": ours["rows"],
                        "checked_values": {k: [ours["values"][k], plain["values"].get(k)] for k in ours["values"]}})
        print(f"{rows:,} rows: ours {ours['seconds']:.1f} s ({ours['peak_mb']:.0f} MB), pandas + scipy "
              f"{plain['seconds']:.1f} s ({plain['peak_mb']:.0f} MB), incremental {ours['incremental_seconds']:.1f} s",
              file=sys.stderr, flush=True)
        if json_path:  # kept up to date, so a run stopped during a large size keeps the sizes it finished
            Path(json_path).write_text(json.dumps(results, indent=2, default=str))
    print()
    _print(results)
    for r in results:
        print(f"{r['rows']:,} rows: full refresh recomputed {r['windows_full']} windows, "
              f"incremental {r['windows_incremental']}")
    if json_path:
        Path(json_path).write_text(json.dumps(results, indent=2, default=str))
    if problems:
        print("FAIL: the two sides disagree:\n  " + "\n  ".join(problems))
        return 1
    print(f"both sides agree on {len(CHECKS)} checked values per size (within {TOLERANCE:g}) and on their metric rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())

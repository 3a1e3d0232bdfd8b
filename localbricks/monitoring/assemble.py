"""Turn the computed pieces (dicts keyed by group) into rows of the two metric tables."""
from __future__ import annotations

from localbricks.monitoring.profile import TABLE_COLUMN

_PROFILE_FIELDS = ["count", "num_nulls", "percent_null", "avg", "stddev", "min", "max", "quantiles", "median",
                   "distinct_count", "frequent_items", "num_zeros"]


def _window(row) -> tuple:
    return (row["start"], row["end"]) if row is not None else None


def profile_rows(profiles: dict, counts: dict, model: dict, keep) -> list[dict]:
    rows = []
    for (g, win, sk, sv, mid, col), metrics in profiles.items():
        if keep(g, win["start"]):
            rows.append({"window": _window(win), "granularity": g, "model_id": mid, "slice_key": sk,
                         "slice_value": sv, "column_name": col, "data_type": metrics["data_type"],
                         "log_type": "INPUT", **{f: metrics[f] for f in _PROFILE_FIELDS}})
    for (g, win, sk, sv, mid), n in counts.items():
        if keep(g, win["start"]):
            rows.append({"window": _window(win), "granularity": g, "model_id": mid, "slice_key": sk,
                         "slice_value": sv, "column_name": TABLE_COLUMN, "log_type": "INPUT", "count": n,
                         **model.get((g, win, sk, sv, mid), {})})
    return rows


def _delta(cur: dict, cmp: dict | None, name: str):
    if cmp is None or cur.get(name) is None or cmp.get(name) is None:
        return None
    return float(cur[name] - cmp[name])


def drift_rows(profiles: dict, counts: dict, stats: dict, base_profiles: dict | None, keep) -> list[dict]:
    before = {(g, win["end"]): win for (g, win, *_rest) in counts}  # the window ending where another starts
    base = {(sk, sv, col): m for (_g, _w, sk, sv, _m, col), m in (base_profiles or {}).items()}
    current = dict(profiles)
    current.update({k + (TABLE_COLUMN,): {"count": n} for k, n in counts.items()})
    rows = []
    for (g, win, sk, sv, mid, col), metrics in current.items():
        if not keep(g, win["start"]):
            continue
        prev = before.get((g, win["start"]))
        compared = [("CONSECUTIVE", prev, current.get((g, prev, sk, sv, mid, col)) if prev is not None else None)]
        if base_profiles is not None:
            compared.append(("BASELINE", None, base.get((sk, sv, col))))
        for drift_type, cmp_window, cmp in compared:
            if cmp is None:
                continue
            row = {"window": _window(win), "granularity": g, "model_id": mid, "slice_key": sk, "slice_value": sv,
                   "column_name": col, "data_type": metrics.get("data_type"), "drift_type": drift_type,
                   "window_cmp": _window(cmp_window), "count_delta": _delta(metrics, cmp, "count"),
                   "avg_delta": _delta(metrics, cmp, "avg"),
                   "percent_null_delta": _delta(metrics, cmp, "percent_null")}
            row.update(stats.get((drift_type, g, win["start"], sk, sv, mid, col), {}))
            rows.append(row)
    return rows

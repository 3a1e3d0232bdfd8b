"""Single-key feature lookups: the online store (embedded SQLite) against the offline Delta table via Spark.

A real-time model needs its features in milliseconds; the offline table is built for scans, and
each Spark query pays for planning and a job. This measures both in one run on the course's churn
customers and prints p50 and p99 of each and their ratio. It exits non-zero if the online store is
less than 100x faster at p99, the course's claim.

    python bench/online_lookup.py [--online N] [--offline N]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time

from _common import REPO, percentile, report_ratio, scratch_workspace

REQUIRED_RATIO = 100.0


def _time(action, keys) -> list[float]:
    samples = []
    for key in keys:
        start = time.perf_counter()
        action(key)
        samples.append(time.perf_counter() - start)
    return samples


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--online", type=int, default=5000, help="online lookups to time")
    parser.add_argument("--offline", type=int, default=40, help="offline (Spark) lookups to time")
    args = parser.parse_args(argv)
    with scratch_workspace("bench-online-") as scratch:
        return _run(args, scratch)


def _run(args, scratch) -> int:
    import pandas as pd

    import localbricks

    spark = localbricks.activate(inject=False)["spark"]
    from pyspark.sql import functions as F

    from localbricks.feature_store import FeatureEngineeringClient

    fe = FeatureEngineeringClient()
    customers = pd.read_csv(REPO / "datasets" / "churn_customers.csv")
    features = customers[["customer_id", "tenure_months", "monthly_spend", "support_calls", "satisfaction_score"]]
    spark.sql("CREATE SCHEMA IF NOT EXISTS main.bench")
    table = f"main.bench.customer_features_{os.getpid()}"
    fe.create_table(name=table, primary_keys="customer_id", df=spark.createDataFrame(features))
    store = fe.create_online_store(name=f"bench-{os.getpid()}")
    fe.publish_table(online_store=store, source_table_name=table, online_table_name=table + "_online")
    online = store.table(table + "_online")

    rng = random.Random(42)
    ids = customers.customer_id.tolist()
    offline_table = spark.table(table)

    def offline(key):
        return offline_table.where(F.col("customer_id") == key).collect()

    for key in rng.sample(ids, 3):  # warm both paths up
        assert offline(key)[0].customer_id == online.lookup({"customer_id": key})["customer_id"] == key
    online_s = _time(lambda k: online.lookup({"customer_id": k}), [rng.choice(ids) for _ in range(args.online)])
    offline_s = _time(offline, [rng.choice(ids) for _ in range(args.offline)])

    rows = {"online (SQLite)": online_s, "offline (Delta via Spark)": offline_s}
    print(f"single-key lookups on {len(ids)} customers ({args.online} online, {args.offline} offline samples)")
    print(f"{'':28}{'p50':>12}{'p99':>12}")
    for label, samples in rows.items():
        print(f"{label:28}{percentile(samples, 50) * 1e3:>10.3f}ms{percentile(samples, 99) * 1e3:>10.3f}ms")
    p50 = percentile(offline_s, 50) / percentile(online_s, 50)
    p99 = percentile(offline_s, 99) / percentile(online_s, 99)
    print(f"{'offline / online':28}{p50:>11.0f}x{p99:>11.0f}x")
    report_ratio("online_lookup", "offline / online lookup, p50", p50, "above 1: the online store is faster")
    report_ratio("online_lookup", "offline / online lookup, p99", p99,
                 f"above 1: the online store is faster; at least {REQUIRED_RATIO:.0f}x is required")
    fe.delete_online_store(name=store.name)
    fe.drop_table(name=table)
    if scratch:  # a workspace made for this run only: its session goes with it
        spark.stop()
    if p99 < REQUIRED_RATIO:
        print(f"FAIL: the online store is only {p99:.0f}x faster at p99; at least {REQUIRED_RATIO:.0f}x is expected")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What every benchmark here shares: percentiles, a throw-away workspace unless one is given, and
the headline ratios ``make bench`` gathers into one table at the end (see ``_summary.py``).

Benchmarks run as scripts (``python bench/x.py``), so this folder is on ``sys.path`` and they import
this module by name.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RATIOS_ENV = "BENCH_RATIOS"


def report_ratio(bench: str, label: str, ratio: float | None, meaning: str) -> None:
    """Append one headline ratio as a JSON line to the file ``$BENCH_RATIOS`` names; nothing when unset.

    ``make bench`` sets it so its last step can print every benchmark's ratios in one table;
    ``ratio`` is None where the benchmark could not measure one (the table says so).
    """
    target = os.environ.get(RATIOS_ENV)
    if not target:
        return
    row = {"bench": bench, "label": label, "ratio": None if ratio is None else float(ratio), "meaning": meaning}
    with open(target, "a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


@contextlib.contextmanager
def scratch_workspace(prefix: str):
    """Run in a fresh ``LOCALBRICKS_HOME`` deleted afterwards, unless the caller set one; yields it or None."""
    scratch = None if os.environ.get("LOCALBRICKS_HOME") else tempfile.mkdtemp(prefix=prefix)
    if scratch:
        os.environ["LOCALBRICKS_HOME"] = scratch
    os.environ.setdefault("LOCALBRICKS_SPARK_UI", "false")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    try:
        yield scratch
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)

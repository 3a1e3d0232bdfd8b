"""What every benchmark here shares: percentiles, and a throw-away workspace unless one is given.

Benchmarks run as scripts (``python bench/x.py``), so this folder is on ``sys.path`` and they import
this module by name.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


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

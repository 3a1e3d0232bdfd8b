"""Time windows: parse a monitor's granularity strings and put each row in its window.

The accepted strings follow the databricks-sdk's own ``MonitorTimeSeries.granularities`` docstring
(databricks/sdk/service/catalog.py, 0.162.0): "5 minutes", "30 minutes", "1 hour", "1 day",
"<n> week(s)", "1 month", "1 year". Anything else is refused, as the service refuses it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from localbricks.monitoring.errors import MonitorConfigError

_FIXED = {"5 minutes": "5 minutes", "30 minutes": "30 minutes", "1 hour": "1 hour", "1 day": "1 day"}
_CALENDAR = {"1 month": 1, "1 year": 12}
_WEEKS = re.compile(r"^(\d+) weeks?$")
# Spark's window() counts from the epoch, a Thursday; four days later (1970-01-05) is a Monday,
# so week windows start on Mondays, like date_trunc('week').
_MONDAY_OFFSET = "4 days"


@dataclass(frozen=True)
class Granularity:
    text: str        # the string the user gave, kept as the metric tables' `granularity` value
    interval: str    # a Spark interval for window(), or "" for calendar months/years
    months: int = 0  # months per window for "1 month" / "1 year"
    start_offset: str | None = None


def parse_granularity(text: object) -> Granularity:
    """One granularity string → how to cut time with it; unknown strings raise MonitorConfigError."""
    if not isinstance(text, str):
        raise MonitorConfigError(f"A granularity must be a string such as '1 day', got {text!r}.")
    norm = " ".join(text.strip().lower().split())
    if norm in _FIXED:
        return Granularity(norm, _FIXED[norm])
    if norm in _CALENDAR:
        return Granularity(norm, "", months=_CALENDAR[norm])
    match = _WEEKS.match(norm)
    if match and int(match.group(1)) >= 1:
        n = int(match.group(1))
        return Granularity(norm, f"{n} weeks", start_offset=_MONDAY_OFFSET)
    raise MonitorConfigError(
        f"Unknown granularity {text!r}. Use one of '5 minutes', '30 minutes', '1 hour', '1 day', "
        "'<n> week(s)', '1 month', '1 year'."
    )


def window_column(ts_col: str, granularity: Granularity):
    """A Spark column ``struct<start, end>``: the window of ``granularity`` holding each row's timestamp."""
    from pyspark.sql import functions as F

    ts = F.col(ts_col).cast("timestamp")
    if granularity.months:
        unit = "month" if granularity.months == 1 else "year"
        start = F.date_trunc(unit, ts)
        end = F.add_months(start, granularity.months).cast("timestamp")
        return F.struct(start.alias("start"), end.alias("end"))
    if granularity.start_offset:
        w = F.window(ts, granularity.interval, granularity.interval, granularity.start_offset)
    else:
        w = F.window(ts, granularity.interval)
    return F.struct(w["start"].alias("start"), w["end"].alias("end"))

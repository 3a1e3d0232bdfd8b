"""Build the course's data sets from a seed, so every learner and every CI run sees the same rows.

Usage::

    python datasets/generate.py                      # rewrite every committed CSV (scale 1, seed 42)
    python datasets/generate.py --scale 10 churn     # a bigger churn set for Spark exercises
    python datasets/generate.py --seed 7 --out /tmp/d house_prices

This file is a plain script, not a package (a ``datasets`` package would shadow the PyPI one).
Import it by path, e.g. with ``importlib.util.spec_from_file_location``.

Determinism promise: the same name, scale and seed give byte-identical CSV files. Each data set
draws from its own PCG64 stream, floats are rounded before writing, rows are sorted and no value
depends on the wall clock.
"""
from __future__ import annotations

import argparse
import math
import sys
import zlib
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

NAMES = ("churn", "house_prices", "wine_quality", "inference_log")
"""The data sets this script knows, in the order the CLI writes them."""

HERE = Path(__file__).resolve().parent
MIN_ROWS = 200
"""Below this many rows the planted properties (class balance, outliers) stop being reliable."""

EPOCH = pd.Timestamp("2025-01-01")
"""Every generated date is an offset from this fixed day, never from 'now'."""

DAY = 86_400


# --------------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------------

def _rng(name: str, seed: int) -> np.random.Generator:
    """Give each data set its own stream, so adding or changing one never shifts another's numbers."""
    return np.random.Generator(np.random.PCG64([seed, zlib.crc32(name.encode())]))


def _rows(base: int, scale: float) -> int:
    """Scale a row count linearly, with a floor that keeps the planted properties visible."""
    return max(MIN_ROWS, int(round(base * scale)))


def _blank(rng: np.random.Generator, values: pd.Series, rate: float | np.ndarray) -> pd.Series:
    """Hide a random share of values, as real exports do; ``rate`` may differ row by row."""
    hidden = rng.random(len(values)) < rate
    return values.mask(hidden)


def _seconds(start: pd.Timestamp, offsets: np.ndarray) -> pd.Series:
    """Turn whole-second offsets into timestamps (second resolution keeps the CSV text stable)."""
    return pd.Series(start + pd.to_timedelta(np.asarray(offsets, dtype="int64"), unit="s"))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """Map a log-odds score to a probability."""
    return 1.0 / (1.0 + np.exp(-x))


# --------------------------------------------------------------------------------------------
# churn
# --------------------------------------------------------------------------------------------

REGIONS = ("north", "south", "east", "west", "central")
CONTRACTS = ("month-to-month", "one-year", "two-year")
PLAN_TIERS = ("basic", "standard", "premium")
PAYMENT_METHODS = ("credit_card", "bank_transfer", "electronic_check", "mailed_check")

_CITY_HEADS = ("Ash", "Bel", "Bran", "Cal", "Clear", "Dun", "East", "Elm", "Fair", "Glen",
               "Green", "Hal", "Kings", "Lake", "Mill", "North", "Oak", "Red", "Stone", "West")
_CITY_TAILS = ("bury", "by", "dale", "field", "ford", "gate", "ham", "haven",
               "hill", "mouth", "port", "stead", "ton", "vale", "wick", "wood")

CHURN_RATE = 0.10
"""Share of customers labelled churned; fixed exactly by ranking a latent propensity."""


def _city_names() -> list[str]:
    """A fixed vocabulary of 320 invented town names (heads x tails), so no real place is implied."""
    return [head + tail for head in _CITY_HEADS for tail in _CITY_TAILS]


def _draw_cities(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pick cities with Zipf-like popularity; each city sits in one region and has its own churn bias.

    Returns (city per row, region per row, churn bias per row). The bias gives target encoding
    something real to find, while rare cities stay too noisy to trust on their own.
    """
    names = np.array(_city_names())
    rng.shuffle(names)
    ranks = np.arange(1, len(names) + 1)
    weights = 1.0 / ranks
    pick = rng.choice(len(names), size=n, p=weights / weights.sum())
    city_region = np.array(REGIONS)[(ranks - 1) % len(REGIONS)]
    city_bias = rng.normal(0.0, 0.35, size=len(names))
    return names[pick], city_region[pick], city_bias[pick]


def _tenure(rng: np.random.Generator, contract: np.ndarray) -> np.ndarray:
    """Months as a customer: longer contracts go with longer tenure, as in real subscription books."""
    shape = np.select([contract == "month-to-month", contract == "one-year"], [1.1, 2.0], 3.0)
    months = 1 + rng.gamma(shape, 12.0)
    return np.clip(np.floor(months), 1, 72).astype(int)


def _monthly_spend(rng: np.random.Generator, tier: np.ndarray) -> np.ndarray:
    """Lognormal spend around a per-tier median: a long right tail of heavy spenders."""
    median = np.select([tier == "basic", tier == "standard"], [32.0, 55.0], 90.0)
    return median * rng.lognormal(0.0, 0.5, size=len(tier))


def _session_minutes(rng: np.random.Generator, engagement: np.ndarray) -> np.ndarray:
    """Roughly normal session length (mean 30, sd 8) plus a few planted, clearly wrong readings."""
    minutes = 30.0 + 2.5 * engagement + rng.normal(0.0, 7.6, size=len(engagement))
    minutes = np.clip(minutes, 1.0, None)
    n_outliers = max(3, int(round(len(minutes) / 500)))
    rows = rng.choice(len(minutes), size=n_outliers, replace=False)
    minutes[rows] = rng.uniform(150.0, 400.0, size=n_outliers)
    return np.round(minutes, 1)


def _churn_labels(rng: np.random.Generator, signals: dict[str, np.ndarray]) -> np.ndarray:
    """Label the top CHURN_RATE of a latent propensity (linear signals + logistic noise) as churned.

    Ranking instead of thresholding a probability keeps the positive rate exact at any scale or seed;
    the logistic noise keeps the label only partly predictable.
    """
    s = signals
    propensity = (
        1.1 * (s["contract"] == "month-to-month")
        + 0.35 * (s["contract"] == "one-year")
        - 0.55 * np.log(s["tenure"])
        + 0.30 * s["support_calls"]
        - 0.55 * (s["satisfaction"] - 3)
        + 0.40 * np.log1p(s["days_since_login"])
        + 0.30 * (s["payment"] == "electronic_check")
        + s["city_bias"]
        + rng.logistic(0.0, 1.0, size=len(s["tenure"]))
    )
    n_pos = int(round(CHURN_RATE * len(propensity)))
    order = np.argsort(-propensity, kind="stable")
    churned = np.zeros(len(propensity), dtype=int)
    churned[order[:n_pos]] = 1
    return churned


def _label_and_signup(rng: np.random.Generator, tenure: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """Observe each label at a random second of March-June 2025; the signup date is tenure earlier."""
    start, end = pd.Timestamp("2025-03-01"), pd.Timestamp("2025-06-30 23:59:59")
    label_ts = _seconds(start, rng.integers(0, int((end - start).total_seconds()) + 1, size=len(tenure)))
    signup_days = tenure * 30 + rng.integers(0, 30, size=len(tenure))
    signup_date = (label_ts - pd.to_timedelta(signup_days, unit="D")).dt.normalize()
    return label_ts, signup_date


def _churn_customers(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per customer, plus the hidden true values the activity table is built from."""
    dissatisfaction = rng.normal(size=n)
    engagement = rng.normal(size=n)
    city, region, city_bias = _draw_cities(rng, n)
    contract = rng.choice(CONTRACTS, size=n, p=[0.55, 0.25, 0.20])
    tier = rng.choice(PLAN_TIERS, size=n, p=[0.35, 0.45, 0.20])  # most common level is not the lowest
    payment = rng.choice(PAYMENT_METHODS, size=n, p=[0.35, 0.25, 0.25, 0.15])
    tenure = _tenure(rng, contract)
    spend = _monthly_spend(rng, tier)
    support_calls = rng.poisson(np.exp(0.2 + 0.45 * dissatisfaction))
    satisfaction = np.clip(np.round(3.3 - 0.9 * dissatisfaction + rng.normal(0, 0.6, n)), 1, 5).astype(int)
    days_since_login = np.floor(rng.exponential(np.exp(2.0 - 0.6 * engagement + 0.2 * dissatisfaction)))
    days_since_login = np.minimum(days_since_login, tenure * 30).astype(int)  # no gap longer than the account
    churned = _churn_labels(rng, {
        "contract": contract, "tenure": tenure, "support_calls": support_calls,
        "satisfaction": satisfaction, "days_since_login": days_since_login,
        "payment": payment, "city_bias": city_bias,
    })

    label_ts, signup_date = _label_and_signup(rng, tenure)
    age = np.clip(np.round(rng.normal(44, 14, size=n)), 18, 85).astype(int)
    total = spend * tenure * rng.uniform(0.9, 1.1, size=n)

    customers = pd.DataFrame({
        "customer_id": [f"C{i:06d}" for i in range(1, n + 1)],
        "signup_date": signup_date,
        "region": _blank(rng, pd.Series(region), 0.04),
        "contract_type": contract,
        "plan_tier": tier,
        "city": city,
        "payment_method": payment,
        "age": _blank(rng, pd.Series(age, dtype="Int64"), 0.05),
        "tenure_months": tenure,
        "monthly_spend": _blank(rng, pd.Series(np.round(spend, 2)), 0.03),
        "total_spend": np.round(total, 2),
        "support_calls": support_calls,
        "avg_session_minutes": _session_minutes(rng, engagement),
        "days_since_last_login": days_since_login,
        "num_devices": 1 + rng.binomial(5, np.select([tier == "premium"], [0.45], 0.25)),
        # unhappy customers answer surveys less often, so missingness itself carries signal
        "satisfaction_score": _blank(rng, pd.Series(satisfaction, dtype="Int64"),
                                     np.where(satisfaction <= 2, 0.12, 0.04)),
        "label_ts": label_ts,
        "churned": churned,
    })
    hidden = pd.DataFrame({"engagement": engagement, "dissatisfaction": dissatisfaction,
                           "true_spend": spend})
    return customers, hidden


def _snapshot_offsets(rng: np.random.Generator, customers: pd.DataFrame) -> pd.DataFrame:
    """Decide when each customer was snapshotted, relative to label_ts (seconds; negative = before).

    Every customer gets 2-3 snapshots before the label, and about half get one more after it,
    independent of the label, so only the values (not the presence) of late rows give churn away.
    """
    n = len(customers)
    n_before = rng.integers(2, 4, size=n)
    n_after = (rng.random(n) < 0.5).astype(int)
    # look back at most 120 days and never past the signup date
    lookback = np.minimum(120, customers["tenure_months"].to_numpy() * 30) * DAY
    idx_before = np.repeat(np.arange(n), n_before)
    idx_after = np.repeat(np.arange(n), n_after)
    before = -rng.integers(DAY, lookback[idx_before] + 1)
    after = rng.integers(3 * DAY, 60 * DAY + 1, size=len(idx_after))
    return pd.DataFrame({"row": np.concatenate([idx_before, idx_after]),
                         "offset": np.concatenate([before, after])})


def _churn_activity(rng: np.random.Generator, customers: pd.DataFrame, hidden: pd.DataFrame) -> pd.DataFrame:
    """30-day usage snapshots; after a churner's label the account goes quiet, which is the leak."""
    snaps = _snapshot_offsets(rng, customers)
    row, offset = snaps["row"].to_numpy(), snaps["offset"].to_numpy()
    churned = customers["churned"].to_numpy()[row] == 1
    engagement = hidden["engagement"].to_numpy()[row]
    unhappy = hidden["dissatisfaction"].to_numpy()[row]
    spend = hidden["true_spend"].to_numpy()[row]
    after = offset > 0
    # a genuine early warning: churners already log in a bit less in the weeks before the label
    fading = churned & ~after & (offset > -45 * DAY)
    gone = churned & after

    login_rate = np.exp(np.log(18.0) + 0.35 * engagement - 0.15 * unhappy) * np.where(fading, 0.7, 1.0)
    logins = np.where(gone, rng.poisson(0.2, size=len(row)), rng.poisson(login_rate))
    spend_30d = np.where(gone, 0.0, spend * rng.lognormal(0.0, 0.08, size=len(row)))
    tickets = np.where(gone, rng.poisson(0.1, size=len(row)), rng.poisson(np.exp(-1.0 + 0.45 * unhappy)))

    activity = pd.DataFrame({
        "customer_id": customers["customer_id"].to_numpy()[row],
        "snapshot_ts": customers["label_ts"].to_numpy()[row] + pd.to_timedelta(offset, unit="s").to_numpy(),
        "logins_30d": logins,
        "spend_30d": np.round(spend_30d, 2),
        "tickets_30d": tickets,
    })
    return activity.sort_values(["customer_id", "snapshot_ts"], kind="stable").reset_index(drop=True)


def _churn(scale: float, seed: int) -> dict[str, pd.DataFrame]:
    """Customers with a churn label, and their timestamped activity for point-in-time joins."""
    rng = _rng("churn", seed)
    customers, hidden = _churn_customers(rng, _rows(5000, scale))
    return {"churn_customers": customers, "churn_activity": _churn_activity(rng, customers, hidden)}


# --------------------------------------------------------------------------------------------
# house prices
# --------------------------------------------------------------------------------------------

_NEIGHBORHOODS = (
    "Harbor Point", "Old Town", "Riverside", "Maple Heights", "Cedar Park", "Mill District",
    "Northgate", "Southfield", "Eastwood", "Westbrook", "Lakeview", "Hillcrest", "Orchard Row",
    "Station Quarter", "Pinecrest", "Meadowlands", "Foundry Yard", "Brookside", "Summit Ridge",
    "Kingsmere", "Willow Bend", "Granite Flats", "Sandy Hollow", "Copper Creek", "Fernhill",
)
CONDITIONS = ("poor", "fair", "good", "excellent")
_CONDITION_EFFECT = {"poor": -0.30, "fair": -0.12, "good": 0.0, "excellent": 0.15}


def _neighborhood_table(rng: np.random.Generator) -> pd.DataFrame:
    """Where each neighbourhood lies and how much it adds to log(price); central ones cost more."""
    distance = np.sort(rng.uniform(0.5, 45.0, size=len(_NEIGHBORHOODS)))
    premium = 1.2 - 0.06 * distance + rng.normal(0.0, 0.6, size=len(distance))
    return pd.DataFrame({"neighborhood": _NEIGHBORHOODS, "center_km": distance,
                         "premium": premium - premium.mean()})


def _house_features(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Everything about a sale except its price, before any value is blanked.

    Location drives a lot: outer neighbourhoods have bigger lots, newer houses and more garages,
    which is what makes those columns confounded with price.
    """
    hoods = _neighborhood_table(rng)
    hood = hoods.iloc[rng.integers(0, len(hoods), size=n)].reset_index(drop=True)
    distance = np.round(np.clip(hood["center_km"].to_numpy() + rng.normal(0, 1.5, n), 0.1, None), 2)
    sqft = np.clip(np.round(rng.gamma(9.0, 210.0, n)), 350, 9_000).astype(int)  # mean ~1900, mild skew
    bedrooms = np.clip(np.round(sqft / 650 + rng.normal(0.5, 0.7, n)), 1, 8).astype(int)
    bathrooms = np.clip(np.round(2 * (0.55 * bedrooms + rng.normal(0.3, 0.4, n))) / 2, 1.0, 6.0)
    lot = np.round(4000 * rng.lognormal(0.0, 0.4, n) * (1 + distance / 10), -1).astype(int)
    built = 2024 - rng.gamma(2.0, 12.0, n) - 0.6 * (40 - distance)  # the centre was built up first
    year_built = np.clip(np.round(built), 1890, 2024).astype(int)
    condition = rng.choice(CONDITIONS, size=n, p=[0.08, 0.27, 0.45, 0.20])
    garage = (rng.random(n) < _sigmoid(-0.5 + 0.08 * distance)).astype(int)
    sale_date = EPOCH + pd.to_timedelta(rng.integers(-730, 0, size=n), unit="D")  # two years before EPOCH
    return pd.DataFrame({
        "house_id": [f"H{i:05d}" for i in range(1, n + 1)],
        "sqft": sqft,
        "bedrooms": bedrooms,
        "bathrooms": bathrooms,
        "lot_size_sqft": pd.Series(lot, dtype="Int64"),
        "year_built": pd.Series(year_built, dtype="Int64"),
        "neighborhood": hood["neighborhood"].to_numpy(),
        "condition": condition,
        "distance_to_center_km": distance,
        "has_garage": garage,
        "sale_date": pd.Series(sale_date),
        "premium": hood["premium"].to_numpy(),
    })


def _log_price(rng: np.random.Generator, houses: pd.DataFrame) -> np.ndarray:
    """Additive in logs, hence multiplicative in dollars; the datasheet prints the same formula."""
    years_before_epoch = (houses["sale_date"] - EPOCH).dt.days.to_numpy() / 365
    age = 2024 - houses["year_built"].to_numpy(dtype=float)
    return (
        np.log(650_000)
        + 0.7 * (houses["sqft"].to_numpy() - 1900) / 1000
        + houses["premium"].to_numpy()
        - 0.012 * (houses["distance_to_center_km"].to_numpy() - 20)
        + houses["condition"].map(_CONDITION_EFFECT).to_numpy()
        + 0.08 * houses["has_garage"].to_numpy()
        - 0.002 * age
        + 0.05 * years_before_epoch
        + rng.normal(0.0, 0.35, len(houses))
    )


def _house_prices(scale: float, seed: int) -> dict[str, pd.DataFrame]:
    """Houses priced from their true features, then with a few values hidden as in a real export."""
    rng = _rng("house_prices", seed)
    houses = _house_features(rng, _rows(3000, scale))
    houses["price"] = np.round(np.exp(_log_price(rng, houses)), -2).astype(np.int64)
    houses["lot_size_sqft"] = _blank(rng, houses["lot_size_sqft"], 0.015)
    houses["year_built"] = _blank(rng, houses["year_built"], 0.015)
    return {"house_prices": houses.drop(columns="premium")}


# --------------------------------------------------------------------------------------------
# wine (real, bundled with scikit-learn)
# --------------------------------------------------------------------------------------------

def _wine(scale: float, seed: int) -> dict[str, pd.DataFrame]:
    """The real 178-row wine recognition data shipped inside scikit-learn; scale and seed are ignored."""
    from sklearn.datasets import load_wine  # bundled file, no download; imported late to keep startup cheap

    frame = load_wine(as_frame=True).frame.rename(columns={
        "target": "cultivar",
        # a slash in a column name forces backticks in Spark SQL; keep the name, drop the slash
        "od280/od315_of_diluted_wines": "od280_od315_of_diluted_wines",
    })
    for column in ("magnesium", "proline"):  # whole numbers stored as floats upstream
        if (frame[column] % 1 == 0).all():
            frame[column] = frame[column].astype(int)
    return {"wine": frame}


# --------------------------------------------------------------------------------------------
# a churn model's inference log, with planted drift (module 09)
# --------------------------------------------------------------------------------------------

LOG_START = pd.Timestamp("2025-07-01")
LOG_DAYS = 28
DRIFT_DAY = 18
"""From this day on (2025-07-19; days count from 0) monthly spend shifts up, the 'enterprise' tier appears and the
customers' behaviour changes, so the unchanged model's accuracy drops."""
LABEL_LAG_DAYS = 3
"""Churn labels arrive late: requests of the last three days have none yet."""
LOG_TIERS = ("basic", "standard", "premium")
LOG_MODEL_ID = "1"


def _deployed_log_odds(tenure, spend, calls, satisfaction, tier) -> np.ndarray:
    """The churn model in production: a fixed logistic score, the same before and after the drift."""
    tier_effect = np.select([tier == "basic", tier == "premium"], [0.4, -0.4], 0.0)
    return (0.5 - 0.06 * tenure + 0.025 * (spend - 70.0) + 0.6 * calls - 0.9 * (satisfaction - 3.0)
            + tier_effect)


def _inference_log(scale: float, seed: int) -> dict[str, pd.DataFrame]:
    """Requests to a churn model over four weeks: features, score, prediction, and the late label.

    Before ``DRIFT_DAY`` the labels follow the model's own score, so it is well calibrated. After it
    the inputs drift (monthly spend up by a third, a new 'enterprise' tier at about 30 %) and the
    behaviour behind the label changes (high spenders and enterprise customers stay far more often
    than the model expects, so it predicts churn that does not happen): data drift and concept drift
    at once, and accuracy falls from about 0.77 to about 0.66. Tenure, support calls and
    satisfaction keep their distributions, so they are the controls a drift table must not flag.
    """
    rng = _rng("inference_log", seed)
    n = _rows(12_000, scale)
    offsets = np.sort(rng.integers(0, LOG_DAYS * DAY, size=n))
    day = offsets // DAY
    drifted = day >= DRIFT_DAY
    tenure = np.clip(rng.gamma(2.0, 12.0, size=n), 0, 72).round()
    spend = np.clip(rng.lognormal(np.log(65.0), 0.35, size=n) * np.where(drifted, 1.35, 1.0), 5, None).round(2)
    calls = rng.poisson(1.4, size=n)
    satisfaction = rng.integers(1, 6, size=n)
    tier = rng.choice(LOG_TIERS, size=n, p=(0.45, 0.35, 0.20)).astype(object)
    enterprise = drifted & (rng.random(n) < 0.30)
    tier[enterprise] = "enterprise"
    score = _deployed_log_odds(tenure, spend, calls, satisfaction, tier)
    probability = _sigmoid(score)
    behaviour = score - np.where(drifted, 1.5 * (spend > 90) + 3.0 * (tier == "enterprise"), 0.0)
    churned = (rng.random(n) < _sigmoid(behaviour)).astype(float)
    churned[day >= LOG_DAYS - LABEL_LAG_DAYS] = np.nan
    frame = pd.DataFrame({
        "request_time": _seconds(LOG_START, offsets),
        "request_id": [f"req-{i:07d}" for i in range(n)],
        "model_id": LOG_MODEL_ID,
        "tenure_months": tenure.astype(int),
        "monthly_spend": spend,
        "support_calls": calls,
        "satisfaction_score": satisfaction,
        "plan_tier": tier,
        "churn_probability": probability.round(4),
        "prediction": (probability >= 0.5).astype(int),
        "churned": pd.array(churned, dtype="Int64"),
    })
    return {"churn_inference_log": frame}

# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------

_BUILDERS: dict[str, Callable[[float, int], dict[str, pd.DataFrame]]] = {
    "churn": _churn,
    "house_prices": _house_prices,
    "wine_quality": _wine,
    "inference_log": _inference_log,
}


def generate(name: str, scale: float = 1.0, seed: int = 42) -> dict[str, pd.DataFrame]:
    """Build one data set in memory: a dict of table name -> DataFrame (file stem -> rows)."""
    if name not in _BUILDERS:
        raise ValueError(f"unknown data set {name!r}; valid names: {', '.join(NAMES)}")
    if not (scale > 0 and math.isfinite(scale)):
        raise ValueError(f"scale must be a finite number > 0, got {scale!r}")
    if int(seed) != seed or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return _BUILDERS[name](float(scale), int(seed))


def _csv_text(frame: pd.DataFrame) -> str:
    """Render a table with fixed date formats and '\\n' line ends, so the bytes never vary by platform.

    Datetime columns named ``*_date`` are written as dates, all others as second-resolution timestamps.
    """
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            fmt = "%Y-%m-%d" if column.endswith("_date") else "%Y-%m-%d %H:%M:%S"
            out[column] = out[column].dt.strftime(fmt)
    return out.to_csv(index=False, lineterminator="\n")


def write(name: str, out_dir: Path, scale: float = 1.0, seed: int = 42) -> list[Path]:
    """Generate one data set and write each table as ``<out_dir>/<table>.csv``; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for table, frame in generate(name, scale=scale, seed=seed).items():
        path = out_dir / f"{table}.csv"
        path.write_bytes(_csv_text(frame).encode("utf-8"))
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    """CLI entry point: regenerate the named data sets (all by default)."""
    parser = argparse.ArgumentParser(description="Regenerate the course data sets deterministically.")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"data sets to write (default: all of {', '.join(NAMES)})")
    parser.add_argument("--scale", type=float, default=1.0, help="row-count multiplier (default 1)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--out", type=Path, default=HERE,
                        help="output folder (default: the folder holding this script)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in NAMES]
    if unknown:  # refuse before writing anything, so a typo never leaves a half-updated folder
        parser.error(f"unknown data set(s) {', '.join(unknown)}; valid names: {', '.join(NAMES)}")
    try:
        for name in args.names or NAMES:
            for path in write(name, args.out, scale=args.scale, seed=args.seed):
                print(path)
    except ValueError as err:
        parser.error(str(err))
    return 0


if __name__ == "__main__":
    sys.exit(main())

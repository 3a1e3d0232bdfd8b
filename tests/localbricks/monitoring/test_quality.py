"""Model quality computed on Spark against scikit-learn on the same labels and predictions."""
import numpy as np
import pytest
from sklearn import metrics as M

from localbricks.monitoring import quality
from localbricks.monitoring.frames import with_groups
from localbricks.monitoring.windows import parse_granularity

pytestmark = pytest.mark.spark


def _grouped(spark, rows, ddl):
    return with_groups(spark.createDataFrame(rows, ddl), "ts", [parse_granularity("1 day")], [])


def _whole(result):
    return next(v for k, v in result.items() if k[2] is None)


def test_multiclass_classification_matches_sklearn(spark, day):
    rng = np.random.default_rng(3)
    y = rng.choice(["cat", "dog", "eel"], 300)
    p = np.where(rng.random(300) < 0.6, y, rng.choice(["cat", "dog", "eel", "fox"], 300))  # 'fox' only predicted
    rows = [(day(0, i % 24), str(a), str(b)) for i, (a, b) in enumerate(zip(y, p))] + [(day(0), None, "cat")]
    got = _whole(quality.classification(_grouped(spark, rows, "ts timestamp, y string, p string"), "y", "p"))
    assert got["accuracy_score"] == pytest.approx(M.accuracy_score(y, p), abs=1e-12)
    for name, fn in [("precision", M.precision_score), ("recall", M.recall_score), ("f1_score", M.f1_score)]:
        for avg in ("macro", "weighted"):
            assert got[name][avg] == pytest.approx(fn(y, p, average=avg, zero_division=0), abs=1e-12), (name, avg)


def test_binary_roc_auc_matches_sklearn_with_tied_scores(spark, day):
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 400)
    score = np.round(np.clip(0.3 * y + rng.random(400) * 0.7, 0, 1), 2)  # rounded: many ties
    rows = [(day(0, i % 24), int(a), int(s > 0.5), float(s)) for i, (a, s) in enumerate(zip(y, score))]
    grouped = _grouped(spark, rows, "ts timestamp, y int, p int, proba double")
    got = _whole(quality.classification(grouped, "y", "p", "proba"))
    assert got["roc_auc_score"] == pytest.approx(M.roc_auc_score(y, score), abs=1e-12)


def test_regression_matches_sklearn(spark, day):
    rng = np.random.default_rng(5)
    y = rng.normal(10, 3, 250)
    p = y + rng.normal(0.5, 1.5, 250)
    rows = [(day(0, i % 24), float(a), float(b)) for i, (a, b) in enumerate(zip(y, p))]
    got = _whole(quality.regression(_grouped(spark, rows, "ts timestamp, y double, p double"), "y", "p"))
    assert got["root_mean_squared_error"] == pytest.approx(np.sqrt(M.mean_squared_error(y, p)), abs=1e-9)
    assert got["mean_absolute_error"] == pytest.approx(M.mean_absolute_error(y, p), abs=1e-9)
    assert got["r2_score"] == pytest.approx(M.r2_score(y, p), abs=1e-9)

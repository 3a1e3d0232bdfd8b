"""The model families and their search spaces: what is searched, what is excluded, what a trial gets."""
import pytest

from localbricks.automl import models


def test_frameworks_are_excluded_by_databricks_names():
    keys = [f.key for f in models.families_for("classification", exclude_frameworks=["xgboost", "lightgbm"])]
    assert keys == ["random_forest", "logistic_regression", "decision_tree"]
    assert [f.key for f in models.families_for("regression", ["sklearn"])] == ["lightgbm", "xgboost"]


def test_xgboost_is_left_out_when_labels_are_not_0_to_k_minus_1():
    assert "xgboost" not in [f.key for f in models.families_for("classification", integer_labels=False)]
    with pytest.raises(ValueError, match="XGBoost needs class labels"):
        models.families_for("classification", ["sklearn", "lightgbm"], integer_labels=False)


def test_every_default_point_is_inside_its_space():
    for task in ("classification", "regression"):
        families = models.families_for(task)
        _, labels = models.search_space(families, task)
        points = models.default_points(families, task)
        assert [p["family"] for p in points] == list(range(len(families)))
        for family, point in zip(families, points):
            for name in family.hyperparameters(task):
                kind, low, *high = family.space[name]
                value = point[family.label(name)]
                assert family.label(name) in labels
                assert (0 <= value < len(low)) if kind == "choice" else (low <= value <= high[0]), (family.key, name)


def test_sampled_values_become_readable_keyword_arguments():
    lightgbm = models.families_for("regression")[0]
    sampled = {"n_estimators": 120.0, "learning_rate": 0.0123456789, "num_leaves": 31.0, "min_child_samples": 20.0,
               "subsample": 0.87654321, "colsample_bytree": 1.0, "reg_lambda": 0.001, "class_weight": "balanced"}
    params = models.tidy(lightgbm, sampled, "regression")
    assert params["n_estimators"] == 120 and isinstance(params["n_estimators"], int)
    assert params["learning_rate"] == 0.01235 and params["subsample"] == 0.8765
    assert "class_weight" not in params and params["random_state"] == models.SEED  # regressors take no class weights

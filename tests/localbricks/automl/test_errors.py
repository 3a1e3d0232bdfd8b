"""Bad calls fail at once, with a message that names the problem and the fix, before any training."""
import pandas as pd
import pytest

from localbricks import automl


@pytest.fixture
def frame():
    return pd.DataFrame({"x": range(40), "colour": ["red", "blue"] * 20, "label": [0, 1, 1, 0] * 10,
                         "price": [float(i) for i in range(40)]})


def test_a_missing_target_column_is_named_with_the_columns_that_exist(frame):
    with pytest.raises(ValueError, match=r"target_col 'churn' is not a column.*x, colour, label, price"):
        automl.classify(frame, target_col="churn", timeout_minutes=5)


def test_a_target_with_one_class_is_refused(frame):
    frame["label"] = 1
    with pytest.raises(ValueError, match=r"only one class \(1, in all 40 rows\)"):
        automl.classify(frame, target_col="label", timeout_minutes=5)


def test_rows_without_a_target_do_not_count_as_a_class(frame):
    frame["label"] = [1] * 20 + [None] * 20
    with pytest.raises(ValueError, match=r"only one class \(1, in all 20 rows\)"):
        automl.classify(frame, target_col="label", timeout_minutes=5)


def test_an_unknown_primary_metric_lists_the_valid_ones(frame):
    with pytest.raises(ValueError, match=r"'auc' .*'f1', 'log_loss', 'precision', 'accuracy', 'roc_auc'"):
        automl.classify(frame, target_col="label", primary_metric="auc")
    with pytest.raises(ValueError, match=r"automl.regress.*'r2', 'mae', 'rmse', 'mse'"):
        automl.regress(frame, target_col="price", primary_metric="f1")


def test_regression_needs_a_numeric_target(frame):
    with pytest.raises(ValueError, match="numeric target; 'colour'"):
        automl.regress(frame, target_col="colour", timeout_minutes=5)


def test_other_bad_arguments_are_explained(frame):
    with pytest.raises(ValueError, match="unknown frameworks \\['sparkml'\\].*'sklearn', 'lightgbm', 'xgboost'"):
        automl.classify(frame, target_col="label", exclude_frameworks=["sparkml"])
    with pytest.raises(ValueError, match="leaves no framework"):
        automl.classify(frame, target_col="label", exclude_frameworks=["sklearn", "lightgbm", "xgboost"])
    with pytest.raises(ValueError, match="positive number of minutes"):
        automl.classify(frame, target_col="label", timeout_minutes=0)
    with pytest.raises(ValueError, match="exclude_cols names columns the dataset does not have: \\['nope'\\]"):
        automl.classify(frame, target_col="label", exclude_cols=["nope"], timeout_minutes=5)
    with pytest.raises(ValueError, match="pos_label=2 is not a class"):
        automl.classify(frame, target_col="label", pos_label=2, timeout_minutes=5)
    with pytest.raises(NotImplementedError, match="feature_store_lookups"):
        automl.classify(frame, target_col="label", feature_store_lookups=[{"table_name": "main.default.t"}])
    with pytest.raises(TypeError, match="Spark DataFrame, a pandas DataFrame"):
        automl.classify([[1, 2]], target_col="label")


def test_the_databricks_import_path_gives_this_module():
    from localbricks import aliases

    aliases.install()
    from databricks import automl as imported

    assert imported is automl and callable(imported.classify) and callable(imported.regress)

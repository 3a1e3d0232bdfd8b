import pandas as pd
import pytest

from localbricks.data import DATASETS_DIR, dataset_path


def test_scale_one_is_the_committed_file():
    assert dataset_path("churn_customers.csv") == DATASETS_DIR / "churn_customers.csv"


def test_other_scales_are_generated_once_into_the_workspace(workspace_dir):
    small = dataset_path("churn_customers.csv", scale=0.2)
    assert workspace_dir in small.parents
    full_rows = len(pd.read_csv(DATASETS_DIR / "churn_customers.csv"))
    assert len(pd.read_csv(small)) == pytest.approx(full_rows * 0.2, rel=0.05)
    assert dataset_path("churn_customers.csv", scale=0.2) == small


def test_unknown_file_lists_what_exists():
    with pytest.raises(FileNotFoundError, match="churn_customers.csv"):
        dataset_path("churn.csv")

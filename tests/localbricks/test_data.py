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


# On Databricks (simulated: DATABRICKS_RUNTIME_VERSION set, the workspace tree and /Volumes moved to temp folders)

import os  # noqa: E402

from localbricks import data  # noqa: E402


@pytest.fixture
def on_databricks(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "15.4")
    monkeypatch.delenv(data.VOLUME_ENV, raising=False)
    monkeypatch.setattr(data, "VOLUMES_ROOT", tmp_path / "Volumes")
    monkeypatch.setattr(data, "WORKSPACE_ROOT", tmp_path / "Workspace")  # the checkout is outside it
    return tmp_path


@pytest.fixture
def volume(on_databricks, monkeypatch):
    path = on_databricks / "Volumes" / "main" / "default" / "course_data"
    path.mkdir(parents=True)
    monkeypatch.setenv(data.VOLUME_ENV, str(path))
    return path


def test_on_databricks_a_committed_file_in_the_workspace_is_read_in_place(on_databricks, monkeypatch):
    monkeypatch.setattr(data, "WORKSPACE_ROOT", DATASETS_DIR.parent.parent)  # as if the checkout were a Git folder
    found = dataset_path("churn_customers.csv")
    committed = DATASETS_DIR / "churn_customers.csv"
    assert isinstance(found, data.WorkspaceFile)
    assert os.fspath(found) == str(committed)  # pandas and open() get the plain path
    assert str(found) == f"file:{committed.as_posix()}"  # Spark gets the file: URI
    assert found.name == "churn_customers.csv" and found.exists()
    assert len(pd.read_csv(found)) == len(pd.read_csv(committed))


def test_on_databricks_other_scales_need_a_volume_and_say_how_to_make_one(on_databricks):
    with pytest.raises(FileNotFoundError, match="CREATE VOLUME IF NOT EXISTS main.default.course_data") as err:
        dataset_path("churn_customers.csv", scale=0.2)
    assert data.VOLUME_ENV in str(err.value)


def test_on_databricks_a_committed_file_outside_the_workspace_needs_a_volume_too(on_databricks):
    with pytest.raises(FileNotFoundError, match=data.VOLUME_ENV):
        dataset_path("churn_customers.csv")


@pytest.mark.parametrize("value", ["/tmp/course_data", "/Volumes/main/default", "/Volumes/main/default/v/sub"])
def test_a_volume_setting_that_is_not_a_volume_is_refused(on_databricks, monkeypatch, value):
    monkeypatch.setenv(data.VOLUME_ENV, value)
    with pytest.raises(FileNotFoundError, match="must look like"):
        dataset_path("churn_customers.csv", scale=0.2)


def test_a_volume_that_does_not_exist_is_named(on_databricks, monkeypatch):
    missing = on_databricks / "Volumes" / "main" / "default" / "nope"
    monkeypatch.setenv(data.VOLUME_ENV, str(missing))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        dataset_path("churn_customers.csv", scale=0.2)


def test_on_databricks_other_scales_are_generated_once_into_the_volume(volume, workspace_dir):
    small = dataset_path("churn_customers.csv", scale=0.2)
    assert type(small) is type(DATASETS_DIR) and volume in small.parents and workspace_dir not in small.parents
    full_rows = len(pd.read_csv(DATASETS_DIR / "churn_customers.csv"))
    assert len(pd.read_csv(small)) == pytest.approx(full_rows * 0.2, rel=0.05)
    written = small.stat().st_mtime_ns
    assert dataset_path("churn_customers.csv", scale=0.2) == small
    assert small.stat().st_mtime_ns == written  # reused, not regenerated


def test_the_volume_argument_wins_over_the_environment(volume, on_databricks, monkeypatch):
    monkeypatch.setenv(data.VOLUME_ENV, "/not/a/volume")
    assert volume in dataset_path("wine.csv", scale=0.5, volume=str(volume)).parents


def test_on_databricks_a_committed_file_outside_the_workspace_is_copied_to_the_volume(volume):
    copied = dataset_path("wine.csv")
    assert volume in copied.parents
    assert copied.read_bytes() == (DATASETS_DIR / "wine.csv").read_bytes()

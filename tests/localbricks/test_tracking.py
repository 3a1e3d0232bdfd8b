import mlflow

from localbricks import tracking


def test_runs_and_artifacts_stay_in_the_workspace(workspace_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a notebook's folder: nothing may be written here
    tracking.configure()
    assert mlflow.get_tracking_uri() == f"sqlite:///{workspace_dir / 'mlflow.db'}"
    mlflow.set_experiment("/Shared/tracking_test")
    with mlflow.start_run() as run:
        mlflow.log_metric("m", 1.0)
        mlflow.log_text("hi", "note.txt")
    artifact_uri = mlflow.get_run(run.info.run_id).info.artifact_uri
    assert artifact_uri.startswith((workspace_dir / "mlartifacts").as_uri())
    assert not (tmp_path / "mlruns").exists()


def test_a_user_chosen_tracking_uri_is_respected(monkeypatch, tmp_path):
    mine = f"sqlite:///{tmp_path / 'mine.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mine)
    assert tracking.configure() == mine
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    tracking.configure()

"""The issue's test: AutoML on the churn set with a 1-minute budget, then the best trial's notebook,
run alone with papermill, retrains the same model and reaches the metric AutoML logged."""
import uuid
from pathlib import Path

import mlflow
import nbformat
import pytest

from localbricks.data import dataset_path

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def churn(spark):
    path = dataset_path("churn_customers.csv", scale=0.2)
    return spark.read.csv(str(path), header=True, inferSchema=True)


@pytest.fixture(scope="module")
def summary(churn):
    from localbricks import aliases

    aliases.install()
    from databricks import automl

    return automl.classify(churn, target_col="churned", primary_metric="f1", timeout_minutes=1,
                           experiment_name="/Shared/automl_churn_e2e")


def test_every_trial_is_an_mlflow_run_with_databricks_style_metrics_and_a_model(summary):
    best = summary.best_trial
    assert summary.trials and summary.trials[0] is best  # how many fit in a minute depends on the machine
    assert summary.experiment.name == "/Shared/automl_churn_e2e" and summary.output_table_name is None
    assert best.evaluation_metric_score == max(t.metrics["val_f1_score"] for t in summary.trials)
    names = {"training_f1_score", "val_f1_score", "test_roc_auc", "val_log_loss", "test_accuracy_score"}
    assert names <= set(best.metrics)
    assert best.model_path == f"runs:/{best.mlflow_run_id}/model"
    run = mlflow.get_run(best.mlflow_run_id)
    assert run.info.experiment_id == summary.experiment.experiment_id
    assert run.data.metrics["val_f1_score"] == pytest.approx(best.evaluation_metric_score)
    assert best.params["model_class"] in best.model_description and "minutes" in best.duration
    assert "dropped customer_id" in best.preprocessors and "city" in best.preprocessors
    assert "val_f1_score over" in summary.metric_distribution and "Best trial" in str(summary)


def test_the_best_model_loads_and_predicts_with_its_signature(summary, churn):
    rows = churn.limit(5).toPandas().drop(columns=["churned"])
    assert set(summary.best_trial.load_model().predict(rows)) <= {0, 1}
    pyfunc = mlflow.pyfunc.load_model(summary.best_trial.model_path)
    assert pyfunc.metadata.signature is not None and len(pyfunc.predict(rows)) == 5


def test_notebooks_are_clean_glass_box_code_in_the_workspace(summary, workspace_dir):
    from grader.notebooks import problems

    explore = Path(summary.experiment.tags["automl.data_exploration_notebook"])
    for path in [Path(t.notebook_path) for t in summary.trials] + [explore]:
        assert path.is_relative_to(workspace_dir / "automl") and path.exists()
        assert problems(path) == []  # the course's rules: no outputs, one parameters cell
    nb = nbformat.read(summary.best_trial.notebook_path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "localbricks.automl" not in code and "def build_preprocessor" in code
    assert summary.best_trial.params["model_class"] in code
    assert "Imbalanced classes" in explore.read_text()


def test_the_best_trials_notebook_retrains_the_model_and_matches_its_metric(summary, tmp_path):
    from grader.kernelenv import kernel_environ
    from grader.kernels import execute_notebook

    best = summary.best_trial
    run_name = f"retrain_{uuid.uuid4().hex[:8]}"
    with kernel_environ():
        execute_notebook(best.notebook_path, tmp_path / "out.ipynb", parameters={"run_name": run_name},
                         kernel_name="python3", progress_bar=False, cwd=str(tmp_path))
    [rerun] = mlflow.search_runs([summary.experiment.experiment_id], output_format="list",
                                 filter_string=f"tags.mlflow.runName = '{run_name}'")
    assert abs(rerun.data.metrics["val_f1_score"] - best.metrics["val_f1_score"]) <= 0.02
    assert rerun.data.params["model_class"] == best.params["model_class"]


def test_the_data_exploration_notebook_runs(summary, tmp_path):
    from grader.kernelenv import kernel_environ
    from grader.kernels import execute_notebook

    explore = summary.experiment.tags["automl.data_exploration_notebook"]
    with kernel_environ():
        out = execute_notebook(explore, tmp_path / "explore.ipynb", kernel_name="python3",
                               progress_bar=False, cwd=str(tmp_path))
    shown = "".join(str(o.get("data", {}).get("text/plain", "")) for c in out.cells for o in c.get("outputs", []))
    assert "(1000, 18)" in shown and "train" in shown


def test_a_trial_notebook_can_be_imported_from_its_mlflow_artifacts(summary, tmp_path):
    from localbricks.automl import import_notebook

    result = import_notebook(summary.trials[-1].artifact_uri, str(tmp_path / "mine"))
    assert Path(result.path).read_text() == Path(summary.trials[-1].notebook_path).read_text()
    with pytest.raises(FileExistsError):
        import_notebook(summary.trials[-1].artifact_uri, str(tmp_path / "mine"))

"""Write a trial's notebook: the plain scikit-learn / LightGBM / XGBoost code that retrains its model.

This is the glass-box half of AutoML. The notebook reads the same data file and split, builds the
same preprocessing (``recipes``' functions, copied in as source), the same estimator with the same
hyperparameters, logs a new MLflow run and prints the metric, so running it reproduces the trial
and editing it is how a learner takes over from AutoML. It is saved without outputs, with a cell
tagged ``parameters`` for papermill.
"""
from __future__ import annotations

import inspect
from pathlib import Path

from localbricks.automl import recipes
from localbricks.automl.dataset import SPLIT_COL

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def _literal(value) -> str:
    return repr(value.item() if hasattr(value, "item") else value)


def _list(values, indent: int = 0, width: int = 100) -> str:
    """A list literal, wrapped over several lines when it is long."""
    items = [_literal(v) for v in values]
    flat = "[" + ", ".join(items) + "]"
    if indent + len(flat) <= width:
        return flat
    lines, line = [], ""
    for item in items:
        if line and len(line) + len(item) + indent + 6 > width:
            lines.append(line)
            line = ""
        line += item + ", "
    lines.append(line)
    pad = " " * (indent + 4)
    return "[\n" + "".join(f"{pad}{text.rstrip()}\n" for text in lines) + " " * indent + "]"


def _dict_lines(params: dict) -> str:
    return "{\n" + "".join(f"    {k!r}: {_literal(v)},\n" for k, v in params.items()) + "}"


def new_notebook(cells):
    """A notebook with the course's ``python3`` kernel, no outputs, no execution counts."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    for kind, source, *tags in cells:
        maker = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        cell = maker(source.strip("\n"))
        if tags:
            cell.metadata["tags"] = list(tags)
        nb.cells.append(cell)
    return nb


def write(nb, path: Path) -> Path:
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def _data_cells(setup) -> list:
    weight = (f"w_train = df.loc[split == 'train', {setup.sample_weight_col!r}]\n"
              if setup.sample_weight_col else "")
    return [
        ("md", "## Load the data\n\nThe rows AutoML trained on, with the train / validation / test split it "
               f"made (column `{SPLIT_COL}`), so this notebook sees exactly the data the trial saw."),
        ("code", f"""
df = pd.read_parquet(data_path)
split = df.pop({SPLIT_COL!r})
feature_cols = {_list(setup.plan.features)}

X_train, y_train = df.loc[split == "train", feature_cols], df.loc[split == "train", target_col]
X_val, y_val = df.loc[split == "val", feature_cols], df.loc[split == "val", target_col]
X_test, y_test = df.loc[split == "test", feature_cols], df.loc[split == "test", target_col]
{weight}print(f"train: {{len(X_train)}} rows, validation: {{len(X_val)}}, test: {{len(X_test)}}")
"""),
    ]


def _preprocessing_cells(setup, family) -> list:
    plan = setup.plan
    described = "\n".join(f"- {line}" for line in plan.describe(family.scale_numeric, setup.imputers).splitlines())
    sources = ([inspect.getsource(recipes.datetime_features)] if plan.datetime else [])
    sources.append(inspect.getsource(recipes.build_preprocessor))
    arguments = "".join(f"    {name}={_list(cols, 4)},\n" for name, cols in plan.builder_arguments().items())
    call = (f"preprocessor = build_preprocessor(\n{arguments}    imputers={setup.imputers!r},\n"
            f"    scale_numeric={family.scale_numeric!r},\n)")
    return [
        ("md", f"## Preprocessing\n\nWhat AutoML decided for each column:\n\n{described}"),
        ("code", "\n\n\n".join(s.strip("\n") for s in sources) + "\n\n\n" + call),
    ]


def _model_cells(setup, family, params: dict) -> list:
    cls = family.estimator_class(setup.task)
    return [
        ("md", f"## The model: `{cls}`\n\nThe hyperparameters hyperopt chose for this trial. Change them "
               "and re-run the notebook to train your own variant; it logs a new MLflow run."),
        ("code", f"""
from {family.module} import {cls}
from sklearn.pipeline import Pipeline

model_params = {_dict_lines(params)}
model = {cls}(**model_params)
pipeline = Pipeline([("preprocessor", preprocessor), ("model", model)])
pipeline
"""),
    ]


def _train_cells(setup, family, source_run_id: str, logged: float) -> list:
    cls = family.estimator_class(setup.task)
    if setup.task == "classification":
        scorer = inspect.getsource(recipes.classification_metrics)
        score_call = f"classification_metrics(pipeline, X, y, prefix=prefix, pos_label={_literal(setup.pos_label)})"
    else:
        scorer = inspect.getsource(recipes.regression_metrics)
        score_call = "regression_metrics(pipeline, X, y, prefix=prefix)"
    fit = "pipeline.fit(X_train, y_train, model__sample_weight=w_train)" if setup.sample_weight_col else \
        "pipeline.fit(X_train, y_train)"
    name = setup.metric.val_name
    return [
        ("md", "## Train, evaluate, log\n\nFit on the training rows only, score every split, and log the "
               "parameters, metrics and model (with its signature) to MLflow."),
        ("code", f"""
{scorer.strip()}


with mlflow.start_run(experiment_id=experiment_id, run_name=run_name) as mlflow_run:
    {fit}
    metrics = {{}}
    for prefix, X, y in [("training_", X_train, y_train), ("val_", X_val, y_val), ("test_", X_test, y_test)]:
        metrics.update({score_call})
    mlflow.log_params({{"model_class": {cls!r}, **model_params}})
    mlflow.log_metrics(metrics)
    signature = mlflow.models.infer_signature(X_train, pipeline.predict(X_train))
    mlflow.sklearn.log_model(
        pipeline, name="model", signature=signature,
        serialization_format="cloudpickle",  # MLflow's default format (skops) refuses tree models
        pip_requirements={_list(setup.pip_requirements(family))},
    )

print(f"{name} = {{metrics[{name!r}]:.4f}} (AutoML logged {logged:.4f} for run {source_run_id})")
"""),
        ("code", """
# The metrics side by side, one row per split
pd.DataFrame([{k[len(p):]: v for k, v in metrics.items() if k.startswith(p)} for p in ("training_", "val_", "test_")],
             index=["train", "validation", "test"])
"""),
        ("md", "## Use the model\n\n`mlflow.pyfunc.load_model(f\"runs:/{mlflow_run.info.run_id}/model\")` loads "
               f"the model this notebook just logged; AutoML's own copy is `runs:/{source_run_id}/model`. "
               "Register it with `mlflow.register_model(...)` to serve it."),
    ]


def render(setup, family, params: dict, number: int, source_run_id: str, logged: float):
    """The notebook for trial ``number`` (a ``family`` model with ``params``), logged as ``source_run_id``."""
    cls = family.estimator_class(setup.task)
    intro = (f"# AutoML trial {number}: {cls}\n\n"
             f"Trial {number} of the AutoML run for experiment `{setup.experiment_name}`: a "
             f"{family.framework} `{cls}` predicting `{setup.target_col}`, which scored "
             f"{setup.metric.val_name} = {logged:.4f} (MLflow run `{source_run_id}`).\n\n"
             "Nothing here calls AutoML: it is the whole recipe in plain code, from data to logged model. "
             "Run it to retrain this trial's model exactly; edit it to take over where AutoML stopped.")
    parameters = f"""
# Parameters (papermill, or you, may change them)
data_path = {str(setup.data_path)!r}  # the data AutoML used, with its split
target_col = {setup.target_col!r}
experiment_id = {setup.experiment_id!r}  # where this notebook logs its run
run_name = {f"{family.key}_trial_{number}_retrained"!r}
"""
    imports = """
import mlflow
import pandas as pd

import localbricks.tracking

localbricks.tracking.configure()  # log to the course workspace's MLflow store (on Databricks, drop this line)
print("MLflow tracking URI:", mlflow.get_tracking_uri())
"""
    cells = [("md", intro), ("code", parameters, "parameters"), ("code", imports)]
    cells += _data_cells(setup) + _preprocessing_cells(setup, family) + _model_cells(setup, family, params)
    cells += _train_cells(setup, family, source_run_id, logged)
    return new_notebook(cells)

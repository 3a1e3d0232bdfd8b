"""Checks for notebook 03, model development. They inspect what the learner built — Spark ML
stages, fitted scikit-learn models, resampled arrays, a CrossValidator — and work out the expected
answer from those objects when the check runs; no message ever states the expected value."""
from __future__ import annotations

import math
import threading

from grader import exercise
from grader.answer_key import check_quiz

DOMAIN = "Model Development"


def _is_spark_df(obj) -> bool:
    return hasattr(obj, "schema") and hasattr(obj, "sparkSession")


def _require_df(obj, what: str) -> None:
    assert _is_spark_df(obj), f"{what} should be a Spark DataFrame (it is a {type(obj).__name__})."


def _close(a, b, tol=1e-6) -> bool:
    return math.isclose(float(a), float(b), rel_tol=tol, abs_tol=tol)


def _is_number(value) -> bool:
    return not isinstance(value, (bool, str)) and hasattr(value, "__float__")


# How Spark ML's StringIndexer (labels) and OneHotEncoder (indices) refuse a category they never saw
# with handleInvalid="error": a SparkException with one of these messages, wrapped by the failed job.
_UNSEEN_CATEGORY = ("Unseen label:", "Unseen value:")


def _java_messages(java_exception):
    """The messages of a Java exception and of its causes, outermost first."""
    while java_exception is not None:
        yield java_exception.getMessage() or ""
        java_exception = java_exception.getCause()


def _is_unseen_category_error(exc: BaseException) -> bool:
    """Whether a failed Spark action failed because a category was unseen in training.

    Classic Spark raises py4j's ``Py4JJavaError`` (pyspark converts no plain ``SparkException``),
    carrying the Java exception and its causes; Spark Connect raises a ``PySparkException`` whose
    message has the server's. Any other failure is not the learner's handleInvalid.
    """
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    if isinstance(exc, Py4JJavaError):
        messages = list(_java_messages(exc.java_exception))
    elif isinstance(exc, PySparkException):
        messages = [str(exc)]
    else:
        return False
    return any(marker in message for message in messages for marker in _UNSEEN_CATEGORY)


# ---------------------------------------------------------------------------- 3.1 algorithm selection

@exercise("03.algorithm_choice", domain=DOMAIN, objective="3.1", hints=[
    "First ask: is there a label? Is it a category or a number? Must a person be able to read the model?",
    "No label means clustering; a ratings matrix means collaborative filtering; thousands of sparse columns call for L1/L2 penalties.",
    "Accuracy first on non-linear data points to tree ensembles; 'explain each coefficient' points to a linear model.",
])
def check_algorithm_choice(algorithm_choice):
    """Graded from the question bank: the items of quiz("03.algorithm_choice") and their keys."""
    check_quiz("03.algorithm_choice", algorithm_choice, variable="algorithm_choice")


# ---------------------------------------------------------------------------- 3.3 estimators vs transformers

_OUTPUT_PARAMS = ("outputCol", "outputCols", "predictionCol", "rawPredictionCol", "probabilityCol")


def _outputs(stage) -> set:
    """Columns a stage (or a pipeline's stages) would add; dropped first so .fit/.transform can run."""
    names = set()
    stages = stage.getStages() if hasattr(stage, "getStages") else getattr(stage, "stages", None)
    for sub in stages or [stage]:
        for param in _OUTPUT_PARAMS:
            if sub.hasParam(param) and sub.isDefined(sub.getParam(param)):
                value = sub.getOrDefault(sub.getParam(param))
                names |= set(value) if isinstance(value, (list, tuple)) else {value}
    return names


def observed_kind(obj, df) -> str:
    """What ``obj`` does when used, not what it is called: ``"estimator"`` if ``.fit(df)`` returns a
    transformer, ``"transformer"`` if ``.transform(df)`` returns a DataFrame."""
    from pyspark.ml import Transformer

    data = df.drop(*[c for c in _outputs(obj) if c in df.columns])
    if callable(getattr(obj, "fit", None)):
        fitted = obj.fit(data)
        assert isinstance(fitted, Transformer), f"{type(obj).__name__}.fit returned something that cannot transform."
        fitted.transform(data).schema  # noqa: B018 - the fitted model must really transform
        return "estimator"
    if callable(getattr(obj, "transform", None)):
        out = obj.transform(data)
        assert _is_spark_df(out), f"{type(obj).__name__}.transform did not return a DataFrame."
        return "transformer"
    return "neither"


@exercise("03.estimators_transformers", domain=DOMAIN, objective="3.3", hints=[
    "Ask of each object: does it have a .fit method that learns from data, or only .transform?",
    "Whatever .fit returns (a ...Model) is a transformer: it applies what was learned.",
    "A Pipeline is an estimator (it has .fit); the PipelineModel it returns is a transformer.",
])
def check_estimators_transformers(kinds, objects, df):
    _require_df(df, "df")
    assert isinstance(kinds, dict), 'kinds should map each object name to "estimator" or "transformer".'
    missing = [name for name in objects if name not in kinds]
    assert not missing, f"Classify every object; missing: {missing}."
    bad = sorted({str(v) for v in kinds.values() if v not in ("estimator", "transformer")})
    assert not bad, f'Use only "estimator" or "transformer"; not {bad}.'
    for name, obj in objects.items():
        actual = observed_kind(obj, df)
        if kinds[name] != actual:
            if actual == "transformer" and hasattr(obj, "uid") and type(obj).__name__.endswith("Model"):
                raise AssertionError(f"{name} came out of .fit(): a fitted model only applies what it learned — what does that make it?")
            raise AssertionError(f"{name} does not behave as {'an' if kinds[name] == 'estimator' else 'a'} {kinds[name]}: "
                                 "try calling .fit and .transform on it.")


# ---------------------------------------------------------------------------- 3.4 training pipeline

def _stage_index(stages, cls) -> int:
    for i, stage in enumerate(stages):
        if isinstance(stage, cls):
            return i
    return -1


def _vector_mean(df, column):
    import numpy as np
    from pyspark.ml.stat import Summarizer

    return np.asarray(df.select(Summarizer.mean(df[column]).alias("m")).first()["m"].toArray())


@exercise("03.training_pipeline", domain=DOMAIN, objective="3.4", hints=[
    "Stages in order: StringIndexer → OneHotEncoder → VectorAssembler → StandardScaler → LogisticRegression.",
    "Call .fit(train_df) on the Pipeline — never on the whole data — then .transform(test_df) with the fitted PipelineModel.",
    "BinaryClassificationEvaluator(labelCol='churned', metricName='areaUnderROC').evaluate(test_predictions).",
])
def check_training_pipeline(churn_model, train_df, test_df, test_predictions, test_auc, label="churned", unseen=None):
    import numpy as np
    from pyspark.ml import PipelineModel
    from pyspark.ml.classification import ClassificationModel
    from pyspark.ml.evaluation import BinaryClassificationEvaluator
    from pyspark.ml.feature import OneHotEncoderModel, StandardScalerModel, StringIndexerModel, VectorAssembler

    assert isinstance(churn_model, PipelineModel), "churn_model should be the PipelineModel returned by Pipeline(stages=[...]).fit(train_df)."
    stages = churn_model.stages
    order = [("StringIndexer", StringIndexerModel), ("OneHotEncoder", OneHotEncoderModel),
             ("VectorAssembler", VectorAssembler), ("StandardScaler", StandardScalerModel),
             ("classifier", ClassificationModel)]
    positions = []
    for what, cls in order:
        i = _stage_index(stages, cls)
        assert i >= 0, f"The pipeline lacks a stage: {what}."
        positions.append(i)
    assert positions == sorted(positions), \
        "The stages are out of order: each stage needs the columns the previous one makes (index → encode → assemble → scale → classify)."
    assert isinstance(stages[-1], ClassificationModel), "The classifier should be the last stage."

    scaler_at = positions[3]
    scaler = stages[scaler_at]
    before_scaler = PipelineModel(stages=stages[:scaler_at]).transform(train_df)
    train_mean = _vector_mean(before_scaler, scaler.getInputCol())
    assert np.allclose(np.asarray(scaler.mean.toArray()), train_mean, rtol=1e-6, atol=1e-9), \
        "The scaler's statistics are not those of train_df: fit the pipeline on the training split only, or test rows leak into training."

    _require_df(test_predictions, "test_predictions")
    assert {"prediction", "probability"} <= set(test_predictions.columns), \
        "test_predictions should be churn_model.transform(test_df) (it needs the prediction and probability columns)."
    assert test_predictions.count() == test_df.count() and \
        test_predictions.select("customer_id").subtract(test_df.select("customer_id")).count() == 0, \
        "test_predictions should hold exactly the rows of test_df."
    assert _is_number(test_auc), "test_auc should be a number."
    expected = BinaryClassificationEvaluator(labelCol=label, metricName="areaUnderROC").evaluate(test_predictions)
    assert _close(test_auc, expected, 1e-6), "test_auc is not the area under the ROC curve of test_predictions."
    if unseen is not None:
        from py4j.protocol import Py4JJavaError
        from pyspark.errors import PySparkException

        try:
            churn_model.transform(unseen).select("prediction").collect()
        except (Py4JJavaError, PySparkException) as exc:
            if not _is_unseen_category_error(exc):
                raise
            raise AssertionError("Scoring a row with a category never seen in training fails: "
                                 "tell the StringIndexer what to do with unknown categories (handleInvalid).") from None


# ---------------------------------------------------------------------------- 3.2 imbalance: the accuracy trap

IMBALANCE_METRICS = ("accuracy", "f1", "roc_auc", "pr_auc")


@exercise("03.accuracy_trap", domain=DOMAIN, objective="3.2", hints=[
    "A model that always answers 'no churn' is right for every customer who did not churn.",
    "Its accuracy is the share of zeros in test_df's label; its recall on churners is the share of churners it catches.",
    "Choose a metric that such a useless model cannot score well on.",
])
def check_accuracy_trap(majority_accuracy, majority_recall, imbalance_metric, test_df, label="churned"):
    from pyspark.sql import functions as F

    _require_df(test_df, "test_df")
    assert _is_number(majority_accuracy) and _is_number(majority_recall), "majority_accuracy and majority_recall should be numbers."
    row = test_df.agg(F.count("*").alias("n"), F.sum(F.when(F.col(label) == 0, 1).otherwise(0)).alias("zeros")).first()
    assert 0 <= float(majority_accuracy) <= 1, "Accuracy is a share of rows, between 0 and 1."
    assert _close(majority_accuracy, row["zeros"] / row["n"], 1e-9), \
        "majority_accuracy is not the accuracy of predicting 0 for every row of test_df."
    assert _close(majority_recall, 0.0, 1e-12), "How many churners does a model that never predicts churn catch?"
    assert imbalance_metric in IMBALANCE_METRICS, f"imbalance_metric should be one of {IMBALANCE_METRICS}."
    assert imbalance_metric != "accuracy", \
        "With one churner in ten, accuracy rewards the model that ignores churners: pick a metric that looks at the minority class."


# ---------------------------------------------------------------------------- 3.2 weightCol in Spark ML

def _recall(predictions, label) -> float:
    from pyspark.sql import functions as F

    row = predictions.filter(F.col(label) == 1).agg(F.avg((F.col("prediction") == 1).cast("double"))).first()
    return float(row[0] or 0.0)


@exercise("03.spark_class_weights", domain=DOMAIN, objective="3.2", hints=[
    "Count each class in train_df; 'balanced' weights are n_rows / (2 × n_rows_of_that_class).",
    "Add the weights as a column with F.when(F.col('churned') == 1, w_churn).otherwise(w_stay).",
    "Give the classifier weightCol='class_weight' and fit the same stages on weighted_train.",
])
def check_spark_class_weights(weighted_model, weighted_train, baseline_model, test_df, label="churned", weight="class_weight"):
    from pyspark.ml import PipelineModel
    from pyspark.sql import functions as F

    assert isinstance(weighted_model, PipelineModel), "weighted_model should be a fitted PipelineModel."
    classifier = weighted_model.stages[-1]
    assert classifier.hasParam("weightCol") and classifier.isSet("weightCol") and classifier.getWeightCol() == weight, \
        f"The classifier was not told to use the weights: set weightCol='{weight}'."
    _require_df(weighted_train, "weighted_train")
    assert weight in weighted_train.columns, f"weighted_train has no '{weight}' column."
    per_class = {r[label]: (r["n"], r["lo"], r["hi"]) for r in
                 weighted_train.groupBy(label).agg(F.count("*").alias("n"), F.min(weight).alias("lo"), F.max(weight).alias("hi")).collect()}
    assert set(per_class) == {0, 1}, f"weighted_train should hold both classes of {label}."
    for cls, (_, lo, hi) in per_class.items():
        assert lo is not None and _close(lo, hi, 1e-9), f"Every row of class {cls} should get the same weight."
    (n0, w0, _), (n1, w1, _) = per_class[0], per_class[1]
    assert w1 > w0, "The rare class needs the larger weight, so that each churner counts for more."
    assert _close(w1 / w0, n0 / n1, 1e-3), "The weights are not balanced: the weight ratio should mirror the class-count ratio."
    weighted_recall = _recall(weighted_model.transform(test_df), label)
    baseline_recall = _recall(baseline_model.transform(test_df), label)
    assert weighted_recall > baseline_recall, "The weighted model should catch more churners on test_df than the unweighted one."


# ---------------------------------------------------------------------------- 3.2 resampling and stratified splits

def _frame(obj, what):
    import pandas as pd

    assert isinstance(obj, (pd.DataFrame, pd.Series)), f"{what} should be a pandas object, as train_test_split and fit_resample return."
    return obj


@exercise("03.resampling", domain=DOMAIN, objective="3.2", hints=[
    "train_test_split(X, y, test_size=0.25, stratify=y, random_state=SEED) keeps the churn rate the same in both parts.",
    "Resample the training part only: SMOTE(random_state=SEED).fit_resample(X_tr, y_tr).",
    "RandomUnderSampler(random_state=SEED).fit_resample(X_tr, y_tr) drops majority rows until the classes match.",
])
def check_resampling(X, y, X_tr, X_te, y_tr, y_te, X_smote, y_smote, X_under, y_under, seed=42, test_size=0.25):
    import numpy as np
    from sklearn.model_selection import train_test_split

    for name, obj in (("X_tr", X_tr), ("X_te", X_te), ("y_tr", y_tr), ("y_te", y_te)):
        _frame(obj, name)
    assert len(X_tr) + len(X_te) == len(X) and not set(X_tr.index) & set(X_te.index), \
        "X_tr and X_te should split X's rows into two disjoint parts."
    expected_pos = y.sum() * len(y_te) / len(y)
    assert abs(y_te.sum() - expected_pos) <= 1, "The test part's churn rate differs from the full data's: stratify the split on y."
    _, ref_te = train_test_split(X, test_size=test_size, stratify=y, random_state=seed)
    assert set(ref_te.index) == set(X_te.index), \
        "X_te is not the stratified split asked for: use test_size=0.25, stratify=y and random_state=SEED."

    n_neg, n_pos = int((y_tr == 0).sum()), int((y_tr == 1).sum())
    _frame(X_smote, "X_smote"), _frame(y_smote, "y_smote")
    counts = np.bincount(np.asarray(y_smote, dtype=int), minlength=2)
    assert counts[0] == counts[1], "After SMOTE the two classes should be the same size."
    assert len(X_smote) == 2 * n_neg and counts[0] == n_neg, \
        "X_smote does not come from the training part alone: resample X_tr/y_tr, after the split, never the test rows."
    assert np.allclose(X_smote.iloc[:len(X_tr)].to_numpy(float), X_tr.to_numpy(float)), \
        "SMOTE keeps every original training row first; X_smote does not start with X_tr."
    synthetic = X_smote.iloc[len(X_tr):].to_numpy(float)
    originals = {tuple(r) for r in X_tr[np.asarray(y_tr) == 1].to_numpy(float)}
    copies = sum(tuple(r) in originals for r in synthetic)
    assert copies < 0.5 * len(synthetic), "The new minority rows are copies of existing ones: SMOTE interpolates new points instead."

    _frame(X_under, "X_under"), _frame(y_under, "y_under")
    counts = np.bincount(np.asarray(y_under, dtype=int), minlength=2)
    assert counts[0] == counts[1] == n_pos, "After undersampling, each class should have as many rows as the training part has churners."
    train_rows = {tuple(r) for r in X_tr.to_numpy(float)}
    assert all(tuple(r) in train_rows for r in X_under.to_numpy(float)), "Undersampling should only keep rows of X_tr, never invent or add others."


# ---------------------------------------------------------------------------- 3.11 imbalance metrics in scikit-learn

def _final_step(model):
    return model.steps[-1][1] if hasattr(model, "steps") else model


def _reference_scores(model, X, y) -> dict:
    from sklearn.metrics import accuracy_score, average_precision_score, f1_score, roc_auc_score

    proba = model.predict_proba(X)[:, 1]
    predicted = model.predict(X)
    return {"accuracy": accuracy_score(y, predicted), "f1": f1_score(y, predicted),
            "roc_auc": roc_auc_score(y, proba), "pr_auc": average_precision_score(y, proba)}


def _pr_auc_trapezoid(model, X, y) -> float:
    from sklearn.metrics import auc, precision_recall_curve

    precision, recall, _ = precision_recall_curve(y, model.predict_proba(X)[:, 1])
    return auc(recall, precision)


@exercise("03.imbalance_metrics", domain=DOMAIN, objective="3.11", hints=[
    "accuracy and F1 compare hard labels (model.predict); ROC AUC and PR AUC need scores (model.predict_proba(X)[:, 1]).",
    "sklearn.metrics: accuracy_score, f1_score, roc_auc_score, average_precision_score (the usual PR AUC).",
    "The winner for churn is the model with the best F1, not the best accuracy.",
])
def check_imbalance_metrics(imbalance_scores, models, X_te, y_te, winner=None, balanced_name="balanced"):
    assert callable(imbalance_scores), "imbalance_scores should be a function (model, X, y) -> dict of metrics."
    assert isinstance(models, dict) and models, "models should map names to fitted classifiers."
    balanced = models.get(balanced_name)
    assert balanced is not None, f"models needs the '{balanced_name}' classifier."
    assert getattr(_final_step(balanced), "class_weight", None) == "balanced", \
        f"The '{balanced_name}' classifier should weight classes with class_weight='balanced'."
    reference = {}
    for name, model in models.items():
        got = imbalance_scores(model, X_te, y_te)
        assert isinstance(got, dict), "imbalance_scores should return a dict."
        missing = [m for m in IMBALANCE_METRICS if m not in got]
        assert not missing, f"imbalance_scores should return {list(IMBALANCE_METRICS)}; missing {missing}."
        want = _reference_scores(model, X_te, y_te)
        reference[name] = want
        assert _close(got["accuracy"], want["accuracy"]), f"accuracy is wrong for '{name}'."
        assert _close(got["f1"], want["f1"]), f"f1 is wrong for '{name}': F1 of the positive (churn) class, from predicted labels."
        if not _close(got["roc_auc"], want["roc_auc"]):
            from sklearn.metrics import roc_auc_score

            from_labels = roc_auc_score(y_te, model.predict(X_te))
            if _close(got["roc_auc"], from_labels):
                raise AssertionError("roc_auc was computed from hard labels: use the churn probability, predict_proba(X)[:, 1].")
            raise AssertionError(f"roc_auc is wrong for '{name}'.")
        assert _close(got["pr_auc"], want["pr_auc"]) or _close(got["pr_auc"], _pr_auc_trapezoid(model, X_te, y_te)), \
            f"pr_auc is wrong for '{name}': the area under the precision-recall curve of the churn probabilities."
    if winner is not None:
        best_f1 = max(reference, key=lambda n: reference[n]["f1"])
        best_acc = max(reference, key=lambda n: reference[n]["accuracy"])
        assert winner in reference, f"winner should be one of {sorted(reference)}."
        assert winner != best_acc or best_acc == best_f1, \
            "That model wins on accuracy, the metric imbalance makes meaningless: judge by F1 here."
        assert winner == best_f1, "winner is not the model with the best F1 on the test part."


# ---------------------------------------------------------------------------- 3.8 CV vs train-validation split

@exercise("03.cv_or_tvs", domain=DOMAIN, objective="3.8", hints=[
    "Cross-validation trains k models per setting and uses every row for validation once: robust, but k times the cost.",
    "A single train-validation split is cheap, and for time-ordered data it can keep the future out of training.",
])
def check_cv_or_tvs(validation_choice):
    """Graded from the question bank: the items of quiz("03.cv_or_tvs") and their keys."""
    check_quiz("03.cv_or_tvs", validation_choice, variable="validation_choice")


# ---------------------------------------------------------------------------- 3.9/3.10 counting the models

def instrumented(estimator):
    """A copy of ``estimator`` that counts how many times it is really fitted.

    Spark ML fits through ``Estimator.fit(df, params)``, which copies the estimator and calls
    ``_fit`` on the copy; a subclass made on the fly keeps the copies counting. The counter lives on
    the driver, where CrossValidator and TrainValidationSplit run their fits (in threads, hence the lock).

    Returns:
        ``(counting_copy, counter)`` where ``counter["fits"]`` is the number of fits so far.
    """
    counter = {"fits": 0}
    lock = threading.Lock()
    base = type(estimator)

    def _fit(self, dataset):
        with lock:
            counter["fits"] += 1
        return base._fit(self, dataset)

    counting = type(f"Counting{base.__name__}", (base,), {"_fit": _fit, "__module__": __name__})
    copy = estimator.copy()
    copy.__class__ = counting
    return copy, counter


def count_real_fits(validator, df) -> int:
    """Run a copy of ``validator`` (CrossValidator or TrainValidationSplit) on ``df`` and count the fits."""
    counting_copy, counter = instrumented(validator.getEstimator())
    probe = validator.copy()
    probe.setEstimator(counting_copy)
    probe.fit(df)
    return counter["fits"]


def _sample(df, rows=200):
    return df.orderBy("customer_id").limit(rows).cache() if "customer_id" in df.columns else df.limit(rows).cache()


@exercise("03.model_count", domain=DOMAIN, objective="3.10", hints=[
    "Cross-validation fits one model per hyperparameter combination per fold: combinations × folds.",
    "After choosing the best combination, CrossValidator fits it once more on all the training data — that is the extra 1.",
    "A train-validation split is a single split: count it as one fold. The exam's example: 3 × 2 × 3 combinations and 5 folds.",
])
def check_model_count(count_fits, validator, fits, exam_fits, df):
    from pyspark.ml.tuning import CrossValidator, TrainValidationSplit

    assert callable(count_fits), "count_fits should be a function (n_combinations, n_folds, refit=True) -> int."
    assert isinstance(validator, (CrossValidator, TrainValidationSplit)), "cv should be your CrossValidator."
    n = len(validator.getEstimatorParamMaps())
    k = validator.getNumFolds() if isinstance(validator, CrossValidator) else 1
    assert isinstance(fits, int) and not isinstance(fits, bool), "cv_fits should be a whole number of fits."
    sample = _sample(df)
    try:
        actual = count_real_fits(validator, sample)
    finally:
        sample.unpersist()
    if fits == actual - 1:
        raise AssertionError("That count misses one fit: after the search, the best combination is refitted on the whole training set.")
    assert fits == actual, "That is not the number of fits the validator really performed (they were counted)."
    assert count_fits(n, k) == actual, \
        f"count_fits({n}, {k}) does not give the number of fits really performed for {n} combinations and {k} fold(s)."
    assert count_fits(n, k, refit=False) == actual - 1, "count_fits(..., refit=False) should leave out the final refit only."
    assert isinstance(exam_fits, dict) and {"folds_only", "with_refit"} <= set(exam_fits), \
        'exam_fits should be a dict with the keys "folds_only" and "with_refit".'
    combos, folds = 3 * 2 * 3, 5
    assert exam_fits["folds_only"] == combos * folds, \
        "exam_fits['folds_only'] is wrong: multiply the number of values of every hyperparameter, then the folds."
    assert exam_fits["with_refit"] == combos * folds + 1, "exam_fits['with_refit'] is the cross-validation fits plus the final refit."


# ---------------------------------------------------------------------------- 3.11-3.13 metric by scenario

@exercise("03.metric_choice", domain=DOMAIN, objective="3.13", hints=[
    "Missing a positive is the costly error → recall; a false alarm is the costly error → precision; both, on imbalanced data → F1.",
    "Calibrated probabilities → log loss; threshold-free comparison → ROC AUC.",
    "Regression: big misses hurt most → RMSE; outliers should not dominate → MAE; 'share of variance explained' → R².",
])
def check_metric_choice(metric_choice):
    """Graded from the question bank: the items of quiz("03.metric_choice") and their keys."""
    check_quiz("03.metric_choice", metric_choice, variable="metric_choice")


# ---------------------------------------------------------------------------- 3.12/3.14 log target, metrics in dollars

@exercise("03.log_target_metrics", domain=DOMAIN, objective="3.14", hints=[
    "log_price_model predicts log-prices: np.exp(model.predict(X)) turns them back into dollars.",
    "Compare the dollar predictions with the dollar prices y — not with log(y).",
    "rmse = sqrt(mean_squared_error(...)) (or root_mean_squared_error), mae = mean_absolute_error, r2 = r2_score; all in dollars.",
])
def check_log_target_metrics(dollar_metrics, log_price_model, X, y):
    import numpy as np
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    assert callable(dollar_metrics), "dollar_metrics should be a function (model, X, y_dollars) -> dict."
    log_pred = np.asarray(log_price_model.predict(X), dtype=float)
    assert np.median(log_pred) < 50, "log_price_model should be trained on np.log(price), so that it predicts log-prices."
    got = dollar_metrics(log_price_model, X, y)
    assert isinstance(got, dict) and {"rmse", "mae", "r2"} <= set(got), 'dollar_metrics should return a dict with "rmse", "mae" and "r2".'
    y = np.asarray(y, dtype=float)
    price_pred = np.exp(log_pred)
    rmse = float(np.sqrt(mean_squared_error(y, price_pred)))
    log_rmse = float(np.sqrt(mean_squared_error(np.log(y), log_pred)))
    if _close(got["rmse"], log_rmse):
        raise AssertionError("That RMSE is in log units: exponentiate the predictions back to dollars first.")
    if _close(got["rmse"], rmse ** 2):
        raise AssertionError("That is the mean squared error: RMSE is its square root, in dollars.")
    assert _close(got["rmse"], rmse), "rmse is not the RMSE of the exponentiated predictions against the dollar prices."
    assert _close(got["mae"], mean_absolute_error(y, price_pred)), "mae is not the mean absolute error in dollars."
    if _close(got["r2"], r2_score(np.log(y), log_pred)) and not _close(r2_score(np.log(y), log_pred), r2_score(y, price_pred)):
        raise AssertionError("r2 was computed on the log scale: compute it on dollars, like the other two.")
    assert _close(got["r2"], r2_score(y, price_pred)), "r2 is not R² of the dollar predictions (r2_score(y_true, y_pred), in that order)."


# ---------------------------------------------------------------------------- 3.15 bias and variance

DIAGNOSES = ("high_bias", "high_variance", "good_fit")


@exercise("03.bias_variance", domain=DOMAIN, objective="3.15", hints=[
    "Average the scores over the folds (axis=1) to get one training and one validation value per depth.",
    "The best depth maximises the *validation* score; the training score only keeps rising with depth.",
    "Low training and validation scores that sit close together mean high bias; a big gap between them means high variance.",
])
def check_bias_variance(depths, train_scores, val_scores, best_depth, diagnosis):
    import numpy as np

    depths = list(depths)
    train, val = np.asarray(train_scores, dtype=float), np.asarray(val_scores, dtype=float)
    assert train.ndim == 2 and train.shape == val.shape and train.shape[0] == len(depths) and train.shape[1] >= 2, \
        "train_scores and val_scores should be validation_curve's two arrays: one row per depth, one column per fold."
    train_mean, val_mean = train.mean(axis=1), val.mean(axis=1)
    assert train_mean[-1] >= val_mean[-1], "The training and validation scores look swapped: a deep tree scores best on the data it saw."
    by_val = depths[int(np.argmax(val_mean))]
    by_train = depths[int(np.argmax(train_mean))]
    if best_depth == by_train and by_train != by_val:
        raise AssertionError("best_depth was chosen by the training score, which rewards memorising: choose by validation.")
    assert best_depth == by_val, "best_depth is not the depth with the best mean validation score."
    assert isinstance(diagnosis, dict) and {"shallowest", "deepest"} <= set(diagnosis), \
        'diagnosis should be a dict with the keys "shallowest" and "deepest".'
    gaps = train_mean - val_mean
    for key, i in (("shallowest", 0), ("deepest", -1)):
        assert diagnosis[key] in DIAGNOSES, f"diagnosis['{key}'] should be one of {DIAGNOSES}."
        if gaps[i] > 0.5 * gaps.max() and val_mean[i] < val_mean.max():
            want = "high_variance"
        elif val_mean[i] < val_mean.max() - 0.05 and gaps[i] < 0.5 * gaps.max():
            want = "high_bias"
        else:
            want = "good_fit"
        assert diagnosis[key] == want, f"diagnosis['{key}'] does not match the curve: compare the training and validation scores at that depth."


# ---------------------------------------------------------------------------- 3.9 cross-validation, fold by fold

@exercise("03.cv_fold_metrics", domain=DOMAIN, objective="3.9", hints=[
    "Add a fold number per row (0 … k-1) to the training data and give CrossValidator foldCol='fold', numFolds=k.",
    "collectSubModels=True keeps every fold's model: cv_model.subModels[fold][grid_point].",
    "Validate subModels[k][j] on the rows whose fold is k, with cv_model.getEvaluator(); the mean over folds is avgMetrics[j].",
])
def check_cv_fold_metrics(cv_fold_model, fold_metrics, folded_train, fold_col="fold"):
    from pyspark.ml import Pipeline
    from pyspark.ml.tuning import CrossValidatorModel
    from pyspark.sql import functions as F

    assert isinstance(cv_fold_model, CrossValidatorModel), "cv_fold_model should be what CrossValidator(...).fit(folded_train) returned."
    assert isinstance(cv_fold_model.getEstimator(), Pipeline), \
        "The CrossValidator's estimator should be the whole pipeline, so every fold refits the preprocessing too."
    assert cv_fold_model.isSet("foldCol") and cv_fold_model.getFoldCol() == fold_col, f"Give CrossValidator foldCol='{fold_col}'."
    _require_df(folded_train, "folded_train")
    k = cv_fold_model.getNumFolds()
    folds = sorted(r[0] for r in folded_train.select(fold_col).distinct().collect())
    assert folds == list(range(k)), f"The {fold_col} column should number the rows' folds 0 to numFolds - 1."
    assert cv_fold_model.subModels is not None, "Fit with collectSubModels=True to keep each fold's models."
    n_maps = len(cv_fold_model.getEstimatorParamMaps())
    assert isinstance(fold_metrics, (list, tuple)) and len(fold_metrics) == k and \
        all(isinstance(row, (list, tuple)) and len(row) == n_maps for row in fold_metrics), \
        "fold_metrics should hold one list per fold, each with one metric per grid point: fold_metrics[fold][grid_point]."
    evaluator = cv_fold_model.getEvaluator()
    for fold in range(k):
        held_out = folded_train.filter(F.col(fold_col) == fold)
        for point in range(n_maps):
            got = fold_metrics[fold][point]
            assert _is_number(got), f"fold_metrics[{fold}][{point}] should be a number."
            want = evaluator.evaluate(cv_fold_model.subModels[fold][point].transform(held_out))
            assert _close(got, want), (f"fold_metrics[{fold}][{point}] is not subModels[{fold}][{point}]'s score on the rows "
                                       f"of fold {fold} (validate on the held-out fold, with the CrossValidator's evaluator).")
    for point, avg in enumerate(cv_fold_model.avgMetrics):
        assert _close(sum(row[point] for row in fold_metrics) / k, avg), "The fold metrics should average to avgMetrics."


# ---------------------------------------------------------------------------- 3.12 regression metrics

REGRESSION_SCENARIOS = {"large_misses_costly": "rmse", "cost_per_dollar_missed": "mae", "share_of_variance_explained": "r2"}


@exercise("03.regression_metrics", domain=DOMAIN, objective="3.12", hints=[
    "RegressionEvaluator(labelCol='price', predictionCol='prediction', metricName=...) with 'rmse', 'mae' and 'r2'.",
    "RMSE squares the errors before averaging, so large misses dominate; MAE weighs every dollar alike; R² has no unit.",
])
def check_regression_metrics(regression_scores, metric_for, house_predictions, label="price", prediction="prediction"):
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    _require_df(house_predictions, "house_predictions")
    pdf = house_predictions.select(label, prediction).toPandas()
    want = {"rmse": math.sqrt(mean_squared_error(pdf[label], pdf[prediction])),
            "mae": mean_absolute_error(pdf[label], pdf[prediction]), "r2": r2_score(pdf[label], pdf[prediction])}
    assert isinstance(regression_scores, dict) and set(regression_scores) == set(want), \
        'regression_scores should be a dict with the keys "rmse", "mae" and "r2".'
    for name, value in regression_scores.items():
        assert _is_number(value), f'regression_scores["{name}"] should be a number.'
    assert not (_close(regression_scores["rmse"], want["mae"]) and _close(regression_scores["mae"], want["rmse"])), \
        "RMSE and MAE are swapped: RMSE, which squares the errors, is never below MAE."
    for name in ("rmse", "mae", "r2"):
        assert _close(regression_scores[name], want[name]), f'regression_scores["{name}"] is not the {name} of house_predictions.'
    assert isinstance(metric_for, dict) and set(metric_for) == set(REGRESSION_SCENARIOS), \
        f"metric_for should be a dict with the keys {sorted(REGRESSION_SCENARIOS)}."
    for scenario, metric in REGRESSION_SCENARIOS.items():
        choice = str(metric_for[scenario]).lower()
        assert choice in want, f'metric_for["{scenario}"] should be "rmse", "mae" or "r2".'
        assert choice == metric, (f"{scenario}: that metric does not fit the scenario; ask how each metric weighs a few "
                                   "large misses against many small ones, and whether it is in dollars at all.")

"""Both sides of every notebook-03 check: each passes on the solution's answer and fails, with its
teaching message, on a wrong answer a learner would plausibly give."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grader.checks import model_development as checks
from grader.testing import assert_check_failed, assert_check_passed
from quiz_support import assert_quiz_graded_from_bank

SEED = 42
CATEGORICAL = ["contract_type", "payment_method"]
NUMERIC = ["tenure_months", "support_calls", "days_since_last_login", "total_spend", "num_devices"]


def _forms(value) -> set[str]:
    v = float(value)
    forms = {repr(v), str(v), f"{v:g}", f"{v:.3g}", f"{v:.4g}", f"{v:.3f}"}
    if abs(v) >= 1:
        forms |= {f"{v:.2f}", f"{v:,.0f}", f"{v:.0f}"}
    return forms


def assert_hides(message: str, *values) -> None:
    for value in values:
        for form in _forms(value):
            assert form not in message, f"the teaching message reveals the expected value ({form}): {message!r}"


# ---------------------------------------------------------------------------- choice exercises (no Spark)


def test_algorithm_choice():
    assert_quiz_graded_from_bank(checks.check_algorithm_choice, "03.algorithm_choice")


def test_cv_or_tvs():
    assert_quiz_graded_from_bank(checks.check_cv_or_tvs, "03.cv_or_tvs")


def test_metric_choice():
    assert_quiz_graded_from_bank(checks.check_metric_choice, "03.metric_choice")


# ---------------------------------------------------------------------------- scikit-learn exercises

@pytest.fixture(scope="module")
def churn_pd():
    from localbricks.data import dataset_path

    return pd.read_csv(dataset_path("churn_customers.csv", scale=0.2))


@pytest.fixture(scope="module")
def resampled(churn_pd):
    from imblearn.over_sampling import SMOTE
    from imblearn.under_sampling import RandomUnderSampler
    from sklearn.model_selection import train_test_split

    X, y = churn_pd[NUMERIC], churn_pd["churned"]
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y, random_state=SEED)
    X_smote, y_smote = SMOTE(random_state=SEED).fit_resample(X_tr, y_tr)
    X_under, y_under = RandomUnderSampler(random_state=SEED).fit_resample(X_tr, y_tr)
    return dict(X=X, y=y, X_tr=X_tr, X_te=X_te, y_tr=y_tr, y_te=y_te, X_smote=X_smote, y_smote=y_smote,
                X_under=X_under, y_under=y_under)


def _resampling_args(r, **changes):
    r = {**r, **changes}
    return [r[k] for k in ("X", "y", "X_tr", "X_te", "y_tr", "y_te", "X_smote", "y_smote", "X_under", "y_under")]


def test_resampling_passes(resampled):
    assert_check_passed(checks.check_resampling, *_resampling_args(resampled))


def test_resampling_fails_without_stratify(resampled):
    from sklearn.model_selection import train_test_split

    X, y = resampled["X"], resampled["y"]
    for state in range(20):  # a plain split whose churn rate drifts by more than one row
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=state)
        if abs(y_te.sum() - y.sum() * len(y_te) / len(y)) > 1:
            break
    assert_check_failed(checks.check_resampling, *_resampling_args(resampled, X_tr=X_tr, X_te=X_te, y_tr=y_tr, y_te=y_te),
                        match="stratify the split")
    # a plain split whose churn count happens to match: only the comparison with the stratified split catches it
    for state in range(50):
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=state)
        if abs(y_te.sum() - y.sum() * len(y_te) / len(y)) <= 1:
            break
    assert_check_failed(checks.check_resampling, *_resampling_args(resampled, X_tr=X_tr, X_te=X_te, y_tr=y_tr, y_te=y_te),
                        match="not the stratified split")


def test_resampling_fails_when_smote_runs_before_the_split(resampled):
    from imblearn.over_sampling import SMOTE

    X_all, y_all = SMOTE(random_state=SEED).fit_resample(resampled["X"], resampled["y"])  # leaks test rows into training
    assert_check_failed(checks.check_resampling, *_resampling_args(resampled, X_smote=X_all, y_smote=y_all),
                        match="training part alone")


def test_resampling_fails_on_random_oversampling_instead_of_smote(resampled):
    from imblearn.over_sampling import RandomOverSampler

    X_o, y_o = RandomOverSampler(random_state=SEED).fit_resample(resampled["X_tr"], resampled["y_tr"])
    assert_check_failed(checks.check_resampling, *_resampling_args(resampled, X_smote=X_o, y_smote=y_o), match="copies")


def test_resampling_fails_when_undersampling_is_skipped(resampled):
    assert_check_failed(checks.check_resampling, *_resampling_args(resampled, X_under=resampled["X_tr"], y_under=resampled["y_tr"]),
                        match="undersampling")


def imbalance_scores(model, X, y):
    from sklearn.metrics import accuracy_score, average_precision_score, f1_score, roc_auc_score

    labels, proba = model.predict(X), model.predict_proba(X)[:, 1]
    return {"accuracy": accuracy_score(y, labels), "f1": f1_score(y, labels), "roc_auc": roc_auc_score(y, proba),
            "pr_auc": average_precision_score(y, proba)}


@pytest.fixture(scope="module")
def imbalance_models(resampled):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def fit(X, y, **kwargs):
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, **kwargs)).fit(X, y)

    r = resampled
    return {"plain": fit(r["X_tr"], r["y_tr"]), "balanced": fit(r["X_tr"], r["y_tr"], class_weight="balanced"),
            "smote": fit(r["X_smote"], r["y_smote"])}


def _winner(models, X, y, metric):
    return max(models, key=lambda name: imbalance_scores(models[name], X, y)[metric])


def test_imbalance_metrics_pass(imbalance_models, resampled):
    X_te, y_te = resampled["X_te"], resampled["y_te"]
    assert_check_passed(checks.check_imbalance_metrics, imbalance_scores, imbalance_models, X_te, y_te,
                        winner=_winner(imbalance_models, X_te, y_te, "f1"))
    assert_check_passed(checks.check_imbalance_metrics, imbalance_scores, imbalance_models, resampled["X_tr"], resampled["y_tr"])


def test_imbalance_metrics_fail_when_accuracy_picks_the_winner(imbalance_models, resampled):
    X_te, y_te = resampled["X_te"], resampled["y_te"]
    by_accuracy = _winner(imbalance_models, X_te, y_te, "accuracy")
    assert by_accuracy != _winner(imbalance_models, X_te, y_te, "f1")
    assert_check_failed(checks.check_imbalance_metrics, imbalance_scores, imbalance_models, X_te, y_te, winner=by_accuracy,
                        match="judge by F1")


def test_imbalance_metrics_fail_on_auc_from_hard_labels(imbalance_models, resampled):
    from sklearn.metrics import roc_auc_score

    def from_labels(model, X, y):
        return {**imbalance_scores(model, X, y), "roc_auc": roc_auc_score(y, model.predict(X))}

    message = assert_check_failed(checks.check_imbalance_metrics, from_labels, imbalance_models, resampled["X_te"],
                                  resampled["y_te"], match="hard labels")
    assert_hides(message, imbalance_scores(imbalance_models["plain"], resampled["X_te"], resampled["y_te"])["roc_auc"])


def test_imbalance_metrics_fail_on_f1_of_the_majority_class(imbalance_models, resampled):
    from sklearn.metrics import f1_score

    def majority_f1(model, X, y):
        return {**imbalance_scores(model, X, y), "f1": f1_score(y, model.predict(X), pos_label=0)}

    assert_check_failed(checks.check_imbalance_metrics, majority_f1, imbalance_models, resampled["X_te"], resampled["y_te"],
                        match="f1 is wrong")


def test_imbalance_metrics_fail_without_class_weights(imbalance_models, resampled):
    unweighted = {**imbalance_models, "balanced": imbalance_models["plain"]}
    assert_check_failed(checks.check_imbalance_metrics, imbalance_scores, unweighted, resampled["X_te"], resampled["y_te"],
                        match="class_weight='balanced'")


@pytest.fixture(scope="module")
def houses():
    from localbricks.data import dataset_path
    from sklearn.linear_model import LinearRegression
    from sklearn.model_selection import train_test_split

    df = pd.read_csv(dataset_path("house_prices.csv", scale=0.2))
    X = pd.get_dummies(df[["sqft", "bedrooms", "bathrooms", "distance_to_center_km", "has_garage", "neighborhood"]],
                       columns=["neighborhood"], dtype=float)
    X_tr, X_te, y_tr, y_te = train_test_split(X, df["price"], test_size=0.25, random_state=SEED)
    return dict(X=X, y=df["price"], X_tr=X_tr, X_te=X_te, y_tr=y_tr, y_te=y_te,
                log_model=LinearRegression().fit(X_tr, np.log(y_tr)), dollar_model=LinearRegression().fit(X_tr, y_tr))


def _metrics(transform=np.exp, on_log=False, square=False, r2_log=False):
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    def dollar_metrics(model, X, y):
        raw = model.predict(X)
        pred = transform(raw)
        y_cmp, p_cmp = (np.log(y), raw) if on_log else (y, pred)
        mse = mean_squared_error(y_cmp, p_cmp)
        return {"rmse": mse if square else float(np.sqrt(mse)), "mae": mean_absolute_error(y_cmp, p_cmp),
                "r2": r2_score(np.log(y), raw) if r2_log else r2_score(y_cmp, p_cmp)}

    return dollar_metrics


def test_log_target_metrics_pass_in_dollars(houses):
    h = houses
    assert_check_passed(checks.check_log_target_metrics, _metrics(), h["log_model"], h["X_te"], h["y_te"])
    assert_check_passed(checks.check_log_target_metrics, _metrics(), h["log_model"], h["X_tr"], h["y_tr"])


def test_log_target_metrics_fail_on_the_log_scale_and_hide_the_rmse(houses):
    h = houses
    message = assert_check_failed(checks.check_log_target_metrics, _metrics(on_log=True), h["log_model"], h["X_te"], h["y_te"],
                                  match="in log units")
    assert_hides(message, _metrics()(h["log_model"], h["X_te"], h["y_te"])["rmse"])


def test_log_target_metrics_fail_on_mse_and_on_log_r2(houses):
    h = houses
    assert_check_failed(checks.check_log_target_metrics, _metrics(square=True), h["log_model"], h["X_te"], h["y_te"],
                        match="mean squared error")
    assert_check_failed(checks.check_log_target_metrics, _metrics(r2_log=True), h["log_model"], h["X_te"], h["y_te"],
                        match="log scale")


def test_log_target_metrics_fail_without_exponentiating_or_on_a_dollar_model(houses):
    h = houses
    assert_check_failed(checks.check_log_target_metrics, _metrics(transform=lambda p: p), h["log_model"], h["X_te"], h["y_te"],
                        match="not the RMSE of the exponentiated predictions")
    assert_check_failed(checks.check_log_target_metrics, _metrics(), h["dollar_model"], h["X_te"], h["y_te"],
                        match="trained on np.log")


@pytest.fixture(scope="module")
def curve(houses):
    from sklearn.model_selection import KFold, validation_curve
    from sklearn.tree import DecisionTreeRegressor

    depths = list(range(1, 13))
    train, val = validation_curve(DecisionTreeRegressor(random_state=SEED), houses["X"], np.log(houses["y"]),
                                  param_name="max_depth", param_range=depths,
                                  cv=KFold(5, shuffle=True, random_state=SEED), scoring="r2")
    return depths, train, val, depths[int(np.argmax(val.mean(axis=1)))]


RIGHT_DIAGNOSIS = {"shallowest": "high_bias", "deepest": "high_variance"}


def test_bias_variance_passes(curve):
    depths, train, val, best = curve
    assert_check_passed(checks.check_bias_variance, depths, train, val, best, RIGHT_DIAGNOSIS)


def test_bias_variance_fails_when_chosen_by_training_score(curve):
    depths, train, val, _ = curve
    by_train = depths[int(np.argmax(train.mean(axis=1)))]
    assert_check_failed(checks.check_bias_variance, depths, train, val, by_train, RIGHT_DIAGNOSIS, match="training score")


def test_bias_variance_fails_on_swapped_diagnosis_or_curves(curve):
    depths, train, val, best = curve
    swapped = {"shallowest": "high_variance", "deepest": "high_bias"}
    assert_check_failed(checks.check_bias_variance, depths, train, val, best, swapped, match="does not match the curve")
    assert_check_failed(checks.check_bias_variance, depths, val, train, best, RIGHT_DIAGNOSIS, match="swapped")


# ---------------------------------------------------------------------------- Spark exercises

@pytest.fixture(scope="module")
def customers(spark):
    from localbricks.data import dataset_path

    df = spark.read.csv(str(dataset_path("churn_customers.csv", scale=0.2)), header=True, inferSchema=True).cache()
    yield df
    df.unpersist()


@pytest.fixture(scope="module")
def splits(customers):
    train, test = customers.randomSplit([0.8, 0.2], seed=SEED)
    return train.cache(), test.cache()


def churn_pipeline(classifier=None, handle_invalid="keep"):
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.feature import OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler

    return Pipeline(stages=[
        StringIndexer(inputCols=CATEGORICAL, outputCols=[f"{c}_idx" for c in CATEGORICAL], handleInvalid=handle_invalid),
        OneHotEncoder(inputCols=[f"{c}_idx" for c in CATEGORICAL], outputCols=[f"{c}_ohe" for c in CATEGORICAL]),
        VectorAssembler(inputCols=NUMERIC + [f"{c}_ohe" for c in CATEGORICAL], outputCol="raw_features"),
        StandardScaler(inputCol="raw_features", outputCol="features", withMean=True),
        classifier or LogisticRegression(featuresCol="features", labelCol="churned", maxIter=20),
    ])


@pytest.fixture(scope="module")
def churn_model(splits):
    return churn_pipeline().fit(splits[0])


def _auc(predictions):
    from pyspark.ml.evaluation import BinaryClassificationEvaluator

    return BinaryClassificationEvaluator(labelCol="churned").evaluate(predictions)


@pytest.mark.spark
def test_training_pipeline_passes_when_fitted_on_train(churn_model, splits):
    from pyspark.sql import functions as F

    train, test = splits
    predictions = churn_model.transform(test)
    assert_check_passed(checks.check_training_pipeline, churn_model, train, test, predictions, _auc(predictions),
                        unseen=test.limit(2).withColumn("contract_type", F.lit("three-year")))


@pytest.mark.spark
def test_training_pipeline_fails_when_fitted_on_all_the_data(customers, splits):
    train, test = splits
    leaky = churn_pipeline().fit(customers)
    predictions = leaky.transform(test)
    assert_check_failed(checks.check_training_pipeline, leaky, train, test, predictions, _auc(predictions),
                        match="not those of train_df")


@pytest.mark.spark
def test_training_pipeline_fails_on_train_auc_and_on_a_crash_for_new_categories(churn_model, splits):
    from pyspark.sql import functions as F

    train, test = splits
    predictions = churn_model.transform(test)
    message = assert_check_failed(checks.check_training_pipeline, churn_model, train, test, predictions,
                                  _auc(churn_model.transform(train)), match="not the area under the ROC curve")
    assert_hides(message, _auc(predictions))
    strict = churn_pipeline(handle_invalid="error").fit(train)
    strict_predictions = strict.transform(test)
    assert_check_failed(checks.check_training_pipeline, strict, train, test, strict_predictions, _auc(strict_predictions),
                        unseen=test.limit(2).withColumn("contract_type", F.lit("three-year")), match="handleInvalid")


@pytest.mark.spark
def test_training_pipeline_lets_a_scoring_error_that_is_not_handle_invalid_through(churn_model, splits):
    """Only Spark's "Unseen label" is the learner's handleInvalid; another failure while scoring the
    unseen rows (here a Python UDF that raises, then a course bug) keeps its own traceback."""
    from pyspark.errors import PythonException
    from pyspark.ml import PipelineModel
    from pyspark.sql import functions as F

    train, test = splits
    predictions = churn_model.transform(test)

    @F.udf("string")
    def broken(_):
        raise ValueError("a bug in the course's data")

    with pytest.raises(PythonException, match="a bug in the course's data"):
        checks.check_training_pipeline(churn_model, train, test, predictions, _auc(predictions),
                                       unseen=test.limit(2).withColumn("contract_type", broken("contract_type")))
    model = PipelineModel(stages=churn_model.stages)

    def course_bug(df):
        raise RuntimeError("course bug")

    model.transform = course_bug  # the check's last step is model.transform(unseen)
    with pytest.raises(RuntimeError, match="course bug"):
        checks.check_training_pipeline(model, train, test, predictions, _auc(predictions),
                                       unseen=test.limit(2))


@pytest.mark.spark
def test_training_pipeline_fails_without_a_scaler(churn_model, splits):
    from pyspark.ml import PipelineModel

    train, test = splits
    unscaled = PipelineModel(stages=churn_model.stages[:3] + churn_model.stages[4:])  # the check stops at the stage list
    assert_check_failed(checks.check_training_pipeline, unscaled, train, test, None, 0.5, match="lacks a stage: StandardScaler")


@pytest.fixture(scope="module")
def probe(splits):
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.feature import Bucketizer, StandardScaler, StringIndexer, VectorAssembler

    assembler = VectorAssembler(inputCols=["tenure_months", "support_calls"], outputCol="features")
    df = assembler.transform(splits[0].orderBy("customer_id").limit(120)).cache()
    scaler = StandardScaler(inputCol="features", outputCol="scaled")
    indexer = StringIndexer(inputCol="contract_type", outputCol="contract_idx")
    lr = LogisticRegression(featuresCol="features", labelCol="churned", maxIter=3)
    pipeline = Pipeline(stages=[indexer, lr])
    objects = {"assembler": assembler, "scaler": scaler, "scaler_model": scaler.fit(df), "indexer": indexer,
               "bucketizer": Bucketizer(splits=[0, 12, 24, float("inf")], inputCol="tenure_months", outputCol="band"),
               "lr": lr, "lr_model": lr.fit(df), "pipeline": pipeline, "pipeline_model": pipeline.fit(df)}
    kinds = {"assembler": "transformer", "scaler": "estimator", "scaler_model": "transformer", "indexer": "estimator",
             "bucketizer": "transformer", "lr": "estimator", "lr_model": "transformer", "pipeline": "estimator",
             "pipeline_model": "transformer"}
    return objects, kinds, df


@pytest.mark.spark
def test_estimators_transformers(probe):
    objects, kinds, df = probe
    assert_check_passed(checks.check_estimators_transformers, kinds, objects, df)
    assert_check_failed(checks.check_estimators_transformers, {**kinds, "lr_model": "estimator"}, objects, df,
                        match="came out of .fit")
    assert_check_failed(checks.check_estimators_transformers, {**kinds, "pipeline": "transformer"}, objects, df,
                        match="pipeline does not behave as a transformer")
    assert_check_failed(checks.check_estimators_transformers, {**kinds, "assembler": "estimator"}, objects, df,
                        match="assembler does not behave as an estimator")
    assert_check_failed(checks.check_estimators_transformers, {k: v for k, v in kinds.items() if k != "bucketizer"},
                        objects, df, match="missing")


@pytest.mark.spark
def test_accuracy_trap(splits):
    test = splits[1]
    zeros = test.filter("churned = 0").count() / test.count()
    assert_check_passed(checks.check_accuracy_trap, zeros, 0.0, "pr_auc", test)
    message = assert_check_failed(checks.check_accuracy_trap, 1 - zeros, 0.0, "f1", test, match="majority_accuracy is not")
    assert_hides(message, zeros)
    assert_check_failed(checks.check_accuracy_trap, zeros, 1.0, "f1", test, match="How many churners")
    assert_check_failed(checks.check_accuracy_trap, zeros, 0.0, "accuracy", test, match="accuracy rewards")


def _weighted(train, w_churn, w_stay):
    from pyspark.sql import functions as F

    return train.withColumn("class_weight", F.when(F.col("churned") == 1, w_churn).otherwise(w_stay))


@pytest.mark.spark
def test_spark_class_weights(splits, churn_model):
    from pyspark.ml.classification import LogisticRegression

    train, test = splits
    n, n1 = train.count(), train.filter("churned = 1").count()
    weighted_train = _weighted(train, n / (2 * n1), n / (2 * (n - n1)))
    weighted_lr = LogisticRegression(featuresCol="features", labelCol="churned", weightCol="class_weight", maxIter=20)
    model = churn_pipeline(weighted_lr).fit(weighted_train)
    assert_check_passed(checks.check_spark_class_weights, model, weighted_train, churn_model, test)
    inverted = _weighted(train, n1 / n, (n - n1) / n)  # the class's share, not its inverse
    assert_check_failed(checks.check_spark_class_weights, model, inverted, churn_model, test, match="rare class needs the larger")
    assert_check_failed(checks.check_spark_class_weights, model, _weighted(train, 5.0, 1.0), churn_model, test,
                        match="not balanced")
    assert_check_failed(checks.check_spark_class_weights, churn_model, weighted_train, churn_model, test, match="weightCol")


# ---------------------------------------------------------------------------- 03.model_count

def _constant_estimator_classes():
    """A pure-Python Spark ML estimator with one hyperparameter, so a counted search costs no training jobs."""
    from pyspark.ml import Estimator, Model
    from pyspark.ml.param import Param, Params, TypeConverters
    from pyspark.sql import functions as F

    class ConstantModel(Model):
        def __init__(self, shift=0.0):
            super().__init__()
            self.shift = shift

        def _transform(self, df):
            return df.withColumn("rawPrediction", F.col("support_calls").cast("double") + F.lit(self.shift))

    class ConstantEstimator(Estimator):
        shift = Param(Params._dummy(), "shift", "added to the score", typeConverter=TypeConverters.toFloat)

        def __init__(self):
            super().__init__()
            self._setDefault(shift=0.0)

        def _fit(self, df):
            return ConstantModel(self.getOrDefault(self.shift))

    return ConstantEstimator


@pytest.fixture(scope="module")
def cheap_cv(splits):
    from pyspark.ml.evaluation import BinaryClassificationEvaluator
    from pyspark.ml.tuning import CrossValidator, ParamGridBuilder

    est = _constant_estimator_classes()()
    grid = ParamGridBuilder().addGrid(est.shift, [0.0, 1.0, 2.0]).build()
    return CrossValidator(estimator=est, estimatorParamMaps=grid, evaluator=BinaryClassificationEvaluator(labelCol="churned"),
                          numFolds=2, seed=SEED)


def count_fits(n_combinations, n_folds, refit=True):
    return n_combinations * n_folds + (1 if refit else 0)


EXAM = {"folds_only": 90, "with_refit": 91}


@pytest.mark.spark
def test_instrumented_estimator_counts_every_fit_of_a_real_cross_validation(splits):
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.evaluation import BinaryClassificationEvaluator
    from pyspark.ml.feature import VectorAssembler
    from pyspark.ml.tuning import CrossValidator, ParamGridBuilder

    df = VectorAssembler(inputCols=NUMERIC, outputCol="features").transform(splits[0].orderBy("customer_id").limit(150))
    lr = LogisticRegression(featuresCol="features", labelCol="churned", maxIter=2)
    grid = ParamGridBuilder().addGrid(lr.regParam, [0.0, 0.5]).build()
    cv = CrossValidator(estimator=lr, estimatorParamMaps=grid, evaluator=BinaryClassificationEvaluator(labelCol="churned"),
                        numFolds=2, seed=SEED, parallelism=2)
    assert_check_passed(checks.check_model_count, count_fits, cv, 2 * 2 + 1, EXAM, df)  # counted: 2 maps x 2 folds + refit


@pytest.mark.spark
def test_model_count_passes_for_cv_and_tvs(cheap_cv, splits):
    from pyspark.ml.tuning import TrainValidationSplit

    assert_check_passed(checks.check_model_count, count_fits, cheap_cv, count_fits(3, 2), EXAM, splits[0])
    tvs = TrainValidationSplit(estimator=cheap_cv.getEstimator(), estimatorParamMaps=cheap_cv.getEstimatorParamMaps(),
                               evaluator=cheap_cv.getEvaluator(), trainRatio=0.75, seed=SEED)
    assert_check_passed(checks.check_model_count, count_fits, tvs, count_fits(3, 1), EXAM, splits[0])


@pytest.mark.spark
def test_model_count_fails_when_the_refit_is_forgotten(cheap_cv, splits):
    def no_refit(n, k, refit=True):
        return n * k

    message = assert_check_failed(checks.check_model_count, no_refit, cheap_cv, no_refit(3, 2), EXAM, splits[0],
                                  match="misses one fit.*refitted")
    assert "7" not in message


@pytest.mark.spark
def test_model_count_fails_on_a_formula_that_forgets_the_folds(cheap_cv, splits):
    def no_folds(n, k, refit=True):
        return n + (1 if refit else 0)

    assert_check_failed(checks.check_model_count, no_folds, cheap_cv, count_fits(3, 2), EXAM, splits[0], match=r"count_fits\(3, 2\)")
    assert_check_failed(checks.check_model_count, no_folds, cheap_cv, no_folds(3, 2), EXAM, splits[0], match="really performed")


@pytest.mark.spark
def test_model_count_fails_on_the_exam_example(cheap_cv, splits):
    assert_check_failed(checks.check_model_count, count_fits, cheap_cv, 7, {"folds_only": 18 * 5, "with_refit": 90}, splits[0],
                        match="with_refit")
    assert_check_failed(checks.check_model_count, count_fits, cheap_cv, 7, {"folds_only": 3 + 2 + 3, "with_refit": 9}, splits[0],
                        match="folds_only")


@pytest.mark.spark
def test_model_count_fails_when_tvs_is_counted_like_cv(cheap_cv, splits):
    from pyspark.ml.tuning import TrainValidationSplit

    def three_folds_always(n, k, refit=True):
        return n * max(k, 3) + (1 if refit else 0)

    tvs = TrainValidationSplit(estimator=cheap_cv.getEstimator(), estimatorParamMaps=cheap_cv.getEstimatorParamMaps(),
                               evaluator=cheap_cv.getEvaluator(), trainRatio=0.75, seed=SEED)
    assert_check_failed(checks.check_model_count, three_folds_always, tvs, count_fits(3, 1), EXAM, splits[0],
                        match=r"count_fits\(3, 1\)")


# ---------------------------------------------------------------------------- 03.cv_fold_metrics

def _cv_fold_fit(folded, *, estimator=None, fold_col="fold", collect=True):
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.evaluation import BinaryClassificationEvaluator
    from pyspark.ml.tuning import CrossValidator, ParamGridBuilder

    lr = LogisticRegression(featuresCol="features", labelCol="churned", maxIter=5)
    grid = ParamGridBuilder().addGrid(lr.regParam, [0.01, 0.1]).build()
    cv = CrossValidator(estimator=estimator or churn_pipeline(lr), estimatorParamMaps=grid,
                        evaluator=BinaryClassificationEvaluator(labelCol="churned"), numFolds=3, collectSubModels=collect)
    if fold_col:
        cv = cv.setFoldCol(fold_col)
    return cv.fit(folded)


def _per_fold(model, folded, rows="held_out"):
    from pyspark.sql import functions as F

    ev = model.getEvaluator()
    pick = (lambda k: F.col("fold") == k) if rows == "held_out" else (lambda k: F.col("fold") != k)
    return [[ev.evaluate(m.transform(folded.filter(pick(k)))) for m in model.subModels[k]] for k in range(3)]


@pytest.fixture(scope="module")
def folded(splits):
    from pyspark.sql import functions as F

    return splits[0].withColumn("fold", (F.rand(SEED) * 3).cast("int")).cache()


@pytest.fixture(scope="module")
def cv_fold_model(folded):
    return _cv_fold_fit(folded)


@pytest.mark.spark
def test_cv_fold_metrics_passes_the_solution(cv_fold_model, folded):
    assert_check_passed(checks.check_cv_fold_metrics, cv_fold_model, _per_fold(cv_fold_model, folded), folded)


@pytest.mark.spark
def test_cv_fold_metrics_fails_on_scores_on_the_training_folds(cv_fold_model, folded):
    message = assert_check_failed(checks.check_cv_fold_metrics, cv_fold_model, _per_fold(cv_fold_model, folded, rows="train"),
                                  folded, match=r"fold_metrics\[0\]\[0\] is not subModels\[0\]\[0\]'s score on the rows of fold 0")
    assert_hides(message, _per_fold(cv_fold_model, folded)[0][0])


@pytest.mark.spark
def test_cv_fold_metrics_fails_on_avg_metrics_repeated_per_fold(cv_fold_model, folded):
    assert_check_failed(checks.check_cv_fold_metrics, cv_fold_model, [list(cv_fold_model.avgMetrics)] * 3, folded,
                        match=r"fold_metrics\[0\]\[0\] is not")


@pytest.mark.spark
def test_cv_fold_metrics_fails_on_a_transposed_table(cv_fold_model, folded):
    transposed = [list(col) for col in zip(*_per_fold(cv_fold_model, folded))]
    assert_check_failed(checks.check_cv_fold_metrics, cv_fold_model, transposed, folded, match=r"fold_metrics\[fold\]\[grid_point\]")


@pytest.mark.spark
def test_cv_fold_metrics_fails_without_the_fold_column(splits):
    from pyspark.ml.evaluation import BinaryClassificationEvaluator
    from pyspark.ml.tuning import CrossValidator, ParamGridBuilder

    lr = churn_pipeline().getStages()[-1]
    model = CrossValidator(estimator=churn_pipeline(lr), estimatorParamMaps=ParamGridBuilder().addGrid(lr.regParam, [0.1]).build(),
                           evaluator=BinaryClassificationEvaluator(labelCol="churned"), numFolds=2).fit(splits[0].limit(200))
    assert_check_failed(checks.check_cv_fold_metrics, model, [[0.5], [0.5]], splits[0], match="foldCol='fold'")


@pytest.mark.spark
def test_cv_fold_metrics_fails_without_sub_models(folded):
    model = _cv_fold_fit(folded, collect=False)
    assert_check_failed(checks.check_cv_fold_metrics, model, [[0.5, 0.5]] * 3, folded, match="collectSubModels=True")


@pytest.mark.spark
def test_cv_fold_metrics_fails_when_the_estimator_is_only_the_classifier(folded, churn_model):
    from pyspark.ml.classification import LogisticRegression

    prepared = churn_model.transform(folded).select("features", "churned", "fold")
    model = _cv_fold_fit(prepared, estimator=LogisticRegression(featuresCol="features", labelCol="churned", maxIter=5))
    assert_check_failed(checks.check_cv_fold_metrics, model, [[0.5, 0.5]] * 3, prepared, match="estimator should be the whole pipeline")


@pytest.mark.spark
def test_cv_fold_metrics_fails_on_fold_numbers_out_of_range(cv_fold_model, folded):
    from pyspark.sql import functions as F

    shifted = folded.withColumn("fold", F.col("fold") + 1)
    assert_check_failed(checks.check_cv_fold_metrics, cv_fold_model, _per_fold(cv_fold_model, folded), shifted,
                        match="number the rows' folds 0 to numFolds - 1")


# ---------------------------------------------------------------------------- 03.regression_metrics

RIGHT_SCENARIOS = {"large_misses_costly": "rmse", "cost_per_dollar_missed": "mae", "share_of_variance_explained": "r2"}


@pytest.fixture(scope="module")
def house_predictions(spark):
    from localbricks.data import dataset_path
    from sklearn.linear_model import LinearRegression
    from sklearn.model_selection import train_test_split

    houses = pd.read_csv(dataset_path("house_prices.csv", scale=0.2))
    X = pd.get_dummies(houses[["sqft", "bedrooms", "bathrooms", "distance_to_center_km", "has_garage", "neighborhood"]],
                       columns=["neighborhood"], dtype=float)
    X_tr, X_te, y_tr, y_te = train_test_split(X, houses["price"], test_size=0.25, random_state=SEED)
    model = LinearRegression().fit(X_tr, np.log(y_tr))
    return spark.createDataFrame(pd.DataFrame({"price": y_te.astype(float).to_numpy(), "prediction": np.exp(model.predict(X_te))}))


def _spark_scores(predictions):
    from pyspark.ml.evaluation import RegressionEvaluator

    return {m: RegressionEvaluator(labelCol="price", predictionCol="prediction", metricName=m).evaluate(predictions)
            for m in ("rmse", "mae", "r2")}


@pytest.mark.spark
def test_regression_metrics_passes_the_solution(house_predictions):
    assert_check_passed(checks.check_regression_metrics, _spark_scores(house_predictions), RIGHT_SCENARIOS, house_predictions)


@pytest.mark.spark
def test_regression_metrics_fails_on_swapped_rmse_and_mae(house_predictions):
    s = _spark_scores(house_predictions)
    assert_check_failed(checks.check_regression_metrics, {**s, "rmse": s["mae"], "mae": s["rmse"]}, RIGHT_SCENARIOS,
                        house_predictions, match="RMSE and MAE are swapped")


@pytest.mark.spark
def test_regression_metrics_fails_on_mse_for_rmse(house_predictions):
    s = _spark_scores(house_predictions)
    message = assert_check_failed(checks.check_regression_metrics, {**s, "rmse": s["rmse"] ** 2}, RIGHT_SCENARIOS,
                                  house_predictions, match=r'regression_scores\["rmse"\] is not the rmse')
    assert_hides(message, s["rmse"])


@pytest.mark.spark
def test_regression_metrics_fails_on_r2_of_another_frame(house_predictions):
    from pyspark.sql import functions as F

    s = _spark_scores(house_predictions)
    other = _spark_scores(house_predictions.withColumn("prediction", F.col("prediction") * 1.2))
    assert_check_failed(checks.check_regression_metrics, {**s, "r2": other["r2"]}, RIGHT_SCENARIOS, house_predictions,
                        match=r'regression_scores\["r2"\] is not the r2')


@pytest.mark.spark
@pytest.mark.parametrize("scenario, wrong", [("large_misses_costly", "mae"), ("cost_per_dollar_missed", "rmse"),
                                             ("share_of_variance_explained", "rmse")])
def test_regression_metrics_fails_on_a_wrong_scenario_pick(house_predictions, scenario, wrong):
    message = assert_check_failed(checks.check_regression_metrics, _spark_scores(house_predictions),
                                  {**RIGHT_SCENARIOS, scenario: wrong}, house_predictions, match=f"{scenario}: that metric does not fit")
    assert RIGHT_SCENARIOS[scenario] not in message.lower()


@pytest.mark.spark
def test_regression_metrics_fails_on_missing_keys_and_words(house_predictions):
    s = _spark_scores(house_predictions)
    assert_check_failed(checks.check_regression_metrics, {"rmse": s["rmse"]}, RIGHT_SCENARIOS, house_predictions,
                        match='keys "rmse", "mae" and "r2"')
    assert_check_failed(checks.check_regression_metrics, s, {**RIGHT_SCENARIOS, "large_misses_costly": "mse"},
                        house_predictions, match=r'should be "rmse", "mae" or "r2"')

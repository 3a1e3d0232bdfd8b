"""Honest tests for notebook 02's checks: each passes on the solution's answer and fails, with its
teaching message, on a wrong answer a learner would plausibly write."""
from __future__ import annotations

import uuid

import pytest

from grader.checks import data_preparation as checks
from grader.testing import assert_check_failed, assert_check_passed

pytestmark = pytest.mark.spark

SEED = 42


# ---------------------------------------------------------------------------- fixtures (once per module)

@pytest.fixture(scope="module")
def customers(spark):
    from localbricks.data import dataset_path

    df = spark.read.csv(str(dataset_path("churn_customers.csv", scale=0.2)), header=True, inferSchema=True).cache()
    yield df
    df.unpersist()


@pytest.fixture(scope="module")
def splits(customers):
    return customers.randomSplit([0.8, 0.2], seed=SEED)


@pytest.fixture(scope="module")
def wine(spark):
    from localbricks.data import dataset_path

    df = spark.read.csv(str(dataset_path("wine.csv")), header=True, inferSchema=True).cache()
    yield df
    df.unpersist()


@pytest.fixture(scope="module")
def log_predictions(spark):
    from localbricks.data import dataset_path
    from pyspark.ml.feature import VectorAssembler
    from pyspark.ml.regression import LinearRegression
    from pyspark.sql import functions as F

    houses = spark.read.csv(str(dataset_path("house_prices.csv", scale=0.2)), header=True, inferSchema=True)
    houses = houses.withColumn("log_price", F.log("price"))
    features = ["sqft", "bedrooms", "bathrooms", "distance_to_center_km", "has_garage"]
    assembled = VectorAssembler(inputCols=features, outputCol="features", handleInvalid="skip").transform(houses)
    house_train, house_test = assembled.randomSplit([0.8, 0.2], seed=SEED)
    model = LinearRegression(featuresCol="features", labelCol="log_price").fit(house_train)
    predictions = model.transform(house_test).cache()
    yield predictions
    predictions.unpersist()


@pytest.fixture(scope="module")
def imputer_model(splits):
    from pyspark.ml.feature import Imputer

    imputer = Imputer(inputCols=["monthly_spend", "age"], outputCols=["monthly_spend_imputed", "age_imputed"],
                      strategy="median")
    return imputer.fit(splits[0])


@pytest.fixture(scope="module")
def versioned_table(spark, customers):
    """A Delta table with version 0 = the raw customers and version 1 = a cleaned overwrite."""
    spark.sql("CREATE SCHEMA IF NOT EXISTS main.grader_tests")
    name = f"main.grader_tests.churn_{uuid.uuid4().hex[:8]}"
    customers.write.saveAsTable(name)  # version 0
    cleaned = remove_outliers_std(customers.fillna({"region": "north"}), "avg_session_minutes")
    cleaned.write.mode("overwrite").saveAsTable(name)  # version 1: fewer rows, no missing region
    yield name
    spark.sql(f"DROP TABLE IF EXISTS {name}")


# ---------------------------------------------------------------------------- the solution's answers

def remove_outliers_std(df, column, k=3):
    from pyspark.sql import functions as F

    mean_val, std_val = df.select(F.mean(column), F.stddev(column)).first()
    return df.filter(F.abs(F.col(column) - mean_val) <= k * std_val)


def remove_outliers_iqr(df, column):
    from pyspark.sql import functions as F

    q1, q3 = df.approxQuantile(column, [0.25, 0.75], 0.0)
    iqr = q3 - q1
    return df.filter((F.col(column) >= q1 - 1.5 * iqr) & (F.col(column) <= q3 + 1.5 * iqr))


def one_hot_pipeline(columns=("contract_type", "payment_method")):
    from pyspark.ml import Pipeline
    from pyspark.ml.feature import OneHotEncoder, StringIndexer

    indexer = StringIndexer(inputCols=list(columns), outputCols=[f"{c}_idx" for c in columns], handleInvalid="keep")
    encoder = OneHotEncoder(inputCols=[f"{c}_idx" for c in columns], outputCols=[f"{c}_ohe" for c in columns])
    return Pipeline(stages=[indexer, encoder])


def _forms(value) -> set[str]:
    """The ways a learner could see a number printed."""
    if isinstance(value, str):
        return {value}
    v = float(value)
    forms = {repr(v), str(v), f"{v:g}", f"{v:.3g}", f"{v:.4g}", f"{v:.3f}"}
    if abs(v) >= 1:
        forms |= {f"{v:.2f}", f"{v:,.0f}", f"{v:.0f}"}
    return forms


def assert_hides(message: str, *values) -> None:
    for value in values:
        for form in _forms(value):
            assert form not in message, f"the teaching message reveals the expected value ({form}): {message!r}"


# ---------------------------------------------------------------------------- 02.summary_statistics

def _median_from(summary, column="monthly_spend"):
    from pyspark.sql import functions as F

    return float(summary.filter(F.col("summary") == "50%").first()[column])


def test_summary_passes_on_summary_median(customers):
    spend_summary = customers.select("monthly_spend", "tenure_months").summary()
    assert_check_passed(checks.check_summary, spend_summary, _median_from(spend_summary), customers)


def test_summary_fails_on_describe(customers):
    described = customers.select("monthly_spend", "tenure_months").describe()
    assert_check_failed(checks.check_summary, described, 50.0, customers, match="no percentile rows")


def test_summary_fails_on_median_of_the_wrong_column_and_hides_the_median(customers):
    spend_summary = customers.select("monthly_spend", "tenure_months").summary()
    message = assert_check_failed(checks.check_summary, spend_summary, _median_from(spend_summary, "tenure_months"),
                                  customers, match="median_spend is not the 50% value of monthly_spend")
    expected = customers.summary("50%").first()["monthly_spend"]
    assert_hides(message, expected, float(expected))


def test_summary_fails_on_the_unconverted_string(customers):
    from pyspark.sql import functions as F

    spend_summary = customers.select("monthly_spend", "tenure_months").summary()
    as_string = spend_summary.filter(F.col("summary") == "50%").first()["monthly_spend"]
    assert_check_failed(checks.check_summary, spend_summary, as_string, customers, match="convert the summary's string")


def test_summary_fails_when_a_column_is_missing(customers):
    only_spend = customers.select("monthly_spend").summary()
    assert_check_failed(checks.check_summary, only_spend, _median_from(only_spend), customers,
                        match=r"lacks \['tenure_months'\]")


# ---------------------------------------------------------------------------- 02.outliers_std

@pytest.fixture(scope="module")
def tiny(spark):
    """mean 0 and sample standard deviation exactly 1: with k=1 both outer rows sit on the boundary."""
    return spark.createDataFrame([("a", -1.0), ("b", 0.0), ("c", 1.0)], "customer_id string, x double")


def test_outliers_std_passes_on_the_solution_including_the_hidden_case(customers, tiny):
    assert_check_passed(checks.check_outliers_std, remove_outliers_std, customers)
    assert_check_passed(checks.check_outliers_std, remove_outliers_std, customers, column="tenure_months", k=2)
    assert_check_passed(checks.check_outliers_std, remove_outliers_std, tiny, column="x", k=1)


def test_outliers_std_hidden_case_catches_a_hard_coded_3(customers):
    from pyspark.sql import functions as F

    def hard_coded(df, column, k=3):
        mean_val, std_val = df.select(F.mean(column), F.stddev(column)).first()
        return df.filter(F.abs(F.col(column) - mean_val) <= 3 * std_val)

    assert_check_passed(checks.check_outliers_std, hard_coded, customers)  # the visible test cannot tell
    assert_check_failed(checks.check_outliers_std, hard_coded, customers, column="tenure_months", k=2,
                        match="beyond 2 standard deviations of the mean of tenure_months were kept")


def test_outliers_std_fails_on_a_strict_comparison(tiny):
    from pyspark.sql import functions as F

    def strict(df, column, k=3):
        mean_val, std_val = df.select(F.mean(column), F.stddev(column)).first()
        return df.filter(F.abs(F.col(column) - mean_val) < k * std_val)

    assert_check_failed(checks.check_outliers_std, strict, tiny, column="x", k=1,
                        match="within 1 standard deviations of the mean of x were removed")


def test_outliers_std_fails_on_the_population_standard_deviation(tiny):
    from pyspark.sql import functions as F

    def population(df, column, k=3):
        mean_val, std_val = df.select(F.mean(column), F.stddev_pop(column)).first()
        return df.filter(F.abs(F.col(column) - mean_val) <= k * std_val)

    assert_check_failed(checks.check_outliers_std, population, tiny, column="x", k=1, match="were removed")


def test_outliers_std_fails_when_the_mean_is_taken_over_another_column(customers):
    from pyspark.sql import functions as F

    def wrong_mean(df, column, k=3):
        mean_val = df.select(F.mean("avg_session_minutes")).first()[0]  # copied from the first call
        std_val = df.select(F.stddev(column)).first()[0]
        return df.filter(F.abs(F.col(column) - mean_val) <= k * std_val)

    assert_check_failed(checks.check_outliers_std, wrong_mean, customers, column="tenure_months", k=2,
                        match="standard deviations of the mean of tenure_months were (removed|kept)")


def test_outliers_std_fails_when_only_the_column_is_returned(customers):
    from pyspark.sql import functions as F

    def only_column(df, column, k=3):
        mean_val, std_val = df.select(F.mean(column), F.stddev(column)).first()
        return df.select(column).filter(F.abs(F.col(column) - mean_val) <= k * std_val)

    assert_check_failed(checks.check_outliers_std, only_column, customers, match="with all their columns")


# ---------------------------------------------------------------------------- 02.outliers_iqr

def _iqr_filter(relative_error=0.0, multiplier=1.5, inclusive=True):
    from pyspark.sql import functions as F

    def remove(df, column):
        q1, q3 = df.approxQuantile(column, [0.25, 0.75], relative_error)
        iqr = q3 - q1
        low, high = F.col(column) - (q1 - multiplier * iqr), (q3 + multiplier * iqr) - F.col(column)
        return df.filter((low >= 0) & (high >= 0)) if inclusive else df.filter((low > 0) & (high > 0))

    return remove


def test_outliers_iqr_passes_on_the_solution_including_the_hidden_case(customers):
    assert_check_passed(checks.check_outliers_iqr, remove_outliers_iqr, customers)
    assert_check_passed(checks.check_outliers_iqr, remove_outliers_iqr, customers, column="support_calls")


def test_outliers_iqr_fails_on_inexact_quartiles(customers):
    assert_check_failed(checks.check_outliers_iqr, _iqr_filter(relative_error=0.25), customers,
                        match="outside the IQR fences of monthly_spend were kept")


def test_outliers_iqr_fails_on_3_iqr_fences(customers):
    assert_check_failed(checks.check_outliers_iqr, _iqr_filter(multiplier=3), customers,
                        match="outside the IQR fences of monthly_spend were kept")


def test_outliers_iqr_hidden_case_catches_exclusive_fences(customers):
    # support_calls is a count: the upper fence is a whole number that rows sit on.
    assert_check_failed(checks.check_outliers_iqr, _iqr_filter(inclusive=False), customers, column="support_calls",
                        match="inside the IQR fences of support_calls were removed .are the fences inclusive")


# ---------------------------------------------------------------------------- 02.outlier_method_choice

def test_outlier_method_passes_on_std_for_the_normal_and_iqr_for_the_skewed_column(customers):
    assert_check_passed(checks.check_outlier_method, {"avg_session_minutes": "std", "monthly_spend": "iqr"}, customers)


def test_outlier_method_fails_on_std_for_monthly_spend(customers):
    assert_check_failed(checks.check_outlier_method, {"avg_session_minutes": "std", "monthly_spend": "std"}, customers,
                        match="monthly_spend is skewed")


def test_outlier_method_fails_on_iqr_everywhere(customers):
    assert_check_failed(checks.check_outlier_method, {"avg_session_minutes": "iqr", "monthly_spend": "iqr"}, customers,
                        match="avg_session_minutes's bulk is close to symmetric")


def test_outlier_method_fails_on_a_missing_column(customers):
    assert_check_failed(checks.check_outlier_method, {"avg_session_minutes": "std"}, customers,
                        match=r'Give outlier_method\["monthly_spend"\] as "std" or "iqr"')


# ---------------------------------------------------------------------------- 02.category_counts

def test_category_counts_pass_most_frequent_first(customers):
    plan_counts = customers.groupBy("plan_tier").count().orderBy("count", ascending=False)
    assert_check_passed(checks.check_category_counts, plan_counts, customers)


def test_category_counts_fail_ascending(customers):
    plan_counts = customers.groupBy("plan_tier").count().orderBy("count")
    assert_check_failed(checks.check_category_counts, plan_counts, customers, match="from the most to the least frequent")


def test_category_counts_fail_on_a_renamed_count(customers):
    plan_counts = customers.groupBy("plan_tier").count().withColumnRenamed("count", "customers").orderBy("customers")
    assert_check_failed(checks.check_category_counts, plan_counts, customers, match="exactly the columns 'plan_tier' and 'count'")


def test_category_counts_fail_on_counts_of_a_sample(customers, splits):
    plan_counts = splits[0].groupBy("plan_tier").count().orderBy("count", ascending=False)
    assert_check_failed(checks.check_category_counts, plan_counts, customers, match="counts per plan_tier do not match")


# ---------------------------------------------------------------------------- 02.categorical_association

def _p_value(crosstab, first_column="contract_type_churned", which=1):
    from scipy.stats import chi2_contingency

    return float(chi2_contingency(crosstab.toPandas().set_index(first_column).values)[which])


@pytest.fixture(scope="module")
def contract_churn(customers):
    table = customers.stat.crosstab("contract_type", "churned").cache()
    yield table
    table.unpersist()


def test_categorical_association_passes_on_the_p_value(contract_churn, customers):
    assert_check_passed(checks.check_categorical_association, contract_churn, _p_value(contract_churn), customers)


def test_categorical_association_fails_on_the_statistic_and_hides_the_p_value(contract_churn, customers):
    statistic = _p_value(contract_churn, which=0)
    message = assert_check_failed(checks.check_categorical_association, contract_churn, statistic, customers,
                                  match="not the chi-squared test's p-value")
    assert_hides(message, _p_value(contract_churn), statistic)


def test_categorical_association_fails_on_swapped_columns(customers):
    swapped = customers.stat.crosstab("churned", "contract_type")
    assert_check_failed(checks.check_categorical_association, swapped, _p_value(swapped, "churned_contract_type"),
                        customers, match="crosstab of contract_type and churned")


def test_categorical_association_fails_on_the_wrong_pair(customers):
    wrong = customers.stat.crosstab("contract_type", "plan_tier")
    assert_check_failed(checks.check_categorical_association, wrong, _p_value(wrong, "contract_type_plan_tier"),
                        customers, match="crosstab of contract_type and churned")


def test_categorical_association_fails_on_the_training_split_only(customers, splits):
    partial = splits[0].stat.crosstab("contract_type", "churned")
    assert_check_failed(checks.check_categorical_association, partial, _p_value(partial), customers,
                        match="counts do not match the data")


# ---------------------------------------------------------------------------- 02.continuous_correlation

def _correlation(wine, method, a="flavanoids", b="total_phenols"):
    from pyspark.ml.feature import VectorAssembler
    from pyspark.ml.stat import Correlation

    vectors = VectorAssembler(inputCols=[a, b], outputCol="features").transform(wine)
    if method is None:  # forgot the method argument: Correlation.corr defaults to Pearson
        return float(Correlation.corr(vectors, "features").head()[0][0, 1])
    return float(Correlation.corr(vectors, "features", method).head()[0][0, 1])


@pytest.fixture(scope="module")
def correlations(wine):
    return wine.stat.corr("flavanoids", "total_phenols"), _correlation(wine, "spearman")


def test_correlations_pass(correlations, wine):
    assert_check_passed(checks.check_correlations, *correlations, wine)


def test_correlations_fail_when_spearman_is_pearson(correlations, wine):
    pearson_r, spearman_r = correlations
    message = assert_check_failed(checks.check_correlations, pearson_r, _correlation(wine, None), wine,
                                  match="Spearman correlates ranks")
    assert_hides(message, spearman_r, pearson_r)


def test_correlations_fail_on_the_wrong_pair(correlations, wine):
    pearson_r, spearman_r = correlations
    assert_check_failed(checks.check_correlations, wine.stat.corr("flavanoids", "proanthocyanins"), spearman_r, wine,
                        match="pearson_r is not Pearson's correlation")
    wrong_spearman = _correlation(wine, "spearman", b="proanthocyanins")
    assert_check_failed(checks.check_correlations, pearson_r, wrong_spearman, wine,
                        match="spearman_r is not Spearman's rank correlation")


# ---------------------------------------------------------------------------- 02.impute_numeric

def test_impute_numeric_passes_median_fitted_on_train(imputer_model, splits):
    train_df, test_df = splits
    assert_check_passed(checks.check_impute_numeric, imputer_model, train_df, imputer_model.transform(test_df))


def test_impute_numeric_fails_on_the_mean(splits):
    from pyspark.ml.feature import Imputer

    train_df, test_df = splits
    model = Imputer(inputCols=["monthly_spend", "age"], outputCols=["monthly_spend_imputed", "age_imputed"],
                    strategy="mean").fit(train_df)
    assert_check_failed(checks.check_impute_numeric, model, train_df, model.transform(test_df),
                        match="right-skewed.*robust strategy")


def test_impute_numeric_fails_when_fitted_on_all_the_data_and_hides_the_median(imputer_model, customers, splits):
    from pyspark.ml.feature import Imputer

    train_df, test_df = splits
    leaky = Imputer(inputCols=["monthly_spend", "age"], outputCols=["monthly_spend_imputed", "age_imputed"],
                    strategy="median").fit(customers)
    message = assert_check_failed(checks.check_impute_numeric, leaky, train_df, leaky.transform(test_df),
                                  match="not the training data's median: fit the imputer on train_df only")
    assert_hides(message, *imputer_model.surrogateDF.first())


def test_impute_numeric_fails_when_the_test_split_is_not_transformed(imputer_model, splits):
    train_df, test_df = splits
    assert_check_failed(checks.check_impute_numeric, imputer_model, train_df, test_df,
                        match="test_imputed lacks the imputed column monthly_spend_imputed")


def test_impute_numeric_fails_on_an_unfitted_imputer(imputer_model, splits):
    from pyspark.ml.feature import Imputer

    train_df, test_df = splits
    unfitted = Imputer(inputCols=["monthly_spend", "age"], outputCols=["monthly_spend_imputed", "age_imputed"],
                       strategy="median")
    assert_check_failed(checks.check_impute_numeric, unfitted, train_df, imputer_model.transform(test_df),
                        match=r"Imputer\(\.\.\.\)\.fit\(train_df\)")


# ---------------------------------------------------------------------------- 02.impute_mode

def _mode(df, include_nulls=False, ascending=False):
    from pyspark.sql import functions as F

    source = df if include_nulls else df.filter(F.col("region").isNotNull())
    order = F.asc("count") if ascending else F.desc("count")
    return source.groupBy("region").count().orderBy(order, "region").first()["region"]


def test_impute_mode_passes(customers):
    mode = _mode(customers)
    assert_check_passed(checks.check_impute_mode, mode, customers.fillna({"region": mode}), customers)


def test_impute_mode_fails_when_nulls_are_counted(customers):
    from pyspark.sql import functions as F

    # A region column mostly missing: counted with the nulls, the "mode" is null itself.
    sparse = customers.withColumn("region", F.when(F.col("tenure_months") <= 24, F.lit(None)).otherwise(F.col("region")))
    wrong = _mode(sparse, include_nulls=True)
    assert wrong is None
    message = assert_check_failed(checks.check_impute_mode, wrong, sparse, sparse,
                                  match="region_mode is not the most frequent value of region")
    assert_hides(message, _mode(sparse))


def test_impute_mode_fails_on_the_least_frequent_value(customers):
    wrong = _mode(customers, ascending=True)
    message = assert_check_failed(checks.check_impute_mode, wrong, customers.fillna({"region": wrong}), customers,
                                  match="not the most frequent value")
    assert_hides(message, _mode(customers))


def test_impute_mode_fails_when_rows_are_dropped(customers):
    assert_check_failed(checks.check_impute_mode, _mode(customers), customers.dropna(subset=["region"]), customers,
                        match="must keep every row")


def test_impute_mode_fails_when_nothing_is_filled(customers):
    assert_check_failed(checks.check_impute_mode, _mode(customers), customers, customers,
                        match="still has missing values in region_filled")


def test_impute_mode_fails_when_gaps_get_another_value(customers):
    assert_check_failed(checks.check_impute_mode, _mode(customers), customers.fillna({"region": "unknown"}), customers,
                        match="filled with region_mode itself")


# ---------------------------------------------------------------------------- 02.one_hot_pipeline

@pytest.fixture(scope="module")
def train_without_mailed_check(splits):
    """A training split that lacks one payment method, so fitting on all the data is visible."""
    from pyspark.sql import functions as F

    return splits[0].filter(F.col("payment_method") != "mailed_check")


def test_one_hot_passes_when_fitted_on_train(splits, train_without_mailed_check):
    train_df, test_df = splits
    model = one_hot_pipeline().fit(train_df)
    assert_check_passed(checks.check_one_hot, model, train_df, model.transform(test_df))
    reduced = one_hot_pipeline().fit(train_without_mailed_check)  # handleInvalid="keep" copes with the new category
    assert_check_passed(checks.check_one_hot, reduced, train_without_mailed_check, reduced.transform(test_df))


def test_one_hot_fails_when_fitted_on_all_the_data(customers, splits, train_without_mailed_check):
    model = one_hot_pipeline().fit(customers)
    assert_check_failed(checks.check_one_hot, model, train_without_mailed_check, model.transform(splits[1]),
                        match="indexer for payment_method did not learn exactly the training categories")


def test_one_hot_fails_on_an_encoder_only_pipeline(splits):
    from pyspark.ml import Pipeline
    from pyspark.ml.feature import OneHotEncoder, StringIndexer

    train_df, test_df = splits
    cols = ["contract_type", "payment_method"]
    indexer = StringIndexer(inputCols=cols, outputCols=[f"{c}_idx" for c in cols]).fit(train_df)  # outside the pipeline
    encoder = OneHotEncoder(inputCols=[f"{c}_idx" for c in cols], outputCols=[f"{c}_ohe" for c in cols])
    model = Pipeline(stages=[encoder]).fit(indexer.transform(train_df))
    assert_check_failed(checks.check_one_hot, model, train_df, model.transform(indexer.transform(test_df)),
                        match="needs a StringIndexer")


def test_one_hot_fails_when_a_column_is_left_out(splits):
    train_df, test_df = splits
    model = one_hot_pipeline(columns=("contract_type",)).fit(train_df)
    assert_check_failed(checks.check_one_hot, model, train_df, model.transform(test_df),
                        match="Index and encode payment_method")


def test_one_hot_fails_when_the_test_split_is_not_transformed(splits):
    train_df, test_df = splits
    model = one_hot_pipeline().fit(train_df)
    assert_check_failed(checks.check_one_hot, model, train_df, test_df, match="test_encoded lacks")


# ---------------------------------------------------------------------------- 02.encoding_choice

SOLUTION_ENCODING = {"plan_tier": "ordinal", "contract_type": "one_hot", "city": "group_rare"}


def test_encoding_choice_passes(customers):
    assert_check_passed(checks.check_encoding_choice, SOLUTION_ENCODING, customers)


@pytest.mark.parametrize("column, wrong, match", [
    ("city", "one_hot", r"city has \d+ distinct values"),
    ("plan_tier", "one_hot", "plan_tier has a natural order"),
    ("contract_type", "ordinal", "contract_type is an unordered category"),
])
def test_encoding_choice_fails(customers, column, wrong, match):
    assert_check_failed(checks.check_encoding_choice, {**SOLUTION_ENCODING, column: wrong}, customers, match=match)


# ---------------------------------------------------------------------------- 02.log_target_rmse

def _rmse(df, label, prediction):
    from pyspark.ml.evaluation import RegressionEvaluator

    return RegressionEvaluator(labelCol=label, predictionCol=prediction, metricName="rmse").evaluate(df)


@pytest.fixture(scope="module")
def rmse_dollars(log_predictions):
    from pyspark.sql import functions as F

    return _rmse(log_predictions.withColumn("predicted_price", F.exp("prediction")), "price", "predicted_price")


def test_log_target_passes_on_exponentiated_predictions(rmse_dollars, log_predictions):
    assert_check_passed(checks.check_log_target, rmse_dollars, log_predictions)


def test_log_target_fails_on_the_log_scale(rmse_dollars, log_predictions):
    message = assert_check_failed(checks.check_log_target, _rmse(log_predictions, "log_price", "prediction"),
                                  log_predictions, match="in log units")
    assert_hides(message, rmse_dollars)


def test_log_target_fails_on_log_predictions_against_price(rmse_dollars, log_predictions):
    message = assert_check_failed(checks.check_log_target, _rmse(log_predictions, "price", "prediction"),
                                  log_predictions, match="not the RMSE of the exponentiated predictions")
    assert_hides(message, rmse_dollars)


# ---------------------------------------------------------------------------- 02.time_travel

def test_time_travel_passes_on_version_0(spark, versioned_table):
    snapshot = spark.read.option("versionAsOf", 0).table(versioned_table)
    assert_check_passed(checks.check_time_travel, snapshot, spark, versioned_table)


def test_time_travel_fails_on_the_current_version(spark, versioned_table):
    assert_check_failed(checks.check_time_travel, spark.table(versioned_table), spark, versioned_table,
                        match="the table as it is now")


# ---------------------------------------------------------------------------- 02.impute_distortion

def _spend_filled(df, strategy, out="monthly_spend_filled"):
    from pyspark.ml.feature import Imputer

    return Imputer(inputCols=["monthly_spend"], outputCols=[out], strategy=strategy).fit(df).transform(df)


@pytest.fixture(scope="module")
def distortion(customers):
    by_mean, by_median = _spend_filled(customers, "mean"), _spend_filled(customers, "median")
    median = lambda df, col: df.approxQuantile(col, [0.5], 0.0)[0]  # noqa: E731
    answer = dict(spend_by_mean=by_mean, spend_by_median=by_median,
                  median_before=median(customers, "monthly_spend"),
                  median_after_mean=median(by_mean, "monthly_spend_filled"),
                  median_after_median=median(by_median, "monthly_spend_filled"), distorting_strategy="mean")
    return answer


def test_impute_distortion_passes_the_solution(distortion, customers):
    assert_check_passed(checks.check_impute_distortion, **distortion, df=customers)


def test_impute_distortion_passes_medians_taken_with_f_median(distortion, customers):
    from pyspark.sql import functions as F

    med = lambda df, col: df.select(F.median(col)).first()[0]  # noqa: E731
    answer = {**distortion, "median_before": med(customers, "monthly_spend"),
              "median_after_mean": med(distortion["spend_by_mean"], "monthly_spend_filled")}
    assert_check_passed(checks.check_impute_distortion, **answer, df=customers)


def test_impute_distortion_fails_when_the_wrong_strategy_is_named(distortion, customers):
    message = assert_check_failed(checks.check_impute_distortion, **{**distortion, "distorting_strategy": "median"},
                                  df=customers, match="moved it more")
    assert_hides(message, distortion["median_before"], distortion["median_after_mean"])


def test_impute_distortion_fails_on_swapped_fills(distortion, customers):
    answer = {**distortion, "spend_by_mean": distortion["spend_by_median"], "spend_by_median": distortion["spend_by_mean"]}
    assert_check_failed(checks.check_impute_distortion, **answer, df=customers,
                        match=r"gaps of spend_by_mean are not filled with the column's mean")


def test_impute_distortion_fails_when_the_median_before_is_the_mean(distortion, customers):
    from pyspark.sql import functions as F

    mean = customers.select(F.mean("monthly_spend")).first()[0]
    assert_check_failed(checks.check_impute_distortion, **{**distortion, "median_before": mean}, df=customers,
                        match="median_before is not the median of monthly_spend")


def test_impute_distortion_fails_when_a_median_after_is_the_one_before(distortion, customers):
    assert_check_failed(checks.check_impute_distortion,
                        **{**distortion, "median_after_mean": distortion["median_before"]}, df=customers,
                        match="median_after_mean is not the median of monthly_spend_filled")


def test_impute_distortion_fails_on_a_wrong_output_column(distortion, customers):
    answer = {**distortion, "spend_by_mean": _spend_filled(customers, "mean", out="spend_mean")}
    assert_check_failed(checks.check_impute_distortion, **answer, df=customers,
                        match=r"spend_by_mean lacks the column monthly_spend_filled")


def test_impute_distortion_fails_when_the_gaps_are_left(distortion, customers):
    from pyspark.sql import functions as F

    unfilled = customers.withColumn("monthly_spend_filled", F.col("monthly_spend"))
    assert_check_failed(checks.check_impute_distortion, **{**distortion, "spend_by_median": unfilled}, df=customers,
                        match="monthly_spend_filled still has missing values in spend_by_median")


def test_impute_distortion_fails_when_present_values_change(distortion, customers):
    from pyspark.sql import functions as F

    scaled = distortion["spend_by_mean"].withColumn("monthly_spend_filled", F.col("monthly_spend_filled") * 2)
    assert_check_failed(checks.check_impute_distortion, **{**distortion, "spend_by_mean": scaled}, df=customers,
                        match="values of monthly_spend that were present must not change")


def test_impute_distortion_fails_on_a_word_other_than_mean_or_median(distortion, customers):
    assert_check_failed(checks.check_impute_distortion, **{**distortion, "distorting_strategy": "Mean"},
                        df=customers, match='"mean" or "median"')


# ---------------------------------------------------------------------------- 02.log_transform_choice

@pytest.fixture(scope="module")
def log_choice(customers):
    from pyspark.sql import functions as F

    skew = {c: customers.select(F.skewness(c)).first()[0] for c in ("monthly_spend", "age")}
    logged = customers.withColumn("log_monthly_spend", F.log1p("monthly_spend"))
    return dict(skew_before=skew, log_fits={"monthly_spend": True, "age": False}, spend_logged=logged,
                skew_after=logged.select(F.skewness("log_monthly_spend")).first()[0])


def test_log_transform_passes_the_solution(log_choice, customers):
    assert_check_passed(checks.check_log_transform, **log_choice, df=customers)


@pytest.mark.parametrize("fits, match", [
    ({"monthly_spend": False, "age": False}, "monthly_spend: look again at its skewness"),
    ({"monthly_spend": True, "age": True}, "age: a log would distort"),
    ({"monthly_spend": "yes", "age": False}, r'log_fits\["monthly_spend"\] should be True or False'),
])
def test_log_transform_fails_on_a_wrong_decision(log_choice, customers, fits, match):
    assert_check_failed(checks.check_log_transform, **{**log_choice, "log_fits": fits}, df=customers, match=match)


def test_log_transform_fails_on_a_wrong_skewness(log_choice, customers):
    from pyspark.sql import functions as F

    wrong = {**log_choice["skew_before"], "age": customers.select(F.kurtosis("age")).first()[0]}
    message = assert_check_failed(checks.check_log_transform, **{**log_choice, "skew_before": wrong}, df=customers,
                                  match=r'skew_before\["age"\] is not the skewness of age')
    assert_hides(message, log_choice["skew_before"]["age"])


def test_log_transform_fails_on_log10(log_choice, customers):
    from pyspark.sql import functions as F

    logged = customers.withColumn("log_monthly_spend", F.log10("monthly_spend"))
    assert_check_failed(checks.check_log_transform, **{**log_choice, "spend_logged": logged}, df=customers,
                        match=r"is not log1p\(monthly_spend\)")


def test_log_transform_fails_when_skew_after_is_the_skew_before(log_choice, customers):
    assert_check_failed(checks.check_log_transform,
                        **{**log_choice, "skew_after": log_choice["skew_before"]["monthly_spend"]}, df=customers,
                        match="skew_after is not the skewness of log_monthly_spend")


def test_log_transform_fails_without_the_new_column_or_dicts(log_choice, customers):
    assert_check_failed(checks.check_log_transform, **{**log_choice, "spend_logged": customers}, df=customers,
                        match="spend_logged lacks the column log_monthly_spend")
    assert_check_failed(checks.check_log_transform, **{**log_choice, "log_fits": [True, False]}, df=customers,
                        match="log_fits should be a dict")

"""Checks for notebook 02, data preparation. Each compares the learner's real objects with values
computed from the same data when the check runs, and never prints the expected value."""
from __future__ import annotations

import math

from grader import exercise

DOMAIN = "Data Processing"


def _is_spark_df(obj) -> bool:
    return hasattr(obj, "schema") and hasattr(obj, "agg") and hasattr(obj, "sparkSession")


def _require_df(obj, what: str) -> None:
    assert _is_spark_df(obj), f"{what} should be a Spark DataFrame (it is a {type(obj).__name__})."


def _ids(df, key: str) -> set:
    return {row[0] for row in df.select(key).collect()}


@exercise("02.summary_statistics", domain=DOMAIN, objective="2.1", hints=[
    "`describe()` stops at count/mean/stddev/min/max; the method that also reports percentiles is another one.",
    "Call `.summary()` on the two selected columns, then pick the row whose `summary` value is '50%'.",
    "Values in a summary DataFrame are strings: convert the median with float(...).",
])
def check_summary(spend_summary, median_spend, customers, columns=("monthly_spend", "tenure_months")):
    _require_df(spend_summary, "spend_summary")
    assert "summary" in spend_summary.columns, "spend_summary should be the DataFrame returned by a summary method (it has a 'summary' column)."
    stats = {row["summary"] for row in spend_summary.select("summary").collect()}
    assert {"25%", "50%", "75%"} <= stats, "spend_summary has no percentile rows: which method adds 25%, 50% and 75% to describe()'s statistics?"
    missing = [c for c in columns if c not in spend_summary.columns]
    assert not missing, f"spend_summary should cover the columns {list(columns)}; it lacks {missing}."
    expected = customers.summary("50%").first()[columns[0]]
    assert isinstance(median_spend, (int, float)), "median_spend should be a number (convert the summary's string with float)."
    assert math.isclose(float(median_spend), float(expected), rel_tol=1e-9), \
        f"median_spend is not the 50% value of {columns[0]} in the summary."


@exercise("02.outliers_std", domain=DOMAIN, objective="2.2", hints=[
    "Compute the column's mean and standard deviation with F.mean and F.stddev, collected to Python numbers.",
    "Keep rows where abs(value - mean) <= k * stddev; use the `k` argument, not a hard-coded 3.",
    "Rows with a missing value fail the comparison and are dropped, as the exam's filter does.",
])
def check_outliers_std(remove_outliers_std, df, column="avg_session_minutes", k=3, key="customer_id"):
    from pyspark.sql import functions as F

    assert callable(remove_outliers_std), "remove_outliers_std should be a function (df, column, k) -> DataFrame."
    result = remove_outliers_std(df, column, k)
    _require_df(result, "remove_outliers_std(...)")
    assert result.columns == df.columns, "The function should return the input's rows with all their columns, only filtered."
    mean, sd = df.select(F.mean(column), F.stddev(column)).first()
    expected = df.filter(F.abs(F.col(column) - mean) <= k * sd)
    got_ids, want_ids = _ids(result, key), _ids(expected, key)
    assert got_ids <= _ids(df, key), "The result contains rows that are not in the input."
    assert not (want_ids - got_ids), f"Some rows within {k} standard deviations of the mean of {column} were removed."
    assert not (got_ids - want_ids), f"Some rows beyond {k} standard deviations of the mean of {column} were kept."


@exercise("02.outliers_iqr", domain=DOMAIN, objective="2.2", hints=[
    "df.approxQuantile(column, [0.25, 0.75], 0.0) gives exact quartiles Q1 and Q3.",
    "The fences are Q1 - 1.5*IQR and Q3 + 1.5*IQR, with IQR = Q3 - Q1; keep values between them, fences included.",
])
def check_outliers_iqr(remove_outliers_iqr, df, column="monthly_spend", key="customer_id"):
    from pyspark.sql import functions as F

    assert callable(remove_outliers_iqr), "remove_outliers_iqr should be a function (df, column) -> DataFrame."
    result = remove_outliers_iqr(df, column)
    _require_df(result, "remove_outliers_iqr(...)")
    q1, q3 = df.approxQuantile(column, [0.25, 0.75], 0.0)
    iqr = q3 - q1
    expected = df.filter((F.col(column) >= q1 - 1.5 * iqr) & (F.col(column) <= q3 + 1.5 * iqr))
    got_ids, want_ids = _ids(result, key), _ids(expected, key)
    assert not (want_ids - got_ids), f"Some rows inside the IQR fences of {column} were removed (are the fences inclusive, and the quartiles exact?)."
    assert not (got_ids - want_ids), f"Some rows outside the IQR fences of {column} were kept."


def _bowley_skew(df, column) -> float:
    """Quartile skewness: near 0 for a symmetric bulk, whatever a handful of outliers do."""
    q1, q2, q3 = df.approxQuantile(column, [0.25, 0.5, 0.75], 0.0)
    return (q3 + q1 - 2 * q2) / (q3 - q1)


@exercise("02.outlier_method_choice", domain=DOMAIN, objective="2.2", hints=[
    "Look at each column's histogram or at its quartiles: is the bulk of the data symmetric?",
    "The standard-deviation rule assumes a roughly normal shape; the IQR rule does not.",
])
def check_outlier_method(outlier_method, df, columns=("avg_session_minutes", "monthly_spend")):
    assert isinstance(outlier_method, dict), 'outlier_method should be a dict like {"column": "std" or "iqr"}.'
    for column in columns:
        choice = str(outlier_method.get(column, "")).lower()
        assert choice in ("std", "iqr"), f'Give outlier_method["{column}"] as "std" or "iqr".'
        symmetric = abs(_bowley_skew(df, column)) < 0.1
        if symmetric:
            assert choice == "std", f"{column}'s bulk is close to symmetric: the cheaper, stricter rule fits it."
        else:
            assert choice == "iqr", f"{column} is skewed: a rule based on the mean and standard deviation would be pulled by its long tail."


@exercise("02.category_counts", domain=DOMAIN, objective="2.3", hints=[
    "Group by the column and count, as a bar chart's data.",
    "Order by the count, largest first: orderBy('count', ascending=False).",
])
def check_category_counts(plan_counts, df, column="plan_tier"):
    _require_df(plan_counts, "plan_counts")
    assert set(plan_counts.columns) == {column, "count"}, f"plan_counts should have exactly the columns '{column}' and 'count'."
    rows = plan_counts.collect()
    expected = {r[column]: r["count"] for r in df.groupBy(column).count().collect()}
    assert {r[column]: r["count"] for r in rows} == expected, f"The counts per {column} do not match the data."
    counts = [r["count"] for r in rows]
    assert counts == sorted(counts, reverse=True), "The bars should be ordered from the most to the least frequent category."


@exercise("02.categorical_association", domain=DOMAIN, objective="2.4", hints=[
    "df.stat.crosstab('contract_type', 'churned') gives the contingency table.",
    "Drop the first (label) column, turn the rest into a 2-D array of counts, and pass it to scipy.stats.chi2_contingency.",
    "chi2_contingency returns (statistic, p-value, dof, expected); you want the p-value.",
])
def check_categorical_association(contract_churn, chi2_p, df, a="contract_type", b="churned"):
    from scipy.stats import chi2_contingency

    _require_df(contract_churn, "contract_churn")
    pdf = df.stat.crosstab(a, b).toPandas().set_index(f"{a}_{b}").sort_index()
    got = contract_churn.toPandas()
    assert f"{a}_{b}" in got.columns, f"contract_churn should be the crosstab of {a} and {b} (first column '{a}_{b}')."
    got = got.set_index(f"{a}_{b}").sort_index()
    assert got.shape == pdf.shape and (got[pdf.columns].values == pdf.values).all(), "contract_churn's counts do not match the data."
    expected_p = chi2_contingency(pdf.values)[1]
    assert isinstance(chi2_p, float) or hasattr(chi2_p, "__float__"), "chi2_p should be a number."
    assert math.isclose(float(chi2_p), expected_p, rel_tol=1e-6, abs_tol=1e-300), "chi2_p is not the chi-squared test's p-value for this table."


@exercise("02.continuous_correlation", domain=DOMAIN, objective="2.4", hints=[
    "Pearson: df.stat.corr(a, b) (it measures linear association).",
    "Spearman: assemble the two columns into a vector and use pyspark.ml.stat.Correlation.corr(vdf, 'features', 'spearman').",
    "The result of Correlation.corr is a one-row DataFrame holding a matrix: take .head()[0][0, 1].",
])
def check_correlations(pearson_r, spearman_r, df, a="flavanoids", b="total_phenols"):
    from scipy.stats import pearsonr, spearmanr

    pdf = df.select(a, b).dropna().toPandas()
    for name, value in (("pearson_r", pearson_r), ("spearman_r", spearman_r)):
        assert isinstance(value, (int, float)) and not isinstance(value, bool), f"{name} should be a number between -1 and 1."
        assert -1 <= value <= 1, f"{name} is a correlation, so it must lie between -1 and 1."
    assert math.isclose(pearson_r, pearsonr(pdf[a], pdf[b])[0], abs_tol=1e-6), "pearson_r is not Pearson's correlation of the two columns."
    assert not math.isclose(spearman_r, pearson_r, abs_tol=1e-9), "spearman_r equals pearson_r: Spearman correlates ranks, not raw values."
    assert math.isclose(spearman_r, spearmanr(pdf[a], pdf[b])[0], abs_tol=1e-6), "spearman_r is not Spearman's rank correlation of the two columns."


@exercise("02.impute_numeric", domain=DOMAIN, objective="2.6", hints=[
    "Imputer(inputCols=[...], outputCols=[...], strategy=...) — which strategy suits a right-skewed column?",
    "Fit the imputer on train_df only, then transform both train_df and test_df with the fitted model.",
    "The fitted model's `surrogateDF` shows the values it will fill in.",
])
def check_impute_numeric(imputer_model, train_df, test_imputed, columns=("monthly_spend", "age")):
    from pyspark.ml.feature import ImputerModel

    assert isinstance(imputer_model, ImputerModel), "imputer_model should be the model returned by Imputer(...).fit(train_df)."
    assert imputer_model.getStrategy() == "median", "monthly_spend is right-skewed: the mean is pulled up by its tail; choose the robust strategy."
    assert list(imputer_model.getInputCols()) == list(columns), f"Impute the columns {list(columns)} (in that order)."
    outputs = list(imputer_model.getOutputCols())
    surrogate = imputer_model.surrogateDF.first().asDict()
    for column in columns:
        train_median = train_df.approxQuantile(column, [0.5], imputer_model.getRelativeError())[0]
        assert math.isclose(surrogate[column], train_median, rel_tol=1e-9), \
            f"The value filled into {column} is not the training data's median: fit the imputer on train_df only."
    _require_df(test_imputed, "test_imputed")
    for out in outputs:
        assert out in test_imputed.columns, f"test_imputed lacks the imputed column {out}: transform test_df with imputer_model."
        assert test_imputed.filter(test_imputed[out].isNull()).count() == 0, f"{out} still has missing values in test_imputed."


def _median(df, column) -> float:
    """The exact median, as ``approxQuantile(column, [0.5], 0.0)`` gives it."""
    return df.approxQuantile(column, [0.5], 0.0)[0]


def _close_to_a_median(value, df, column) -> bool:
    """A learner may take the median with approxQuantile (a data value) or F.median (interpolated): both count."""
    from pyspark.sql import functions as F

    interpolated = df.select(F.median(column)).first()[0]
    return any(math.isclose(float(value), float(m), rel_tol=5e-4) for m in (_median(df, column), interpolated))


def _check_filled(filled, what, source, column, out, fill, strategy):
    """``filled`` keeps every row and value of ``source`` and puts one value near ``fill`` in each gap."""
    from pyspark.sql import functions as F

    _require_df(filled, what)
    assert out in filled.columns, f"{what} lacks the column {out}: give the Imputer outputCols=['{out}']."
    assert filled.count() == source.count(), f"{what} should keep every row of the data."
    assert filled.filter(F.col(out).isNull()).count() == 0, f"{out} still has missing values in {what}."
    assert filled.filter(F.col(column).isNotNull() & (F.col(column) != F.col(out))).count() == 0, \
        f"In {what}, values of {column} that were present must not change."
    gaps = {r[0] for r in filled.filter(F.col(column).isNull()).select(out).distinct().collect()}
    assert len(gaps) <= 1 and all(math.isclose(g, fill, rel_tol=0.01) for g in gaps), \
        f"The gaps of {what} are not filled with the column's {strategy}: fit Imputer(strategy='{strategy}') on the data."


@exercise("02.impute_distortion", domain=DOMAIN, objective="2.5", hints=[
    "Imputer(inputCols=['monthly_spend'], outputCols=['monthly_spend_filled'], strategy='mean') then .fit(df).transform(df); the same with strategy='median'.",
    "The exact median of a column: df.approxQuantile(column, [0.5], 0.0)[0] (or F.median).",
    "Compare each median after the fill with the median before it: the strategy that moves the middle of the data distorts it.",
])
def check_impute_distortion(spend_by_mean, spend_by_median, median_before, median_after_mean, median_after_median,
                            distorting_strategy, df, column="monthly_spend", out="monthly_spend_filled"):
    from pyspark.sql import functions as F

    mean = df.select(F.mean(column)).first()[0]
    _check_filled(spend_by_mean, "spend_by_mean", df, column, out, mean, "mean")
    _check_filled(spend_by_median, "spend_by_median", df, column, out, _median(df, column), "median")
    medians = (("median_before", median_before, df, column), ("median_after_mean", median_after_mean, spend_by_mean, out),
               ("median_after_median", median_after_median, spend_by_median, out))
    for name, value, frame, col in medians:
        assert isinstance(value, (int, float)) and not isinstance(value, bool), f"{name} should be a number."
        assert _close_to_a_median(value, frame, col), f"{name} is not the median of {col} in that DataFrame."
    assert distorting_strategy in ("mean", "median"), 'distorting_strategy should be "mean" or "median".'
    shift = {"mean": abs(_median(spend_by_mean, out) - _median(df, column)),
             "median": abs(_median(spend_by_median, out) - _median(df, column))}
    worse = max(shift, key=shift.get)
    assert distorting_strategy == worse, \
        "Compare how far each fill moved the median from median_before: the distorting strategy is the one that moved it more."


@exercise("02.impute_mode", domain=DOMAIN, objective="2.6", hints=[
    "The mode is the most frequent non-missing value: group by the column, count, order by count descending.",
    "Exclude nulls before taking the first row, or the 'mode' may be null itself.",
    "df.fillna({'region': region_mode}) fills only that column.",
])
def check_impute_mode(region_mode, region_filled, df, column="region", key="customer_id"):
    from pyspark.sql import functions as F

    counts = df.filter(F.col(column).isNotNull()).groupBy(column).count().orderBy(F.desc("count"), column).collect()
    assert region_mode == counts[0][column], f"region_mode is not the most frequent value of {column}."
    _require_df(region_filled, "region_filled")
    assert region_filled.filter(F.col(column).isNull()).count() == 0, f"{column} still has missing values in region_filled."
    assert region_filled.count() == df.count(), "Imputation must keep every row."
    joined = df.alias("a").join(region_filled.alias("b"), key)
    present = joined.filter(F.col(f"a.{column}").isNotNull())
    assert present.filter(F.col(f"a.{column}") != F.col(f"b.{column}")).count() == 0, "Values that were present must not change."
    filled = joined.filter(F.col(f"a.{column}").isNull())
    assert filled.filter(F.col(f"b.{column}") != F.lit(region_mode)).count() == 0, "The gaps should be filled with region_mode itself."


@exercise("02.one_hot_pipeline", domain=DOMAIN, objective="2.7", hints=[
    "One StringIndexer and one OneHotEncoder per column (both accept inputCols/outputCols lists).",
    "Put them in a Pipeline and call .fit(train_df) — never on the full data.",
    "With the default dropLast=True, a column with n categories becomes a vector of size n-1.",
])
def check_one_hot(ohe_model, train_df, test_encoded, columns=("contract_type", "payment_method")):
    from pyspark.ml import PipelineModel
    from pyspark.ml.feature import OneHotEncoderModel, StringIndexerModel

    assert isinstance(ohe_model, PipelineModel), "ohe_model should be the PipelineModel returned by Pipeline(stages=[...]).fit(train_df)."
    indexers = [s for s in ohe_model.stages if isinstance(s, StringIndexerModel)]
    encoders = [s for s in ohe_model.stages if isinstance(s, OneHotEncoderModel)]
    assert indexers and encoders, "The pipeline needs a StringIndexer (categories → indices) followed by a OneHotEncoder."
    labels = {}
    for indexer in indexers:
        cols = indexer.getInputCols() if indexer.isSet("inputCols") else [indexer.getInputCol()]
        for col, lab in zip(cols, indexer.labelsArray):
            labels[col] = set(lab)
    for column in columns:
        assert column in labels, f"Index and encode {column}."
        train_values = {r[0] for r in train_df.select(column).distinct().collect() if r[0] is not None}
        assert labels[column] == train_values, f"The indexer for {column} did not learn exactly the training categories: fit the pipeline on train_df."
    _require_df(test_encoded, "test_encoded")
    encoder = encoders[-1]
    out_cols = encoder.getOutputCols() if encoder.isSet("outputCols") else [encoder.getOutputCol()]
    missing = [out for out in out_cols if out not in test_encoded.columns]
    assert not missing, f"test_encoded lacks the encoded columns {missing}: transform test_df with ohe_model."
    first = test_encoded.select(*out_cols).first()
    assert first is not None, "test_encoded is empty."
    for out in out_cols:
        assert hasattr(first[out], "size"), f"{out} should hold one-hot vectors."


@exercise("02.encoding_choice", domain=DOMAIN, objective="2.8", hints=[
    "Count the distinct values of each column; hundreds of categories make one-hot vectors huge and sparse.",
    "An ordered category (basic < standard < premium) loses its order when one-hot encoded.",
    'Choose from "one_hot", "ordinal" and "group_rare" (group rare values into "other" first, or target-encode).',
])
def check_encoding_choice(encoding_choice, df, ordinal_columns=("plan_tier",), nominal_columns=("contract_type", "city")):
    assert isinstance(encoding_choice, dict), 'encoding_choice should map column names to "one_hot", "ordinal" or "group_rare".'
    for column in ordinal_columns:
        assert encoding_choice.get(column) == "ordinal", f"{column} has a natural order; which encoding keeps it?"
    for column in nominal_columns:
        distinct = df.select(column).distinct().count()
        want = "group_rare" if distinct > 50 else "one_hot"
        reason = (f"{column} has {distinct} distinct values: one-hot would add that many sparse columns." if want == "group_rare"
                  else f"{column} is an unordered category with few values: one-hot suits it.")
        assert encoding_choice.get(column) == want, reason


def _log_fits(df, column) -> bool:
    """A log suits a non-negative column that is strongly right-skewed (skewness > 1) and spans an order of magnitude."""
    from pyspark.sql import functions as F

    skew, low, high = df.select(F.skewness(column), F.min(column), F.max(column)).first()
    return skew > 1 and low >= 0 and high >= 10 * max(low, 1e-9)


@exercise("02.log_transform_choice", domain=DOMAIN, objective="2.9", hints=[
    "F.skewness(column) measures asymmetry: above 1 is a strong right tail; F.min and F.max give the span.",
    "A log suits a non-negative column with a strong right skew whose values span orders of magnitude (max at least 10 × min).",
    "F.log1p(column) is log(1 + x): safe at zero. Measure F.skewness again on the new column.",
])
def check_log_transform(skew_before, log_fits, spend_logged, skew_after, df, columns=("monthly_spend", "age"),
                        logged="monthly_spend", out="log_monthly_spend"):
    from pyspark.sql import functions as F

    for name, value in (("skew_before", skew_before), ("log_fits", log_fits)):
        assert isinstance(value, dict), f'{name} should be a dict keyed by column name, e.g. {{"{columns[0]}": ...}}.'
    for column in columns:
        got = skew_before.get(column)
        assert isinstance(got, (int, float)) and not isinstance(got, bool), f'skew_before["{column}"] should be a number.'
        assert math.isclose(got, df.select(F.skewness(column)).first()[0], rel_tol=1e-6), \
            f'skew_before["{column}"] is not the skewness of {column}.'
        decision = log_fits.get(column)
        assert isinstance(decision, bool), f'log_fits["{column}"] should be True or False.'
        if _log_fits(df, column):
            assert decision, f"{column}: look again at its skewness and at how many times its maximum exceeds its minimum."
        else:
            assert not decision, f"{column}: a log would distort a column that is neither strongly skewed nor spread over orders of magnitude."
    _require_df(spend_logged, "spend_logged")
    assert out in spend_logged.columns, f"spend_logged lacks the column {out}."
    wrong = spend_logged.filter(F.abs(F.col(out) - F.log1p(logged)) > 1e-9).count()
    assert wrong == 0, f"{out} is not log1p({logged}) on every row (F.log1p, not F.log or F.log10)."
    assert isinstance(skew_after, (int, float)) and not isinstance(skew_after, bool), "skew_after should be a number."
    assert math.isclose(skew_after, spend_logged.select(F.skewness(out)).first()[0], rel_tol=1e-6), \
        f"skew_after is not the skewness of {out} in spend_logged."


@exercise("02.log_target_rmse", domain="Model Development", objective="3.14", hints=[
    "Predictions of a model trained on log(price) are log-prices too.",
    "Exponentiate the prediction column (F.exp) before comparing it with price.",
    "RMSE = sqrt(mean((predicted_price - price)^2)); RegressionEvaluator(metricName='rmse') can compute it on the exponentiated column.",
])
def check_log_target(rmse_dollars, log_predictions, label="price", prediction="prediction"):
    from pyspark.sql import functions as F

    _require_df(log_predictions, "log_predictions")
    assert {label, prediction} <= set(log_predictions.columns), f"log_predictions should hold '{label}' and the model's '{prediction}' column."
    max_pred = log_predictions.agg(F.max(prediction)).first()[0]
    assert max_pred < 50, "log_predictions' prediction column should be on the log scale (the model was trained on log(price))."
    expected = log_predictions.select(F.sqrt(F.mean((F.exp(prediction) - F.col(label)) ** 2))).first()[0]
    log_scale = log_predictions.select(F.sqrt(F.mean((F.col(prediction) - F.log(label)) ** 2))).first()[0]
    assert isinstance(rmse_dollars, (int, float)), "rmse_dollars should be a number."
    assert not math.isclose(rmse_dollars, log_scale, rel_tol=1e-6), "That RMSE is in log units: exponentiate the predictions back to dollars first."
    assert math.isclose(rmse_dollars, expected, rel_tol=1e-6), "rmse_dollars is not the RMSE of the exponentiated predictions against price."


@exercise("02.time_travel", domain="Databricks Machine Learning", objective="1.1", hints=[
    "DESCRIBE HISTORY <table> lists every version with its operation.",
    "spark.read.option('versionAsOf', N).table(name) reads the table as it was at version N.",
    "You want the version before the cleaning overwrite: the raw data the model would have been trained on.",
])
def check_time_travel(training_snapshot, spark, table_name, version=0):
    _require_df(training_snapshot, "training_snapshot")
    history = spark.sql(f"DESCRIBE HISTORY {table_name}").collect()
    assert len(history) > 1, f"{table_name} has a single version: run the cleaning cell that overwrites it first."
    expected = spark.read.option("versionAsOf", version).table(table_name)
    current = spark.table(table_name)
    assert training_snapshot.count() != current.count() or training_snapshot.exceptAll(current).count() > 0, \
        "training_snapshot is the table as it is now, not as it was when the model was trained."
    assert sorted(training_snapshot.columns) == sorted(expected.columns), "training_snapshot's columns differ from the original version's."
    assert training_snapshot.count() == expected.count() and training_snapshot.exceptAll(expected.select(*training_snapshot.columns)).count() == 0, \
        "training_snapshot does not hold exactly the rows of the original version."

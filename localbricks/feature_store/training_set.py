"""``create_training_set`` and ``TrainingSet``: a labelled DataFrame plus the features it needs.

The training set also records its *feature spec* (lookups, label, excluded and model-input
columns); ``log_model`` stores that spec with the model so ``score_batch`` can repeat the same
lookups given only keys.
"""
from __future__ import annotations

from localbricks.feature_store import lookups, signature, validation
from localbricks.feature_store.errors import FeatureStoreError, listing
from localbricks.feature_store.lookups import FeatureLookup, ResolvedLookup

SPEC_FORMAT = 1


class TrainingSet:
    """The result of ``create_training_set``; call ``load_df()`` for the joined DataFrame."""

    def __init__(self, spark, df, resolved: list[ResolvedLookup], labels: list[str], exclude_columns: list[str]):
        self._spark = spark
        self._df = df
        self._resolved = resolved
        self.labels = labels
        self.exclude_columns = exclude_columns

    @property
    def feature_lookups(self) -> list[FeatureLookup]:
        return [item.lookup for item in self._resolved]

    def joined_df(self):
        """The caller's rows with the looked-up features, excluded columns kept."""
        return lookups.join_features(self._spark, self._df, self._resolved)

    def load_df(self):
        """The caller's rows with the looked-up features, minus ``exclude_columns`` (computed lazily)."""
        return self.joined_df().drop(*self.exclude_columns)

    def columns(self) -> list[str]:
        """The columns ``load_df()`` returns, without running it."""
        outputs = [out for item in self._resolved for out in item.outputs]
        return [c for c in self._df.columns + outputs if c not in self.exclude_columns]

    def model_signature(self, output_schema=None, params=None):
        """The signature ``fe.log_model`` gives a model trained on this set (rules in ``signature``)."""
        return signature.derive(self._df.schema, self._resolved, self.labels, self.exclude_columns,
                                lambda name: self._spark.table(name).schema, output_schema=output_schema,
                                params=params)

    def first_input_row(self) -> dict | None:
        """The first row of the given DataFrame without its labels, or None if it has no rows."""
        row = self._df.drop(*self.labels).head()
        return None if row is None else row.asDict()

    def feature_spec(self) -> dict:
        """What a logged model needs to look its features up again."""
        outputs = {out for item in self._resolved for out in item.outputs}
        inputs = [c for c in self.columns() if c not in self.labels]
        request = [c for c in inputs if c not in outputs]
        for item in self._resolved:
            request += [c for c in item.request_columns if c not in request]
        return {"format": SPEC_FORMAT, "lookups": [{**item.lookup.to_dict(), "feature_names": item.features} for item in self._resolved],
                "labels": self.labels, "exclude_columns": self.exclude_columns,
                "input_columns": inputs, "request_columns": request,
                "tables": sorted({item.table.name for item in self._resolved})}


def create_training_set(spark, df, feature_lookups, label, exclude_columns=None) -> TrainingSet:
    """Check every lookup against its table and ``df``; see ``FeatureEngineeringClient.create_training_set``."""
    validation.require_dataframe(df)
    if not isinstance(feature_lookups, (list, tuple)):
        raise FeatureStoreError(f"feature_lookups must be a list of FeatureLookup, got {type(feature_lookups).__name__}.")
    labels = validation.as_list(label, "label")
    validation.require_columns(df.columns, labels, "label column(s)", "df")
    excluded = validation.as_list(exclude_columns, "exclude_columns")
    resolved = [lookups.resolve(spark, item, df.schema) for item in feature_lookups]
    lookups.check_outputs(resolved, df.columns)
    available = df.columns + [out for item in resolved for out in item.outputs]
    validation.require_columns(available, excluded, "exclude_columns", "the training set")
    dropped_labels = [c for c in excluded if c in labels]
    if dropped_labels:
        raise FeatureStoreError(f"exclude_columns removes the label {listing(dropped_labels)}; a training set keeps its label.")
    return TrainingSet(spark, df, resolved, labels, excluded)

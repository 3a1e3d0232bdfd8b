"""The exam's import line gives our client after activate(), with Databricks' documented method names."""
import importlib
import inspect
import sys

import pytest

from localbricks import aliases


def test_databricks_feature_engineering_imports_the_local_client():
    aliases.install()
    sys.modules.pop("databricks.feature_engineering", None)
    from databricks.feature_engineering import FeatureEngineeringClient, FeatureLookup

    local = importlib.import_module("localbricks.feature_store")
    assert FeatureEngineeringClient is local.FeatureEngineeringClient and FeatureLookup is local.FeatureLookup


@pytest.mark.parametrize("method, arguments", [
    ("create_table", ["name", "primary_keys", "df", "timestamp_keys", "partition_columns", "schema", "description", "tags"]),
    ("write_table", ["name", "df", "mode"]),
    ("read_table", ["name"]), ("get_table", ["name"]), ("drop_table", ["name"]),
    ("set_feature_table_tag", ["name", "key", "value"]), ("delete_feature_table_tag", ["name", "key"]),
    ("create_training_set", ["df", "feature_lookups", "label", "exclude_columns"]),
    ("log_model", ["model", "artifact_path", "flavor", "training_set", "registered_model_name", "infer_input_example"]),
    ("score_batch", ["model_uri", "df", "result_type"]),
    ("create_online_store", ["name", "capacity", "read_replica_count"]), ("get_online_store", ["name"]),
    ("list_online_stores", []), ("update_online_store", ["name", "capacity", "read_replica_count"]),
    ("delete_online_store", ["name"]),
    ("publish_table", ["online_store", "source_table_name", "online_table_name", "publish_mode"]),
])
def test_methods_take_the_documented_keyword_arguments(method, arguments):
    from localbricks.feature_store import FeatureEngineeringClient

    parameters = inspect.signature(getattr(FeatureEngineeringClient, method)).parameters
    assert all(name in parameters for name in arguments), method


# What databricks-feature-engineering 0.18.2's FeatureTable.__init__ sets, and its `tags` property
# (its `keys` property, deprecated since 0.3.6, is left out).
DATABRICKS_FEATURE_TABLE = {
    "name", "table_id", "description", "primary_keys", "partition_columns", "features", "creation_timestamp",
    "online_stores", "notebook_producers", "job_producers", "table_data_sources", "path_data_sources",
    "custom_data_sources", "timestamp_keys", "tags",
}


def test_a_feature_table_has_databricks_attributes_and_no_others():
    """A notebook that reads an attribute Databricks' FeatureTable lacks would fail there (05 printed `.models`)."""
    import dataclasses

    from localbricks.feature_store import FeatureTable

    fields = {f.name for f in dataclasses.fields(FeatureTable)}
    extras = {name for name in vars(FeatureTable) if not name.startswith("_")} - fields
    assert fields | extras == DATABRICKS_FEATURE_TABLE

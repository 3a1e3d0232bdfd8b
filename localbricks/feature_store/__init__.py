"""The local Feature Engineering client: ``from databricks.feature_engineering import ...`` after ``activate()``.

Our own implementation of Databricks' documented ``databricks.feature_engineering`` API (the real
package cannot run without a workspace, and its licence limits it to Databricks services): feature
tables are Delta tables under Unity Catalog names, online tables live in an embedded SQLite store
(or Redis) synced through Delta's change data feed, and models carry their feature spec in MLflow.
"""
from localbricks.feature_store.client import FeatureEngineeringClient
from localbricks.feature_store.entities import FeatureTable, PublishedTable
from localbricks.feature_store.errors import FeatureStoreError
from localbricks.feature_store.lookups import FeatureLookup
from localbricks.feature_store.online_store import OnlineStore, OnlineTable
from localbricks.feature_store.training_set import TrainingSet

__all__ = ["FeatureEngineeringClient", "FeatureLookup", "FeatureTable", "PublishedTable", "TrainingSet",
           "OnlineStore", "OnlineTable", "FeatureStoreError"]

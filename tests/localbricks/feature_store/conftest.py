"""Fixtures for the feature-store tests: one client, one schema, unique table names, tiny tables."""
from __future__ import annotations

import uuid

import pytest

SCHEMA = "main.fs_tests"


@pytest.fixture(scope="session")
def fe(spark):
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    from localbricks.feature_store import FeatureEngineeringClient

    return FeatureEngineeringClient()


@pytest.fixture
def new_name():
    """``new_name("t")`` -> a fresh ``main.fs_tests.t_<hex>``, so tests never share state by accident."""
    return lambda prefix="t": f"{SCHEMA}.{prefix}_{uuid.uuid4().hex[:8]}"


CUSTOMER_ROWS = [("c1", 10, 1.5), ("c2", 20, 2.5), ("c3", 30, 3.5)]


def _make_customers(spark, fe) -> str:
    name = f"{SCHEMA}.customers_{uuid.uuid4().hex[:8]}"
    df = spark.createDataFrame(CUSTOMER_ROWS, "cid string, visits int, spend double")
    fe.create_table(name=name, primary_keys="cid", df=df, description="customer features")
    return name


@pytest.fixture
def customers(spark, fe):
    """A fresh three-row feature table keyed by ``cid``: (c1, 10, 1.5), (c2, 20, 2.5), (c3, 30, 3.5)."""
    return _make_customers(spark, fe)


@pytest.fixture(scope="module")
def frozen_customers(spark, fe):
    """The same table shared by a module's tests that must leave it unchanged (bad-input tests)."""
    return _make_customers(spark, fe)


def rows(spark, name: str) -> list[tuple]:
    return sorted(tuple(r) for r in spark.table(name).collect())

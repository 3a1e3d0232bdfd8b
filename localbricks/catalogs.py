"""Unity Catalog catalogs as Spark catalog plugins, plus the catalog DDL open-source Spark lacks.

Each catalog is a folder under ``<workspace>/catalogs``; Spark loads a catalog plugin by name from
its conf (``spark.sql.catalog.<name>``), so creating a catalog means making its folder and
registering the plugin, which works on a running session. Spark SQL has no ``CREATE CATALOG``;
``spark.sql`` is wrapped so that ``CREATE/DROP/USE CATALOG`` statements (the forms Databricks
accepts) are carried out here and every other statement goes to Spark untouched.
"""
from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path

from localbricks import workspace
from localbricks.jvm import CATALOG_CLASS

DEFAULT_CATALOG = "main"
DEFAULT_SCHEMA = "default"

_IDENT = r"`?([A-Za-z_][A-Za-z0-9_]*)`?"
_CATALOG_DDL = re.compile(
    rf"^\s*(?P<verb>CREATE|DROP|USE)\s+CATALOG\s+(?P<cond>IF\s+NOT\s+EXISTS\s+|IF\s+EXISTS\s+)?{_IDENT}"
    r"\s*(?P<mode>CASCADE|RESTRICT)?\s*;?\s*$",
    re.IGNORECASE,
)


def root() -> Path:
    """The folder holding one sub-folder per catalog."""
    return workspace.subdir("catalogs")


def existing() -> list[str]:
    """Names of the catalogs that exist in this workspace (always including ``main``)."""
    names = {p.name for p in root().iterdir() if p.is_dir() and not p.name.startswith(".")}
    return sorted(names | {DEFAULT_CATALOG})


def plugin_conf(name: str) -> dict[str, str]:
    """The Spark conf entries that make catalog ``name`` resolvable."""
    return {f"spark.sql.catalog.{name}": CATALOG_CLASS, f"spark.sql.catalog.{name}.root": str(root())}


def ensure_folder(name: str, schema: str = DEFAULT_SCHEMA) -> Path:
    """Make the catalog's folder and its ``default`` schema, as Databricks does for a new catalog."""
    path = root() / name.lower()
    (path / schema).mkdir(parents=True, exist_ok=True)
    return path


def create_catalog(spark, name: str, if_not_exists: bool = False) -> None:
    """``CREATE CATALOG [IF NOT EXISTS] name``."""
    name = name.lower()
    if (root() / name).is_dir() and name != DEFAULT_CATALOG:
        if not if_not_exists:
            raise ValueError(f"Catalog '{name}' already exists; use CREATE CATALOG IF NOT EXISTS {name}.")
    ensure_folder(name)
    for key, value in plugin_conf(name).items():
        spark.conf.set(key, value)


def drop_catalog(name: str, if_exists: bool = False, cascade: bool = False) -> None:
    """``DROP CATALOG [IF EXISTS] name [CASCADE]``: refuses to drop a non-empty catalog without CASCADE."""
    name = name.lower()
    path = root() / name
    if not path.is_dir():
        if if_exists:
            return
        raise ValueError(f"Catalog '{name}' does not exist; existing catalogs: {', '.join(existing())}.")
    has_tables = any(child.is_dir() for schema in path.iterdir() if schema.is_dir() for child in schema.iterdir())
    if has_tables and not cascade:
        raise ValueError(f"Catalog '{name}' still holds tables; drop them first or use DROP CATALOG {name} CASCADE.")
    shutil.rmtree(path)


def run_catalog_ddl(spark, statement: str):
    """Carry out a catalog statement Spark does not parse; return None if it is not one."""
    match = _CATALOG_DDL.match(statement)
    if not match:
        return None
    verb, cond, name, mode = match.group("verb").upper(), (match.group("cond") or "").upper(), match.group(3), (match.group("mode") or "").upper()
    if verb == "CREATE":
        create_catalog(spark, name, if_not_exists="NOT" in cond)
    elif verb == "DROP":
        drop_catalog(name, if_exists="EXISTS" in cond, cascade=mode == "CASCADE")
    else:
        if not (root() / name.lower()).is_dir() and name.lower() != DEFAULT_CATALOG:
            raise ValueError(f"Catalog '{name}' does not exist; existing catalogs: {', '.join(existing())}.")
        spark.catalog.setCurrentCatalog(name.lower())
    return spark.createDataFrame([], "result string").drop("result")


def install_sql_hook(session_cls) -> None:
    """Wrap ``session_cls.sql`` once so catalog DDL works like on Databricks."""
    if getattr(session_cls.sql, "_localbricks", False):
        return
    original = session_cls.sql

    @functools.wraps(original)
    def sql(self, sqlQuery, *args, **kwargs):
        if isinstance(sqlQuery, str):
            handled = run_catalog_ddl(self, sqlQuery)
            if handled is not None:
                return handled
        return original(self, sqlQuery, *args, **kwargs)

    sql._localbricks = True
    session_cls.sql = sql


def table_folder(catalog: str, schema: str, table: str) -> Path:
    """Where the catalog plugin keeps ``catalog.schema.table``'s Delta files (names are lower-cased, as UC does).

    For writers that are not Spark (the serving service's inference tables use delta-rs): a Delta
    table written here is the table Spark sees under that name.
    """
    return root() / catalog.lower() / schema.lower() / table.lower()


def schema_exists(catalog: str, schema: str) -> bool:
    return (root() / catalog.lower() / schema.lower()).is_dir()

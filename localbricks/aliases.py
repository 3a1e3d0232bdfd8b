"""Make Databricks-only import paths resolve to localbricks' implementations, after ``activate()``.

``from databricks.feature_engineering import FeatureEngineeringClient`` must be the exam's line,
verbatim. Locally no such package exists (Databricks' own cannot run without a workspace), so an
import hook maps those module names to ours. Modules are imported lazily, on first import of the
alias, and the hook is never installed on Databricks, where the real packages are used.
``activate()`` installs it for notebooks; a pipeline run installs it for its source files
(``localbricks.pipelines.cli``), where ``import dlt`` is the usual first line.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

ALIASES: dict[str, str] = {
    "databricks.feature_engineering": "localbricks.feature_store",
    "databricks.automl": "localbricks.automl",
    "dlt": "localbricks.pipelines.dlt",  # Databricks' legacy name of pyspark.pipelines
}
"""Databricks module name → the localbricks module that implements its documented API."""


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname in ALIASES:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return importlib.import_module(ALIASES[spec.name])

    def exec_module(self, module):
        """Nothing to run: ``create_module`` returned the already-imported implementation."""


_FINDER = _AliasFinder()


def install() -> None:
    """Put the alias hook first on ``sys.meta_path`` (once)."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def uninstall() -> None:
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in ALIASES:
        sys.modules.pop(name, None)

"""``dbutils``: the parts of Databricks' notebook utilities the course uses, backed by local files."""
from __future__ import annotations

from localbricks.dbutils.data import DataUtils
from localbricks.dbutils.fs import FileSystemUtils
from localbricks.dbutils.widgets import WidgetsUtils


class DBUtils:
    """Mirror of Databricks' ``dbutils`` object: ``dbutils.data``, ``dbutils.fs``, ``dbutils.widgets``."""

    def __init__(self, spark=None):
        self.data = DataUtils(spark)
        self.fs = FileSystemUtils()
        self.widgets = WidgetsUtils()

    def help(self) -> None:
        print("dbutils (local): data.summarize(df), fs.ls/cp/mv/rm/mkdirs/head/put, widgets.text/dropdown/get/getAll/remove/removeAll")

    def __repr__(self) -> str:
        return "<localbricks dbutils: data, fs, widgets>"


__all__ = ["DBUtils"]

import pytest

from localbricks.dbutils.widgets import WidgetsUtils


def test_text_and_dropdown_defaults_and_env_override(monkeypatch):
    w = WidgetsUtils()
    w.text("table", "main.default.churn", "Table")
    w.dropdown("metric", "f1", ["f1", "auc"])
    assert w.get("table") == "main.default.churn"
    monkeypatch.setenv("DATABRICKS_WIDGET_METRIC", "auc")
    assert w.getAll() == {"table": "main.default.churn", "metric": "auc"}


def test_unknown_widget_and_bad_default_are_clear():
    w = WidgetsUtils()
    with pytest.raises(ValueError, match="No input widget named 'nope'"):
        w.get("nope")
    with pytest.raises(ValueError, match="not one of its choices"):
        w.dropdown("m", "x", ["a", "b"])
    w.text("a", "1")
    w.remove("a")
    with pytest.raises(ValueError):
        w.get("a")

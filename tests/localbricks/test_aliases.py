import importlib
import sys

from localbricks import aliases


def test_alias_imports_resolve_to_the_local_module(monkeypatch):
    monkeypatch.setitem(aliases.ALIASES, "databricks.course_probe", "localbricks.names")
    aliases.install()
    try:
        sys.modules.pop("databricks.course_probe", None)
        probe = importlib.import_module("databricks.course_probe")
        from databricks.course_probe import parse  # the exam-style "from … import …" form

        assert probe is importlib.import_module("localbricks.names") and callable(parse)
    finally:
        sys.modules.pop("databricks.course_probe", None)


def test_unknown_databricks_modules_still_fail_normally():
    aliases.install()
    try:
        importlib.import_module("databricks.no_such_service")
    except ModuleNotFoundError as err:
        assert "databricks.no_such_service" in str(err)
    else:
        raise AssertionError("an unmapped module must not import")

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


def test_import_dlt_needs_activate_and_never_resolves_to_ours_on_databricks(tmp_path):
    """In a fresh interpreter: no `dlt` before activate(), and activate() on Databricks installs nothing."""
    import os
    import subprocess
    import textwrap

    script = textwrap.dedent('''
        import importlib, os
        import localbricks

        def importable():
            try:
                importlib.import_module("dlt")
            except ModuleNotFoundError:
                return False
            return True

        before = importable()
        os.environ["DATABRICKS_RUNTIME_VERSION"] = "16.4"
        localbricks.activate(inject=False)
        print(before, importable())
    ''')
    env = {**os.environ, "LOCALBRICKS_HOME": str(tmp_path)}
    env.pop("DATABRICKS_RUNTIME_VERSION", None)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.stdout.split() == ["False", "False"], done.stderr[-2000:]


def test_after_activate_import_dlt_is_the_local_pipelines_module(spark):
    import localbricks
    from localbricks.pipelines import dlt as ours

    localbricks.activate(inject=False)  # what a notebook's first cell does; the session already runs
    sys.modules.pop("dlt", None)
    import dlt

    assert dlt is ours and callable(dlt.expect_or_drop)

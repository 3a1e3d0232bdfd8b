"""``python -m localbricks.pipelines``: a missing or invalid spec fails at once, in words, before any JVM starts."""
import subprocess
import sys
import textwrap

import pytest

from localbricks.pipelines import cli

SOURCE = "import dlt\n"


def _spec(folder, text, source=True):
    folder.mkdir(parents=True, exist_ok=True)
    if source:
        (folder / "transformations").mkdir(exist_ok=True)
        (folder / "transformations" / "t.py").write_text(SOURCE)
    path = folder / "spark-pipeline.yml"
    path.write_text(textwrap.dedent(text))
    return path


def _valid(folder, *extra):
    return "\n".join([f"name: p\nstorage: {(folder / 'storage').as_uri()}",
                      "libraries:\n  - glob:\n      include: transformations/**", *extra]) + "\n"


def _fails(capsys, *argv, started=False):
    code = cli.command(list(argv))
    out, err = capsys.readouterr()
    assert code == 1 and bool(out) == started, (code, out, err)  # a bad spec: not even the run's header
    assert err.startswith("error: ")
    return err


def test_a_missing_spec_file_or_folder_is_named(tmp_path, capsys):
    assert "No pipeline spec at " in _fails(capsys, "run", "--spec", str(tmp_path / "nope.yml"))
    assert f"No pipeline spec in {tmp_path}" in _fails(capsys, "run", "--spec", str(tmp_path))


def test_without_spec_the_nearest_one_above_is_used_or_the_error_says_so(tmp_path, capsys, monkeypatch):
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert "or any folder above it; pass one with --spec" in _fails(capsys, "dry-run")

    _spec(tmp_path / "a", "name: p\nstorage: /not/a/uri\n")
    assert f"Invalid pipeline spec {tmp_path / 'a' / 'spark-pipeline.yml'}" in _fails(capsys, "dry-run")


@pytest.mark.parametrize("text, says", [
    ("name: p\nstorage: [oops\n", "not valid YAML (line 3"),
    ("- name: p\n", "expected a YAML mapping"),
    ("name: p\n", "missing required field `storage`"),
    ("name: p\nstorage: file:///tmp/s\nschedule: hourly\n", "field `schedule` is unexpected"),
    ("name: p\nstorage: s3://bucket/checkpoints\n", "'storage' must be an absolute file:// URI"),
    ("name: p\nstorage: file:///tmp/s\nlibraries:\n  - transformations/**\n", "must look like {glob: {include:"),
])
def test_an_invalid_spec_says_what_is_wrong(tmp_path, capsys, text, says):
    err = _fails(capsys, "run", "--spec", str(_spec(tmp_path, text)))
    assert says in err and "Traceback" not in err


def test_libraries_that_match_no_file_are_refused(tmp_path, capsys):
    path = _spec(tmp_path, _valid(tmp_path), source=False)
    assert "libraries ('transformations/**') match no source file" in _fails(capsys, "run", "--spec", str(path))
    assert not (tmp_path / "logs").exists()  # refused before a run was started


def test_a_missing_catalog_is_refused(tmp_path, capsys, monkeypatch):
    from localbricks import registry

    monkeypatch.delenv(registry.LOCAL_ENV, raising=False)  # the command sets it; restored afterwards
    path = _spec(tmp_path, _valid(tmp_path, "catalog: no_such_catalog"))
    assert "CREATE CATALOG no_such_catalog" in _fails(capsys, "run", "--spec", str(path), started=True)
    assert not (tmp_path / "logs").exists()


def test_conflicting_refresh_options_are_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as usage:
        cli.command(["run", "--spec", str(tmp_path), "--full-refresh-all", "--refresh", "a"])
    assert usage.value.code == 2 and "--full-refresh-all" in capsys.readouterr().err


def test_the_module_runs_as_a_command(tmp_path):
    done = subprocess.run([sys.executable, "-m", "localbricks.pipelines", "run", "--spec", str(tmp_path / "x.yml")],
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"error: No pipeline spec at {tmp_path / 'x.yml'}.\n"

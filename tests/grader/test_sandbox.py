"""The sandbox's levels and the environment its kernels get (the walls themselves are proven by
the integrity corpus in test_integrity.py)."""
import shutil

import pytest

from grader import sandbox


def test_the_environment_carries_nothing_that_tells_grading_apart():
    base = {"PATH": "/x", "HOME": "/root", "USER": "ada", "LANG": "C.UTF-8", "CI": "true", "PYTEST_CURRENT_TEST": "t",
            "GRADER_NO_PROGRESS": "1", "NBGRADER_EXECUTION": "autograde", "LOCALBRICKS_HOME": "/tmp/grader-x",
            "LOCALBRICKS_DRIVER_MEMORY": "2g", "JAVA_HOME": "/usr/lib/jvm/java-17", "SECRET_TOKEN": "s"}
    env = sandbox.kernel_environment("/root", base)
    assert set(env) == {"PATH", "HOME", "USER", "LOGNAME", "LANG", "LOCALBRICKS_DRIVER_MEMORY", "JAVA_HOME"}
    assert env["HOME"] == "/root" and env["USER"] == "ada"


def test_without_bubblewrap_the_level_is_scratch(monkeypatch):
    sandbox._bwrap_works.cache_clear()
    monkeypatch.setattr(shutil, "which", lambda name: None)
    try:
        assert sandbox.detect_level() == "scratch"
    finally:
        sandbox._bwrap_works.cache_clear()


def test_this_machine_offers_namespaces():
    """CI installs bubblewrap (.ci/run): the walled corpus depends on it."""
    assert sandbox.detect_level() in ("user+namespaces", "namespaces")


def test_unknown_level_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown sandbox level"):
        sandbox.Sandbox(tmp_path, tmp_path, "chroot")


def test_scratch_level_copies_the_data_and_points_the_workspace_at_the_copy(tmp_path):
    repo = tmp_path / "repo"
    (repo / "datasets").mkdir(parents=True)
    (repo / "datasets" / "d.csv").write_text("a\n1\n")
    (repo / "requirements.txt").write_text("x==1\n")
    box = sandbox.Sandbox(tmp_path / "s", repo, "scratch").prepare()
    copy = tmp_path / "s" / "course" / "datasets" / "d.csv"
    assert copy.read_text() == "a\n1\n" and not copy.is_symlink()
    assert (tmp_path / "s" / "course" / "requirements.txt").exists()
    assert box.environment({"PATH": "/x"})["LOCALBRICKS_HOME"] == str(tmp_path / "s" / "course" / ".localbricks")
    assert box.wrap(["python"]) == ["python"]
    box.remove()
    assert not (tmp_path / "s").exists()

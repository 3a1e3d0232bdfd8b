"""The doctor: on a laptop it checks Java and the pins; on Databricks what a workspace must have instead."""
from importlib.metadata import PackageNotFoundError

import yaml

from localbricks import doctor
from tests_support import REPO_ROOT


def _rows(monkeypatch, runtime=None, missing=(), spark="4.1.4"):
    import pyspark

    if runtime:
        monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", runtime)
    else:
        monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)
    real_version = doctor.version

    def version(name):
        if name in missing:
            raise PackageNotFoundError(name)
        return real_version(name)

    monkeypatch.setattr(doctor, "version", version)
    monkeypatch.setattr(pyspark, "__version__", spark)
    return {item: (ok, detail) for item, ok, detail in doctor.check()}


def test_on_this_machine_java_javac_and_every_pin_are_checked(monkeypatch):
    rows = _rows(monkeypatch)
    assert {"python", "java", "javac", *doctor.PINNED} <= set(rows)
    assert all(ok for ok, _ in rows.values()), rows


def test_a_missing_pinned_package_is_bad_and_says_how_to_install(monkeypatch):
    ok, detail = _rows(monkeypatch, missing=("nbgrader",))["nbgrader"]
    assert not ok and "make install" in detail


def test_on_databricks_the_runtime_replaces_java_and_the_pins(monkeypatch):
    rows = _rows(monkeypatch, runtime="17.3")
    assert set(rows) == {"python", "runtime", "pyspark", *doctor.RUNTIME_EXTRAS}
    assert all(ok for ok, _ in rows.values()), rows
    assert rows["runtime"][1] == "Databricks Runtime 17.3"


def test_on_databricks_an_old_spark_or_a_missing_extra_is_bad(monkeypatch):
    rows = _rows(monkeypatch, runtime="14.3", spark="3.5.0", missing=("optuna",))
    assert not rows["pyspark"][0] and "Spark 4+" in rows["pyspark"][1]
    assert not rows["optuna"][0] and "optuna==" in rows["optuna"][1]
    assert all(ok for item, (ok, _) in rows.items() if item not in ("pyspark", "optuna"))


def test_the_bundle_installs_exactly_the_extras_the_doctor_checks():
    bundle = yaml.safe_load((REPO_ROOT / "databricks.yml").read_text())
    tasks = bundle["resources"]["jobs"]["course"]["tasks"]
    packages = {lib["pypi"]["package"].split("==")[0] for task in tasks for lib in task.get("libraries", [])}
    assert packages == set(doctor.RUNTIME_EXTRAS)

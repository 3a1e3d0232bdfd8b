"""``python -m localbricks.doctor``: check this machine can run the course, and say what is missing.

Run by ``make start`` before JupyterLab opens and by notebook 00; exits non-zero with one clear
line per problem.
"""
from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version

from localbricks import workspace
from localbricks.errors import JavaNotFoundError
from localbricks.java import MIN_JAVA, java_binary, java_version

PINNED = ("pyspark", "delta-spark", "mlflow", "nbgrader", "papermill", "scikit-learn", "databricks-sdk")
# What the course imports that a Databricks ML runtime does not bring: databricks.yml installs them
# on the job cluster, and on a workspace the doctor checks them instead of Java and the pins
RUNTIME_EXTRAS = ("optuna", "hyperopt", "imbalanced-learn", "mistune")
MIN_SPARK_MAJOR = 4


def pinned_versions() -> dict[str, str]:
    """The versions requirements.txt pins, by package name."""
    pins = {}
    for line in (workspace.REPO_ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, ver = line.split("==", 1)
            pins[name.split("[")[0].strip().lower()] = ver.strip()
    return pins


def check() -> list[tuple[str, bool, str]]:
    """Return (item, ok, detail) rows for Python, Java, javac and the pinned packages; on Databricks,
    for what the workspace must have instead (the runtime brings Spark, Java, MLflow)."""
    rows = [("python", sys.version_info >= (3, 11), sys.version.split()[0])]
    if workspace.on_databricks():
        return rows + _runtime_rows()
    try:
        major = java_version()
        rows.append(("java", major >= MIN_JAVA, f"Java {major} at {java_binary()}"
                     + ("" if major >= MIN_JAVA else f" (need {MIN_JAVA}+)")))
    except JavaNotFoundError as exc:
        rows.append(("java", False, str(exc)))
    try:
        rows.append(("javac", True, java_binary("javac")))
    except JavaNotFoundError as exc:
        rows.append(("javac", False, str(exc)))
    pins = pinned_versions()
    for name in PINNED:
        try:
            installed = version(name)
        except PackageNotFoundError:
            rows.append((name, False, f"not installed (want {pins.get(name)}); run `make install`"))
            continue
        want = pins.get(name)
        rows.append((name, want is None or installed == want, f"{installed}" + ("" if installed == want else f" (requirements.txt pins {want})")))
    return rows


def _runtime_rows() -> list[tuple[str, bool, str]]:
    """A Databricks runtime's own Spark (its pyspark has no pip metadata) and the course's extras."""
    import os

    import pyspark

    spark_major = int(pyspark.__version__.split(".")[0])
    rows = [("runtime", True, f"Databricks Runtime {os.environ['DATABRICKS_RUNTIME_VERSION']}"),
            ("pyspark", spark_major >= MIN_SPARK_MAJOR, pyspark.__version__
             + ("" if spark_major >= MIN_SPARK_MAJOR else f" (need Spark {MIN_SPARK_MAJOR}+: Databricks Runtime 17 or later)"))]
    pins = pinned_versions()
    for name in RUNTIME_EXTRAS:
        try:
            rows.append((name, True, version(name)))
        except PackageNotFoundError:
            rows.append((name, False, f"not installed: add the library {name}=={pins.get(name)} to the cluster "
                                      "(databricks.yml does), or %pip install it"))
    return rows


def main() -> int:
    rows = check()
    for item, ok, detail in rows:
        print(f"{'ok ' if ok else 'BAD'}  {item:<14} {detail}")
    bad = [item for item, ok, _ in rows if not ok]
    if bad:
        print(f"\nNot ready: fix {', '.join(bad)} (see above), then run `make start` again.", file=sys.stderr)
        return 1
    print(f"\nReady. Workspace folder: {workspace.home()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

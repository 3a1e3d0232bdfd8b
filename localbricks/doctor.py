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
    """Return (item, ok, detail) rows for Python, Java, javac and the pinned packages."""
    rows = [("python", sys.version_info >= (3, 11), sys.version.split()[0])]
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

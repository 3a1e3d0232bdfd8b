"""databricks.yml is a bundle that runs the course on Databricks, as far as that can be checked offline.

Resources are parsed by the real ``databricks-bundles`` classes (the same loader the Databricks CLI calls
for Python bundles), which refuse unknown fields, bad enum values and missing required fields. The rest
is the course's own contract: one task per module in order, paths that exist, the synced tree holding
the packages and data where ``localbricks.data`` and ``grader`` look for them. Each check is a function
that returns its problems, so every one is also shown failing on a broken copy of the bundle.
"""
from __future__ import annotations

import copy
import fnmatch
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from databricks.bundles.build import _load_resources_from_input
from databricks.bundles.jobs import Job

REPO_ROOT = Path(__file__).resolve().parents[1]
BUNDLE = REPO_ROOT / "databricks.yml"
NOTEBOOKS = sorted(p.name for p in (REPO_ROOT / "notebooks").glob("*.ipynb"))
TOP_LEVEL = {"bundle", "variables", "sync", "resources", "targets", "include", "artifacts", "workspace",
             "permissions", "run_as", "presets", "experimental", "scripts"}
"""The top-level keys of a bundle configuration (Databricks' "Bundle configuration" reference)."""
_VAR = re.compile(r"\$\{var\.([A-Za-z0-9_]+)\}")


def load() -> dict:
    return yaml.safe_load(BUNDLE.read_text())


def resolve(text: str, bundle: dict) -> str:
    """Substitute ``${var.x}`` with each variable's default, as a deploy without overrides does."""
    return _VAR.sub(lambda m: str(bundle["variables"][m.group(1)]["default"]), text)


def the_job(bundle: dict) -> dict:
    return bundle["resources"]["jobs"]["course"]


# --------------------------------------------------------------------------------------------------
# checks: each returns a list of problems (empty: fine)
# --------------------------------------------------------------------------------------------------

def resource_problems(bundle: dict) -> list[str]:
    problems = [f"unknown top-level key {k!r}" for k in bundle if k not in TOP_LEVEL]
    problems += [f"variable {m} has no definition" for m in set(_VAR.findall(yaml.safe_dump(bundle)))
                 if m not in bundle.get("variables", {})]
    _, diagnostics = _load_resources_from_input(copy.deepcopy(bundle))
    problems += [f"{'.'.join(d.path or ())}: {d.summary}: {d.detail}" for d in diagnostics.items]
    return problems


def task_problems(bundle: dict) -> list[str]:
    """One task per notebook of notebooks/, in course order, each after the one before, each path real."""
    tasks = the_job(bundle)["tasks"]
    problems = []
    keys = [t["task_key"] for t in tasks]
    expected = [Path(n).stem for n in NOTEBOOKS]
    if keys != expected:
        problems.append(f"tasks {keys} are not the notebooks {expected} in order")
    for before, task in zip(tasks, tasks[1:]):
        if [d["task_key"] for d in task.get("depends_on", [])] != [before["task_key"]]:
            problems.append(f"{task['task_key']} does not run right after {before['task_key']}")
    for task in tasks:
        path = resolve(task["notebook_task"]["notebook_path"], bundle)
        if not (REPO_ROOT / path).is_file():
            problems.append(f"{task['task_key']}: {path} does not exist")
        elif Path(path).name not in NOTEBOOKS:
            problems.append(f"{task['task_key']}: {path} is not one of the course's notebooks")
        params = task["notebook_task"].get("base_parameters", {})
        if any(name.upper() == "SPARK_MASTER" for name in params):
            problems.append(f"{task['task_key']} passes SPARK_MASTER: the cluster's own Spark must be used")
        if task.get("job_cluster_key") not in {c["job_cluster_key"] for c in the_job(bundle)["job_clusters"]}:
            problems.append(f"{task['task_key']} names no job cluster of the job")
    return problems


def _synced(path: str, bundle: dict) -> bool:
    """Would ``bundle deploy`` upload this repository file: not ignored by git, not excluded by sync?"""
    excludes = bundle.get("sync", {}).get("exclude", [])
    if any(fnmatch.fnmatch(path, pattern) for pattern in excludes):
        return False
    ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO_ROOT).returncode == 0
    return not ignored or any(fnmatch.fnmatch(path, p) for p in bundle.get("sync", {}).get("include", []))


def sync_problems(bundle: dict) -> list[str]:
    """The packages, the data and both notebook folders reach the workspace, beside each other."""
    tracked = subprocess.run(["git", "ls-files", "datasets", "localbricks", "grader", "notebooks", "solutions"],
                             cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.split()
    return [f"{path} is not synced" for path in tracked if not _synced(path, bundle)]


def cluster_problems(bundle: dict) -> list[str]:
    """The synced folder is importable (so data resolves beside the package) and the volume is the bundle's."""
    problems = []
    (cluster,) = the_job(bundle)["job_clusters"]
    spec = cluster["new_cluster"]
    env = spec.get("spark_env_vars", {})
    if env.get("PYTHONPATH") != "${workspace.file_path}":
        problems.append("PYTHONPATH does not name the synced course folder ${workspace.file_path}")
    if "-ml-" not in resolve(spec.get("spark_version", ""), bundle):
        problems.append("the cluster's runtime is not a Databricks Runtime for Machine Learning")
    volume = bundle["resources"].get("volumes", {}).get("course_data")
    if volume is None:
        problems.append("no volume for generated data files")
    else:
        expected = f"/Volumes/{volume['catalog_name']}/{volume['schema_name']}/{volume['name']}"
        if env.get("LOCALBRICKS_DATA_VOLUME") != expected:
            problems.append(f"LOCALBRICKS_DATA_VOLUME is {env.get('LOCALBRICKS_DATA_VOLUME')!r}, not {expected}")
    return problems


def library_problems(bundle: dict) -> list[str]:
    """Every PyPI library is pinned to the version requirements.txt pins (the versions tested together)."""
    pins = dict(line.split("==", 1) for line in (REPO_ROOT / "requirements.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    pins = {name.split("[")[0].lower(): version for name, version in pins.items()}
    problems = []
    for task in the_job(bundle)["tasks"]:
        for library in task.get("libraries", []):
            name, _, version = library.get("pypi", {}).get("package", "").partition("==")
            if name and pins.get(name.lower()) != version:
                problems.append(f"{task['task_key']}: {name}=={version} is not requirements.txt's pin")
    return problems


CHECKS = [resource_problems, task_problems, sync_problems, cluster_problems, library_problems]


# --------------------------------------------------------------------------------------------------
# the bundle passes every check
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_bundle_passes(check):
    assert check(load()) == []


def test_job_parses_into_the_real_job_class():
    job = Job.from_dict(copy.deepcopy(the_job(load())))
    assert len(job.tasks) == len(NOTEBOOKS) == 11
    assert job.job_clusters[0].new_cluster.data_security_mode.value == "SINGLE_USER"


def test_data_is_where_localbricks_looks_in_the_synced_tree():
    """localbricks.data resolves datasets/ from the package's folder: synced side by side, they match."""
    from localbricks import data

    assert data.DATASETS_DIR == REPO_ROOT / "datasets"
    for name in data.available():
        assert _synced(f"datasets/{name}", load())
    assert _synced("datasets/generate.py", load())   # other scales are generated on the cluster


# --------------------------------------------------------------------------------------------------
# every check can fail
# --------------------------------------------------------------------------------------------------

def _break(edit):
    bundle = load()
    edit(bundle)
    return bundle


def _tasks(b):
    return the_job(b)["tasks"]


def _env(b):
    return the_job(b)["job_clusters"][0]["new_cluster"]["spark_env_vars"]


BROKEN = {
    "unknown task field": (resource_problems, lambda b: _tasks(b)[0].update(notebook="x")),
    "bad run_if value": (resource_problems, lambda b: _tasks(b)[1].update(run_if="SOMETIMES")),
    "task without key": (resource_problems, lambda b: _tasks(b)[2].pop("task_key")),
    "unknown top-level key": (resource_problems, lambda b: b.update(artifact={})),
    "undefined variable": (resource_problems, lambda b: the_job(b).update(name="${var.nope}")),
    "volume without schema": (resource_problems, lambda b: b["resources"]["volumes"]["course_data"].pop("schema_name")),
    "a task removed": (task_problems, lambda b: _tasks(b).pop(5)),
    "two tasks swapped": (task_problems, lambda b: _tasks(b).insert(3, _tasks(b).pop(4))),
    "a missing notebook": (task_problems, lambda b: _tasks(b)[4]["notebook_task"].update(
        notebook_path="./notebooks/04_tuning.ipynb")),
    "a missing folder": (task_problems, lambda b: b["variables"]["course_folder"].update(default="student")),
    "task out of order": (task_problems, lambda b: _tasks(b)[7].update(depends_on=[{"task_key": "00_welcome_and_setup"}])),
    "SPARK_MASTER passed": (task_problems, lambda b: _tasks(b)[0]["notebook_task"].update(
        base_parameters={"SPARK_MASTER": "local[*]"})),
    "datasets excluded": (sync_problems, lambda b: b["sync"]["exclude"].append("datasets/*.csv")),
    "grader excluded": (sync_problems, lambda b: b["sync"]["exclude"].append("grader/**")),
    "no PYTHONPATH": (cluster_problems, lambda b: _env(b).pop("PYTHONPATH")),
    "another volume": (cluster_problems, lambda b: _env(b).update(LOCALBRICKS_DATA_VOLUME="/Volumes/main/x/y")),
    "not an ML runtime": (cluster_problems, lambda b: b["variables"]["spark_version"].update(default="17.3.x-scala2.13")),
    "unpinned library": (library_problems, lambda b: _tasks(b)[0]["libraries"].__setitem__(0, {"pypi": {"package": "optuna==1.0"}})),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_each_check_catches_a_broken_bundle(case):
    check, edit = BROKEN[case]
    assert check(_break(edit)), f"{check.__name__} did not notice: {case}"

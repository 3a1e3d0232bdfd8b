"""The layering of DESIGN.md as tests: import-linter's contracts (pyproject.toml) and, since
import-linter sees modules but not names, an ``ast`` walk for private names used across localbricks'
packages."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests_support import REPO_ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd: Path, config: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([str(LINT_IMPORTS), "--config", str(config), "--no-cache", "--no-logo"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold():
    result = lint_imports(REPO_ROOT, REPO_ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


# The smallest grader and localbricks the contracts talk about, with the imports they allow
_ALLOWED = {
    "grader/__init__.py": "",
    "grader/paths.py": "REPO_ROOT = None\n",
    "grader/progress.py": "from localbricks import workspace\n",
    "grader/run.py": "from localbricks import workspace\n",
    "grader/checks/__init__.py": "",
    "grader/checks/deployment.py": "import localbricks\nfrom localbricks.pipelines import expectation_metrics\n",
    "grader/checks/feature_store.py": "import localbricks\nfrom localbricks.errors import LocalbricksError\n",
    "grader/checks/tuning.py": "",
    "grader/checks/serving.py": "",
    "localbricks/__init__.py": "from localbricks import workspace\nfrom localbricks.errors import LocalbricksError\n",
    "localbricks/errors.py": "class LocalbricksError(Exception): ...\n",
    "localbricks/workspace.py": "REPO_ROOT = None\n",
    "localbricks/session.py": "from localbricks import workspace\n",
    "localbricks/pipelines/__init__.py": "from localbricks.pipelines.metrics import expectation_metrics\n",
    "localbricks/pipelines/metrics.py": "def expectation_metrics(spark, table): ...\n",
    "localbricks/feature_store/__init__.py": "",
    "localbricks/feature_store/model.py": "def load(uri): ...\n",
}


def test_each_contract_fails_on_the_import_it_forbids(tmp_path):
    """pyproject.toml's own contracts, on a copy of the packages that keeps them, then breaks them."""
    config = tmp_path / "pyproject.toml"
    config.write_text((REPO_ROOT / "pyproject.toml").read_text())
    _write(tmp_path, _ALLOWED)
    kept = lint_imports(tmp_path, config)
    assert kept.returncode == 0, kept.stdout + kept.stderr  # the failure below is the violations' doing

    _write(tmp_path, {
        "localbricks/session.py": "from localbricks import workspace\nimport grader.paths\n",
        "grader/paths.py": "from localbricks.workspace import REPO_ROOT\n",
        "grader/checks/feature_store.py": "from localbricks.feature_store import model\n",
    })
    broken = lint_imports(tmp_path, config)
    assert broken.returncode != 0
    assert "Contracts: 0 kept, 3 broken." in broken.stdout, broken.stdout
    assert "localbricks.session -> grader.paths" in broken.stdout
    assert "grader.paths -> localbricks.workspace" in broken.stdout
    assert "grader.checks.feature_store -> localbricks.feature_store.model" in broken.stdout


def test_checks_may_use_only_localbricks_public_top_level(tmp_path):
    """The checks' contract on its own: each way into localbricks' internals breaks it, the top level,
    errors and the pipeline check's local branch do not."""
    config = tmp_path / "pyproject.toml"
    config.write_text((REPO_ROOT / "pyproject.toml").read_text())
    _write(tmp_path, {**_ALLOWED,
                      "grader/checks/tuning.py": "from localbricks.session import get_spark\n",
                      "grader/checks/serving.py": "from localbricks.pipelines import expectation_metrics\n",
                      "grader/checks/deployment.py": "import localbricks.pipelines.metrics\n"})
    broken = lint_imports(tmp_path, config)
    assert broken.returncode != 0
    assert "Contracts: 2 kept, 1 broken." in broken.stdout, broken.stdout
    assert "grader.checks.tuning -> localbricks.session" in broken.stdout
    assert "grader.checks.serving -> localbricks.pipelines" in broken.stdout  # allowed to deployment alone
    assert "grader.checks.deployment -> localbricks.pipelines.metrics" in broken.stdout  # the package, not its modules


# ---------------------------------------------------------------- private names across localbricks' packages

def _unit(module: str, package: str) -> str:
    """The package a module belongs to for this rule: ``localbricks.pipelines.server`` → ``pipelines``,
    ``localbricks.session`` → ``session``; the top package's own ``__init__`` → ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == package else ""


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_names_across_packages(root: Path, package: str = "localbricks") -> list[str]:
    """Every ``from package.X import _name`` and ``X._name`` (``X`` bound by an import from the package)
    where the importing module and ``X`` sit in different packages of ``package``."""
    found = []
    for path in sorted((root / package).rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        is_package = rel.name == "__init__"
        module = ".".join(rel.parts[:-1] if is_package else rel.parts)
        here = _unit(module, package)
        bound = {}  # local name → the package's module (or object) it stands for
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = _absolute(node, module, is_package)
                if source != package and not source.startswith(package + "."):
                    continue
                for alias in node.names:
                    target = f"{source}.{alias.name}"
                    if _is_private(alias.name) and _unit(source, package) != here:
                        found.append(f"{module}: from {source} import {alias.name}")
                    bound[alias.asname or alias.name] = target
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith(package + ".") and alias.asname:
                        bound[alias.asname] = alias.name
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and _is_private(node.attr):
                target = bound.get(node.value.id)
                if target and _unit(target, package) != here:
                    found.append(f"{module}: {node.value.id}.{node.attr} ({target})")
    return found


def test_localbricks_packages_use_each_others_public_names_only():
    assert private_names_across_packages(REPO_ROOT) == []


def test_the_private_name_rule_finds_each_form(tmp_path):
    _write(tmp_path, {
        "localbricks/__init__.py": "",
        "localbricks/jvm.py": "def _cache_dir(): ...\ndef public(): ...\n",
        "localbricks/session.py": "def _base_conf(): ...\n",
        "localbricks/pipelines/__init__.py": "",
        "localbricks/pipelines/spec.py": "def _helper(): ...\n",
        "localbricks/pipelines/server.py": """\
            from localbricks.jvm import _cache_dir, public
            from localbricks import session
            import localbricks.jvm as jvm
            from . import spec
            from .spec import _helper  # its own package's private name: allowed
            session._base_conf()
            jvm.__name__, spec._helper
            """,
        "localbricks/registry/store.py": "from ..pipelines.spec import _helper\n",
    })
    assert private_names_across_packages(tmp_path) == [
        "localbricks.pipelines.server: from localbricks.jvm import _cache_dir",
        "localbricks.pipelines.server: session._base_conf (localbricks.session)",
        "localbricks.registry.store: from localbricks.pipelines.spec import _helper",
    ]


# ---------------------------------------------------------------- private attributes in the checks

# pyspark.ml's documented way to write an Estimator or Transformer is to override these
_EXTENSION_POINTS = {"_fit", "_transform"}


def private_attributes_in_checks(root: Path) -> list[str]:
    """Every ``X._name`` read in ``grader/checks`` (``X`` not ``self`` or ``cls``): a check that reads
    another library's private attribute grades what no learner's API promises, here or on Databricks."""
    found = []
    for path in sorted((root / "grader" / "checks").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (isinstance(node, ast.Attribute) and _is_private(node.attr) and node.attr not in _EXTENSION_POINTS
                    and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
                found.append(f"{path.stem}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_checks_read_no_private_attributes():
    assert private_attributes_in_checks(REPO_ROOT) == []


def test_the_private_attribute_rule_finds_each_form(tmp_path):
    _write(tmp_path, {"grader/checks/tuning.py": """\
        def check(trials, spark, base):
            assert trials._spark_context is spark.sparkContext
            spark.sparkContext._jsc.sc()
            base._fit(None, None)  # an Estimator subclass calling its base: allowed
            return self._cache, trials.__class__
        """})
    assert private_attributes_in_checks(tmp_path) == [
        "tuning:2: trials._spark_context",
        "tuning:3: spark.sparkContext._jsc",
    ]

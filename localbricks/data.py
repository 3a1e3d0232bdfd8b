"""The course's data files: the committed ones, or larger/smaller ones made on demand.

Notebooks ask for a file by name and scale (their ``SCALE`` parameter); scale 1 with the default
seed is the committed file in ``datasets/``, any other scale is generated once by
``datasets/generate.py`` and reused. Notebooks use the answer in two ways only:
``spark.read.csv(str(path))`` and ``pd.read_csv(path)``; both must work here and on Databricks.

Locally every answer is a plain ``Path``: the workspace folder is on the machine that runs Spark.

On Databricks (``DATABRICKS_RUNTIME_VERSION`` set) a driver-local path is no good to Spark, whose
executors do not see the driver's disk, so files are taken from storage every node can read:

- a committed file is read in place when the course is in the workspace tree (a Git folder or a
  bundle under ``/Workspace``). pandas opens ``/Workspace/...`` like any local file, while Spark
  needs the ``file:`` scheme, so the answer is a ``WorkspaceFile``: ``os.fspath`` gives the plain
  path (pandas, ``open``), ``str`` gives ``file:/Workspace/...`` (Spark);
- a generated file (another scale or seed) is written to, and read from, a Unity Catalog volume,
  ``$LOCALBRICKS_DATA_VOLUME`` (e.g. ``/Volumes/main/default/course_data``) or the ``volume``
  argument. ``/Volumes/...`` paths need no scheme for Spark, pandas or Python's own file calls,
  so the answer is a plain ``Path``. Without a volume the call stops and says how to make one;
  a committed file outside ``/Workspace`` is copied into the volume the same way.

What this relies on, from Databricks' documentation:

- "Programmatically interact with workspace files" (docs.databricks.com/files/workspace-interact.html):
  workspace files are readable (and writable) from code on Databricks Runtime 11.3 LTS and above;
  a Git folder's files sit under ``/Workspace/Repos/...`` (or ``/Workspace/Users/...``). The page has
  a section "Read data workspace files"; the ``file:`` scheme for Spark is what that section and
  third-party write-ups (jdhao.github.io, "Databricks DBFS and other filesystem") show: Spark
  resolves a bare ``/Workspace/...`` against DBFS, not the workspace.
- "Work with files on Databricks" (docs.databricks.com/aws/files): examples for Spark, pandas and
  Python's file utilities on ``/Volumes/<catalog>/<schema>/<volume>/...`` and on workspace files;
  its warning covers JVM code that opens files itself (``java.io.File``, custom data sources),
  which Spark's built-in CSV reader is not.
- "What are Unity Catalog volumes?" (docs.databricks.com/en/volumes.html) and ``CREATE VOLUME``
  (docs.databricks.com/sql/language-manual/sql-ref-syntax-ddl-create-volume.html): volumes hold
  non-tabular files, need Databricks Runtime 13.3 LTS or above, and a managed volume needs no
  location: ``CREATE VOLUME IF NOT EXISTS main.default.course_data``.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

from localbricks import workspace

DATASETS_DIR = workspace.REPO_ROOT / "datasets"
DEFAULT_SEED = 42
VOLUME_ENV = "LOCALBRICKS_DATA_VOLUME"
"""On Databricks: the Unity Catalog volume that holds generated data files."""

WORKSPACE_ROOT = Path("/Workspace")
"""Databricks' workspace file tree, as the driver's file system shows it."""
VOLUMES_ROOT = Path("/Volumes")
"""Unity Catalog volumes, as ``/Volumes/<catalog>/<schema>/<volume>``."""
_SUBFOLDER = "localbricks_datasets"  # inside the volume, so the course's files stay together


class WorkspaceFile(os.PathLike):
    """A workspace file on Databricks: ``os.fspath`` is its POSIX path, ``str`` its Spark URI.

    pandas (and ``open``) read ``/Workspace/...`` through the workspace's file system; Spark reads
    the same file only as ``file:/Workspace/...``. Other ``Path`` attributes (``name``,
    ``exists()``…) are those of the plain path.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)

    def __fspath__(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return f"file:{self.path.as_posix()}"

    def __repr__(self) -> str:
        return f"WorkspaceFile({str(self.path)!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, WorkspaceFile) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __getattr__(self, name: str):
        return getattr(self.path, name)


def _generator():
    path = DATASETS_DIR / "generate.py"
    if not path.exists():
        raise FileNotFoundError(f"The data generator {path} is missing; is this a complete checkout of the course?")
    spec = importlib.util.spec_from_file_location("course_datasets_generate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def available() -> list[str]:
    """The committed data files (their names, e.g. ``churn_customers.csv``)."""
    return sorted(p.name for p in DATASETS_DIR.glob("*.csv"))


def _in_workspace_tree(path: Path) -> bool:
    return path.is_relative_to(WORKSPACE_ROOT)


def data_volume(volume: str | None = None) -> Path:
    """The volume generated files go to on Databricks: ``volume``, else ``$LOCALBRICKS_DATA_VOLUME``.

    Raises:
        FileNotFoundError: none is configured, the value is not a volume's path, or it does not exist;
            the message says how to create one and where to name it.
    """
    chosen = volume or os.environ.get(VOLUME_ENV)
    how = (f"Create one once, e.g. in a SQL cell: CREATE VOLUME IF NOT EXISTS main.default.course_data; then set "
           f"{VOLUME_ENV}=/Volumes/main/default/course_data (in the cluster's environment variables, or with "
           f"os.environ[{VOLUME_ENV!r}] = ... before this cell).")
    if not chosen:
        raise FileNotFoundError("On Databricks, data files other than the committed ones (another SCALE or SEED, or a "
                                "course outside /Workspace) are kept in a Unity Catalog volume, and none is "
                                f"configured. {how}")
    path = Path(chosen)
    if not path.is_relative_to(VOLUMES_ROOT) or len(path.relative_to(VOLUMES_ROOT).parts) != 3:
        raise FileNotFoundError(f"{chosen!r} is not a volume's path; it must look like "
                                f"{VOLUMES_ROOT}/<catalog>/<schema>/<volume>. {how}")
    if not path.is_dir():
        raise FileNotFoundError(f"The volume {path} does not exist, or this cluster cannot read it (volumes need "
                                f"Databricks Runtime 13.3 LTS or above and Unity Catalog). {how}")
    return path


def _generate(filename: str, out: Path, scale: float, seed: int) -> Path:
    target = out / filename
    if not target.exists():
        gen = _generator()
        for name in gen.NAMES:  # the data set that makes this file
            gen.write(name, out, scale=scale, seed=seed)
            if target.exists():
                break
        if not target.exists():
            raise FileNotFoundError(f"The generator did not produce {filename} at scale {scale}.")
    return target


def dataset_path(filename: str, scale: float = 1.0, seed: int = DEFAULT_SEED,
                 volume: str | None = None) -> Path | WorkspaceFile:
    """Return where data file ``filename`` (e.g. ``"churn_customers.csv"``) at ``scale`` can be read.

    Locally: a ``Path``. On Databricks: a ``WorkspaceFile`` for a committed file under ``/Workspace``,
    else a ``Path`` in the data volume (``volume`` or ``$LOCALBRICKS_DATA_VOLUME``); see the module's
    docstring for why.

    Raises:
        FileNotFoundError: the name is not one of the course's files (the message lists them), or,
            on Databricks, a volume is needed and none is usable (the message says how to make one).
    """
    committed = DATASETS_DIR / filename
    names = available()
    if filename not in names:
        raise FileNotFoundError(f"No data file named {filename!r} in {DATASETS_DIR}; the course has: {', '.join(names) or 'none'}. "
                                "If you deleted it, restore it with `git checkout datasets/` or `python datasets/generate.py`.")
    if float(scale) <= 0:
        raise ValueError(f"scale must be positive, got {scale}.")
    is_committed = float(scale) == 1.0 and seed == DEFAULT_SEED
    if not workspace.on_databricks():
        if is_committed:
            return committed
        return _generate(filename, workspace.subdir("datasets") / f"scale{float(scale):g}_seed{seed}", scale, seed)

    if is_committed and _in_workspace_tree(committed):
        return WorkspaceFile(committed)
    folder = data_volume(volume) / _SUBFOLDER
    if is_committed:  # the course sits on the driver's own disk: executors need a copy they can reach
        target = folder / "committed" / filename
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(committed, target)
        return target
    return _generate(filename, folder / f"scale{float(scale):g}_seed{seed}", scale, seed)

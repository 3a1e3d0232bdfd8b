"""The course's data files: the committed ones, or larger/smaller ones made on demand.

Notebooks ask for a file by name and scale (their ``SCALE`` parameter); scale 1 with the default
seed is the committed file in ``datasets/``, any other scale is generated once into the workspace
by ``datasets/generate.py`` and reused.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from localbricks import workspace

DATASETS_DIR = workspace.REPO_ROOT / "datasets"
DEFAULT_SEED = 42


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


def dataset_path(filename: str, scale: float = 1.0, seed: int = DEFAULT_SEED) -> Path:
    """Return a local path to data file ``filename`` (e.g. ``"churn_customers.csv"``) at ``scale``.

    Raises:
        FileNotFoundError: the name is not one of the course's files (the message lists them).
    """
    committed = DATASETS_DIR / filename
    names = available()
    if filename not in names:
        raise FileNotFoundError(f"No data file named {filename!r} in {DATASETS_DIR}; the course has: {', '.join(names) or 'none'}. "
                                "If you deleted it, restore it with `git checkout datasets/` or `python datasets/generate.py`.")
    if float(scale) == 1.0 and seed == DEFAULT_SEED:
        return committed
    if float(scale) <= 0:
        raise ValueError(f"scale must be positive, got {scale}.")
    out = workspace.subdir("datasets") / f"scale{float(scale):g}_seed{seed}"
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

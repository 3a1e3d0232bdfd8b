"""The environment of the kernels ``grader run`` starts, so notebooks find the course wherever they run.

(``autograde`` builds its kernels' environment itself, in :mod:`grader.sandbox`, so that a graded
kernel sees what a learner's does.) Kernels started by ``run`` get:

* ``COURSE_ROOT``: the checkout, for code that wants to locate ``datasets/`` without ``..``;
* ``PYTHONPATH`` starting with the checkout, so ``import grader`` / ``import localbricks`` work
  even without an editable install;
* ``PATH`` starting with this interpreter's folder, because the ``python3`` kernelspec runs
  plain ``python``;
* ``GRADER_NO_PROGRESS=1``, so machine runs never pollute a learner's progress.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from grader.paths import REPO_ROOT

COURSE_ROOT_ENV = "COURSE_ROOT"


def _prepend(path: str, current: str | None) -> str:
    parts = [p for p in (current or "").split(os.pathsep) if p and p != path]
    return os.pathsep.join([path, *parts])


def kernel_env(repo_root: Path | str = REPO_ROOT, base: dict | None = None, **extra: str) -> dict:
    """A copy of ``base`` (default ``os.environ``) with the course variables set, plus ``extra``."""
    env = dict(os.environ if base is None else base)
    root = str(Path(repo_root).resolve())
    env[COURSE_ROOT_ENV] = root
    env["PYTHONPATH"] = _prepend(root, env.get("PYTHONPATH"))
    env["PATH"] = _prepend(str(Path(sys.executable).parent), env.get("PATH"))
    env["GRADER_NO_PROGRESS"] = "1"
    env.update(extra)
    return env


@contextmanager
def kernel_environ(repo_root: Path | str = REPO_ROOT, **extra: str) -> Iterator[None]:
    """Apply :func:`kernel_env` to ``os.environ`` for the block (kernels inherit it), then restore."""
    applied = kernel_env(repo_root, **extra)
    changed = {key: os.environ.get(key) for key, value in applied.items() if os.environ.get(key) != value}
    os.environ.update(applied)
    try:
        yield
    finally:  # only what it set: a whole snapshot put back would undo (or revive) other threads' changes
        for key, old in changed.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old

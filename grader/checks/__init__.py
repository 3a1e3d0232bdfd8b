"""Check modules, one per notebook (``grader/checks/<topic>.py``).

Importing a check module registers its exercises. :func:`load_all` imports every module here
so that the registry is complete, for ``hint`` on an id not yet imported and for ``progress``.
"""
from __future__ import annotations

import importlib
import pkgutil
import warnings


def load_all() -> list[str]:
    """Import every check module in this package; return their names.

    A module that fails to import is reported with a warning and skipped, so one broken
    notebook's checks cannot take down ``progress`` or ``hint`` for the others.
    """
    from grader.exercise import register

    loaded = []
    for info in pkgutil.iter_modules(__path__, prefix=f"{__name__}."):
        try:
            module = importlib.import_module(info.name)
        except Exception as err:  # noqa: BLE001 - reported, then the others still load
            warnings.warn(f"grader: could not import {info.name}: {type(err).__name__}: {err}")
            continue
        # A module imported earlier registered its exercises then; register them again in case
        # the registry was reset since (tests do), so the registry always matches the modules.
        for value in vars(module).values():
            if callable(value) and hasattr(value, "exercise"):
                register(value.exercise)
        loaded.append(info.name)
    return loaded

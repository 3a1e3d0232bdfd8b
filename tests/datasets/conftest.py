"""Fixtures for the data-set tests: load datasets/generate.py by path and share scale-1 tables."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

DATASETS_DIR = Path(__file__).resolve().parents[2] / "datasets"


def load_generator(path: Path = DATASETS_DIR / "generate.py") -> ModuleType:
    """Import the generator script under a private name; ``datasets`` itself would clash with PyPI's."""
    spec = importlib.util.spec_from_file_location("course_datasets_generate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def gen() -> ModuleType:
    """The generator module, loaded once per session."""
    return load_generator()


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    """Where the committed CSV files live."""
    return DATASETS_DIR


@pytest.fixture(scope="session")
def churn(gen):
    """Scale-1, seed-42 churn tables (read-only: tests must not modify them)."""
    return gen.generate("churn")


@pytest.fixture(scope="session")
def houses(gen):
    """Scale-1, seed-42 house price table (read-only)."""
    return gen.generate("house_prices")["house_prices"]

"""A tiny fixture bank: one notebook with known headings and a writer for question files, so the
schema tests never depend on the real notebooks or on the real bank's content."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bank_support import SECTION


@pytest.fixture(autouse=True)
def workspace(workspace_dir, monkeypatch):
    """Proofs run where the test session's Spark session lives: its workspace, not a per-test one
    (localbricks refuses a catalog call from another workspace). Replaces tests/grader's fixture."""
    monkeypatch.setenv("LOCALBRICKS_HOME", str(workspace_dir))
    return workspace_dir


@pytest.fixture
def notebooks(tmp_path) -> Path:
    """A solutions folder holding one notebook with a lesson heading (and a '#' comment in code)."""
    folder = tmp_path / "solutions"
    folder.mkdir()
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# 03 · Model development\n", "\n", f"## {SECTION}\n"]},
        {"cell_type": "markdown", "metadata": {}, "source": "Text\n```python\n# not a heading\n```\n"},
        {"cell_type": "code", "metadata": {}, "source": "# a comment, not a heading", "outputs": [], "execution_count": None},
    ]
    (folder / "03_model_development.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                                                   "nbformat_minor": 5}))
    return folder


@pytest.fixture
def bank(tmp_path, notebooks):
    """``bank(file=[questions…], …)`` writes YAML files into a fresh folder and returns the folder."""
    def write(**files) -> Path:
        folder = tmp_path / "questions"
        folder.mkdir(exist_ok=True)
        for name, content in files.items():
            text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False, allow_unicode=True)
            (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
        return folder
    return write

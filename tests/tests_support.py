"""Shared constants for tests (imported by name: pytest puts tests/ on sys.path via rootdir conftest)."""
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

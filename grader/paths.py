"""Where the course lives, from the grader's own location (not from localbricks)."""
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The checkout: ``solutions/``, ``notebooks/`` and ``datasets/`` sit here."""

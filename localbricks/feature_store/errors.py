"""The one error type the feature store raises for input it cannot use.

Every message says what was wrong and what to write instead, and is raised before anything is
changed: a failed call leaves tables, metadata and online stores exactly as they were.
"""
from __future__ import annotations


class FeatureStoreError(ValueError):
    """A feature-store call was given something it cannot use; nothing was changed."""


def listing(items) -> str:
    """``a, b, c`` with each item quoted, for messages."""
    return ", ".join(f"'{item}'" for item in items)

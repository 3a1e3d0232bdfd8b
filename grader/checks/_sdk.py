"""The Databricks SDK as checks use it: the learner's workspace client, and SDK enums as plain strings."""
from __future__ import annotations


def workspace_client():
    """A ``WorkspaceClient()`` configured as the learner's is (local stand-ins, or the real workspace)."""
    from databricks.sdk import WorkspaceClient

    return WorkspaceClient()


def enum_value(enum_or_str):
    """An SDK enum's value (``EndpointStateReady.READY`` → ``"READY"``), or the string itself."""
    return getattr(enum_or_str, "value", enum_or_str)

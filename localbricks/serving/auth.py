"""Bearer tokens: one random token per workspace, kept in its folder, required on every API route.

The token file is readable by its owner only. ``activate()`` exports it as ``DATABRICKS_TOKEN`` so
``WorkspaceClient()`` and ``requests`` calls authenticate the way they do against a workspace.
"""
from __future__ import annotations

import getpass
import hmac
import os
import secrets

from localbricks import workspace
from localbricks.serving.errors import Unauthenticated

TOKEN_FILE = "token"


def token() -> str:
    """The workspace's token, created on first use."""
    path = workspace.subdir("serving") / TOKEN_FILE
    if not path.exists():  # write aside, then link: another process never reads a half-written token
        tmp = path.with_name(f".{TOKEN_FILE}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("dapi" + secrets.token_hex(16))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text(encoding="utf-8").strip()


def requester() -> str:
    """Who the local user is, in the e-mail form Databricks records as creator and requester."""
    try:
        user = getpass.getuser()
    except Exception:
        user = "learner"
    return f"{user}@localbricks.local"


class BearerCheck:
    """Compares the ``Authorization`` header with the token in constant time; says nothing about why."""

    def __init__(self, expected: str):
        self._expected = f"Bearer {expected}".encode()

    def __call__(self, header: str | None) -> None:
        if not header or not hmac.compare_digest(header.encode(), self._expected):
            raise Unauthenticated("Credential was not sent or was of an unsupported type for this API.")

"""An exclusive lock file shared by processes, for work that must happen once: a download into a
shared cache, a recording, a service start, a metadata update.

``flock`` locks belong to the open file, so the lock is released when the block ends or when the
holding process dies (a killed kernel never leaves a stale lock behind). POSIX only, like the rest
of localbricks' process handling.
"""
from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive(path: Path):
    """Hold ``path``'s lock for the block, waiting for whoever holds it; the file is created if missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:  # closing the file releases the lock
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield

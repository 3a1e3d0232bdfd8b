"""The kernels the course starts talk to their client over Unix sockets, never over loopback TCP.

jupyter_client picks a kernel's five TCP ports by binding port 0 and letting go, and its client
keeps dialling them until the kernel has bound them. Any process that takes one of those ports in
the meantime receives the client's ZeroMQ greeting. Spark's driver is such a process: it serves
every ``collect()`` on a fresh ephemeral port that accepts one connection, reads the greeting
(``FF 00 …``) as a negative length and fails ("serve-DataFrame" ``NegativeArraySizeException``),
and the learner's ``collect()`` then sees ``CANNOT_OPEN_SOCKET``. With two kernels starting side by
side (a test run under xdist, a classroom's grading batch) that happened. A socket file of the
kernel's own cannot be taken by anyone else.
"""
from __future__ import annotations

import os
import tempfile
import uuid

from jupyter_client.manager import AsyncKernelManager
from traitlets import default

# A Unix socket's path may not exceed 107 bytes; ours are "<folder>/kernel-<12 hex>-ipc-<port>".
_MAX_FOLDER = 107 - len("/kernel-0123456789ab-ipc-65535")


def socket_folder() -> str:
    """Jupyter's own runtime folder (private to the user), or the temporary folder if its path is too long."""
    from jupyter_core.paths import jupyter_runtime_dir

    folder = jupyter_runtime_dir()
    if len(os.fsencode(folder)) > _MAX_FOLDER:
        return tempfile.gettempdir()
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return folder


class UnixSocketKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel listens on Unix sockets named for it alone."""

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc"

    @default("ip")
    def _ip_default(self) -> str:
        if self.transport != "ipc":
            return super()._ip_default()
        # absolute, so kernel and client agree whatever their working folders; unique, because
        # jupyter_client numbers a kernel's sockets from 1 after this prefix
        return os.path.join(socket_folder(), f"kernel-{uuid.uuid4().hex[:12]}-ipc")


def execute_notebook(input_path, output_path, **kwargs):
    """``papermill.execute_notebook`` with a :class:`UnixSocketKernelManager` kernel."""
    import papermill

    return papermill.execute_notebook(str(input_path), str(output_path),
                                      kernel_manager_class=UnixSocketKernelManager, **kwargs)

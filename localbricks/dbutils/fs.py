"""``dbutils.fs``: file commands on DBFS-style paths, mapped to the workspace folder.

``dbfs:/a/b`` and ``/a/b`` live under ``<workspace>/dbfs/a/b``; ``file:/a/b`` is the local path
``/a/b`` as on a Databricks driver. ``to_local`` gives the real path so Spark and pandas can read
what ``dbutils.fs`` wrote.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import NamedTuple

from localbricks import workspace


class FileInfo(NamedTuple):
    """What ``dbutils.fs.ls`` returns for each entry (directories end with ``/``)."""
    path: str
    name: str
    size: int
    modificationTime: int


def to_local(path: str) -> Path:
    """Map a ``dbfs:/``, ``file:/`` or bare absolute path to a local path."""
    if not isinstance(path, str) or not path:
        raise ValueError(f"A path must be a non-empty string, got {path!r}.")
    if path.startswith("file:"):
        return Path(path[len("file:"):].replace("//", "/", 1) if path.startswith("file://") else path[len("file:"):])
    if path.startswith("dbfs:"):
        path = path[len("dbfs:"):]
    if not path.startswith("/"):
        raise ValueError(f"{path!r} is relative; dbutils.fs paths are absolute, e.g. 'dbfs:/tmp/data' or 'file:/tmp/x'.")
    return workspace.subdir("dbfs") / path.lstrip("/")


def _display_path(original: str, child: Path, is_dir: bool) -> str:
    base = original.rstrip("/")
    if not base.startswith(("dbfs:", "file:")):
        base = "dbfs:" + base
    return f"{base}/{child.name}" + ("/" if is_dir else "")


class FileSystemUtils:
    def ls(self, path: str) -> list[FileInfo]:
        local = to_local(path)
        if not local.exists():
            raise FileNotFoundError(f"{path} does not exist (local folder {local}).")
        entries = [local] if local.is_file() else sorted(local.iterdir())
        infos = []
        for entry in entries:
            is_dir = entry.is_dir()
            stat = entry.stat()
            shown = _display_path(path, entry, is_dir) if entry != local else path
            infos.append(FileInfo(shown, entry.name + ("/" if is_dir else ""), 0 if is_dir else stat.st_size,
                                  int(stat.st_mtime * 1000)))
        return infos

    def mkdirs(self, path: str) -> bool:
        to_local(path).mkdir(parents=True, exist_ok=True)
        return True

    def cp(self, source: str, dest: str, recurse: bool = False) -> bool:
        src, dst = to_local(source), to_local(dest)
        if not src.exists():
            raise FileNotFoundError(f"{source} does not exist.")
        if src.is_dir():
            if not recurse:
                raise IsADirectoryError(f"{source} is a directory; pass recurse=True to copy it.")
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
        return True

    def mv(self, source: str, dest: str, recurse: bool = False) -> bool:
        self.cp(source, dest, recurse=recurse)
        return self.rm(source, recurse=recurse)

    def rm(self, path: str, recurse: bool = False) -> bool:
        local = to_local(path)
        if not local.exists():
            return False
        if local.is_dir():
            if not recurse and any(local.iterdir()):
                raise IsADirectoryError(f"{path} is a non-empty directory; pass recurse=True to delete it.")
            shutil.rmtree(local)
        else:
            local.unlink()
        return True

    def put(self, path: str, contents: str, overwrite: bool = False) -> bool:
        local = to_local(path)
        if local.exists() and not overwrite:
            raise FileExistsError(f"{path} exists; pass overwrite=True to replace it.")
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_text(contents)
        return True

    def head(self, path: str, maxBytes: int = 65536) -> str:
        with open(to_local(path), "rb") as fh:
            return fh.read(maxBytes).decode("utf-8", errors="replace")

"""Compile (once, then cache) the small jars localbricks gives Spark, from Java sources it ships.

``catalog_jar()`` is the plugin that gives Spark Unity Catalog's three-level names
(``jvm/LocalUnityCatalog.java``); ``localbricks.pipelines`` builds its streaming catalog with the
same ``compiled_jar()``. Each source is compiled against the installed pyspark's jars the first time
it is needed and cached by a hash of the source and the Spark version, so upgrades rebuild it and
nothing binary lives in the repository.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from localbricks.errors import LocalbricksError
from localbricks.java import java_binary

SOURCE = Path(__file__).parent / "jvm" / "LocalUnityCatalog.java"
CATALOG_CLASS = "dev.localbricks.LocalUnityCatalog"


def cache_dir() -> Path:
    """Where compiled jars live (``$XDG_CACHE_HOME/localbricks``): shared by every workspace."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    path = Path(base) / "localbricks"
    path.mkdir(parents=True, exist_ok=True)
    return path


def pyspark_jars() -> Path:
    """The installed pyspark's ``jars/`` folder: the classpath every source compiles against."""
    import pyspark

    return Path(pyspark.__file__).parent / "jars"


def compiled_jar(source: Path, prefix: str, *, classpath: Sequence[Path] = (), key_extra: bytes = b"",
                 what: str = "a localbricks plugin") -> Path:
    """Return ``<cache>/<prefix>-<hash>.jar`` built from one Java source, compiling it if missing.

    Args:
        source: the ``.java`` file.
        prefix: the jar's name before its hash (``localbricks-catalog``).
        classpath: entries compiled against besides pyspark's jars (Delta's jar, another plugin jar).
        key_extra: more bytes for the cache key, for what the classpath's version depends on; the
            key is ``sha256(source + pyspark version + key_extra)``, so a jar built once is reused
            until one of them changes.
        what: the plugin's name in the error raised when javac fails.
    """
    import pyspark

    digest = hashlib.sha256(source.read_bytes() + pyspark.__version__.encode() + key_extra).hexdigest()[:16]
    jar = cache_dir() / f"{prefix}-{digest}.jar"
    if jar.exists():
        return jar
    entries = [str(pyspark_jars() / "*"), *(str(p) for p in classpath)]
    with tempfile.TemporaryDirectory() as build:
        cmd = [java_binary("javac"), "-nowarn", "-encoding", "UTF-8", "--release", "17", "-d", build,
               "-cp", os.pathsep.join(entries), str(source)]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            raise LocalbricksError(
                f"Could not compile {what} against this pyspark ({pyspark.__version__}); is pyspark the "
                f"version in requirements.txt?\n{result.stderr[-2000:]}"
            )
        # A temporary name of its own (two kernels, or two test workers, may compile at once), then
        # an atomic rename: both end with a whole jar and neither truncates the other's
        fd, tmp_name = tempfile.mkstemp(dir=jar.parent, prefix=f".{jar.name}.", suffix=".tmp")
        tmp = Path(tmp_name)
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide the jar from a sandboxed kernel running as nobody
        try:
            with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
                for path in sorted(Path(build).rglob("*.class")):
                    zf.write(path, path.relative_to(build).as_posix())
            tmp.replace(jar)
        finally:
            tmp.unlink(missing_ok=True)
    return jar


def catalog_jar() -> Path:
    """Return the path of the compiled catalog jar, compiling it if the cache has none."""
    return compiled_jar(SOURCE, "localbricks-catalog", what="localbricks' catalog plugin")

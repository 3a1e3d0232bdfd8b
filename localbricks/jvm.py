"""Build (once, then cache) the small jar that gives Spark Unity Catalog's three-level names.

The Java source ships with the package (``jvm/LocalUnityCatalog.java``); it is compiled against
the installed pyspark's jars the first time it is needed and cached by a hash of the source and
the Spark version, so upgrades rebuild it and nothing binary lives in the repository.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
import zipfile
from pathlib import Path

from localbricks.errors import LocalbricksError
from localbricks.java import java_binary

SOURCE = Path(__file__).parent / "jvm" / "LocalUnityCatalog.java"
CATALOG_CLASS = "dev.localbricks.LocalUnityCatalog"


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    path = Path(base) / "localbricks"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _pyspark_jars() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "jars"


def catalog_jar() -> Path:
    """Return the path of the compiled catalog jar, compiling it if the cache has none."""
    import pyspark

    digest = hashlib.sha256(SOURCE.read_bytes() + pyspark.__version__.encode()).hexdigest()[:16]
    jar = _cache_dir() / f"localbricks-catalog-{digest}.jar"
    if jar.exists():
        return jar
    with tempfile.TemporaryDirectory() as build:
        cmd = [java_binary("javac"), "-nowarn", "-encoding", "UTF-8", "--release", "17", "-d", build,
               "-cp", str(_pyspark_jars() / "*"), str(SOURCE)]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            raise LocalbricksError(
                "Could not compile localbricks' catalog plugin against this pyspark "
                f"({pyspark.__version__}); is pyspark the version in requirements.txt?\n{result.stderr[-2000:]}"
            )
        tmp = jar.with_suffix(".tmp")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(Path(build).rglob("*.class")):
                zf.write(path, path.relative_to(build).as_posix())
        tmp.replace(jar)  # atomic: two kernels compiling at once both end with a whole jar
    return jar

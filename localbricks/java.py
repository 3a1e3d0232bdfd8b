"""Find a Java that Spark 4 can use, or say exactly what to install."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from localbricks.errors import JavaNotFoundError

MIN_JAVA = 17
INSTALL_HINT = (
    "Install a Java 17 JDK and make sure `java` and `javac` are on PATH (or set JAVA_HOME): "
    "on Debian/Ubuntu `sudo apt-get install openjdk-17-jdk-headless`, on macOS "
    "`brew install openjdk@17`, on Windows use WSL2 or the Temurin 17 installer."
)


def java_binary(tool: str = "java") -> str:
    """Return the path of ``java`` (or ``javac``): ``$JAVA_HOME/bin`` first, then PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / tool
        if candidate.exists():
            return str(candidate)
    found = shutil.which(tool)
    if not found:
        what = "a Java runtime" if tool == "java" else "the Java compiler (javac), which comes with a JDK, not a JRE"
        raise JavaNotFoundError(f"Spark needs {what}, and `{tool}` was not found. {INSTALL_HINT}")
    return found


def java_version(binary: str | None = None) -> int:
    """Return the major version of the Java that Spark will launch (e.g. 17)."""
    binary = binary or java_binary()
    try:
        out = subprocess.run([binary, "-version"], capture_output=True, text=True, timeout=60)
    except OSError as exc:  # not executable, wrong architecture…
        raise JavaNotFoundError(f"`{binary} -version` could not run ({exc}). {INSTALL_HINT}") from exc
    text = out.stderr + out.stdout
    match = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if not match:
        raise JavaNotFoundError(f"Could not read a version from `{binary} -version`: {text.strip()[:200]!r}. {INSTALL_HINT}")
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8.0" style
        major = int(match.group(2))
    return major


def require_java() -> int:
    """Check Java is present and new enough; return its major version."""
    major = java_version()
    if major < MIN_JAVA:
        raise JavaNotFoundError(f"Spark 4 needs Java {MIN_JAVA} or newer; found Java {major}. {INSTALL_HINT}")
    return major

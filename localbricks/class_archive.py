"""A class-data-sharing archive of what a local Spark start loads, recorded once per machine.

A local Spark start spends most of its first seconds loading and verifying the classes of Spark,
Scala and Hadoop from pyspark's ``jars/``, and every kernel, test process, pipeline server and the
monitoring service starts one. Java 17 can write the classes a run loaded into an archive
(``-XX:ArchiveClassesAtExit``) that later JVMs map from disk instead (``-XX:SharedArchiveFile``).
Measured on 2 cores (a session start, then a small Delta write and read): 13.3 → 8.5 s wall and
16.4 → 11 s of JVM CPU.

The archive is recorded by one real start in a child process (a throwaway workspace; a Delta write
and read, a SQL query, a small MLlib fit), under a lock so two processes do not both record it. It
is written under a temporary name and put in place only once a JVM has started from it: a
truncated archive crashes the JVM that maps it. A JVM whose classpath or build does not match the
archive warns once and starts as it would without it. ``LOCALBRICKS_CLASS_ARCHIVE=false`` turns
it off; a failed recording leaves ``<archive>.failed`` with the reason, and is not retried until
that file is deleted.
"""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from localbricks import locks
from localbricks.java import java_binary
from localbricks.jvm import cache_dir

SWITCH_ENV = "LOCALBRICKS_CLASS_ARCHIVE"
# set in the recording child only: the file its driver JVM writes the archive to at exit
RECORD_ENV = "LOCALBRICKS_CLASS_ARCHIVE_RECORDING"
PREFIX = "spark-classes-"
# what the recording child runs: this module's _recording_run
RECORDER = ("-m", "localbricks.class_archive")


def enabled() -> bool:
    return os.environ.get(SWITCH_ENV, "true").strip().lower() not in ("0", "false", "no", "off")


def archive_path() -> Path:
    """``<cache>/spark-classes-<install>-<build>.jsa``. A JVM maps an archive only with the
    classpath it was recorded with, jar for jar (each one's size and modification time), so each
    pyspark installation (each venv, each checkout) has its own; the second part changes with the
    jars' sizes and times and the Java binary's, so an upgrade or a reinstall in the same place
    (a fresh venv on the same path, as CI makes) records a new one in place of the old."""
    install = _pyspark_dir()
    java = Path(os.path.realpath(java_binary()))
    build = f"{_jars_stamp(Path(install) / 'jars')}|{java}|{java.stat().st_mtime_ns}"
    return cache_dir() / f"{PREFIX}{_digest(install)}-{_digest(build)}.jsa"


def _jars_stamp(jars: Path) -> str:
    """Name, size and modification time of every jar: what the JVM compares before it maps an archive."""
    try:
        entries = sorted(os.scandir(jars), key=lambda entry: entry.name)
    except OSError:
        return ""
    return ";".join(f"{e.name}:{e.stat().st_size}:{e.stat().st_mtime_ns}" for e in entries if e.name.endswith(".jar"))


def _pyspark_dir() -> str:
    import pyspark

    return os.path.realpath(os.path.dirname(pyspark.__file__))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def java_option() -> str:
    """The driver JVM's option: record (in the recording child), map (archive present), or none."""
    recording = os.environ.get(RECORD_ENV)
    if recording:
        return f"-XX:ArchiveClassesAtExit={recording}"
    if not enabled():
        return ""
    path = archive_path()
    return f"-XX:SharedArchiveFile={path}" if path.is_file() else ""


def ensure(timeout: float = 600) -> Path | None:
    """Return the archive, recording it first if this machine has none; None when it is off or
    cannot be made (a read-only cache, as in a walled autograde kernel, or an earlier failure)."""
    if not enabled() or os.environ.get(RECORD_ENV):
        return None
    path = archive_path()
    if path.is_file():
        return path
    if not os.access(path.parent, os.W_OK) or _failed(path).exists():
        return None
    with locks.exclusive(path.parent / ".spark-classes.lock"):
        if not path.is_file() and not _failed(path).exists():  # the process we waited for may have made it
            _record(path, timeout)
    return path if path.is_file() else None


def _source(path: Path) -> Path:
    """Beside each archive: the pyspark folder it was recorded for."""
    return path.with_name(path.name + ".source")


def _remove_stale(path: Path) -> None:
    """Delete this installation's archives for an earlier pyspark or Java, and any archive whose
    installation is gone (a deleted venv or checkout): at some 230 MB each they would pile up."""
    install = path.name[:len(PREFIX) + 12]
    for other in path.parent.glob(f"{PREFIX}*.jsa"):
        if other == path:
            continue
        try:
            gone = not Path(_source(other).read_text(encoding="utf-8").strip()).is_dir()
        except OSError:
            gone = False  # no record of its installation: only its own installation may replace it
        if other.name.startswith(install + "-") or gone:
            other.unlink(missing_ok=True)
            _source(other).unlink(missing_ok=True)


def _failed(path: Path) -> Path:
    return path.with_name(path.name + ".failed")


def _record(path: Path, timeout: float) -> None:
    """Run one real start in a child that writes the archive at its JVM's exit; put it in place if whole."""
    from localbricks import workspace

    print("Recording Spark's classes for quicker starts (once on this machine, about half a minute)…",
          file=sys.stderr, flush=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYSPARK_GATEWAY", "SPARK_CONNECT", "SPARK_REMOTE")) and k != "PYSPARK_SUBMIT_ARGS"}
    try:
        with tempfile.TemporaryDirectory(prefix="localbricks-classes-") as home:
            # the UI as this process's sessions have it, so its classes are recorded when they use it
            env.update({RECORD_ENV: str(tmp), workspace.HOME_ENV: home, "LOCALBRICKS_SPARK_MASTER": "local[2]"})
            # a session of its own, so a timeout kills its JVM too: left alive, that JVM would still
            # write the archive at its exit, after the clean-up below
            child = subprocess.Popen([sys.executable, *RECORDER], env=env, start_new_session=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            try:
                output, _ = child.communicate(timeout=timeout)
                problem = "" if child.returncode == 0 else f"the recording run exited with {child.returncode}:\n" \
                                                           f"{output[-3000:]}"
            except subprocess.TimeoutExpired:
                _kill_session(child)
                problem = f"the recording run took longer than {timeout:.0f} s"
            except BaseException:  # Ctrl-C reaches only this process now: take the recording down with it
                _kill_session(child)
                raise
        problem = problem or _unusable(tmp)
        if problem:
            _failed(path).write_text(problem + "\n", encoding="utf-8")
            print(f"Spark starts without a class archive ({problem.splitlines()[0]}); the reason is in "
                  f"{_failed(path)}, delete it to try again.", file=sys.stderr, flush=True)
            return
        os.chmod(tmp, 0o644)  # readable by a walled kernel running as nobody
        os.replace(tmp, path)
        _source(path).write_text(_pyspark_dir(), encoding="utf-8")
        _remove_stale(path)
    finally:
        tmp.unlink(missing_ok=True)


def _kill_session(child: subprocess.Popen) -> None:
    """Kill the recording child and every process it started (they share its session), and reap it."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    child.communicate()


def _unusable(archive: Path) -> str:
    """Why a JVM cannot start from ``archive`` (missing, truncated…), or "" when one can."""
    if not archive.is_file() or archive.stat().st_size == 0:
        return "the recording run wrote no archive"
    with tempfile.TemporaryDirectory() as scratch:  # where a crashing JVM leaves its hs_err file
        check = subprocess.run([java_binary(), f"-XX:SharedArchiveFile={archive}", "-version"],
                               capture_output=True, text=True, timeout=120, cwd=scratch)
    return "" if check.returncode == 0 else f"a JVM could not start from it:\n{(check.stdout + check.stderr)[-2000:]}"


def _recording_run() -> int:
    """The child's work: start, use what the course's notebooks use first, stop, wait for the JVM's exit."""
    from pyspark import SparkContext

    from localbricks import session

    spark = session.get_spark()
    frame = spark.range(2000).selectExpr("id", "id % 7 AS k", "rand(1) AS x", "id % 2 AS label")
    frame.write.saveAsTable("main.default.classes")
    table = spark.table("main.default.classes")
    spark.sql("SELECT k, avg(x) FROM main.default.classes GROUP BY k ORDER BY k").collect()
    table.limit(100).toPandas()

    from pyspark.ml import Pipeline
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.feature import VectorAssembler

    model = Pipeline(stages=[VectorAssembler(inputCols=["k", "x"], outputCol="features"),
                             LogisticRegression(maxIter=3)]).fit(table)
    model.transform(table).select("prediction").collect()
    proc = SparkContext._gateway.proc
    spark.stop()
    proc.stdin.close()  # the gateway JVM exits at the end of its input, and writes the archive as it does
    return proc.wait(timeout=300)


if __name__ == "__main__":
    sys.exit(_recording_run())

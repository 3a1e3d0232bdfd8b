"""Spark's class archive: the session's JVM maps Spark's classes from it, and a broken recording
never reaches the path a JVM would map (a truncated archive crashes the JVM that maps it)."""
import os
import shutil
import subprocess
import time

import pytest

from localbricks import class_archive
from localbricks.java import java_binary

pytestmark = pytest.mark.spark


def _jvm(spark):
    return spark.sparkContext._jvm


def test_the_session_jvm_starts_from_the_archive_and_spark_classes_come_from_it(spark):
    archive = class_archive.archive_path()
    jvm = _jvm(spark)
    args = list(jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments())
    assert f"-XX:SharedArchiveFile={archive}" in " ".join(args), args
    # -Xshare:on refuses to start unless the archive maps with the session's own classpath
    classpath = jvm.java.lang.System.getProperty("java.class.path")
    run = subprocess.run([java_binary(), "-Xshare:on", f"-XX:SharedArchiveFile={archive}", "-Xlog:class+load=info",
                          "-cp", classpath, "org.apache.spark.deploy.SparkSubmit", "--version"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    loaded = [line for line in run.stdout.splitlines() if "org.apache.spark.deploy.SparkSubmit " in line]
    assert loaded and "shared objects file (top)" in loaded[0], loaded


@pytest.fixture
def scratch_cache(tmp_path, monkeypatch, spark):
    """An empty cache holding only the session's catalog jar, and a recorder writing into a log
    each time it runs."""
    from localbricks.jvm import catalog_jar

    real = class_archive.archive_path()
    jar = catalog_jar()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    (tmp_path / "localbricks").mkdir()
    shutil.copy(jar, tmp_path / "localbricks" / jar.name)
    return tmp_path / "localbricks", real


def _recorder(monkeypatch, log, body: str):
    script = f"import os, shutil\nopen({str(log)!r}, 'a').write('ran\\n')\nout = os.environ[{class_archive.RECORD_ENV!r}]\n{body}"
    monkeypatch.setattr(class_archive, "RECORDER", ("-c", script))


def test_a_truncated_recording_is_not_put_in_place_and_not_retried(scratch_cache, tmp_path, monkeypatch):
    cache, real = scratch_cache
    log = tmp_path / "runs.log"
    _recorder(monkeypatch, log, f"open(out, 'wb').write(open({str(real)!r}, 'rb').read(2_000_000))")
    assert class_archive.ensure() is None
    assert not class_archive.archive_path().exists()
    assert "could not start from it" in (cache / (class_archive.archive_path().name + ".failed")).read_text()
    assert not list(cache.glob(".*.tmp")), "the partial archive was left behind"
    assert class_archive.ensure() is None
    assert log.read_text() == "ran\n", "a failed recording was tried again"
    assert class_archive.java_option() == "", "a JVM would be pointed at a missing archive"


def test_a_whole_recording_is_put_in_place_readable_to_all(scratch_cache, tmp_path, monkeypatch):
    cache, real = scratch_cache
    log = tmp_path / "runs.log"
    _recorder(monkeypatch, log, f"shutil.copy({str(real)!r}, out)")
    install = class_archive.archive_path().name.rsplit("-", 1)[0]
    (cache / f"{install}-0123456789ab.jsa").write_bytes(b"this venv's, for an older pyspark")
    other = cache / f"{class_archive.PREFIX}0123456789ab-0123456789ab.jsa"
    other.write_bytes(b"another checkout's venv")
    (cache / (other.name + ".source")).write_text(str(tmp_path))  # that venv still exists
    gone = cache / f"{class_archive.PREFIX}ba9876543210-0123456789ab.jsa"
    gone.write_bytes(b"a deleted checkout's venv")
    (cache / (gone.name + ".source")).write_text(str(tmp_path / "deleted-venv"))
    path = class_archive.ensure()
    assert path == class_archive.archive_path() and path.stat().st_size == real.stat().st_size
    assert path.stat().st_mode & 0o044 == 0o044
    assert sorted(p.name for p in cache.glob("*.jsa")) == sorted([path.name, other.name]), \
        "a stale archive was kept, or another installation's was deleted"
    assert not (cache / (gone.name + ".source")).exists()
    assert class_archive.ensure() == path and log.read_text() == "ran\n"
    assert class_archive.java_option() == f"-XX:SharedArchiveFile={path}"


def test_the_switch_turns_it_off(scratch_cache, tmp_path, monkeypatch):
    log = tmp_path / "runs.log"
    _recorder(monkeypatch, log, "shutil.copy(os.devnull, out)")
    monkeypatch.setenv(class_archive.SWITCH_ENV, "false")
    assert class_archive.ensure() is None and class_archive.java_option() == ""
    assert not log.exists(), "a recording ran"
    monkeypatch.delenv(class_archive.SWITCH_ENV)
    assert class_archive.ensure() is None and log.exists(), "the recording did not run once the switch was back on"


def test_a_reinstall_in_the_same_place_gets_a_new_archive_name(tmp_path, monkeypatch):
    """The JVM refuses an archive once any jar's size or time differs (a fresh venv on the same
    path, as CI makes): the name must change with them, or the stale archive is silently unused."""
    jars = tmp_path / "pyspark" / "jars"
    jars.mkdir(parents=True)
    (jars / "spark-core.jar").write_bytes(b"one build")
    monkeypatch.setattr(class_archive, "_pyspark_dir", lambda: str(tmp_path / "pyspark"))
    first = class_archive.archive_path()
    assert class_archive.archive_path() == first
    stat = (jars / "spark-core.jar").stat()
    os.utime(jars / "spark-core.jar", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    reinstalled = class_archive.archive_path()
    assert reinstalled != first
    install = first.name[:len(class_archive.PREFIX) + 12]
    assert reinstalled.name.startswith(install + "-"), "the same installation's archives must share a prefix"


def test_a_recording_past_its_time_is_killed_with_what_it_started(scratch_cache, tmp_path, monkeypatch):
    """The recorder's JVM writes the archive when it exits; one outliving a timed-out recorder would leave it
    behind (the grandchild here stands for that JVM)."""
    cache, _ = scratch_cache
    late = "import sys, time; time.sleep(3); open(sys.argv[1], 'wb').write(b'an archive written too late')"
    _recorder(monkeypatch, tmp_path / "runs.log",
              f"import subprocess, sys, time\nsubprocess.Popen([sys.executable, '-c', {late!r}, out])\ntime.sleep(60)")
    assert class_archive.ensure(timeout=1) is None
    assert "took longer than 1 s" in (cache / (class_archive.archive_path().name + ".failed")).read_text()
    time.sleep(4)  # past the moment the grandchild would have written
    assert not list(cache.glob(".*.tmp")), "a process the recorder started wrote its archive after the clean-up"

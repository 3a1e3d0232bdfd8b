"""The jars localbricks compiles for Spark: one builder, cache keys that never drift."""
import hashlib
from pathlib import Path

import pyspark
import pytest

from localbricks import jvm
from localbricks.errors import LocalbricksError
from localbricks.pipelines import server


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "localbricks"


def _key(*parts: bytes) -> str:
    return hashlib.sha256(b"".join(parts)).hexdigest()[:16]


def test_the_cache_keys_are_those_jars_were_built_with(cache, monkeypatch):
    """Renaming a key would recompile on every learner's machine: both jars are found where the
    original formulas put them, without javac."""
    monkeypatch.setattr(jvm.subprocess, "run", lambda *a, **k: pytest.fail("a cached jar was recompiled"))
    version = pyspark.__version__.encode()
    cache.mkdir(parents=True)
    catalog = cache / f"localbricks-catalog-{_key(jvm.SOURCE.read_bytes(), version)}.jar"
    catalog.touch()
    assert jvm.catalog_jar() == catalog
    delta = Path("io.delta_delta-spark_4.1_2.13-4.4.1.jar")
    key = _key(server.SOURCE.read_bytes(), version, delta.name.encode(), catalog.name.encode())
    streaming = cache / f"localbricks-streaming-catalog-{key}.jar"
    streaming.touch()
    assert server.streaming_catalog_jar(delta) == streaming


def test_compiled_jar_builds_against_pyspark_and_extra_classpath_then_reuses_it(cache, tmp_path, monkeypatch):
    base_src = tmp_path / "src" / "Base.java"
    base_src.parent.mkdir()
    base_src.write_text("package lb.test; public class Base { public org.apache.spark.SparkConf conf() { return null; } }")
    base = jvm.compiled_jar(base_src, "test-base")
    child_src = tmp_path / "src" / "Child.java"
    child_src.write_text("package lb.test; public class Child extends Base {}")
    child = jvm.compiled_jar(child_src, "test-child", classpath=[base], key_extra=base.name.encode())
    import zipfile

    assert zipfile.ZipFile(base).namelist() == ["lb/test/Base.class"]
    assert zipfile.ZipFile(child).namelist() == ["lb/test/Child.class"]
    assert child.name == f"test-child-{_key(child_src.read_bytes(), pyspark.__version__.encode(), base.name.encode())}.jar"
    monkeypatch.setattr(jvm.subprocess, "run", lambda *a, **k: pytest.fail("a cached jar was recompiled"))
    assert jvm.compiled_jar(child_src, "test-child", classpath=[base], key_extra=base.name.encode()) == child


def test_a_source_that_does_not_compile_is_one_clear_error(cache, tmp_path):
    source = tmp_path / "Broken.java"
    source.write_text("public class Broken extends lb.test.Missing {}")
    with pytest.raises(LocalbricksError, match="(?s)Could not compile the test plugin.*package lb.test does not exist"):
        jvm.compiled_jar(source, "test-broken", what="the test plugin")
    assert not list(cache.glob("test-broken*")), "a failed build must leave no jar to be reused"


def test_two_processes_compiling_the_same_jar_at_once_both_get_a_whole_jar(cache, tmp_path, monkeypatch):
    """Two kernels (or two test workers) on a fresh machine compile the catalog jar at the same
    moment: each writes its own temporary file, so neither truncates the other's or loses its rename."""
    import threading
    import zipfile

    source = tmp_path / "Both.java"
    source.write_text("package lb.test; public class Both {}")
    both_writing = threading.Barrier(2, timeout=120)
    real_zipfile = zipfile.ZipFile

    def zipfile_held_open_until_both_write(*args, **kwargs):
        archive = real_zipfile(*args, **kwargs)
        both_writing.wait()
        return archive

    monkeypatch.setattr(jvm.zipfile, "ZipFile", zipfile_held_open_until_both_write)
    results, errors = [], []

    def compile_it():
        try:
            results.append(jvm.compiled_jar(source, "test-both"))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=compile_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not errors, errors
    assert len(results) == 2 and results[0] == results[1]
    assert real_zipfile(results[0]).namelist() == ["lb/test/Both.class"]
    assert [p.name for p in cache.iterdir()] == [results[0].name]  # no temporary file left behind
    assert results[0].stat().st_mode & 0o444 == 0o444  # readable by a sandboxed kernel running as another user

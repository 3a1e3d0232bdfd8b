import os
import stat

import pytest

from localbricks import java
from localbricks.errors import JavaNotFoundError


def _fake_java(tmp_path, version_line):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "java"
    exe.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return tmp_path


def test_missing_java_names_what_to_install(monkeypatch, tmp_path):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(JavaNotFoundError, match="openjdk-17"):
        java.require_java()


def test_old_java_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("JAVA_HOME", str(_fake_java(tmp_path, 'openjdk version "1.8.0_392"')))
    with pytest.raises(JavaNotFoundError, match="found Java 8"):
        java.require_java()


def test_java_17_is_accepted(monkeypatch, tmp_path):
    monkeypatch.setenv("JAVA_HOME", str(_fake_java(tmp_path, 'openjdk version "17.0.15" 2025-04-15')))
    assert java.require_java() == 17


def test_missing_javac_says_a_jdk_is_needed(monkeypatch, tmp_path):
    monkeypatch.setenv("JAVA_HOME", str(_fake_java(tmp_path, 'openjdk version "17.0.15"')))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(JavaNotFoundError, match="JDK, not a JRE"):
        java.java_binary("javac")

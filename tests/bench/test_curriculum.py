"""The cheap parts of bench/curriculum.py (and the ratio table of ``make bench``), without running a course notebook."""
from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest

import _summary
import curriculum
from _common import report_ratio

ALLOC_MB = 200


def _tiny_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["course"] = {"ci_parameters": {"SCALE": 0.2}}
    params = nbformat.v4.new_code_cell("SCALE = 1.0\nWORKSPACE = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("%time doubled = SCALE * 2\nprint('doubled', doubled, WORKSPACE)")]
    nbformat.write(nb, path)
    return path


def test_parameters_are_the_ci_ones_in_ci_mode_and_the_workspace_always(tmp_path):
    path = _tiny_notebook(tmp_path / "00_tiny.ipynb")
    assert curriculum.parameters(path, "ci", "/ws") == {"SCALE": 0.2, "WORKSPACE": "/ws"}
    assert curriculum.parameters(path, "full", "/ws") == {"WORKSPACE": "/ws"}


def test_exported_script_has_the_parameters_injected_after_the_defaults_and_runs_in_ipython(tmp_path):
    path = _tiny_notebook(tmp_path / "00_tiny.ipynb")
    script = curriculum.export_script(path, {"SCALE": 0.2, "WORKSPACE": "/ws"})
    assert script.index("SCALE = 1.0") < script.index("SCALE = 0.2")
    assert "run_line_magic('time'" in script  # the magic survives as a call ipython can make
    (tmp_path / "tiny.py").write_text(script)
    done = subprocess.run([sys.executable, "-m", "IPython", "--no-banner", "--colors=nocolor", str(tmp_path / "tiny.py")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "doubled 0.4 /ws" in done.stdout


def _spawning(allocate: bool) -> list[str]:
    """A process whose child holds ALLOC_MB of touched memory (or nothing) for 1.5 s."""
    grandchild = (f"import time; b = b'x' * ({ALLOC_MB} * 2**20); time.sleep(1.5)" if allocate
                  else "import time; time.sleep(1.5)")
    return [sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', {grandchild!r}], check=True)"]


@pytest.mark.timeout(120)
def test_tree_peak_counts_memory_a_descendant_allocates(tmp_path):
    side = curriculum.timed(_spawning(True), tmp_path, None, tmp_path / "log", timeout=60)
    assert side.status == "ok"
    assert side.peak_mb >= ALLOC_MB


@pytest.mark.timeout(120)
def test_tree_peak_stays_below_when_nothing_allocates(tmp_path):
    side = curriculum.timed(_spawning(False), tmp_path, None, tmp_path / "log", timeout=60)
    assert side.status == "ok"
    assert 0 < side.peak_mb < ALLOC_MB


@pytest.mark.timeout(120)
def test_tree_peak_leaves_out_what_the_callers_other_children_start_meanwhile(tmp_path):
    """Under xdist a test process already has children (Spark JVMs) that start processes of their
    own while a command is timed; those are not the command's (counted, this test fails)."""
    started, allocated = tmp_path / "started", tmp_path / "allocated"
    hog = f"import time; b = b'x' * ({ALLOC_MB} * 2**20); open({str(allocated)!r}, 'w').close(); time.sleep(1.5)"
    unrelated = subprocess.Popen([sys.executable, "-c", (
        f"import os, subprocess, sys, time\n"
        f"while not os.path.exists({str(started)!r}): time.sleep(0.05)\n"
        f"subprocess.run([sys.executable, '-c', {hog!r}], check=True)")])
    measured = [sys.executable, "-c", (
        f"import os, time\nopen({str(started)!r}, 'w').close()\n"
        f"deadline = time.time() + 60\n"
        f"while not os.path.exists({str(allocated)!r}) and time.time() < deadline: time.sleep(0.05)\n"
        f"time.sleep(0.8)")]
    try:
        side = curriculum.timed(measured, tmp_path, None, tmp_path / "log", timeout=90)
    finally:
        unrelated.wait(timeout=60)
    assert allocated.exists(), "the unrelated process never allocated: the test proves nothing"
    assert side.status == "ok" and side.left_running == 0
    assert 0 < side.peak_mb < ALLOC_MB


def test_tree_peak_of_a_given_root_includes_the_root():
    proc = subprocess.Popen([sys.executable, "-c", f"import time; b = b'x' * ({ALLOC_MB} * 2**20); time.sleep(1.5)"])
    peak = curriculum.TreePeak(proc.pid)
    proc.wait(timeout=60)
    assert peak.stop() >= ALLOC_MB


def test_a_failing_command_is_a_failed_side_with_its_last_line(tmp_path):
    side = curriculum.timed([sys.executable, "-c", "raise SystemExit('no data set')"], tmp_path, None,
                            tmp_path / "log", timeout=60)
    assert (side.status, side.error) == ("failed", "exit 1: no data set")


def _executed(setup_seconds: float | None, widget: bool = False):
    nb = nbformat.v4.new_notebook()
    cells = [("SCALE = 1.0", 0.01)]
    if setup_seconds is not None:
        cells.append(("import localbricks\nlocalbricks.activate(master=SPARK_MASTER)", setup_seconds))
    cells.append(("spark.range(3).count()", 2.0))
    for source, seconds in cells:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["papermill"] = {"duration": seconds}
        nb.cells.append(cell)
    if widget:
        nb.cells[-1].outputs = [nbformat.v4.new_output("display_data", data={curriculum.WIDGET_MIME: {"model_id": "x"}})]
    return nb


def test_spark_start_is_the_setup_cells_recorded_duration():
    assert curriculum.spark_start(_executed(7.5)) == 7.5
    assert curriculum.spark_start(_executed(None)) is None


def test_widget_outputs_are_counted():
    assert curriculum.widget_outputs(_executed(1.0, widget=True)) == 1
    assert curriculum.widget_outputs(_executed(1.0)) == 0


def test_a_row_without_a_plain_run_says_na_and_why():
    row = curriculum.Row("10_practice_exam", "ci", curriculum.Side("ok", 30.0, 400.0),
                         spark_note="no localbricks.activate( cell", plain_note="shows 2 ipywidget(s)")
    line = curriculum.format_row(row)
    assert row.ratio is None and line.count("n/a") >= 4 and "shows 2 ipywidget(s)" in line
    row.plain = curriculum.Side("ok", 20.0, 200.0)
    assert row.ratio == pytest.approx(1.5)
    assert "1.50x" in curriculum.format_row(row) and "2.00x" in curriculum.format_row(row)


def test_report_ratio_and_summary_round_trip(tmp_path, monkeypatch, capsys):
    target = tmp_path / "ratios.jsonl"
    monkeypatch.delenv("BENCH_RATIOS", raising=False)
    report_ratio("nowhere", "unset", 1.0, "not written")
    assert not target.exists()
    monkeypatch.setenv("BENCH_RATIOS", str(target))
    report_ratio("online_lookup", "offline / online lookup, p99", 250.0, "above 1: the online store is faster")
    report_ratio("curriculum", "10 ci: papermill / plain", None, "n/a: shows widgets")
    rows = _summary.read_ratios(target)
    assert [r["bench"] for r in rows] == ["online_lookup", "curriculum"]
    assert json.loads(target.read_text().splitlines()[0])["ratio"] == 250.0
    assert _summary.main([]) == 0
    table = capsys.readouterr().out
    assert "250.00x" in table and "n/a" in table and "shows widgets" in table
    assert _summary.format_table([]) == "no ratios recorded"

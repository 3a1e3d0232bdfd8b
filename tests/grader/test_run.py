"""papermill runs: CI parameters, overrides, failures reported while the others still run."""
from __future__ import annotations

import pytest

from nbfactory import code, notebook, parameters, save
from grader import notebooks, run
from grader.cli import main

OK_SOURCE = '''import os
assert os.environ["GRADER_NO_PROGRESS"] == "1", "kernels must not record progress"
print(open("data.txt").read().strip(), SCALE * 10)'''


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "solutions"
    save(notebook(parameters(SCALE=1.0, SEED=42), code(OK_SOURCE), ci_parameters={"SCALE": 0.5}),
         folder / "01_ok.ipynb")
    save(notebook(parameters(SCALE=1.0), code('raise ValueError(f"boom at scale {SCALE}")'),
                  ci_parameters={"SCALE": 0.25}), folder / "02_fail.ipynb")
    (folder / "data.txt").write_text("hello\n")  # read relative to the notebook's folder
    return folder


def printed(path) -> str:
    nb = notebooks.read(path)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_failure_is_reported_and_the_next_notebook_runs(folder, tmp_path):
    paths = [folder / "02_fail.ipynb", folder / "01_ok.ipynb"]
    results = run.run_notebooks(paths, ci=True, out_dir=tmp_path / "runs", progress_bar=False)
    assert [(r.notebook, r.status) for r in results] == [("02_fail.ipynb", "failed"), ("01_ok.ipynb", "ok")]
    # cell 3 of the executed copy: papermill inserts the injected-parameters cell after cell 1
    assert results[0].error == "cell 3: ValueError: boom at scale 0.25"
    out = notebooks.read(results[1].output)
    injected = [c for c in out.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "SCALE = 0.5" in injected[0].source
    assert printed(results[1].output) == "hello 5.0\n"
    summary = run.format_summary(results)
    assert "02_fail.ipynb  failed" in summary and "ValueError: boom at scale 0.25" in summary
    assert summary.splitlines()[-1] == "1 ok, 1 failed"


def test_cli_overrides_beat_ci_parameters(folder, workspace, capsys):
    assert main(["run", "--ci", "-q", "-p", "SCALE", "2", "--folder", str(folder), "01"]) == 0
    assert printed(workspace / "runs" / "01_ok.ipynb") == "hello 20\n"
    assert "1 ok, 0 failed" in capsys.readouterr().out


def test_parameters_for(folder):
    assert run.parameters_for(folder / "01_ok.ipynb") == {}
    assert run.parameters_for(folder / "01_ok.ipynb", ci=True) == {"SCALE": 0.5}
    assert run.parameters_for(folder / "01_ok.ipynb", ci=True, overrides={"SCALE": 3, "X": "y"}) == {
        "SCALE": 3, "X": "y"}


@pytest.mark.parametrize("text, value", [("0.2", 0.2), ("3", 3), ("True", True), ("None", None),
                                         ("local[2]", "local[2]"), ("'quoted'", "quoted"), ("[1, 2]", [1, 2])])
def test_parse_value(text, value):
    assert run.parse_value(text) == value

"""Notebook discovery, name resolution and hygiene."""
from __future__ import annotations

import nbformat
import pytest

from nbfactory import code, markdown, notebook, parameters, save
from grader import notebooks
from grader.cli import main
from grader.notebooks import UnknownNotebook


@pytest.fixture
def folder(tmp_path):
    for name in ["02_data_preparation", "01_intro", "10_deployment", "README", "1_bad"]:
        save(notebook(parameters(SCALE=1.0)), tmp_path / f"{name}.ipynb")
    (tmp_path / "03_notes.txt").write_text("not a notebook")
    (tmp_path / "04_folder.ipynb").mkdir()
    return tmp_path


def test_list_notebooks_sorted_and_filtered(folder):
    assert [p.name for p in notebooks.list_notebooks(folder)] == [
        "01_intro.ipynb", "02_data_preparation.ipynb", "10_deployment.ipynb"]
    assert notebooks.list_notebooks(folder / "missing") == []


@pytest.mark.parametrize("name", ["02", "2", "02_data_preparation", "02_data_preparation.ipynb"])
def test_resolve_names(folder, name):
    assert notebooks.resolve(name, folder) == folder / "02_data_preparation.ipynb"


def test_resolve_path(folder, tmp_path, monkeypatch):
    elsewhere = save(notebook(), tmp_path / "other" / "mine.ipynb")
    assert notebooks.resolve(str(elsewhere), folder) == elsewhere
    monkeypatch.chdir(tmp_path)
    assert notebooks.resolve("other/mine.ipynb", folder) == elsewhere


def test_unknown_name_lists_available(folder):
    with pytest.raises(UnknownNotebook) as info:
        notebooks.resolve("07", folder)
    message = str(info.value)
    assert "\n" not in message
    assert message == (f"no notebook '07' in {folder}; "
                       "available: 01_intro, 02_data_preparation, 10_deployment")


def test_ambiguous_prefix(folder):
    save(notebook(), folder / "02_more.ipynb")
    with pytest.raises(UnknownNotebook, match="more than one notebook matches '02'"):
        notebooks.resolve("02", folder)


def test_cli_unknown_notebook_is_one_line_exit_2(folder, capsys):
    assert main(["run", "--folder", str(folder), "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("grader: error: no notebook 'nope'")


def dirty_notebook():
    nb = notebook(markdown("# T"), parameters(SCALE=1.0, SEED=42), code("x = 1\nx"),
                  ci_parameters={"SCALE": 0.2})
    cell = nb.cells[2]
    cell.execution_count = 3
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "1"}, execution_count=3)]
    cell.metadata["execution"] = {"iopub.status.busy": "2026-11-28T07:00:00"}
    cell.metadata["tags"] = ["keep-me"]
    nb.metadata["widgets"] = {"state": {}}
    nb.metadata["language_info"]["version"] = "3.11.7"
    return nb


def test_clean_notebook_has_no_problems():
    assert notebooks.problems(notebook(parameters(SCALE=1.0), ci_parameters={"SCALE": 0.1})) == []


def test_problems_reports_outputs_and_counts():
    assert notebooks.problems(dirty_notebook()) == ["cell 3 has outputs", "cell 3 has an execution count"]


@pytest.mark.parametrize("cells, expected", [
    ([code("x = 1")], "no cell is tagged 'parameters'"),
    ([parameters(A=1), code("y = 2"), parameters(B=2)], "2 cells are tagged 'parameters' (cells 1, 3)"),
])
def test_problems_reports_parameters_cell(cells, expected):
    assert notebooks.problems(notebook(*cells)) == [expected]


def test_problems_reports_unknown_ci_parameter(tmp_path):
    path = save(notebook(parameters(SCALE=1.0), ci_parameters={"SCALE": 0.2, "ROWS": 10}), tmp_path / "01_a.ipynb")
    assert notebooks.problems(path) == [
        "course.ci_parameters sets ROWS, which the 'parameters' cell does not define"]


def test_strip_and_clean_file(tmp_path):
    path = save(dirty_notebook(), tmp_path / "01_dirty.ipynb")
    assert notebooks.clean_file(path, write_back=False) is True
    assert notebooks.problems(path)  # --check leaves the file alone
    assert notebooks.clean_file(path) is True
    assert notebooks.clean_file(path) is False
    nb = notebooks.read(path)
    assert notebooks.problems(nb) == []
    assert nb.cells[2].metadata == {"tags": ["keep-me"]}
    assert set(nb.metadata) == {"kernelspec", "language_info", "course"}
    assert "version" not in nb.metadata.language_info
    text = path.read_text()
    assert text.endswith("}\n") and text.startswith('{\n "cells": [\n  {\n')  # indent 1


def test_cli_clean_check_then_clean(tmp_path, capsys):
    path = save(dirty_notebook(), tmp_path / "01_dirty.ipynb")
    assert main(["clean", "--check", str(tmp_path)]) == 1
    assert main(["clean", str(path)]) == 0
    assert main(["clean", "--check", str(tmp_path)]) == 0
    assert "not clean:" in capsys.readouterr().out

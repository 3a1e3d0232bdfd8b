"""solutions/ -> notebooks/: what students get, byte stability, drift detection."""
from __future__ import annotations

import nbformat
import pytest

from nbfactory import code, graded_notebook, notebook, parameters, save
from grader import notebooks, release
from grader.cli import main
from grader.release import Finding, ReleaseError


@pytest.fixture
def dirs(tmp_path):
    src, dst = tmp_path / "solutions", tmp_path / "notebooks"
    save(graded_notebook(), src / "01_squares.ipynb")
    return src, dst


def test_student_version_hides_solutions_and_hidden_tests(dirs):
    src, dst = dirs
    assert release.release(src, dst) == [dst / "01_squares.ipynb"]
    text = (dst / "01_squares.ipynb").read_text()
    nb = notebooks.read(dst / "01_squares.ipynb")
    solution, visible, hidden = nb.cells[2], nb.cells[3], nb.cells[4]
    assert "return x * x" not in text and "BEGIN SOLUTION" not in text
    assert solution.source.endswith("    # YOUR CODE HERE\n    raise NotImplementedError()")
    assert "square(-1)" not in text and "HIDDEN TESTS" not in text
    assert hidden.source == "assert square(3) == 9"
    for test in (visible, hidden):
        assert (test.metadata.deletable, test.metadata.editable) == (False, False)
        assert test.metadata.nbgrader.checksum
    assert solution.metadata.deletable is False
    assert notebooks.problems(nb) == []
    assert nb.metadata.course.ci_parameters == {"SCALE": 0.1}


def test_release_is_byte_stable(dirs):
    src, dst = dirs
    release.release(src, dst)
    first = (dst / "01_squares.ipynb").read_bytes()
    assert release.release(src, dst) == []  # nothing to rewrite
    (dst / "01_squares.ipynb").unlink()
    release.release(src, dst)
    assert (dst / "01_squares.ipynb").read_bytes() == first
    assert release.check(src, dst) == []


def test_check_reports_drift_missing_and_orphans(dirs):
    src, dst = dirs
    release.release(src, dst)
    target = dst / "01_squares.ipynb"
    nb = notebooks.read(target)
    nb.cells[2].source = "def square(x):\n    return x ** 2"  # someone edited notebooks/ by hand
    notebooks.write(nb, target)
    save(notebook(parameters(A=1)), dst / "09_gone.ipynb")
    save(notebook(parameters(A=1)), src / "02_new.ipynb")
    assert release.check(src, dst) == [
        Finding("drifted", target), Finding("missing", dst / "02_new.ipynb"),
        Finding("orphan", dst / "09_gone.ipynb")]
    assert str(Finding("orphan", dst / "09_gone.ipynb")) == f"orphan: {dst / '09_gone.ipynb'}"
    release.release(src, dst, prune=True)
    assert release.check(src, dst) == []
    assert not (dst / "09_gone.ipynb").exists()


def test_refuses_a_dirty_solution_and_writes_nothing(dirs):
    src, dst = dirs
    nb = graded_notebook()
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="hi\n")]
    save(nb, src / "02_dirty.ipynb")
    with pytest.raises(ReleaseError, match=r"^02_dirty\.ipynb: cell 2 has outputs"):
        release.release(src, dst)
    assert not dst.exists()


def test_refuses_inconsistent_markers(dirs):
    src, _ = dirs
    save(notebook(parameters(A=1), code("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")), src / "03_bad.ipynb")
    with pytest.raises(ReleaseError, match=r"^03_bad\.ipynb: .*non-solution cell"):
        release.check(src, src.parent / "notebooks")


def test_cli_release_and_check(dirs, capsys):
    src, dst = dirs
    args = ["--src", str(src), "--dst", str(dst)]
    assert main(["release", "--check", *args]) == 1
    assert main(["release", *args]) == 0
    assert main(["release", "--check", *args]) == 0
    save(notebook(code("x = 1")), src / "04_noparams.ipynb")
    assert main(["release", *args]) == 1
    assert "grader: error: 04_noparams.ipynb: no cell is tagged 'parameters'" in capsys.readouterr().err

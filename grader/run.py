"""Run course notebooks top to bottom with papermill, small in CI, and report each one's fate.

Each notebook runs in a fresh ``python3`` kernel whose working directory is the notebook's own
folder (so ``../datasets`` resolves as it does in JupyterLab); the executed copy is saved to
``home()/runs/<name>.ipynb`` for inspection. One failing notebook never stops the others.
"""
from __future__ import annotations

import ast
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from localbricks import workspace

from grader import notebooks
from grader.kernelenv import kernel_environ


@dataclass
class RunResult:
    """How one notebook run ended."""

    notebook: str
    status: str  # "ok" | "failed"
    seconds: float
    error: str = ""  # one line: failing cell, error name and message
    output: Path | None = None


def parse_value(text: str):
    """Read a ``-p NAME VALUE`` value as a Python literal (``0.2``, ``True``, ``None``, ``[1, 2]``),
    or keep it as a string (``local[2]``)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parameters_for(path: Path, ci: bool = False, overrides: dict | None = None) -> dict:
    """The parameters to inject: the notebook's ``course.ci_parameters`` with ``ci``, then ``overrides``."""
    params = {}
    if ci:
        params.update(notebooks.read(path).metadata.get("course", {}).get("ci_parameters", {}))
    params.update(overrides or {})
    return params


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def describe_failure(err: Exception) -> str:
    """One line for the summary: ``cell 4: NameError: name 'x' is not defined``."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(err, PapermillExecutionError):
        return _one_line(f"cell {err.cell_index + 1}: {err.ename}: {err.evalue}")
    return _one_line(f"{type(err).__name__}: {err}")


def run_one(path: Path, out_dir: Path, parameters: dict) -> RunResult:
    """Execute one notebook with papermill; never raises for a notebook failure."""
    from grader.kernels import execute_notebook

    output = Path(out_dir) / path.name
    start = time.perf_counter()
    try:
        execute_notebook(
            path, output, parameters=parameters, cwd=str(path.parent),
            kernel_name="python3", progress_bar=False, log_output=False,
        )
    except Exception as err:  # noqa: BLE001 - every failure becomes a row
        return RunResult(path.name, "failed", time.perf_counter() - start, describe_failure(err), output)
    return RunResult(path.name, "ok", time.perf_counter() - start, "", output)


def run_notebooks(paths: Iterable[Path], ci: bool = False, overrides: dict | None = None,
                  out_dir: Path | None = None, progress_bar: bool = True) -> list[RunResult]:
    """Run each notebook in turn, continuing past failures.

    Args:
        ci: inject each notebook's ``metadata.course.ci_parameters``.
        overrides: parameters applied last (``-p NAME VALUE``).
        out_dir: where executed copies go; default ``home()/runs``.
        progress_bar: show a tqdm bar over notebooks (on stderr).
    """
    from tqdm.auto import tqdm

    paths = [Path(p) for p in paths]
    out_dir = Path(out_dir) if out_dir else workspace.home() / "runs"
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    with kernel_environ(), tqdm(paths, unit="notebook", disable=not progress_bar) as bar:
        for path in bar:
            bar.set_postfix_str(path.name)
            try:
                params = parameters_for(path, ci, overrides)
            except Exception as err:  # noqa: BLE001 - an unreadable notebook is a failed run
                results.append(RunResult(path.name, "failed", 0.0, describe_failure(err)))
                continue
            results.append(run_one(path, out_dir, params))
    return results


def format_summary(results: list[RunResult]) -> str:
    """A plain-text table: notebook, status, seconds, and the error line of failed runs."""
    width = max([len("notebook"), *(len(r.notebook) for r in results)])
    lines = [f"{'notebook':<{width}}  status  seconds  error"]
    for r in results:
        lines.append(f"{r.notebook:<{width}}  {r.status:<6}  {r.seconds:>7.1f}  {r.error}".rstrip())
    failed = sum(r.status != "ok" for r in results)
    lines.append(f"{len(results) - failed} ok, {failed} failed")
    return "\n".join(lines)

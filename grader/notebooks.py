"""Course notebooks: find them, resolve a name a user typed, and keep them clean.

Course notebooks are the ``NN_topic.ipynb`` files of a folder, in number order. "Clean" means
what git should see: no outputs, no execution counts, no editor state in the metadata, and
exactly one code cell tagged ``parameters`` for papermill.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat

NOTEBOOK_NAME = re.compile(r"^\d{2}_[^/\\]+\.ipynb$")
PARAMETERS_TAG = "parameters"

KEEP_NOTEBOOK_METADATA = ("kernelspec", "language_info", "course")
"""Notebook metadata that is content; everything else (widgets state, papermill, …) is dropped."""
KEEP_CELL_METADATA = ("nbgrader", "tags", "deletable", "editable", "slideshow")
"""Cell metadata that is content; execution timings, collapsed/scrolled state are dropped."""


class UnknownNotebook(LookupError):
    """A name that matches no course notebook; the message lists the ones that exist."""


def list_notebooks(folder: Path | str) -> list[Path]:
    """The ``NN_*.ipynb`` files directly in ``folder``, sorted by name."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and NOTEBOOK_NAME.match(p.name))


def resolve(name: str | Path, folder: Path | str) -> Path:
    """Turn ``"02"``, ``"02_data_preparation"``, ``"02_data_preparation.ipynb"`` or a path into a file.

    Raises:
        UnknownNotebook: nothing (or more than one notebook) matches; the message is one line
            naming the folder and the notebooks available.
    """
    folder = Path(folder)
    text = str(name)
    as_path = Path(text).expanduser()
    if as_path.suffix == ".ipynb" and as_path.is_file():
        return as_path.resolve()
    available = list_notebooks(folder)
    if text.isdigit():
        matches = [p for p in available if p.name.startswith(f"{int(text):02d}_")]
    else:
        matches = [p for p in available if text in (p.name, p.stem)]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(p.stem for p in available) or "none"
    what = "more than one notebook matches" if matches else "no notebook"
    raise UnknownNotebook(f"{what} {text!r} in {folder}; available: {names}")


def read(path: Path | str) -> nbformat.NotebookNode:
    """Read a notebook as nbformat 4."""
    return nbformat.read(str(path), as_version=4)


def dumps(nb: nbformat.NotebookNode) -> str:
    """The exact text we commit: nbformat's JSON (indent 1, sorted keys) and a final newline."""
    return nbformat.writes(nb).rstrip("\n") + "\n"


def write(nb: nbformat.NotebookNode, path: Path | str) -> None:
    """Write ``nb`` as :func:`dumps` does, with ``\\n`` line ends on every platform."""
    Path(path).write_text(dumps(nb), encoding="utf-8", newline="\n")


def parameters_cells(nb: nbformat.NotebookNode) -> list[int]:
    """Indices of the cells tagged ``parameters``."""
    return [i for i, cell in enumerate(nb.cells) if PARAMETERS_TAG in cell.metadata.get("tags", [])]


def _assigned_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def problems(nb: nbformat.NotebookNode | Path | str) -> list[str]:
    """Everything that keeps a notebook from being committed as course content.

    Reports (cells numbered from 1): outputs, execution counts, a missing, repeated or
    non-code ``parameters`` cell, and CI parameters the ``parameters`` cell does not define.
    """
    if not isinstance(nb, nbformat.NotebookNode):
        nb = read(nb)
    found = []
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            found.append(f"cell {number} has outputs")
        if cell.get("execution_count") is not None:
            found.append(f"cell {number} has an execution count")
    tagged = parameters_cells(nb)
    if not tagged:
        found.append(f"no cell is tagged {PARAMETERS_TAG!r}")
    elif len(tagged) > 1:
        found.append(f"{len(tagged)} cells are tagged {PARAMETERS_TAG!r} (cells "
                     + ", ".join(str(i + 1) for i in tagged) + ")")
    else:
        cell = nb.cells[tagged[0]]
        if cell.cell_type != "code":
            found.append(f"the {PARAMETERS_TAG!r} cell (cell {tagged[0] + 1}) is not a code cell")
        else:
            ci = nb.metadata.get("course", {}).get("ci_parameters", {})
            unknown = sorted(set(ci) - _assigned_names(cell.source))
            if unknown:
                found.append("course.ci_parameters sets " + ", ".join(unknown)
                             + f", which the {PARAMETERS_TAG!r} cell does not define")
    return found


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove outputs, execution counts and volatile metadata, in place (like ``nbdev_clean``)."""
    nb.metadata = nbformat.NotebookNode(
        {k: v for k, v in nb.metadata.items() if k in KEEP_NOTEBOOK_METADATA})
    if "language_info" in nb.metadata:
        nb.metadata.language_info.pop("version", None)
    for cell in nb.cells:
        cell.metadata = nbformat.NotebookNode(
            {k: v for k, v in cell.metadata.items() if k in KEEP_CELL_METADATA})
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def clean_file(path: Path | str, write_back: bool = True) -> bool:
    """Strip one notebook file; return True if it was not clean (and, with ``write_back``, fix it)."""
    path = Path(path)
    before = path.read_text(encoding="utf-8")
    nb = strip(nbformat.reads(before, as_version=4))
    changed = dumps(nb) != before
    if changed and write_back:
        write(nb, path)
    return changed

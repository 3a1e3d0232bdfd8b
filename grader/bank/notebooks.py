"""Which notebooks exist and which Markdown headings they hold, so ``revisit`` can be checked.

A question's ``revisit`` sends a learner to a lesson; a renamed heading or notebook must fail the
bank's validation rather than leave a dead pointer.
"""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
STUDENT_NOTEBOOKS = SOLUTIONS.parent / "notebooks"

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.+?)\s*#*\s*$")


def headings_of(notebook: Path) -> frozenset[str]:
    """The text of every Markdown heading in ``notebook`` (``## 1 · Title`` → ``"1 · Title"``)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    found = set()
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        in_fence = False
        for line in source.splitlines():
            if line.lstrip().startswith("```"):
                in_fence = not in_fence
                continue
            match = None if in_fence else _HEADING.match(line)
            if match:
                found.add(match["text"])
    return frozenset(found)


@functools.lru_cache(maxsize=4)
def notebook_headings(folder: Path | None = None) -> dict[str, frozenset[str]]:
    """``{"06_model_registry": {heading, …}, …}`` for every ``*.ipynb`` in ``folder``.

    By default the repository's ``solutions/``, or the generated ``notebooks/`` (same names, same
    headings) where a learner's copy has no solutions, so quizzes still grade there.
    """
    if folder is None:
        folder = SOLUTIONS if SOLUTIONS.is_dir() else STUDENT_NOTEBOOKS
    return {path.stem: headings_of(path) for path in sorted(Path(folder).glob("*.ipynb"))}

"""Read and validate the whole bank: every ``*.yaml`` list in ``grader/bank/questions/``.

All problems are collected and raised together as one :class:`BankError`, each naming the file,
the question's id and the field, so an author fixes a file in one pass.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple, Optional

import yaml
from pydantic import ValidationError

from grader.bank.model import Question
from grader.bank.notebooks import notebook_headings

QUESTIONS = Path(__file__).with_name("questions")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_cache: dict[tuple, list[Question]] = {}


class Problem(NamedTuple):
    file: str
    id: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: question {self.id}: field {self.field}: {self.message}"


class BankError(ValueError):
    """The bank (or one file of it) breaks a rule of FORMAT.md; ``problems`` lists every one found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"the question bank has {len(problems)} problem(s):\n{lines}")


def load_bank(folder: Optional[Path] = None, *, notebooks: Optional[Path] = None) -> list[Question]:
    """Every question of the bank, validated, in file-name order then file order.

    Args:
        folder: where the ``*.yaml`` files are; ``grader/bank/questions/`` by default.
        notebooks: the folder of notebooks ``revisit`` must name; the repository's ``solutions/`` by default.

    Raises:
        BankError: naming file, id and field of every problem found.
    """
    folder = Path(folder) if folder is not None else QUESTIONS
    files = sorted(folder.glob("*.yaml"))
    stamp = (str(folder), str(notebooks), tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files))
    if stamp not in _cache:
        _cache.clear()
        _cache[stamp] = _validate(files, notebook_headings(notebooks) if notebooks else notebook_headings())
    return list(_cache[stamp])


def _validate(files: list[Path], headings: dict[str, frozenset[str]]) -> list[Question]:
    problems: list[Problem] = []
    questions: list[Question] = []
    seen: dict[str, str] = {}
    for path in files:
        for label, entry in _entries(path, problems):
            try:
                question = Question.model_validate(entry, context={"notebooks": headings})
            except ValidationError as err:
                problems += [Problem(path.name, label, ".".join(map(str, e["loc"])) or "(question)", _message(e))
                             for e in err.errors()]
                continue
            if question.id in seen:
                problems.append(Problem(path.name, question.id, "id", f"duplicate: {seen[question.id]} already has this id"))
                continue
            seen[question.id] = path.name
            questions.append(question)
    if problems:
        raise BankError(problems)
    return questions


def _entries(path: Path, problems: list[Problem]):
    """``(label, mapping)`` for each entry of one file; file-level problems are recorded instead."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as err:
        problems.append(Problem(path.name, "-", "(file)", f"not valid YAML: {err}"))
        return
    if data is None:
        return
    if not isinstance(data, list):
        problems.append(Problem(path.name, "-", "(file)", "the file must be a YAML list of questions (each starting '- id: …')"))
        return
    for number, entry in enumerate(data, 1):
        if not isinstance(entry, dict):
            problems.append(Problem(path.name, f"#{number}", "(question)", "each entry must be a mapping of fields"))
            continue
        yield str(entry.get("id") or f"#{number} (no id)"), entry


def _message(error: dict) -> str:
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "string_type" and isinstance(error.get("input"), (int, float, bool)):
        message += f" (got {error['input']!r}: quote it in the YAML)"
    return message

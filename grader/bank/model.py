"""One bank question as a pydantic model: every rule of ``FORMAT.md`` that concerns a single item.

Rules that need the whole bank (unique ids) live in :mod:`grader.bank.loader`. ``revisit`` is checked
against the notebooks passed in the validation context (``{"notebooks": {stem: headings}}``), or the
repository's ``solutions/`` when none is given.
"""
from __future__ import annotations

import re
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationInfo, field_validator

from grader.bank.notebooks import notebook_headings
from grader.bank.outline import DOMAIN_OF, OBJECTIVES

LETTERS = {"single": ("A", "B", "C", "D"), "multi": ("A", "B", "C", "D", "E")}
"""The option letters each kind must use, in order."""

KEYS = {"single": 1, "multi": 2}
"""How many letters ``answer`` holds for each kind (no partial credit, as on the exam)."""

ID_PATTERN = r"^[0-9][a-z0-9.-]*$"
_QUIZ_ID = re.compile(r"^\d\d\.[a-z0-9_]+$")

NonEmpty = Field(min_length=1)


class Revisit(BaseModel):
    """Where the course teaches what a question asks: a solutions notebook and a heading in it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    notebook: StrictStr = NonEmpty
    section: StrictStr = NonEmpty

    @field_validator("notebook")
    @classmethod
    def _notebook_exists(cls, notebook: str, info: ValidationInfo) -> str:
        known = _notebooks(info)
        if notebook not in known:
            raise ValueError(f"no notebook solutions/{notebook}.ipynb (known: {', '.join(sorted(known))})")
        return notebook

    @field_validator("section")
    @classmethod
    def _section_is_a_heading(cls, section: str, info: ValidationInfo) -> str:
        notebook = info.data.get("notebook")
        if notebook is not None and section.strip() not in _notebooks(info)[notebook]:
            raise ValueError(f"{section!r} is not a Markdown heading of {notebook} (give the heading's text without the #s)")
        return section


def _notebooks(info: ValidationInfo) -> dict[str, frozenset[str]]:
    context = info.context or {}
    return context["notebooks"] if "notebooks" in context else notebook_headings()


class Question(BaseModel):
    """One exam-style question, exactly as ``grader/bank/FORMAT.md`` describes it.

    Fields are validated in the order declared, so each rule can lean on the fields before it:
    ``objective`` first (the id must start with it), ``kind`` before ``options`` and ``answer``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    objective: StrictStr
    id: StrictStr = Field(pattern=ID_PATTERN)
    kind: Literal["single", "multi"]
    stem: StrictStr = NonEmpty
    options: dict[StrictStr, StrictStr]
    answer: list[StrictStr]
    explanations: dict[StrictStr, StrictStr]
    revisit: Revisit
    proof: Optional[StrictStr] = None
    stale: StrictBool = False
    quiz: Optional[StrictStr] = None

    @property
    def domain(self) -> str:
        """The exam domain: the one the objective's first number names."""
        return DOMAIN_OF[self.objective]

    @field_validator("objective")
    @classmethod
    def _known_objective(cls, objective: str) -> str:
        if objective not in OBJECTIVES:
            raise ValueError(f"{objective!r} is not an objective of the outline (1.1 … 4.6, written as a quoted string)")
        return objective

    @field_validator("id")
    @classmethod
    def _id_starts_with_objective(cls, question_id: str, info: ValidationInfo) -> str:
        objective = info.data.get("objective")
        if objective is not None and not question_id.startswith(f"{objective}-"):
            raise ValueError(f"the id must start with its objective and a dash: '{objective}-…'")
        return question_id

    @field_validator("options")
    @classmethod
    def _letters_for_kind(cls, options: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        kind = info.data.get("kind")
        if kind is not None and tuple(options) != LETTERS[kind]:
            raise ValueError(f"a {kind} question has the options {LETTERS[kind][0]}–{LETTERS[kind][-1]} "
                             f"in order, no more, no gaps; got {', '.join(options) or 'none'}")
        empty = [letter for letter, text in options.items() if not text.strip()]
        if empty:
            raise ValueError(f"option {empty[0]} has no text")
        return options

    @field_validator("answer")
    @classmethod
    def _keys_for_kind(cls, answer: list[str], info: ValidationInfo) -> list[str]:
        kind, options = info.data.get("kind"), info.data.get("options")
        if kind is not None and len(answer) != KEYS[kind]:
            raise ValueError(f"a {kind} question has exactly {KEYS[kind]} key(s) in answer; got {len(answer)}")
        if len(set(answer)) != len(answer):
            raise ValueError("a letter appears twice in answer")
        if options is not None:
            unknown = [letter for letter in answer if letter not in options]
            if unknown:
                raise ValueError(f"answer names {', '.join(unknown)}, which is not an option")
        return answer

    @field_validator("explanations")
    @classmethod
    def _one_per_option(cls, explanations: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        options = info.data.get("options")
        if options is not None:
            missing = [letter for letter in options if not explanations.get(letter, "").strip()]
            extra = [letter for letter in explanations if letter not in options]
            if missing:
                raise ValueError(f"every option needs an explanation; missing for {', '.join(missing)}")
            if extra:
                raise ValueError(f"explanations for {', '.join(extra)}, which is not an option")
        return explanations

    @field_validator("quiz")
    @classmethod
    def _quiz_is_an_exercise_id(cls, quiz: Optional[str]) -> Optional[str]:
        if quiz is not None and not _QUIZ_ID.match(quiz):
            raise ValueError(f"{quiz!r} is not an exercise id like '06.promote_code_or_model'")
        return quiz

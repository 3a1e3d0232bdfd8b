"""The question bank: exam-style questions as data, validated against ``FORMAT.md``.

The exam, the notebook quizzes and their tests all read questions through :func:`load_bank`, so
each key is written once.
"""
from __future__ import annotations

from grader.bank.loader import BankError, load_bank
from grader.bank.model import Question, Revisit
from grader.bank.outline import DOMAIN_OF, OBJECTIVES

__all__ = ["BankError", "DOMAIN_OF", "OBJECTIVES", "Question", "Revisit", "load_bank"]

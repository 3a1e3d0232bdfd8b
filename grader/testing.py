"""Test hooks for check authors: prove each check passes on a right answer and fails on a wrong one.

In the spirit of learntools' ``assert_check_passed`` / ``assert_check_failed``. The hooks turn
progress recording off while they run so test suites never touch a learner's store.
"""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from typing import Callable, Iterator

from grader import progress
from grader.exercise import REGISTRY, hint_pointer


@contextmanager
def no_progress() -> Iterator[None]:
    """Disable progress recording inside the block."""
    old = os.environ.get(progress.DISABLE_ENV)
    os.environ[progress.DISABLE_ENV] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(progress.DISABLE_ENV, None)
        else:
            os.environ[progress.DISABLE_ENV] = old


@contextmanager
def isolated_registry() -> Iterator[dict]:
    """Let a test register throw-away exercises; the registry is restored afterwards."""
    saved = dict(REGISTRY)
    try:
        yield REGISTRY
    finally:
        REGISTRY.clear()
        REGISTRY.update(saved)


def _name(check: Callable) -> str:
    ex = getattr(check, "exercise", None)
    return ex.id if ex else getattr(check, "__name__", repr(check))


def assert_check_passed(check: Callable, *args, **kwargs) -> None:
    """Fail the test unless ``check(*args, **kwargs)`` passes."""
    with no_progress():
        try:
            check(*args, **kwargs)
        except AssertionError as err:
            raise AssertionError(f"expected {_name(check)} to pass, it failed with: {err}") from None


def assert_check_failed(check: Callable, *args, match: str | None = None, **kwargs) -> str:
    """Fail the test unless ``check(*args, **kwargs)`` fails as a check does.

    Args:
        match: a regular expression the teaching message must contain (``re.search``).

    Returns:
        The failure message, for further assertions (e.g. that it reveals no expected value).
    """
    with no_progress():
        try:
            check(*args, **kwargs)
        except AssertionError as err:
            message = str(err)
        else:
            raise AssertionError(f"expected {_name(check)} to fail, but it passed")
    ex = getattr(check, "exercise", None)
    if ex is not None and not message.endswith(hint_pointer(ex.id)):
        raise AssertionError(f"failure message of {ex.id} lacks the hint pointer: {message!r}")
    if match is not None and not re.search(match, message):
        raise AssertionError(f"failure message of {_name(check)} does not match {match!r}: {message!r}")
    return message

"""The exercise contract: one small, declarative check per exercise.

A check is a plain function whose body states what must be true with
``assert condition, "teaching message"``. The :func:`exercise` decorator gives it an identity
(id, exam domain, objective, hints), registers it, and wraps it so that every call

* prints one short line and records a pass when all assertions hold;
* re-raises a *new* ``AssertionError`` carrying only the teaching message plus a pointer to
  ``hint(...)`` — never the check's source line or any value the check was given — and records
  a fail;
* records any other exception as an error and lets it through unchanged (a bug in the learner's
  code, or in the check, must show its real traceback);
* hands the check its arguments through :func:`plain`, so an object of the learner's own class
  that claims to equal anything cannot pass it.

Expected values are computed inside the check when it runs, never at import.
"""
from __future__ import annotations

import contextlib
import functools
import logging
import sys
from dataclasses import dataclass
from typing import Callable


@contextlib.contextmanager
def stderr_to_stdout():
    """Send what a check writes to stderr (library warnings and log lines) to stdout instead.

    nbgrader scores a test cell that wrote anything to stderr as zero, so a warning that MLflow
    or scikit-learn prints while a check rescores a model would fail a right answer. Python
    warnings and ``sys.stderr`` writes are redirected, and so are logging handlers that were
    created writing to the current ``sys.stderr`` (MLflow's are).
    """
    target = sys.stderr
    loggers = [logging.getLogger(), *(lg for lg in logging.Logger.manager.loggerDict.values()
                                      if isinstance(lg, logging.Logger))]
    moved = [h for lg in loggers for h in lg.handlers
             if isinstance(h, logging.StreamHandler) and h.stream is target]
    for handler in moved:
        handler.setStream(sys.stdout)
    try:
        with contextlib.redirect_stderr(sys.stdout):
            yield
    finally:
        for handler in moved:
            handler.setStream(target)


_PLAIN_TYPES = (type(None), bool, int, float, complex, str, bytes)
# The base-class copy that ignores a subclass's overrides, per built-in type.
_BASE_COPY = {str: str.__str__, int: int.__int__, float: float.__float__, bytes: bytes.__bytes__,
              list: list.copy, dict: dict.copy, set: set.copy, frozenset: frozenset.copy,
              tuple: lambda t: tuple.__getitem__(t, slice(None))}
# Methods through which an object could answer a check's comparison whatever its value.
_ANSWERING = frozenset({
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__len__", "__hash__",
    "__float__", "__int__", "__index__", "__abs__", "__round__", "__sub__", "__rsub__", "__add__",
    "__radd__", "__contains__", "__getattr__", "__getattribute__", "__iter__", "__getitem__",
    "__instancecheck__", "__subclasscheck__", "__array__", "__array_ufunc__",
})
NOT_PLAIN = ("The check was given an object of a class defined in the notebook that decides for itself "
             "how it compares; pass the plain value the exercise asks for (a number, string, list, dict, "
             "DataFrame, model…).")


def plain(value, _depth: int = 0):
    """``value`` with the learner's own classes taken out of the comparison.

    Built-in values and library objects pass unchanged, containers are walked. An instance of a
    subclass of a built-in type that the notebook defined becomes the plain built-in value it
    holds (its overrides are ignored); an instance of any other class the notebook defined that
    overrides comparison, truth, length or arithmetic is refused. So ``__eq__`` returning
    ``True`` for everything, a huge ``__len__`` or a truthy stand-in never passes a check.
    """
    kind = type(value)
    if kind in _PLAIN_TYPES:
        return value
    if _depth > 50:
        raise AssertionError("The value given to the check is nested too deeply to compare.")
    if kind in (list, tuple, set, frozenset):
        return kind(plain(v, _depth + 1) for v in value)
    if kind is dict:
        return {plain(k, _depth + 1): plain(v, _depth + 1) for k, v in value.items()}
    if kind.__module__ != "__main__":
        return value
    base = next((b for b in kind.__mro__ if b in _BASE_COPY), None)
    if base is not None:
        return plain(_BASE_COPY[base](value), _depth + 1)
    if any(name in vars(cls) for cls in kind.__mro__ if cls.__module__ == "__main__" for name in _ANSWERING):
        raise AssertionError(NOT_PLAIN)
    return value


DOMAINS = (
    "Databricks Machine Learning",
    "Data Processing",
    "Model Development",
    "Model Deployment",
)
"""The exam's four domains, spelled exactly as the exam guide does."""

REGISTRY: dict[str, "Exercise"] = {}
"""Every registered exercise by id; filled as check modules are imported."""

DEFAULT_MESSAGE = "Not quite right yet."


@dataclass(frozen=True)
class Exercise:
    """What the course knows about one exercise, independent of how it is checked."""

    id: str
    domain: str
    objective: str = ""
    hints: tuple[str, ...] = ()
    origin: str = ""  # module.qualname of the check, to tell a reload from a clash

    @property
    def notebook(self) -> str:
        """The notebook prefix the id starts with: ``"02"`` for ``"02.iqr_filter"``."""
        return self.id.split(".", 1)[0]


def register(ex: Exercise) -> Exercise:
    """Add ``ex`` to the registry; a second, different check with the same id is an error.

    Re-registering from the same function (a module reload) replaces the entry, so
    ``importlib.reload`` and IPython's autoreload keep working.
    """
    known = REGISTRY.get(ex.id)
    if known is not None and known.origin != ex.origin:
        raise ValueError(f"exercise id {ex.id!r} is already used by {known.origin}")
    REGISTRY[ex.id] = ex
    return ex


def _validate(exercise_id: str, domain: str) -> None:
    head, dot, tail = exercise_id.partition(".")
    if not (head and dot and tail):
        raise ValueError(f"exercise id {exercise_id!r} must look like 'NN.name', e.g. '02.iqr_filter'")
    if domain not in DOMAINS:
        raise ValueError(f"unknown exam domain {domain!r}; use one of: {', '.join(DOMAINS)}")


def hint_pointer(exercise_id: str) -> str:
    """The suffix every failure message ends with."""
    return f' — stuck? run hint("{exercise_id}")'


def exercise(exercise_id: str, *, domain: str, objective: str = "", hints=()) -> Callable:
    """Declare the decorated function as the check for ``exercise_id``.

    Args:
        exercise_id: ``"NN.name"``; ``NN`` is the notebook the exercise lives in.
        domain: one of :data:`DOMAINS`.
        objective: the exam-guide objective it trains, e.g. ``"2.2"``.
        hints: progressively stronger hints, shown one at a time by ``hint(id)``.

    Returns:
        A decorator; the wrapped check keeps its signature and gains ``.exercise``.
    """
    _validate(exercise_id, domain)

    def decorate(check: Callable) -> Callable:
        origin = f"{check.__module__}.{check.__qualname__}"
        ex = register(Exercise(exercise_id, domain, objective, tuple(hints), origin))

        @functools.wraps(check)
        def run_check(*args, **kwargs):
            from grader import progress

            try:
                with stderr_to_stdout():
                    check(*plain(args), **plain(kwargs))
            except AssertionError as err:
                message = (str(err).strip() or DEFAULT_MESSAGE) + hint_pointer(ex.id)
                progress.record_attempt(ex.id, "fail", message)
                # A fresh exception with no context: the traceback stops here, so neither
                # the check's source line nor its locals are shown to the learner.
                raise AssertionError(message) from None
            except Exception as err:
                progress.record_attempt(ex.id, "error", f"{type(err).__name__}: {err}")
                raise
            progress.record_attempt(ex.id, "pass", "")
            print(f"✔ {ex.id}: correct")

        run_check.exercise = ex
        return run_check

    return decorate

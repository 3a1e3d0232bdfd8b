"""A tiny check module, written as ``grader/checks/<topic>.py`` modules are (kept in tests: it is
not course content). It lives outside ``test_*.py`` files on purpose: pytest rewrites asserts in
test modules, which would add the compared values to the messages."""
from __future__ import annotations

from grader import exercise

SECRET = 48_213  # an "expected value" that must never reach the learner


@exercise("99.total_rows", domain="Data Processing", objective="2.1",
          hints=["Count the rows.", "Use df.count()."])
def check_total_rows(rows):
    expected = SECRET  # real checks compute this from the learner's data, at check time
    assert isinstance(rows, int), "Pass the number of rows as an int."
    assert rows == expected, "Your row count is off: did you filter the outliers?"


@exercise("99.bare", domain="Model Development")
def check_bare(x):
    assert x == SECRET


@exercise("99.boom", domain="Model Deployment")
def check_boom(df):
    return df.count()


@exercise("99.truthy", domain="Data Processing")
def check_truthy(ok):
    assert ok, "Try again."


def make_reloadable():
    """Define the same check again, as a module reload would."""
    @exercise("99.reload", domain="Model Development")
    def check():
        pass

    return check

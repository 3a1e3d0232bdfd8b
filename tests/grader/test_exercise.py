"""The exercise contract: pass/fail/error recording, teaching messages, registration rules."""
from __future__ import annotations

import subprocess
import sys

import pytest

from grader import exercise, progress
from grader.exercise import REGISTRY, Exercise, register
from grader.testing import assert_check_failed, assert_check_passed


def test_pass_prints_one_line_and_records(examples, capsys):
    examples.check_total_rows(examples.SECRET)
    assert capsys.readouterr().out == "✔ 99.total_rows: correct\n"
    assert progress.latest_outcomes() == {"99.total_rows": "pass"}


def test_fail_teaches_points_to_hint_and_hides_values(examples):
    with pytest.raises(AssertionError) as info:
        examples.check_total_rows(7)
    message = str(info.value)
    assert message == ('Your row count is off: did you filter the outliers?'
                       ' — stuck? run hint("99.total_rows")')
    assert str(examples.SECRET) not in message and "7" not in message
    assert info.value.__suppress_context__  # the check's own assert line is not chained in
    assert progress.latest_outcomes() == {"99.total_rows": "fail"}


def test_bare_assert_gets_a_default_message(examples):
    message = assert_check_failed(examples.check_bare, 1)
    assert message.startswith("Not quite right yet.") and str(examples.SECRET) not in message


def test_other_exceptions_pass_through_and_record_error(examples):
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'count'"):
        examples.check_boom(None)
    assert progress.latest_outcomes() == {"99.boom": "error"}


def test_latest_outcome_wins(examples):
    with pytest.raises(AssertionError):
        examples.check_total_rows(1)
    examples.check_total_rows(examples.SECRET)
    assert progress.latest_outcomes()["99.total_rows"] == "pass"


def test_registry_entry(examples):
    ex = REGISTRY["99.total_rows"]
    assert examples.check_total_rows.exercise is ex
    assert (ex.notebook, ex.domain, ex.objective) == ("99", "Data Processing", "2.1")
    assert ex.hints == ("Count the rows.", "Use df.count().")


def test_duplicate_id_refused_but_reload_allowed(examples):
    examples.make_reloadable()
    examples.make_reloadable()  # same module and qualname: a reload, not a clash
    with pytest.raises(ValueError, match="already used"):
        @exercise("99.total_rows", domain="Data Processing")
        def other(x):
            pass
    with pytest.raises(ValueError, match="already used"):
        register(Exercise("99.total_rows", "Data Processing", origin="elsewhere.check"))


@pytest.mark.parametrize("exercise_id, domain", [("nodot", "Data Processing"), ("99.x", "Data prep")])
def test_bad_id_or_domain_refused(registry, exercise_id, domain):
    with pytest.raises(ValueError):
        exercise(exercise_id, domain=domain)


def test_hooks(examples):
    check = examples.check_total_rows
    assert_check_passed(check, examples.SECRET)
    assert_check_failed(check, 3, match="filter the outliers")
    assert_check_failed(check, "3", match="as an int")
    assert_check_failed(examples.check_truthy, False, match="Try again")
    with pytest.raises(AssertionError, match="to fail, but it passed"):
        assert_check_failed(check, examples.SECRET)
    with pytest.raises(AssertionError, match="to pass"):
        assert_check_passed(check, 3)
    with pytest.raises(AssertionError, match="does not match"):
        assert_check_failed(check, 3, match="no such words")
    assert progress.latest_outcomes() == {}  # hooks never record progress


def test_registry_left_clean_after_tests():
    assert not [ex_id for ex_id in REGISTRY if ex_id.startswith("99.")]


def test_import_is_cheap_and_exports_both_names():
    code = ("import sys, grader; from grader import hint, exercise; "
            "heavy = {'nbgrader', 'papermill', 'nbformat', 'pyspark', 'mlflow', 'tqdm'} & set(sys.modules); "
            "assert callable(hint) and callable(exercise) and exercise.__module__ == 'grader.exercise', exercise; "
            "print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


NOISY_CHECK = """
import logging, sys, warnings
from grader.exercise import stderr_to_stdout

noisy = logging.getLogger("noisy_library")
noisy.addHandler(logging.StreamHandler(sys.stderr))  # bound now, as MLflow binds its handler at import
with stderr_to_stdout():
    warnings.warn("a library warning", UserWarning)
    noisy.warning("a library log line")
    print("a plain stderr write", file=sys.stderr)
noisy.warning("after the check")
"""


def test_what_a_check_writes_to_stderr_goes_to_stdout():
    """nbgrader gives a test cell that wrote to stderr zero points, so a right answer whose check
    triggers a library warning or log line must not write there. (A subprocess: pytest would
    capture the warning itself.)"""
    done = subprocess.run([sys.executable, "-c", NOISY_CHECK], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for line in ("a library warning", "a library log line", "a plain stderr write"):
        assert line in done.stdout and line not in done.stderr
    assert done.stderr == "after the check\n"  # the handler is given its stream back


def _learner_classes():
    """Classes as a notebook defines them (their module is __main__)."""
    ns = {"__name__": "__main__"}
    exec(  # noqa: S102 - the test builds the hostile objects a notebook could
        "class Always:\n    def __eq__(self, other): return True\n    __hash__ = object.__hash__\n"
        "class Huge(list):\n    def __len__(self): return 10**9\n"
        "class Letter(str):\n    def __eq__(self, other): return True\n    __hash__ = str.__hash__\n"
        "class Model:\n    def predict(self, x): return x\n", ns)
    return ns


def test_plain_refuses_objects_that_answer_any_comparison():
    from grader.exercise import NOT_PLAIN, plain

    ns = _learner_classes()
    with pytest.raises(AssertionError, match="decides for itself how it compares"):
        plain({"answer": [ns["Always"]()]})
    assert plain(ns["Letter"]("B")) == "B" and type(plain(ns["Letter"]("B"))) is str
    assert plain(ns["Letter"]("B")) != "C"
    assert len(plain(ns["Huge"]([1, 2]))) == 2
    model = ns["Model"]()
    assert plain(model) is model  # a learner's class that claims nothing passes as it is
    assert NOT_PLAIN


def test_a_check_never_sees_the_learners_stand_in(tmp_path):
    from grader.exercise import exercise
    from grader.testing import assert_check_failed, isolated_registry

    ns = _learner_classes()
    with isolated_registry():
        @exercise("99.equal_plain", domain="Data Processing")
        def check(answer):
            assert answer == "B", "The answer is not B."

        assert_check_failed(check, ns["Always"](), match="decides for itself")
        assert_check_failed(check, ns["Letter"]("A"), match="The answer is not B")

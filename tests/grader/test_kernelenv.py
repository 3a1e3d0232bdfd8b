"""kernel_environ: kernels inherit the course's variables for a block, and only those are put back."""
import os
import threading

from grader.kernelenv import COURSE_ROOT_ENV, kernel_environ


def test_the_block_sees_the_course_variables_and_they_are_put_back(monkeypatch, tmp_path):
    monkeypatch.setenv("GRADER_NO_PROGRESS", "before")
    monkeypatch.delenv(COURSE_ROOT_ENV, raising=False)
    with kernel_environ(tmp_path, EXTRA_FOR_KERNELS="1"):
        assert os.environ[COURSE_ROOT_ENV] == str(tmp_path.resolve())
        assert os.environ["GRADER_NO_PROGRESS"] == "1" and os.environ["EXTRA_FOR_KERNELS"] == "1"
    assert os.environ["GRADER_NO_PROGRESS"] == "before"
    assert COURSE_ROOT_ENV not in os.environ and "EXTRA_FOR_KERNELS" not in os.environ


def test_what_another_thread_changes_meanwhile_is_neither_undone_nor_revived(monkeypatch, tmp_path):
    """Starting Spark sets PYSPARK_SUBMIT_ARGS for a moment and removes it; a block around it must not
    bring it back, nor drop what another thread set for good."""
    monkeypatch.setenv("SET_FOR_A_MOMENT", "x")
    monkeypatch.delenv("SET_FOR_GOOD", raising=False)
    with kernel_environ(tmp_path):
        def elsewhere():
            del os.environ["SET_FOR_A_MOMENT"]
            os.environ["SET_FOR_GOOD"] = "y"

        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
    assert "SET_FOR_A_MOMENT" not in os.environ
    assert os.environ.get("SET_FOR_GOOD") == "y"
    monkeypatch.delenv("SET_FOR_GOOD")

"""The shared lock file: another process waits while it is held, and a killed holder frees it."""
import fcntl
import subprocess
import sys
import time

import pytest

from localbricks import locks

_HOLD = "import sys, time\nfrom pathlib import Path\nfrom localbricks import locks\n" \
        "with locks.exclusive(Path(sys.argv[1])):\n    Path(sys.argv[2]).touch()\n    time.sleep(float(sys.argv[3]))\n"


def _free(path) -> bool:
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def _wait_for(path, timeout=60):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


@pytest.mark.timeout(120)
def test_another_process_waits_while_it_is_held(tmp_path):
    lock, entered = tmp_path / "sub" / "x.lock", tmp_path / "entered"
    with locks.exclusive(lock):
        assert lock.exists() and not _free(lock)
        other = subprocess.Popen([sys.executable, "-c", _HOLD, str(lock), str(entered), "0"])
        time.sleep(1.5)
        assert not entered.exists(), "the other process got the lock while it was held"
    assert other.wait(timeout=60) == 0 and entered.exists()
    assert _free(lock)


@pytest.mark.timeout(120)
def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    lock, entered = tmp_path / "x.lock", tmp_path / "entered"
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(lock), str(entered), "60"])
    _wait_for(entered)
    assert not _free(lock)
    holder.kill()
    holder.wait(timeout=30)
    assert _free(lock)

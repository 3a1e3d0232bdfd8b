"""The integrity corpus graded in one batch: no score inflation, no abort, a row and a status for
every submission, the checkout and shared data unchanged, no process left behind. The same
corpus at the weakest sandbox level refuses every attack that does not need the namespaces."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import psutil
import pytest

from grader import autograde, sandbox
from grader.autograde import Limits
from integrity_corpus import EXAM, POINTS, WELCOME, cases, write
from integrity_corpus import loopback_server as corpus_server
from tests_support import REPO_ROOT

pytestmark = pytest.mark.notebook
# Notebook 00's slowest cell (the Spark start) takes about 10 s alone and rarely 30 s on a 2-core machine
# shared with the other test process; the two looping cases each cost one cell timeout (one of them a busy core).
LIMITS = Limits(cell_timeout=60, submission_timeout=300, memory_mb=8192)


@pytest.fixture(scope="module")
def loopback_server():
    with corpus_server() as port:
        yield port


def _fingerprint() -> dict:
    """What must be the same after grading: the checkout's files and the caches kernels read."""
    prints = {}
    for top in (REPO_ROOT / "datasets", REPO_ROOT / "grader", REPO_ROOT / "localbricks", REPO_ROOT / "solutions",
                REPO_ROOT / "notebooks", Path.home() / ".cache" / "localbricks"):
        for path in sorted(top.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                prints[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    ivy = Path.home() / ".ivy2.5.2" / "jars"
    prints.update({str(p): p.stat().st_size for p in sorted(ivy.glob("*"))})
    return prints


def _children() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


def _leftovers(before: set[int]):
    """Processes this test process has now that it did not have before grading (earlier tests may have
    left their shared Spark JVM running: it is not the batch's)."""
    left = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if proc.pid not in before and proc.status() != psutil.STATUS_ZOMBIE:
                left.append(proc)
        except psutil.NoSuchProcess:
            pass
    return left


def _grade(tmp_path, corpus, level):
    subs = write(corpus, tmp_path / "submissions")
    rows = autograde.autograde(subs, REPO_ROOT / "solutions", workers=2, limits=LIMITS, progress_bar=False,
                               workdir=tmp_path / "work", level=level)
    return {(r.student, r.notebook): r for r in rows}


def _expected(corpus):
    """Every (student, notebook) the batch must report: the cases, plus "missing" for the other notebook."""
    expected = {(c.student, c.stem): (c.status, float(c.score)) for c in corpus}
    for student in {c.student for c in corpus}:
        for stem in {c.stem for c in corpus}:
            expected.setdefault((student, stem), ("missing", 0.0))
    return expected


@pytest.fixture(scope="module")
def walled(tmp_path_factory, loopback_server):
    level = sandbox.detect_level()
    if level == "scratch":
        pytest.fail("bubblewrap cannot make namespaces here (apt-get install bubblewrap; .ci/run does)")
    corpus = cases(loopback_server)
    before, running = _fingerprint(), _children()
    tmp = tmp_path_factory.mktemp("integrity")
    rows = _grade(tmp, corpus, level)
    return corpus, rows, (before, running), tmp


def test_the_corpus_is_big_enough_and_covers_every_kind():
    corpus = cases(1)
    assert len(corpus) >= 30
    kinds = {c.student.split("_")[0] for c in corpus}
    assert kinds >= {"control", "broken", "edit", "hack", "exit", "flood", "loop", "wall", "zz"}
    assert {c.status for c in corpus} >= {"graded", "tampered", "timed out", "kernel died", "malformed"}


def test_every_submission_gets_its_row_status_and_exact_score(walled):
    corpus, rows, _, _ = walled
    got = {k: (r.status, r.score) for k, r in rows.items()}
    assert got == _expected(corpus)


def test_no_score_inflation_and_honest_controls_exact(walled):
    corpus, rows, _, _ = walled
    inflated = [c.student for c in corpus if rows[c.student, c.stem].score > c.score]
    assert inflated == []
    assert rows["zz_answer_key", EXAM].score == POINTS[EXAM] and rows["zz_answer_key", WELCOME].score == POINTS[WELCOME]


def test_executed_copies_show_what_the_walls_did_and_stay_small(walled):
    corpus, rows, _, tmp = walled
    for case in corpus:
        executed = tmp / "work" / "executed" / case.student / f"{case.stem}.ipynb"
        if rows[case.student, case.stem].status in ("malformed", "tampered") and not executed.exists():
            continue
        text = executed.read_text()
        assert len(text) < LIMITS.notebook_bytes + 500_000, case.student
        for wanted in case.output_has:
            assert wanted in text, (case.student, wanted)
        test_cells = [c for c in json.loads(text)["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
        assert test_cells and not any("BEGIN HIDDEN TESTS" in "".join(c["source"]) for c in test_cells), \
            case.student  # the copy kept for feedback shows test cells as released


def test_checkout_and_shared_data_unchanged_and_no_process_left(walled):
    _, _, (before, running), _ = walled
    assert _fingerprint() == before
    assert _leftovers(running) == []


# What the walls stop, seen without them: the same submissions at the scratch level reach the
# answer key, the network and the hidden tests, and can tell they are graded (so the walled run's
# zeros are the walls' doing). wall_poison_data is left out: without walls it would hit the checkout.
WITHOUT_WALLS = {"wall_read_solutions": 2.0, "wall_hidden_tests": 2.0, "wall_network": 2.0, "wall_detect_grading": 0.0}


def test_weakest_level_still_refuses_what_needs_no_root(tmp_path, loopback_server):
    everything = cases(loopback_server)
    corpus = [c for c in everything if not c.walled and c.stem == EXAM
              and c.student.split("_")[0] in ("zz", "control", "hack", "exit", "flood", "edit")]
    corpus += [c for c in everything if c.student in WITHOUT_WALLS]
    running = _children()
    rows = _grade(tmp_path, corpus, "scratch")
    got = {k: (r.status, r.score) for k, r in rows.items()}
    expected = _expected(corpus)
    expected.update({(student, EXAM): ("graded", score) for student, score in WITHOUT_WALLS.items()})
    assert got == expected
    assert _leftovers(running) == []

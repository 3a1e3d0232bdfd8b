"""``python -m grader exam`` run end to end in a pseudo-terminal (pexpect), each in its own workspace.

Each scripted sitting reads the question on screen, looks its key up in the fixture bank and
types an answer, exactly as a learner would; scores come from the program's own output and from
the progress store it wrote.
"""
from __future__ import annotations

import os
import re
import sys
from collections import Counter
from pathlib import Path

import pexpect
import pytest

from grader import progress
from grader.bank import load_bank
from grader.exercise import DOMAINS
from test_exam import write_bank

REPO = Path(__file__).resolve().parents[2]
PROMPT = "help > "
QUESTION = re.compile(r"Question (\d+) of (\d+).*?Fixture question (\S+):", re.S)


@pytest.fixture
def bank_dir(tmp_path):
    return write_bank(tmp_path / "bank")


@pytest.fixture
def key(bank_dir):
    return {q.id: q for q in load_bank(bank_dir)}


def spawn(bank_dir, *args, home) -> pexpect.spawn:
    env = {**os.environ, "LOCALBRICKS_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    env.pop(progress.DISABLE_ENV, None)
    return pexpect.spawn(sys.executable, ["-m", "grader", "exam", "--bank", str(bank_dir), *args],
                         cwd=str(REPO), env=env, encoding="utf-8", timeout=90, dimensions=(50, 200))


def right(q) -> str:
    return "".join(q.answer)


def wrong(q) -> str:
    others = [L for L in q.options if L not in q.answer]
    return others[0] + q.answer[0] if q.kind == "multi" else others[0]


def answer_questions(child, key, count, choose) -> list[str]:
    """Answer ``count`` questions in the order shown; ``choose(number, question)`` gives the letters."""
    seen = []
    for _ in range(count):
        child.expect(QUESTION)
        number, qid = int(child.match.group(1)), child.match.group(3)
        child.expect_exact(PROMPT)
        child.sendline(choose(number, key[qid]))
        seen.append(qid)
    return seen


def finish(child) -> str:
    child.expect(pexpect.EOF)
    child.close()
    return child.before.replace("\r\n", "\n")


def domain_line(domain: str, correct: int, total: int) -> re.Pattern:
    return re.compile(rf"^{re.escape(domain)}\s+{correct}/{total}\s", re.M)


def test_sitting_from_the_key_scores_100_with_48_in_the_exam_mix(bank_dir, key, workspace):
    child = spawn(bank_dir, "--seed", "11", home=workspace)
    seen = answer_questions(child, key, 48, lambda n, q: right(q))
    child.expect_exact(PROMPT)
    child.sendline("submit")
    out = finish(child)
    assert child.exitstatus == 0, out
    assert "Score: 48/48 (100%)" in out and "No wrong answers" in out
    assert len(set(seen)) == 48
    assert Counter(key[q].domain for q in seen) == Counter(dict(zip(DOMAINS, (18, 9, 15, 6))))
    for domain, n in zip(DOMAINS, (18, 9, 15, 6)):
        assert domain_line(domain, n, n).search(out), domain
    [sitting] = progress.finished_sittings("exam")
    assert (sitting.correct, sitting.total, sitting.seed) == (48, 48, 11)
    assert sorted(sitting.question_ids) == sorted(seen)


def test_wrong_sitting_scores_what_it_should_and_reviews_exactly_the_wrong_items(bank_dir, key, workspace):
    child = spawn(bank_dir, "--seed", "12", home=workspace)
    missed = set()

    def choose(number, q):
        if number % 5 == 0 or number == 1:  # 1, 5, 10, … 45: ten wrong
            missed.add(q.id)
            return wrong(q)
        return right(q)

    seen = answer_questions(child, key, 48, choose)
    child.expect_exact(PROMPT)
    child.sendline("submit")
    out = finish(child)
    assert len(missed) == 10
    assert "Score: 38/48 (79%)" in out and "target reached" in out
    for domain, n in zip(DOMAINS, (18, 9, 15, 6)):
        lost = sum(1 for q in missed if key[q].domain == domain)
        assert domain_line(domain, n - lost, n).search(out), domain
    reviewed = re.findall(r"^Question (\d+) \[(\S+)\] objective \S+: your answer (\w+), key (\w+)$", out, re.M)
    assert {qid for _, qid, _, _ in reviewed} == missed and len(reviewed) == 10
    for number, qid, given, shown_key in reviewed:
        assert seen[int(number) - 1] == qid
        assert given == wrong(key[qid]) if key[qid].kind == "single" else sorted(given) == sorted(wrong(key[qid]))
        assert shown_key == right(key[qid])
        assert f"Revisit: {key[qid].revisit.notebook} › {key[qid].revisit.section}" in out
    assert progress.finished_sittings("exam")[0].correct == 38
    assert {qid for qid, ok in progress.last_results().items() if not ok} == missed


def test_interrupted_sitting_resumes_with_its_answers_and_flags(bank_dir, key, workspace):
    child = spawn(bank_dir, "--seed", "13", home=workspace)
    first_half = answer_questions(child, key, 24, lambda n, q: right(q))
    child.expect_exact(PROMPT)
    child.sendline("3")
    child.expect_exact(PROMPT)
    child.sendline("f")
    child.expect_exact("Question 3 flagged.")
    child.expect_exact(PROMPT)
    child.sendline("submit")
    child.expect_exact("24 unanswered (25, 26")
    child.expect_exact("Submit anyway? [y/N] ")
    child.sendline("n")  # declined: the exam goes on
    child.expect_exact(PROMPT)
    child.sendintr()
    child.expect_exact("Paused with 24/48 answered")
    finish(child)
    assert child.exitstatus == 130 or child.signalstatus is None
    assert progress.finished_sittings("exam") == []

    child = spawn(bank_dir, home=workspace)  # no seed: only the saved sitting can give the same questions
    child.expect_exact("24/48 answered")
    child.expect_exact("Resume it? [Y/n] ")
    child.sendline("y")
    child.expect_exact("Resuming at question 25.")
    child.expect(QUESTION)
    assert child.match.group(3) not in first_half
    child.expect_exact(PROMPT)
    child.sendline("flagged")
    child.expect_exact("Flagged: 3\r\n")
    child.expect_exact(PROMPT)
    child.sendline("1")
    child.expect(QUESTION)
    assert child.match.group(3) == first_half[0]
    child.expect_exact(f"Your answer: {right(key[first_half[0]])}")
    child.expect_exact(PROMPT)
    child.sendline("25")
    second_half = answer_questions(child, key, 24, lambda n, q: right(q))
    assert not set(first_half) & set(second_half)
    child.expect_exact(PROMPT)
    child.sendline("submit")
    out = finish(child)
    assert "Score: 48/48 (100%)" in out  # the first 24 answers survived the interruption
    assert [s.correct for s in progress.finished_sittings("exam")] == [48]
    assert progress.open_sitting("exam") is None


def test_declining_to_resume_starts_a_new_exam(bank_dir, key, workspace):
    child = spawn(bank_dir, "--seed", "14", home=workspace)
    answer_questions(child, key, 2, lambda n, q: right(q))
    child.expect_exact(PROMPT)
    child.sendintr()
    finish(child)
    child = spawn(bank_dir, "--seed", "14", home=workspace)
    child.expect_exact("Resume it? [Y/n] ")
    child.sendline("n")
    child.expect_exact("Set aside; starting a new exam.")
    child.expect(QUESTION)
    child.expect_exact(PROMPT)
    child.sendline("submit")
    child.expect_exact("48 unanswered")
    child.sendline("y")
    out = finish(child)
    assert "Score: 0/48 (0%)" in out and "Unanswered: 48" in out
    assert [s.correct for s in progress.finished_sittings("exam")] == [0]


def test_time_running_out_submits_the_exam(bank_dir, key, workspace):
    child = spawn(bank_dir, "--seed", "15", "--minutes", "0.15", home=workspace)
    answer_questions(child, key, 1, lambda n, q: right(q))
    child.expect(QUESTION)
    child.expect_exact(PROMPT)  # then the learner stops typing
    child.expect_exact("Time is up: the exam submits itself.")
    out = finish(child)
    assert child.exitstatus == 0
    assert "Score: 1/48 (2%)" in out and "below the 70% target" in out
    assert [s.correct for s in progress.finished_sittings("exam")] == [1]


def test_practice_drill_gives_feedback_after_each_answer_and_brings_misses_back(bank_dir, key, workspace):
    child = spawn(bank_dir, "--practice", "2", "--count", "4", "--seed", "1", home=workspace)
    child.expect_exact("Drill: Data Processing, 4 questions")
    child.expect(QUESTION)
    asked = []
    for n in range(4):
        q = key[child.match.group(3)]
        assert q.domain == "Data Processing"
        asked.append(q.id)
        child.expect_exact("q(uit) > ")
        child.sendline(wrong(q) if n == 1 else right(q))
        child.expect_exact(f"{'✘ Not right' if n == 1 else '✔ Right'}: the key is {right(q)}.")
        child.expect([QUESTION, "Drill done"])  # feedback comes before the next question
        feedback = child.before
        assert q.explanations[q.answer[0]] in feedback  # why the key is right, every time
        if n == 1:
            assert q.explanations[wrong(q)[0]] in feedback  # and why the learner's choice is not
            assert f"Revisit: {q.revisit.notebook} › {q.revisit.section}" in feedback
        else:
            assert "Revisit:" not in feedback
    out = finish(child)
    assert ": 3/4 right (75%)" in out

    child = spawn(bank_dir, "--practice", "data processing", "--count", "1", "--seed", "2", home=workspace)
    child.expect(QUESTION)
    assert child.match.group(3) == asked[1]  # the one missed last time comes first
    child.expect_exact("q(uit) > ")
    child.sendline("q")
    finish(child)


def test_drill_favours_objectives_the_exercises_show_weak(bank_dir, key, workspace):
    from grader.checks import load_all
    from grader.exercise import REGISTRY

    load_all()
    weak = next(ex for ex in REGISTRY.values() if ex.domain == "Data Processing" and ex.objective
                and any(q.objective == ex.objective for q in key.values()))
    progress.record_attempt(weak.id, "fail")
    child = spawn(bank_dir, "--practice", "2", "--count", "1", "--seed", "3", home=workspace)
    child.expect(QUESTION)
    assert key[child.match.group(3)].objective == weak.objective
    child.expect_exact("q(uit) > ")
    child.sendline("q")
    finish(child)


def test_unknown_domain_is_a_usage_error(bank_dir, workspace):
    child = spawn(bank_dir, "--practice", "9", home=workspace)
    out = finish(child)
    assert child.exitstatus == 2 and "grader: error: unknown exam domain '9'" in out


def test_a_bank_too_small_for_an_exam_is_a_usage_error(tmp_path, workspace):
    from test_exam import fixture_entries

    few = write_bank(tmp_path / "few", [e for e in fixture_entries() if not e["objective"].startswith("4.")])
    child = spawn(few, home=workspace)
    out = finish(child)
    assert child.exitstatus == 2
    assert "the question bank is too small for an exam: Model Deployment: the bank has 0" in out
    assert progress.open_sitting("exam") is None


def test_a_closed_terminal_loses_no_answer(bank_dir, key, workspace):
    child = spawn(bank_dir, "--seed", "16", home=workspace)
    given = answer_questions(child, key, 5, lambda n, q: right(q))
    child.expect(QUESTION)
    child.expect_exact(PROMPT)
    child.close(force=True)  # the terminal goes away (SIGHUP), as when its window is closed
    [sitting] = [progress.open_sitting("exam")]
    assert sitting is not None and sitting.answers == {qid: right(key[qid]) for qid in given}
    assert sitting.question_ids[:5] == given


def test_the_course_bank_runs_in_the_terminal(workspace):
    env = {**os.environ, "LOCALBRICKS_HOME": str(workspace)}
    env.pop(progress.DISABLE_ENV, None)
    child = pexpect.spawn(sys.executable, ["-m", "grader", "exam", "--seed", "1"], cwd=str(REPO), env=env,
                          encoding="utf-8", timeout=90, dimensions=(50, 200))
    child.expect_exact("Question 1 of 48")
    child.expect_exact(PROMPT)
    child.sendintr()
    child.expect_exact("Paused with 0/48 answered")
    finish(child)
    assert len(progress.open_sitting("exam").question_ids) == 48

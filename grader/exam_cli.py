"""``python -m grader exam``: the timed mock exam and the domain drills, in a terminal.

The rules live in :mod:`grader.exam`; this module is the conversation. Every answer and flag is
saved to the progress store the moment it is given, with the exam clock, so a sitting cut short
(Ctrl-C, a closed terminal) is offered for resuming next time; the clock then continues from the
time that was left. Input is read from the terminal's file descriptor with ``select``, so the exam
submits itself when time runs out even while waiting for a keystroke.
"""
from __future__ import annotations

import os
import select
import signal
import sys
import textwrap
import time
from typing import Callable, Sequence

from grader import exam, progress

HELP = """Commands:
  A … E        answer (for "select TWO" type both letters, e.g. AC)
  n / Enter    next question          p            previous question
  12           go to question 12      f            flag / unflag for review
  flagged      list flagged questions unanswered   list unanswered questions
  clear        clear this answer      submit       end the exam and see your score
Ctrl-C pauses: your answers are saved and `python -m grader exam` resumes."""


class TimeUp(Exception):
    """The exam clock reached zero while the program waited for input."""


class Hangup(Exception):
    """The terminal went away (SIGHUP)."""


class Clock:
    """A countdown that can be read at any time (monotonic, so a changed system clock is harmless)."""

    def __init__(self, seconds: float, now: Callable[[], float] = time.monotonic):
        self._now = now
        self._end = now() + seconds

    def left(self) -> float:
        return max(0.0, self._end - self._now())

    def __str__(self) -> str:
        minutes, seconds = divmod(int(self.left() + 0.999), 60)
        return f"{minutes:02d}:{seconds:02d}"


class LineReader:
    """Lines from a file descriptor, waiting at most until a clock runs out.

    Reads the descriptor itself (not ``sys.stdin``'s buffer), so ``select`` never misses a line
    that Python had already buffered.
    """

    def __init__(self, fd: int, write: Callable[[str], None]):
        self.fd, self.write = fd, write
        self._pending = b""

    def ask(self, prompt: str, clock: Clock | None = None) -> str:
        self.write(prompt)
        while b"\n" not in self._pending:
            if clock is not None:
                ready, _, _ = select.select([self.fd], [], [], clock.left())
                if not ready:
                    raise TimeUp
            chunk = os.read(self.fd, 4096)
            if not chunk:
                if self._pending:
                    break
                raise EOFError
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        return line.decode("utf-8", "replace").strip()


def _write(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError:  # the terminal is gone; the answers are already saved
        pass


def say(text: str = "") -> None:
    _write(text + "\n")


def show_question(number: int, total: int, q, answer: str, flagged: bool, clock: Clock | None) -> None:
    head = f"Question {number} of {total}"
    if clock is not None:
        head += f"  ·  {clock} left"
    if flagged:
        head += "  ·  ⚑ flagged"
    say("\n" + "─" * 72)
    say(head)
    say()
    say(q.stem.rstrip())
    say()
    for letter, text in q.options.items():
        say(textwrap.indent(textwrap.fill(f"{letter}) {text}", 70, subsequent_indent="   "), "  "))
    if q.kind == "multi":
        say("\n(Select TWO.)")
    if answer:
        say(f"\nYour answer: {answer}")


def _numbers(items: Sequence[int]) -> str:
    return ", ".join(map(str, items)) if items else "none"


def run_exam(questions: Sequence, answers: dict[str, str], flagged: set[str], clock: Clock,
             reader: LineReader, sitting_id: int | None, start_at: int = 0) -> str:
    """Ask until the learner submits or time runs out; return ``"submitted"`` or ``"time"``.

    ``answers`` and ``flagged`` are updated in place and saved after every change.
    """
    total, i = len(questions), start_at

    def save(q) -> None:
        progress.save_answer(sitting_id, q.id, answers.get(q.id, ""), flagged=q.id in flagged,
                             seconds_left=clock.left())

    try:
        shown = None
        while True:
            q = questions[i]
            if shown != i:
                show_question(i + 1, total, q, answers.get(q.id, ""), q.id in flagged, clock)
                shown = i
            command = reader.ask(f"[{clock} left] {i + 1}/{total} answer, n, p, number, f, submit, help > ",
                                 clock).lower()
            if command in ("", "n", "next"):
                i, shown = (i + 1) % total, None
            elif command in ("p", "prev", "previous"):
                i, shown = (i - 1) % total, None
            elif command.isdigit():
                if 1 <= int(command) <= total:
                    i, shown = int(command) - 1, None
                else:
                    say(f"There are questions 1 to {total}.")
            elif command in ("f", "flag"):
                flagged.symmetric_difference_update({q.id})
                save(q)
                say(f"Question {i + 1} {'flagged' if q.id in flagged else 'unflagged'}.")
            elif command in ("flagged", "l"):
                say(f"Flagged: {_numbers([n for n, x in enumerate(questions, 1) if x.id in flagged])}")
            elif command in ("unanswered", "u"):
                say(f"Unanswered: {_numbers([n for n, x in enumerate(questions, 1) if not answers.get(x.id)])}")
            elif command == "clear":
                answers.pop(q.id, None)
                save(q)
                say(f"Answer to question {i + 1} cleared.")
            elif command in ("help", "?", "h"):
                say(HELP)
            elif command == "submit":
                missing = [n for n, x in enumerate(questions, 1) if not answers.get(x.id)]
                if missing:
                    sure = reader.ask(f"{len(missing)} unanswered ({_numbers(missing)}). "
                                      "Submit anyway? [y/N] ", clock).lower()
                    if sure not in ("y", "yes"):
                        shown = None
                        continue
                return "submitted"
            else:
                answer, problem = exam.parse_answer(command, q)
                if answer is None:
                    say(f"Not an answer: {problem}. Type help for the commands.")
                    continue
                answers[q.id] = answer
                save(q)
                if i + 1 == total:
                    say("That was the last question: back to question 1. Type submit when done.")
                i, shown = (i + 1) % total, None
    except TimeUp:
        say("\n⏰ Time is up: the exam submits itself.")
        return "time"


def format_result(result: exam.ExamResult) -> str:
    """The score by domain, the target, and the review of every wrong or unanswered item."""
    lines = ["", "═" * 72, f"Score: {result.correct}/{result.total} ({result.percent:.0f}%)"
             f"  —  {'target reached' if result.reached_target else 'below the 70% target'}",
             exam.TARGET_NOTE, "", f"{'Exam domain':<30}  score"]
    for domain, s in result.by_domain.items():
        if s.total:
            lines.append(f"{domain:<30}  {s.correct:>2}/{s.total:<2} {s.percent:4.0f}%")
    if result.unanswered:
        lines.append(f"\nUnanswered: {result.unanswered} (counted wrong)")
    if not result.review:
        lines.append("\nNo wrong answers: nothing to review.")
        return "\n".join(lines)
    lines += ["", f"Review: {len(result.review)} wrong answer(s)"]
    for item in result.review:
        q = item.question
        lines += ["", "─" * 72,
                  f"Question {item.number} [{q.id}] objective {q.objective}: "
                  f"your answer {item.given or '(none)'}, key {item.key}",
                  q.stem.rstrip()]
        for letter, role, text in item.explanations:
            lines.append(textwrap.fill(f"{letter}) {q.options[letter]} ({role}): {text}", 72,
                                       subsequent_indent="   "))
        lines.append(f"Revisit: {item.notebook} › {item.section}")
    return "\n".join(lines)


def score_and_record(questions: Sequence, answers: dict[str, str], sitting_id: int | None) -> exam.ExamResult:
    """Score a sitting and close it in the progress store: the one ending the terminal and the
    notebook widget share."""
    result = exam.score(questions, answers)
    progress.finish_sitting(
        sitting_id, result.correct, result.total,
        {d: (s.correct, s.total) for d, s in result.by_domain.items() if s.total},
        {q.id: exam.is_correct(q, answers.get(q.id)) for q in questions})
    return result


def _offer_resume(bank_by_id: dict, reader: LineReader):
    """The unfinished exam to resume, or None (declined ones are marked abandoned)."""
    sitting = progress.open_sitting("exam")
    if sitting is None:
        return None
    lost = [qid for qid in sitting.question_ids if qid not in bank_by_id]
    if lost:
        say(f"An unfinished exam asks {len(lost)} question(s) no longer in the bank; starting afresh.")
        progress.abandon_sitting(sitting.id)
        return None
    left = Clock(sitting.seconds_left or 0)
    reply = reader.ask(f"You have an unfinished exam (started {sitting.started}, "
                       f"{len(sitting.answers)}/{len(sitting.question_ids)} answered, {left} left). "
                       "Resume it? [Y/n] ").lower()
    if reply in ("", "y", "yes"):
        return sitting
    progress.abandon_sitting(sitting.id)
    say("Set aside; starting a new exam.")
    return None


def _on_hangup(signum, frame):
    raise Hangup


def exam_main(bank: Sequence, *, seed: int | None, minutes: float) -> int:
    """The whole mock exam: resume or draw, sit, score, save, review. Returns the exit code."""
    reader = LineReader(sys.stdin.fileno(), _write)
    signal.signal(signal.SIGHUP, _on_hangup)
    by_id = {q.id: q for q in bank}
    try:
        sitting = _offer_resume(by_id, reader)
    except (KeyboardInterrupt, EOFError, Hangup):
        say("\nNothing changed: the unfinished exam is still there to resume.")
        return 130
    if sitting is not None:
        questions = [by_id[qid] for qid in sitting.question_ids]
        answers, flagged, sitting_id = dict(sitting.answers), set(sitting.flagged), sitting.id
        clock = Clock(sitting.seconds_left or 0)
        first = next((n for n, q in enumerate(questions) if q.id not in answers), 0)
        say(f"Resuming at question {first + 1}.")
    else:
        questions = exam.draw_exam(bank, seed)
        answers, flagged, first = {}, set(), 0
        clock = Clock(minutes * 60)
        sitting_id = progress.start_sitting("exam", [q.id for q in questions],
                                            seconds_left=minutes * 60, seed=seed)
        say(f"Practice exam: {len(questions)} questions, {minutes:g} minutes. No feedback until you "
            "submit. Type help for the commands.")
    try:
        run_exam(questions, answers, flagged, clock, reader, sitting_id, start_at=first)
    except (KeyboardInterrupt, EOFError, Hangup):
        progress.save_clock(sitting_id, clock.left())
        say(f"\nPaused with {len(answers)}/{len(questions)} answered and {clock} left: your answers are "
            "saved. Run `python -m grader exam` to resume.")
        return 130
    say(format_result(score_and_record(questions, answers, sitting_id)))
    return 0


def drill_main(bank: Sequence, domain: str, *, seed: int | None, count: int, weak: set[str]) -> int:
    """A practice drill of one domain with feedback after every answer. Returns the exit code."""
    reader = LineReader(sys.stdin.fileno(), _write)
    history = progress.last_results()
    missed = {qid for qid, right in history.items() if not right}
    questions = exam.drill_order(bank, domain, missed=missed, weak=weak, seed=seed)[:count]
    if not questions:
        say(f"No questions for {domain} in the bank yet.")
        return 1
    sitting_id = progress.start_sitting("practice", [q.id for q in questions], seed=seed, domain=domain)
    say(f"Drill: {domain}, {len(questions)} questions, feedback after each. "
        "Type s to skip, q to stop.")
    asked, answers = [], {}
    try:
        for number, q in enumerate(questions, start=1):
            show_question(number, len(questions), q, "", False, None)
            while True:
                command = reader.ask(f"{number}/{len(questions)} answer, s(kip), q(uit) > ").lower()
                if command in ("q", "quit", "s", "skip"):
                    break
                answer, problem = exam.parse_answer(command, q)
                if answer is None:
                    say(f"Not an answer: {problem}.")
                    continue
                break
            if command in ("q", "quit"):
                break
            if command in ("s", "skip"):
                continue
            asked.append(q)
            answers[q.id] = answer
            right = exam.is_correct(q, answer)
            progress.save_answer(sitting_id, q.id, answer, correct=right)
            item = exam.review_item(number, q, answer)
            say(f"\n{'✔ Right' if right else '✘ Not right'}: the key is {item.key}.")
            for letter, role, text in item.explanations:
                say(textwrap.fill(f"{letter} ({role}): {text}", 72, subsequent_indent="   "))
            if not right:
                say(f"Revisit: {item.notebook} › {item.section}")
    except (KeyboardInterrupt, EOFError):
        say("\nDrill stopped.")
    result = score_and_record(asked, answers, sitting_id) if asked else None
    if result:
        say(f"\nDrill done: {result.correct}/{result.total} right ({result.percent:.0f}%).")
    return 0

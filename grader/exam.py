"""The practice exam's rules, as pure functions: draw, score, review, and order a drill.

Nothing here reads a file, a clock or a terminal, so the terminal program (``grader.exam_cli``),
the notebook widget and the tests all share one set of rules. Questions are the bank's
:class:`grader.bank.Question` objects (any object with the same attributes works).

The exam's shape is the one the real exam publishes: 48 scored questions drawn 18/9/15/6 from the
four domains in 90 minutes, no partial credit (a "select TWO" item is right only when both keys
and nothing else are chosen).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from grader.exercise import DOMAINS

EXAM_MIX: dict[str, int] = dict(zip(DOMAINS, (18, 9, 15, 6)))
"""Questions per domain in one mock exam (48 in all), the exam's 38/19/31/12 % split."""
EXAM_SIZE = sum(EXAM_MIX.values())
EXAM_MINUTES = 90
DOMAIN_WEIGHTS: dict[str, float] = dict(zip(DOMAINS, (0.38, 0.19, 0.31, 0.12)))
"""The exam guide's domain weights, used to weigh a readiness estimate like the exam does."""
PRACTICE_TARGET = 0.70
SAFER_AIM = (0.80, 0.85)
TARGET_NOTE = (
    "Practice target: 70%. The exam does not publish its pass mark and its questions differ from "
    "ours, so aim for 80–85% in practice before you book."
)


class NotEnoughQuestions(ValueError):
    """The bank has fewer usable (non-stale) questions in a domain than the exam draws."""


def usable(bank: Iterable) -> list:
    """The questions an exam or drill may ask: every one not marked ``stale``."""
    return [q for q in bank if not q.stale]


def draw_exam(bank: Iterable, seed: int | None = None, mix: Mapping[str, int] = EXAM_MIX) -> list:
    """Draw one mock exam: ``mix[domain]`` distinct questions per domain, shuffled together.

    The same ``seed`` and bank give the same exam. Stale items are never drawn.

    Raises:
        NotEnoughQuestions: a domain holds fewer usable questions than ``mix`` asks for.
    """
    rng = random.Random(seed)
    pool = sorted(usable(bank), key=lambda q: q.id)  # bank order must not change the draw
    drawn = []
    for domain, count in mix.items():
        candidates = [q for q in pool if q.domain == domain]
        if len(candidates) < count:
            raise NotEnoughQuestions(
                f"{domain}: the bank has {len(candidates)} usable questions, the exam draws {count}")
        drawn.extend(rng.sample(candidates, count))
    rng.shuffle(drawn)
    return drawn


def normalise(letters: Iterable[str] | str | None) -> str:
    """An answer as sorted, upper-case, distinct letters: ``"ca"`` → ``"AC"``; none → ``""``."""
    return "".join(sorted({ch.upper() for ch in (letters or "") if ch.isalpha()}))


def parse_answer(text: str, question) -> tuple[str | None, str]:
    """Read what a learner typed as an answer to ``question``.

    Accepts ``"b"``, ``"AC"``, ``"a c"``, ``"A,C"``. Returns ``(answer, "")`` when it is a valid
    answer, ``(None, reason)`` when it is not (unknown letter, wrong number of letters).
    """
    raw = [ch.upper() for ch in text if not (ch.isspace() or ch in ",;/")]
    if not raw or not all(ch.isalpha() for ch in raw):
        return None, "type the letter of your answer"
    unknown = sorted(set(raw) - set(question.options))
    if unknown:
        return None, f"no option {', '.join(unknown)}: choose from {', '.join(question.options)}"
    answer = normalise(raw)
    need = len(question.answer)
    if len(answer) != need or len(raw) != need:
        return None, ("select TWO: type two different letters, e.g. AC" if need == 2
                      else "select ONE letter")
    return answer, ""


def is_correct(question, answer: str | Iterable[str] | None) -> bool:
    """True only for exactly the key: no partial credit, nothing extra."""
    return normalise(answer) == normalise(question.answer)


@dataclass(frozen=True)
class ReviewItem:
    """One wrong (or unanswered) question, with what the learner needs to learn from it."""

    number: int                      # 1-based position in the exam
    question: object
    given: str                       # "" when unanswered
    key: str
    explanations: tuple[tuple[str, str, str], ...]  # (letter, "your answer"/"key"/"your answer, key", text)
    notebook: str
    section: str


@dataclass(frozen=True)
class DomainScore:
    correct: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class ExamResult:
    """A scored sitting: overall and per-domain scores, and the review of every wrong item."""

    correct: int
    total: int
    by_domain: dict[str, DomainScore]
    review: list[ReviewItem] = field(default_factory=list)
    unanswered: int = 0

    @property
    def percent(self) -> float:
        return 100.0 * self.correct / self.total if self.total else 0.0

    @property
    def reached_target(self) -> bool:
        return self.total > 0 and self.correct / self.total >= PRACTICE_TARGET


def review_item(number: int, question, given: str) -> ReviewItem:
    """Explain a wrong answer: every option the learner chose and every key, each with its why."""
    key = normalise(question.answer)
    given = normalise(given)
    notes = []
    for letter in question.options:
        roles = [role for role, letters in (("your answer", given), ("key", key)) if letter in letters]
        if roles:
            notes.append((letter, ", ".join(roles), question.explanations[letter]))
    return ReviewItem(number, question, given, key, tuple(notes),
                      question.revisit.notebook, question.revisit.section)


def score(questions: Sequence, answers: Mapping[str, str]) -> ExamResult:
    """Score a sitting. ``answers`` maps question id → letters; a missing id is unanswered (wrong)."""
    by_domain = {domain: [0, 0] for domain in DOMAINS}
    review = []
    for number, q in enumerate(questions, start=1):
        given = normalise(answers.get(q.id))
        row = by_domain.setdefault(q.domain, [0, 0])
        row[1] += 1
        if is_correct(q, given):
            row[0] += 1
        else:
            review.append(review_item(number, q, given))
    correct = sum(r[0] for r in by_domain.values())
    unanswered = sum(1 for q in questions if not normalise(answers.get(q.id)))
    return ExamResult(correct, len(questions), {d: DomainScore(*r) for d, r in by_domain.items()},
                      review, unanswered)


def weak_objectives(exercises: Iterable, latest: Mapping[str, str]) -> set[str]:
    """Objectives with an exercise the learner attempted and has not passed (latest outcome).

    Args:
        exercises: objects with ``id`` and ``objective`` (the check registry's exercises).
        latest: exercise id → latest outcome, as :func:`grader.progress.latest_outcomes` gives.
    """
    return {ex.objective for ex in exercises
            if ex.objective and ex.id in latest and latest[ex.id] != "pass"}


def drill_order(bank: Iterable, domain: str, *, missed: Iterable[str] = (),
                weak: Iterable[str] = (), seed: int | None = None) -> list:
    """The questions of one domain in the order a drill asks them.

    First the questions the learner got wrong the last time they were asked (``missed`` ids),
    then those of objectives their exercises show as weak, then the rest; shuffled within each
    group so a drill does not always open the same way.
    """
    rng = random.Random(seed)
    missed, weak = set(missed), set(weak)
    pool = sorted((q for q in usable(bank) if q.domain == domain), key=lambda q: q.id)
    rng.shuffle(pool)
    return sorted(pool, key=lambda q: (q.id not in missed, q.objective not in weak))


def resolve_domain(text: str) -> str:
    """A domain from what a learner typed: its number (``"3"``) or its name, any case, or a prefix.

    Raises:
        ValueError: nothing or more than one domain matches; the message lists the domains.
    """
    given = text.strip().lower()
    if given.isdigit() and 1 <= int(given) <= len(DOMAINS):
        return DOMAINS[int(given) - 1]
    matches = []
    if given:
        matches = [d for d in DOMAINS if d.lower() == given] or \
                  [d for d in DOMAINS if d.lower().startswith(given)]
    if len(matches) == 1:
        return matches[0]
    listed = "; ".join(f"{i} = {d}" for i, d in enumerate(DOMAINS, start=1))
    raise ValueError(f"unknown exam domain {text!r}; use a number or a name: {listed}")

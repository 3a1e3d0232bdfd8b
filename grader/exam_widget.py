"""The practice exam and the domain drills as ipywidgets, for notebook 10.

The rules are :mod:`grader.exam`'s, the countdown is :class:`grader.exam_cli.Clock` and a sitting is
saved and scored exactly as the terminal program does it (:mod:`grader.progress`, the same
sittings tables), so ``python -m grader exam`` resumes an exam begun here and the other way round.
Every control is an attribute (``ui.next_button``, ``ui.pickers[3]``…) so a test, or a scripted
CI sitting, drives the widget the way a learner does: set a value, ``.click()`` a button.
"""
from __future__ import annotations

import html
import io
import threading
from typing import Callable, Mapping, Sequence

import ipywidgets as w
import mistune

from grader import exam, progress
from grader.exam_cli import Clock, score_and_record

CLOCK_SAVE_EVERY = 15
"""Ticks (seconds) between two saves of the exam clock, so a dead kernel loses little time."""


_MARKDOWN = mistune.create_markdown(escape=True, plugins=["table"])


def markdown(text: str) -> str:
    """A stem or explanation (Markdown with fenced code and tables) as HTML; raw HTML in it is shown
    as text, so a ``<`` in a stem can never swallow what follows."""
    return _MARKDOWN(text or "")


class OptionPicker:
    """Radio buttons for a single-answer item, one checkbox per option for "select TWO"."""

    def __init__(self, question):
        self.question = question
        self.multi = question.kind == "multi"
        labels = [(f"{letter}) {text}", letter) for letter, text in question.options.items()]
        if self.multi:
            self.boxes = {letter: w.Checkbox(value=False, description=label, indent=False,
                                             layout=w.Layout(width="auto"))
                          for label, letter in labels}
            self.controls = list(self.boxes.values())
            self.widget = w.VBox([w.HTML("<i>Select TWO.</i>"), *self.controls])
        else:
            self.radio = w.RadioButtons(options=labels, value=None, layout=w.Layout(width="auto"))
            self.controls = [self.radio]
            self.widget = self.radio

    @property
    def value(self) -> str:
        """The chosen letters, sorted (``""`` when nothing is chosen)."""
        if self.multi:
            return "".join(letter for letter, box in self.boxes.items() if box.value)
        return self.radio.value or ""

    @value.setter
    def value(self, letters: str) -> None:
        letters = exam.normalise(letters)
        if self.multi:
            for letter, box in self.boxes.items():
                box.value = letter in letters
        else:
            self.radio.value = letters if letters in self.question.options else None

    def on_change(self, callback: Callable[[], None]) -> None:
        for control in self.controls:
            control.observe(lambda _change: callback(), names="value")

    def disable(self) -> None:
        for control in self.controls:
            control.disabled = True


def _question_html(number: int, total: int, question) -> str:
    return f"<h4>Question {number} of {total}</h4>{markdown(question.stem)}"


def _explanations_html(item: exam.ReviewItem) -> str:
    q = item.question
    rows = "".join(f"<li><b>{letter})</b> {html.escape(q.options[letter])} <i>({role})</i>: "
                   f"{markdown(text)}</li>" for letter, role, text in item.explanations)
    return f"<ul>{rows}</ul>"


def _revisit_html(item: exam.ReviewItem) -> str:
    return (f'<p>Revisit: <a href="{html.escape(item.notebook)}.ipynb" target="_blank">'
            f"{html.escape(item.notebook)}</a> › {html.escape(item.section)}</p>")


def score_html(result: exam.ExamResult) -> str:
    """The score, the target and its note, and a table of the per-domain scores."""
    verdict = ("target reached" if result.reached_target
               else f"below the {exam.PRACTICE_TARGET:.0%} target")
    rows = "".join(f"<tr><td>{html.escape(d)}</td><td>{s.correct}/{s.total}</td><td>{s.percent:.0f}%</td></tr>"
                   for d, s in result.by_domain.items() if s.total)
    unanswered = f"<p>Unanswered: {result.unanswered} (counted wrong)</p>" if result.unanswered else ""
    return (f"<h3>Score: {result.correct}/{result.total} ({result.percent:.0f}%) — {verdict}</h3>"
            f"<p>{html.escape(exam.TARGET_NOTE)}</p>"
            f"<table><tr><th>Exam domain</th><th>right</th><th>score</th></tr>{rows}</table>{unanswered}")


def domain_chart_png(result: exam.ExamResult) -> bytes:
    """A bar chart of the per-domain scores with the 70% target and the safer 80–85% band."""
    from matplotlib.figure import Figure

    scored = [(d, s) for d, s in result.by_domain.items() if s.total]
    fig = Figure(figsize=(7, 2.8), dpi=90)
    ax = fig.subplots()
    names = [d.replace(" ", "\n", 1) for d, _ in scored]
    percents = [s.percent for _, s in scored]
    colours = ["#2e7d32" if p >= 100 * exam.PRACTICE_TARGET else "#c62828" for p in percents]
    ax.bar(names, percents, color=colours)
    ax.axhspan(100 * exam.SAFER_AIM[0], 100 * exam.SAFER_AIM[1], color="#90caf9", alpha=0.4,
               label="safer aim 80–85%")
    ax.axhline(100 * exam.PRACTICE_TARGET, color="black", linestyle="--", label="practice target 70%")
    ax.set_ylim(0, 100)
    ax.set_ylabel("score %")
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def review_html(result: exam.ExamResult) -> str:
    """Every wrong or unanswered question: the stem, why the chosen and key options are what they are,
    and the lesson to revisit."""
    if not result.review:
        return "<p>No wrong answers: nothing to review.</p>"
    parts = [f"<h3>Review: {len(result.review)} wrong answer(s)</h3>"]
    for item in result.review:
        q = item.question
        parts.append(
            f"<hr><p><b>Question {item.number}</b> <code>{html.escape(q.id)}</code>, objective {q.objective}: "
            f"your answer <b>{item.given or '(none)'}</b>, key <b>{item.key}</b></p>"
            f"{markdown(q.stem)}{_explanations_html(item)}{_revisit_html(item)}")
    return "".join(parts)


class ExamWidget:
    """One mock exam sitting: a question at a time, previous/next, jump, flag, countdown, submit.

    No feedback until the sitting is submitted (by the learner, or by the clock at zero); then
    ``result`` holds the :class:`grader.exam.ExamResult` and ``results`` shows the score per domain,
    a chart and the review. Every answer and flag is saved at once to sitting ``sitting_id``.
    """

    def __init__(self, questions: Sequence, *, sitting_id: int | None = None,
                 answers: Mapping[str, str] | None = None, flagged=(),
                 seconds: float = exam.EXAM_MINUTES * 60, clock: Clock | None = None):
        self.questions = list(questions)
        self.sitting_id = sitting_id
        self.answers = {qid: a for qid, a in (answers or {}).items() if a}
        self.flagged = set(flagged)
        self.clock = clock or Clock(seconds)
        self.result: exam.ExamResult | None = None
        self.index = 0
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._ticks = 0
        self.closed = False

        self.pickers = [OptionPicker(q) for q in self.questions]
        for number, (q, picker) in enumerate(zip(self.questions, self.pickers)):
            picker.value = self.answers.get(q.id, "")
            picker.on_change(lambda n=number: self._answered(n))

        self.timer = w.HTML()
        self.heading = w.HTML()
        self.options = w.Box([])
        self.previous_button = w.Button(description="◀ Previous")
        self.next_button = w.Button(description="Next ▶")
        self.flag_button = w.Button(description="⚑ Flag for review")
        self.jump_buttons = [w.Button(description=str(n), layout=w.Layout(width="3.4em"))
                             for n in range(1, len(self.questions) + 1)]
        self.submit_button = w.Button(description="Submit exam", button_style="primary")
        self.confirm_text = w.HTML()
        self.confirm_button = w.Button(description="Submit anyway", button_style="danger")
        self.keep_working_button = w.Button(description="Keep working")
        self.confirm_box = w.VBox([self.confirm_text, w.HBox([self.confirm_button, self.keep_working_button])],
                                  layout=w.Layout(display="none"))
        self.results = w.VBox([])

        self.previous_button.on_click(lambda _b: self.go(self.index - 1))
        self.next_button.on_click(lambda _b: self.go(self.index + 1))
        self.flag_button.on_click(lambda _b: self.toggle_flag())
        for number, button in enumerate(self.jump_buttons):
            button.on_click(lambda _b, n=number: self.go(n))
        self.submit_button.on_click(lambda _b: self.submit())
        self.confirm_button.on_click(lambda _b: self.submit(confirmed=True))
        self.keep_working_button.on_click(lambda _b: self._hide_confirm())

        self.widget = w.VBox([
            self.timer, self.heading, self.options,
            w.HBox([self.previous_button, self.next_button, self.flag_button]),
            w.HTML("<small>Jump to a question (green: answered, orange: flagged)</small>"),
            w.HBox(self.jump_buttons, layout=w.Layout(flex_flow="row wrap")),
            self.submit_button, self.confirm_box, self.results,
        ])
        self.tick()
        self.go(0)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # --- navigation and answers -----------------------------------------------------------------

    @property
    def submitted(self) -> bool:
        return self.result is not None

    @property
    def active(self) -> bool:
        """Still taking answers: neither submitted nor closed."""
        return not (self.submitted or self.closed)

    def go(self, index: int) -> None:
        """Show question ``index`` (0-based; wraps around like the terminal program)."""
        self.index = index % len(self.questions)
        q = self.questions[self.index]
        self.heading.value = _question_html(self.index + 1, len(self.questions), q)
        self.options.children = [self.pickers[self.index].widget]
        self._refresh_marks()

    def _answered(self, index: int) -> None:
        if not self.active:
            return
        q = self.questions[index]
        letters = self.pickers[index].value
        if letters:
            self.answers[q.id] = letters
        else:
            self.answers.pop(q.id, None)
        self._save(q)
        self._refresh_marks()

    def toggle_flag(self) -> None:
        if not self.active:
            return
        q = self.questions[self.index]
        self.flagged.symmetric_difference_update({q.id})
        self._save(q)
        self._refresh_marks()

    def _save(self, q) -> None:
        progress.save_answer(self.sitting_id, q.id, self.answers.get(q.id, ""),
                             flagged=q.id in self.flagged, seconds_left=self.clock.left())

    def _refresh_marks(self) -> None:
        here = self.questions[self.index].id
        self.flag_button.description = "⚑ Unflag" if here in self.flagged else "⚑ Flag for review"
        for q, button in zip(self.questions, self.jump_buttons):
            button.button_style = ("warning" if q.id in self.flagged
                                   else "success" if q.id in self.answers else "")

    def unanswered(self) -> list[int]:
        """1-based numbers of the questions without an answer."""
        return [n for n, q in enumerate(self.questions, 1) if q.id not in self.answers]

    def flagged_numbers(self) -> list[int]:
        return [n for n, q in enumerate(self.questions, 1) if q.id in self.flagged]

    # --- the clock ------------------------------------------------------------------------------

    def tick(self) -> None:
        """Show the time left; save it now and then; submit when it reaches zero."""
        with self._lock:
            if not self.active:
                return
            self.timer.value = f"<h3>⏱ {self.clock} left</h3>"
            self._ticks += 1
            if self._ticks % CLOCK_SAVE_EVERY == 0:
                progress.save_clock(self.sitting_id, self.clock.left())
            if self.clock.left() <= 0:
                self.timer.value = "<h3>⏰ Time is up: the exam submitted itself.</h3>"
                self._finish()

    def start_timer(self, interval: float = 1.0) -> threading.Thread:
        """Update the countdown every ``interval`` seconds from a daemon thread until submitted."""
        def run() -> None:
            while not self._stop.wait(interval):
                self.tick()

        thread = threading.Thread(target=run, name="exam-countdown", daemon=True)
        thread.start()
        return thread

    def stop_timer(self) -> None:
        self._stop.set()

    # --- submitting -----------------------------------------------------------------------------

    def submit(self, confirmed: bool = False) -> None:
        """Submit; with unanswered questions, first ask for a confirmation (``confirmed=True``)."""
        with self._lock:
            if not self.active:
                return
            missing = self.unanswered()
            if missing and not confirmed:
                listed = ", ".join(map(str, missing))
                self.confirm_text.value = (f"<b>{len(missing)} question(s) unanswered</b> ({listed}): "
                                           "they count as wrong. Submit anyway?")
                self.confirm_box.layout.display = "flex"
                return
            self._finish()

    def _hide_confirm(self) -> None:
        self.confirm_box.layout.display = "none"

    def close(self) -> None:
        """Stop taking answers without submitting (a newer widget took the sitting over)."""
        with self._lock:
            if not self.active:
                return
            self.closed = True
            self._freeze()
            self.timer.value = "<h3>Closed: this exam continues in the newer widget.</h3>"

    def _freeze(self) -> None:
        self.stop_timer()
        progress.save_clock(self.sitting_id, self.clock.left())
        self._hide_confirm()
        for control in (self.previous_button, self.next_button, self.flag_button, self.submit_button,
                        *self.jump_buttons):
            control.disabled = True
        for picker in self.pickers:
            picker.disable()

    def _finish(self) -> None:
        self._freeze()
        self.result = score_and_record(self.questions, self.answers, self.sitting_id)
        self.results.children = [w.HTML(score_html(self.result)),
                                 w.Image(value=domain_chart_png(self.result), format="png"),
                                 w.HTML(review_html(self.result))]


class DrillWidget:
    """A drill of one domain: answer, check, and see at once why each option is right or wrong."""

    def __init__(self, questions: Sequence, *, sitting_id: int | None = None):
        self.questions = list(questions)
        self.sitting_id = sitting_id
        self.index = 0
        self.answers: dict[str, str] = {}
        self.asked: list = []
        self.result: exam.ExamResult | None = None
        self.heading = w.HTML()
        self.options = w.Box([])
        self.feedback = w.HTML()
        self.tally = w.HTML()
        self.check_button = w.Button(description="Check answer", button_style="primary")
        self.next_button = w.Button(description="Next question ▶", disabled=True)
        self.finish_button = w.Button(description="Finish drill")
        self.check_button.on_click(lambda _b: self.check())
        self.next_button.on_click(lambda _b: self.next())
        self.finish_button.on_click(lambda _b: self.finish())
        self.widget = w.VBox([self.tally, self.heading, self.options, self.feedback,
                              w.HBox([self.check_button, self.next_button, self.finish_button])])
        self.picker: OptionPicker | None = None
        self._show()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _show(self) -> None:
        q = self.questions[self.index]
        self.picker = OptionPicker(q)
        self.heading.value = _question_html(self.index + 1, len(self.questions), q)
        self.options.children = [self.picker.widget]
        self.feedback.value = ""
        self.check_button.disabled, self.next_button.disabled = False, True
        right = sum(exam.is_correct(x, self.answers[x.id]) for x in self.asked)
        self.tally.value = f"<b>Drill</b>: {right}/{len(self.asked)} right so far"

    def check(self) -> bool | None:
        """Grade the chosen letters and explain; None (and a reminder) when the choice is incomplete."""
        q = self.questions[self.index]
        answer, problem = exam.parse_answer(self.picker.value, q)
        if answer is None:
            self.feedback.value = f"<p>{html.escape(problem)}</p>"
            return None
        right = exam.is_correct(q, answer)
        self.asked.append(q)
        self.answers[q.id] = answer
        progress.save_answer(self.sitting_id, q.id, answer, correct=right)
        item = exam.review_item(self.index + 1, q, answer)
        verdict = "✔ Right" if right else "✘ Not right"
        self.feedback.value = (f"<h4>{verdict}: the key is {item.key}.</h4>{_explanations_html(item)}"
                               + ("" if right else _revisit_html(item)))
        self.picker.disable()
        self.check_button.disabled = True
        self.next_button.disabled = self.index + 1 >= len(self.questions)
        return right

    def next(self) -> None:
        if self.index + 1 < len(self.questions):
            self.index += 1
            self._show()

    def finish(self) -> exam.ExamResult | None:
        """Close the drill: score what was checked and save it as a practice sitting."""
        if self.result is None and self.asked:
            self.result = score_and_record(self.asked, self.answers, self.sitting_id)
        for control in (self.check_button, self.next_button, self.finish_button):
            control.disabled = True
        if self.picker:
            self.picker.disable()
        if self.result:
            self.tally.value = (f"<b>Drill done</b>: {self.result.correct}/{self.result.total} right "
                                f"({self.result.percent:.0f}%)")
        else:
            self.tally.value = "<b>Drill closed</b>: nothing was checked."
        return self.result


_latest_exam: ExamWidget | None = None
"""The widget :func:`open_exam` returned last in this kernel (re-running the cell replaces it)."""


def open_exam(bank: Sequence, *, seed: int | None = None, minutes: float = exam.EXAM_MINUTES,
              resume: bool = True) -> tuple[ExamWidget, progress.Sitting | None]:
    """Resume the unfinished exam (from this notebook or the terminal) or draw a new one.

    With ``resume=False``, or when the open sitting asks questions no longer in the bank, the open
    sitting is set aside (abandoned) and a new exam is drawn. Returns the widget and the sitting
    resumed (None for a new exam).
    """
    global _latest_exam
    if _latest_exam is not None:
        _latest_exam.close()  # one live widget per sitting: an older one would keep its clock running
    by_id = {q.id: q for q in bank}
    sitting = progress.open_sitting("exam")
    if sitting is not None and (not resume or any(qid not in by_id for qid in sitting.question_ids)):
        progress.abandon_sitting(sitting.id)
        sitting = None
    if sitting is not None:
        _latest_exam = ExamWidget([by_id[qid] for qid in sitting.question_ids], sitting_id=sitting.id,
                                  answers=sitting.answers, flagged=sitting.flagged,
                                  seconds=sitting.seconds_left or 0)
        return _latest_exam, sitting
    questions = exam.draw_exam(bank, seed)
    sitting_id = progress.start_sitting("exam", [q.id for q in questions], seconds_left=minutes * 60,
                                        seed=seed)
    _latest_exam = ExamWidget(questions, sitting_id=sitting_id, seconds=minutes * 60)
    return _latest_exam, None


def open_drill(bank: Sequence, domain: str, *, seed: int | None = None, count: int = 10) -> DrillWidget:
    """A drill of ``count`` questions of one domain (a number or a name), missed and weak ones first."""
    from grader.checks import load_all
    from grader.exercise import REGISTRY

    domain = exam.resolve_domain(domain)
    load_all()
    weak = exam.weak_objectives(REGISTRY.values(), progress.latest_outcomes())
    missed = {qid for qid, right in progress.last_results().items() if not right}
    questions = exam.drill_order(bank, domain, missed=missed, weak=weak, seed=seed)[:count]
    if not questions:
        raise ValueError(f"no questions for {domain} in the bank yet")
    sitting_id = progress.start_sitting("practice", [q.id for q in questions], seed=seed, domain=domain)
    return DrillWidget(questions, sitting_id=sitting_id)


# --- scripted sittings (CI runs the notebook without a learner) ----------------------------------

def wrong_answer(question) -> str:
    """Letters that are not the key: another option, or for "select TWO" one key and one non-key
    (half right, which scores nothing: there is no partial credit)."""
    key = exam.normalise(question.answer)
    others = [letter for letter in question.options if letter not in key]
    return exam.normalise(key[0] + others[0]) if len(key) == 2 else others[0]


def scripted_answers(questions: Sequence, *, wrong: int = 0, unanswered: int = 0) -> tuple[dict[str, str], list[str]]:
    """Answers a scripted sitting gives: the key, except the first ``wrong`` questions answered wrongly
    and the last ``unanswered`` left blank. Returns the answers and the ids the review must list."""
    answers, expected = {}, []
    blank = {q.id for q in questions[len(questions) - unanswered:]} if unanswered else set()
    for number, q in enumerate(questions):
        if q.id in blank:
            expected.append(q.id)
        elif number < wrong:
            answers[q.id] = wrong_answer(q)
            expected.append(q.id)
        else:
            answers[q.id] = exam.normalise(q.answer)
    return answers, expected


def answer_through_widget(ui: ExamWidget, answers: Mapping[str, str]) -> None:
    """Answer as a learner would: visit each question with Next and choose its letters."""
    ui.go(0)
    for _ in ui.questions:
        q = ui.questions[ui.index]
        if q.id in answers:
            ui.pickers[ui.index].value = answers[q.id]
        ui.next_button.click()

"""The notebook's mock exam and drills (grader.exam_widget), driven the way a learner drives them:
set a picker's value, ``.click()`` a button. Each test has its own workspace (tests/grader/conftest.py),
so sittings land in a fresh progress store; the bank is test_exam's fixture bank, read by load_bank."""
from __future__ import annotations

from collections import Counter

import ipywidgets as w
import pytest

from grader import exam, exam_widget, progress
from grader.bank import load_bank
from grader.exam_cli import Clock
from grader.exercise import DOMAINS
from test_exam import write_bank


@pytest.fixture
def bank(tmp_path):
    return load_bank(write_bank(tmp_path / "bank"))


@pytest.fixture(autouse=True)
def no_earlier_exam(monkeypatch):
    """Each test starts as a fresh kernel does: no exam widget opened before it."""
    monkeypatch.setattr(exam_widget, "_latest_exam", None)


def html_of(widget) -> str:
    """Every HTML text shown inside a widget tree."""
    if isinstance(widget, w.HTML):
        return widget.value
    return "".join(html_of(child) for child in getattr(widget, "children", ()))


def test_a_sitting_answered_from_the_key_scores_48_of_48_in_the_exam_mix_and_is_saved(bank):
    ui, resumed = exam_widget.open_exam(bank, seed=5)
    assert resumed is None
    assert Counter(q.domain for q in ui.questions) == Counter(dict(zip(DOMAINS, (18, 9, 15, 6))))
    key = {q.id: "".join(q.answer) for q in ui.questions}
    exam_widget.answer_through_widget(ui, key)
    ui.submit_button.click()

    assert ui.confirm_box.layout.display == "none"  # nothing unanswered: no confirmation asked
    assert (ui.result.correct, ui.result.total, ui.result.review) == (48, 48, [])
    shown = html_of(ui.results)
    assert "Score: 48/48 (100%)" in shown and "80–85%" in shown and "nothing to review" in shown
    chart = next(c for c in ui.results.children if isinstance(c, w.Image))
    assert chart.value[:8] == b"\x89PNG\r\n\x1a\n"
    [saved] = progress.finished_sittings("exam")
    assert (saved.correct, saved.total) == (48, 48)
    assert saved.by_domain == {d: [n, n] for d, n in zip(DOMAINS, (18, 9, 15, 6))}
    assert progress.open_sitting("exam") is None


def test_a_scripted_wrong_sitting_asks_to_confirm_and_reviews_exactly_the_wrong_items(bank):
    ui, _ = exam_widget.open_exam(bank, seed=2)
    answers, expected = exam_widget.scripted_answers(ui.questions, wrong=3, unanswered=2)
    exam_widget.answer_through_widget(ui, answers)

    ui.submit_button.click()
    assert ui.result is None and ui.confirm_box.layout.display == "flex"
    assert "2 question(s) unanswered" in ui.confirm_text.value and "(47, 48)" in ui.confirm_text.value
    ui.keep_working_button.click()
    assert ui.result is None and ui.confirm_box.layout.display == "none"
    ui.submit_button.click()
    ui.confirm_button.click()

    assert (ui.result.correct, ui.result.unanswered) == (43, 2)
    assert [item.question.id for item in ui.result.review] == expected
    review = html_of(ui.results)
    assert all(qid in review for qid in expected) and review.count("Revisit:") == 5
    assert "below the 70% target" not in review  # 43/48 = 90%
    assert progress.finished_sittings("exam")[0].correct == 43


def test_a_half_right_select_two_answer_is_wrong(bank):
    multi = next(q for q in bank if q.kind == "multi")
    half = exam_widget.wrong_answer(multi)
    assert len(half) == 2 and len(set(half) & set(multi.answer)) == 1
    assert not exam.is_correct(multi, half)


def test_no_feedback_before_submitting(bank):
    ui, _ = exam_widget.open_exam(bank, seed=2)
    answers, _ = exam_widget.scripted_answers(ui.questions, wrong=48)
    exam_widget.answer_through_widget(ui, answers)
    assert ui.result is None and ui.results.children == ()
    shown = html_of(ui.widget)
    assert not any(text in shown for q in ui.questions for text in q.explanations.values())
    assert "Score" not in shown and "Review" not in shown


def test_previous_next_jump_and_flag(bank):
    ui, _ = exam_widget.open_exam(bank, seed=2)
    assert "Question 1 of 48" in ui.heading.value
    ui.previous_button.click()
    assert ui.index == 47 and "Question 48 of 48" in ui.heading.value
    ui.next_button.click()
    ui.next_button.click()
    assert ui.index == 1
    ui.jump_buttons[9].click()
    assert ui.index == 9 and ui.options.children == (ui.pickers[9].widget,)
    ui.flag_button.click()
    assert ui.flag_button.description == "⚑ Unflag" and ui.jump_buttons[9].button_style == "warning"
    assert ui.flagged_numbers() == [10]
    assert progress.open_sitting("exam").flagged == {ui.questions[9].id}
    ui.flag_button.click()
    assert ui.flagged_numbers() == [] and progress.open_sitting("exam").flagged == set()

    ui.pickers[9].value = ui.questions[9].answer[0]
    assert ui.jump_buttons[9].button_style == "success" and 10 not in ui.unanswered()


def test_single_items_are_radio_buttons_and_select_two_items_checkboxes(bank):
    single = exam_widget.OptionPicker(next(q for q in bank if q.kind == "single"))
    multi = exam_widget.OptionPicker(next(q for q in bank if q.kind == "multi"))
    assert isinstance(single.widget, w.RadioButtons) and single.value == ""
    assert all(isinstance(c, w.Checkbox) for c in multi.controls) and len(multi.controls) == 5
    multi.boxes["C"].value = multi.boxes["A"].value = True
    assert multi.value == "AC"
    single.value = "b"
    assert single.radio.value == "B" and single.value == "B"


def test_an_unfinished_sitting_resumes_with_its_answers_flags_and_clock(bank):
    ui, _ = exam_widget.open_exam(bank, seed=4)
    first, second = ui.questions[0], ui.questions[1]
    ui.pickers[0].value = "".join(first.answer)
    ui.go(1)
    ui.flag_button.click()
    ui.close()                                  # the kernel goes away …
    progress.save_clock(ui.sitting_id, 1234.0)  # … and the terminal program used some more time

    again, resumed = exam_widget.open_exam(bank, seed=99)  # a new seed would draw another exam
    assert resumed is not None and resumed.id == ui.sitting_id
    assert [q.id for q in again.questions] == [q.id for q in ui.questions]
    assert again.pickers[0].value == "".join(first.answer) and again.flagged == {second.id}
    assert 1230 < again.clock.left() <= 1234.0
    assert "⚑ Unflag" not in again.flag_button.description  # shows question 1, which is not flagged

    fresh, resumed = exam_widget.open_exam(bank, seed=99, resume=False)
    assert resumed is None and fresh.sitting_id != ui.sitting_id
    assert [s.status for s in progress._sittings("id = ?", (ui.sitting_id,))] == ["abandoned"]


def test_the_countdown_shows_saves_and_submits_at_zero(bank):
    now = [0.0]
    questions = exam.draw_exam(bank, seed=1)
    sitting_id = progress.start_sitting("exam", [q.id for q in questions], seconds_left=90.0)
    ui = exam_widget.ExamWidget(questions, sitting_id=sitting_id, clock=Clock(90, now=lambda: now[0]))
    assert "01:30 left" in ui.timer.value
    now[0] = 30.0
    for _ in range(exam_widget.CLOCK_SAVE_EVERY):
        ui.tick()
    assert "01:00 left" in ui.timer.value
    assert progress.open_sitting("exam").seconds_left == 60.0
    now[0] = 90.0
    ui.tick()
    assert ui.result is not None and ui.result.unanswered == 48
    assert "Time is up" in ui.timer.value and ui.next_button.disabled and ui.pickers[0].controls[0].disabled
    assert progress.finished_sittings("exam")[0].correct == 0


def test_the_timer_thread_ends_when_the_exam_is_submitted(bank):
    ui, _ = exam_widget.open_exam(bank, seed=1)
    thread = ui.start_timer(interval=0.01)
    ui.submit(confirmed=True)
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_a_drill_gives_feedback_at_once_and_asks_missed_questions_first(bank):
    domain = DOMAINS[1]
    mine = [q for q in exam.usable(bank) if q.domain == domain]
    missed = mine[4]
    earlier = progress.start_sitting("practice", [missed.id], domain=domain)
    progress.finish_sitting(earlier, 0, 1, {domain: (0, 1)}, {missed.id: False})

    drill = exam_widget.open_drill(bank, "2", seed=3, count=3)
    assert [q.domain for q in drill.questions] == [domain] * 3 and drill.questions[0].id == missed.id

    first = drill.questions[0]
    drill.picker.value = "".join(first.answer)
    drill.check_button.click()
    assert "✔ Right" in drill.feedback.value and not drill.next_button.disabled
    assert drill.check_button.disabled and drill.picker.controls[0].disabled

    drill.next_button.click()
    second = drill.questions[1]
    if second.kind == "multi":
        drill.picker.value = second.answer[0]  # one box of two: not an answer yet
        assert drill.check() is None and "select TWO" in drill.feedback.value
    drill.picker.value = exam_widget.wrong_answer(second)
    drill.check_button.click()
    assert "✘ Not right" in drill.feedback.value and "Revisit:" in drill.feedback.value

    drill.finish_button.click()
    assert (drill.result.correct, drill.result.total) == (1, 2)
    assert "1/2 right" in drill.tally.value
    saved = progress.finished_sittings("practice")[-1]
    assert (saved.domain, saved.correct, saved.total) == (domain, 1, 2)
    assert progress.last_results()[second.id] is False


def test_a_drill_finished_before_any_check_saves_nothing(bank):
    drill = exam_widget.open_drill(bank, "Model Deployment", seed=1, count=2)
    assert drill.finish() is None and "nothing was checked" in drill.tally.value
    assert progress.finished_sittings("practice") == []


def test_stems_render_markdown_code_and_tables_and_show_raw_html_as_text():
    shown = exam_widget.markdown("Is `a<b` true when x < 5 <b>here</b>?\n\n| k | v |\n|---|---|\n| 1 | 2 |\n\n"
                                 "```python\nif a < b: pass\n```")
    assert "<code>a&lt;b</code>" in shown and "&lt;b&gt;here" in shown and "<table>" in shown
    assert '<pre><code class="language-python">if a &lt; b: pass' in shown


def test_opening_the_exam_again_closes_the_older_widget(bank):
    old, _ = exam_widget.open_exam(bank, seed=4)
    thread = old.start_timer(interval=0.01)
    new, resumed = exam_widget.open_exam(bank, seed=4)
    assert resumed is not None and resumed.id == old.sitting_id
    thread.join(timeout=10)
    assert not thread.is_alive() and not old.active and old.next_button.disabled
    assert "Closed" in old.timer.value

    old.pickers[0].value = "".join(old.questions[0].answer)  # a stale widget no longer writes
    old.submit(confirmed=True)
    assert old.result is None and progress.open_sitting("exam").answers == {}
    assert new.active

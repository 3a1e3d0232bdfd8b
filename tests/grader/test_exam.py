"""The practice exam's rules (grader.exam) on a small bank written for the test and read by load_bank."""
from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import pytest
import yaml

from grader import exam
from grader.bank import DOMAIN_OF, OBJECTIVES, load_bank
from grader.exercise import DOMAINS, Exercise

# Usable questions per domain in the fixture bank: a few more than the exam draws, so seeds matter.
FIXTURE_SIZES = dict(zip(DOMAINS, (20, 10, 17, 7)))


def _revisit() -> dict:
    from grader.bank.notebooks import notebook_headings

    headings = notebook_headings()
    notebook = "03_model_development" if "03_model_development" in headings else sorted(headings)[0]
    return {"notebook": notebook, "section": sorted(headings[notebook])[0]}


def fixture_entries() -> list[dict]:
    """Questions in every domain, single and multi, plus one stale item per domain."""
    revisit = _revisit()
    entries = []
    for domain, size in FIXTURE_SIZES.items():
        objectives = itertools.cycle([o for o in OBJECTIVES if DOMAIN_OF[o] == domain])
        for n in range(size + 1):
            objective = next(objectives)
            multi = n % 4 == 3
            letters = "ABCDE" if multi else "ABCD"
            qid = f"{objective}-fixture-{n}"
            key = [letters[n % 5], letters[(n + 2) % 5]] if multi else [letters[n % 4]]
            entries.append({
                "id": qid, "objective": objective, "kind": "multi" if multi else "single",
                "stem": f"Fixture question {qid}: which {'two options are' if multi else 'option is'} the key?",
                "options": {L: f"option {L} of {qid}" for L in letters},
                "answer": sorted(key),
                "explanations": {L: f"{'Right' if L in key else 'Wrong'}: why {L} of {qid}" for L in letters},
                "revisit": revisit,
                "stale": n == size,  # the last of each domain teaches a dropped topic
            })
    return entries


def write_bank(folder: Path, entries: list[dict] | None = None) -> Path:
    """The fixture bank as one YAML file per domain, the way grader/bank/questions/ holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = fixture_entries() if entries is None else entries
    for number, domain in enumerate(DOMAINS, start=1):
        mine = [e for e in entries if DOMAIN_OF[e["objective"]] == domain]
        (folder / f"{number}_fixture.yaml").write_text(yaml.safe_dump(mine, sort_keys=False))
    return folder


@pytest.fixture
def bank(tmp_path):
    return load_bank(write_bank(tmp_path / "bank"))


def test_exam_draws_48_in_the_exam_mix_never_stale(bank):
    drawn = exam.draw_exam(bank, seed=1)
    assert len(drawn) == exam.EXAM_SIZE == 48
    assert Counter(q.domain for q in drawn) == Counter(dict(zip(DOMAINS, (18, 9, 15, 6))))
    assert len({q.id for q in drawn}) == 48
    assert not any(q.stale for q in drawn)
    assert any(q.kind == "multi" for q in drawn)


def test_draw_is_seeded_and_independent_of_bank_order(bank):
    first = [q.id for q in exam.draw_exam(bank, seed=7)]
    assert first == [q.id for q in exam.draw_exam(list(reversed(bank)), seed=7)]
    assert first != [q.id for q in exam.draw_exam(bank, seed=8)]


def test_a_domain_short_of_questions_is_refused(tmp_path):
    entries = [e for e in fixture_entries() if not (e["objective"].startswith("4.") and e["id"].endswith(("-0", "-1")))]
    small = load_bank(write_bank(tmp_path / "small", entries))  # 5 usable in domain 4, one fewer than 6
    assert len([q for q in exam.usable(small) if q.domain == DOMAINS[3]]) == 5
    with pytest.raises(exam.NotEnoughQuestions, match="Model Deployment: the bank has 5"):
        exam.draw_exam(small, seed=1)


def test_answering_from_the_key_scores_100_and_one_wrong_costs_exactly_one(bank):
    drawn = exam.draw_exam(bank, seed=3)
    key = {q.id: "".join(q.answer) for q in drawn}
    result = exam.score(drawn, key)
    assert (result.correct, result.total, result.percent, result.review) == (48, 48, 100.0, [])
    assert {d: (s.correct, s.total) for d, s in result.by_domain.items()} == \
        dict(zip(DOMAINS, ((18, 18), (9, 9), (15, 15), (6, 6))))

    victim = next(q for q in drawn if q.domain == DOMAINS[2])
    wrong = next(L for L in victim.options if L not in victim.answer)
    result = exam.score(drawn, {**key, victim.id: wrong})
    assert result.correct == 47 and result.by_domain[DOMAINS[2]].correct == 14
    assert [item.question.id for item in result.review] == [victim.id]
    assert result.review[0].number == drawn.index(victim) + 1


def test_select_two_has_no_partial_credit(bank):
    q = next(q for q in bank if q.kind == "multi")
    other = next(L for L in q.options if L not in q.answer)
    assert exam.is_correct(q, "".join(reversed(q.answer)))
    assert not exam.is_correct(q, q.answer[0])
    assert not exam.is_correct(q, q.answer[0] + other)
    assert not exam.is_correct(q, "".join(q.answer) + other)


def test_unanswered_counts_wrong_and_is_reviewed(bank):
    drawn = exam.draw_exam(bank, seed=3)
    answers = {q.id: "".join(q.answer) for q in drawn[1:]}
    result = exam.score(drawn, answers)
    assert (result.correct, result.unanswered) == (47, 1)
    assert result.review[0].given == "" and result.review[0].question is drawn[0]


def test_review_explains_the_chosen_options_and_the_keys_and_says_where_to_revisit(bank):
    q = next(q for q in bank if q.kind == "multi")
    given = q.answer[0] + next(L for L in q.options if L not in q.answer)
    item = exam.review_item(5, q, given)
    roles = {letter: role for letter, role, _ in item.explanations}
    assert roles == {q.answer[0]: "your answer, key", q.answer[1]: "key", given[1]: "your answer"}
    assert all(text == q.explanations[letter] for letter, _, text in item.explanations)
    assert (item.notebook, item.section) == (q.revisit.notebook, q.revisit.section)
    assert item.key == "".join(q.answer)


def test_target_is_seventy_percent(bank):
    drawn = exam.draw_exam(bank, seed=3)
    answers = {q.id: "".join(q.answer) for q in drawn[:34]}  # 34/48 = 70.8 %
    assert exam.score(drawn, answers).reached_target
    answers.pop(drawn[0].id)  # 33/48 = 68.75 %
    assert not exam.score(drawn, answers).reached_target
    assert "80–85%" in exam.TARGET_NOTE


@pytest.mark.parametrize("typed, expected", [("b", "B"), (" c ", "C"), ("E", None), ("AB", None), ("", None), ("1", None)])
def test_parse_single(bank, typed, expected):
    q = next(q for q in bank if q.kind == "single")
    assert exam.parse_answer(typed, q)[0] == expected


@pytest.mark.parametrize("typed, expected", [("ca", "AC"), ("a c", "AC"), ("A,E", "AE"), ("A", None), ("AA", None), ("ABC", None), ("AF", None)])
def test_parse_select_two(bank, typed, expected):
    q = next(q for q in bank if q.kind == "multi")
    answer, problem = exam.parse_answer(typed, q)
    assert answer == expected and bool(problem) == (expected is None)


def test_weak_objectives_are_attempted_and_not_passed():
    exercises = [Exercise("02.a", DOMAINS[1], "2.2"), Exercise("02.b", DOMAINS[1], "2.3"),
                 Exercise("02.c", DOMAINS[1], "2.4"), Exercise("02.d", DOMAINS[1], "")]
    latest = {"02.a": "fail", "02.b": "pass", "02.d": "error"}
    assert exam.weak_objectives(exercises, latest) == {"2.2"}


def test_drill_asks_missed_questions_first_then_weak_objectives(bank):
    domain = DOMAINS[1]
    mine = [q for q in exam.usable(bank) if q.domain == domain]
    missed = {mine[4].id, mine[7].id}
    weak = {mine[1].objective}
    order = exam.drill_order(bank, domain, missed=missed, weak=weak, seed=2)
    assert sorted(q.id for q in order) == sorted(q.id for q in mine)  # this domain, never stale
    assert {q.id for q in order[:2]} == missed
    weak_ids = {q.id for q in mine if q.objective in weak} - missed
    assert {q.id for q in order[2:2 + len(weak_ids)]} == weak_ids
    plain = exam.drill_order(bank, domain, seed=2)
    assert {q.id for q in plain[:2]} != missed  # without history nothing is favoured


@pytest.mark.parametrize("typed, domain", [("1", DOMAINS[0]), ("4", DOMAINS[3]), ("data processing", DOMAINS[1]),
                                           ("Model Dev", DOMAINS[2]), ("model deployment", DOMAINS[3])])
def test_resolve_domain(typed, domain):
    assert exam.resolve_domain(typed) == domain


@pytest.mark.parametrize("typed", ["0", "5", "model", "", "cooking"])
def test_resolve_domain_refuses(typed):
    with pytest.raises(ValueError, match="1 = Databricks Machine Learning"):
        exam.resolve_domain(typed)


def test_the_course_bank_fills_an_exam_and_a_drill_of_every_domain():
    course = load_bank()
    drawn = exam.draw_exam(course, seed=0)
    assert Counter(q.domain for q in drawn) == Counter(dict(zip(DOMAINS, (18, 9, 15, 6))))
    for domain in DOMAINS:
        assert len(exam.drill_order(course, domain, seed=0)) >= 10, domain

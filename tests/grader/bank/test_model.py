"""The schema: each rule of FORMAT.md is proven by a broken fixture bank that fails naming file, id and field.

The valid fixture question loads first (the positive control), so each failure below is caused by
the one field it breaks.
"""
from __future__ import annotations

import pytest

from bank_support import SECTION, good_question, multi_question
from grader.bank import BankError, Question, load_bank


def _load(bank, notebooks, **files):
    return load_bank(bank(**files), notebooks=notebooks)


def test_the_valid_fixtures_load(bank, notebooks):
    questions = _load(bank, notebooks, three=[good_question(), multi_question()])
    assert [q.id for q in questions] == ["3.10-grid-times-folds", "3.10-two-true"]
    single = questions[0]
    assert isinstance(single, Question)
    assert single.options["B"] == "60" and single.answer == ["B"] and single.revisit.section == SECTION
    assert single.domain == "Model Development" and single.stale is False and single.quiz is None
    assert questions[1].proof is None


BROKEN = {
    "unknown objective": (good_question(objective="4.7", id="4.7-x"), "objective", "not an objective of the outline"),
    "objective written as a number": (good_question(objective=3.1, id="3.1-x"), "objective", "quote it"),
    "id without its objective": (good_question(id="3.11-grid-times-folds"), "id", "must start with its objective"),
    "id with capitals": (good_question(id="3.10-Grid"), "id", "should match pattern"),
    "unknown kind": (good_question(kind="pick-two"), "kind", "'single' or 'multi'"),
    "single with five options": (good_question(options={**good_question()["options"], "E": "5"}), "options", "A–D in order"),
    "single with a gap": (good_question(options={"A": "1", "B": "2", "C": "3", "E": "4"}), "options", "A–D in order"),
    "multi with four options": (multi_question(options={letter: letter for letter in "ABCD"}), "options", "A–E in order"),
    "empty option text": (good_question(options={"A": "12", "B": "60", "C": " ", "D": "20"}), "options", "option C has no text"),
    "single with two keys": (good_question(answer=["A", "B"]), "answer", "exactly 1 key"),
    "multi with one key": (multi_question(answer=["A"]), "answer", "exactly 2 key"),
    "multi with a repeated key": (multi_question(answer=["A", "A"]), "answer", "appears twice"),
    "key not among the options": (good_question(answer=["E"]), "answer", "E, which is not an option"),
    "a wrong option unexplained": (good_question(explanations={"A": "a", "B": "b", "C": "c"}), "explanations", "missing for D"),
    "an explanation for no option": (good_question(explanations={**good_question()["explanations"], "E": "e"}), "explanations",
                                     "E, which is not an option"),
    "unknown notebook": (good_question(revisit={"notebook": "03_modeling", "section": SECTION}), "revisit.notebook",
                         "no notebook solutions/03_modeling.ipynb"),
    "section that is not a heading": (good_question(revisit={"notebook": "03_model_development", "section": "Grid search"}),
                                      "revisit.section", "not a Markdown heading"),
    "a code comment is not a heading": (good_question(revisit={"notebook": "03_model_development", "section": "a comment, not a heading"}),
                                        "revisit.section", "not a Markdown heading"),
    "a fenced comment is not a heading": (good_question(revisit={"notebook": "03_model_development", "section": "not a heading"}),
                                          "revisit.section", "not a Markdown heading"),
    "no revisit": (good_question(revisit=None), "revisit", "Field required"),
    "stale as text": (good_question(stale="yes"), "stale", "valid boolean"),
    "quiz that is not an exercise id": (good_question(quiz="promote"), "quiz", "not an exercise id"),
    "a misspelt field": ({**good_question(), "explanation": {}}, "explanation", "Extra inputs are not permitted"),
    "an option as a number": (good_question(options={"A": 12, "B": "60", "C": "61", "D": "20"}), "options.A", "quote it"),
}


@pytest.mark.parametrize("question, field, message", BROKEN.values(), ids=BROKEN.keys())
def test_each_rule_fails_naming_file_id_and_field(bank, notebooks, question, field, message):
    with pytest.raises(BankError) as err:
        _load(bank, notebooks, broken=[question])
    problems = [p for p in err.value.problems if p.field == field]
    assert problems, f"no problem reported on field {field!r}: {err.value}"
    assert problems[0].file == "broken.yaml" and problems[0].id == str(question["id"])
    assert message in problems[0].message, problems[0].message
    assert f"broken.yaml: question {question['id']}: field {field}: " in str(err.value)


def test_ids_are_unique_across_files(bank, notebooks):
    with pytest.raises(BankError, match="b.yaml: question 3.10-grid-times-folds: field id: duplicate: a.yaml already has"):
        _load(bank, notebooks, a=[good_question()], b=[good_question()])


def test_every_problem_of_a_bank_is_reported_at_once(bank, notebooks):
    with pytest.raises(BankError) as err:
        _load(bank, notebooks, a=[good_question(answer=["E"])], b=[multi_question(answer=["A"]), good_question(id="3.10-x", stem="")])
    assert [(p.file, p.field) for p in err.value.problems] == [("a.yaml", "answer"), ("b.yaml", "answer"), ("b.yaml", "stem")]


@pytest.mark.parametrize("text, message", [
    ("id: 3.10-x\nobjective: '3.10'\n", "must be a YAML list of questions"),
    ("- [not, a, mapping]\n", "each entry must be a mapping"),
    ("- id: [unclosed\n", "not valid YAML"),
])
def test_a_malformed_file_is_named(bank, notebooks, text, message):
    with pytest.raises(BankError, match=f"odd.yaml: .*{message}"):
        _load(bank, notebooks, odd=text)


def test_a_question_without_an_id_is_named_by_its_position(bank, notebooks):
    with pytest.raises(BankError, match=r"nameless.yaml: question #2 \(no id\): field id: Field required"):
        _load(bank, notebooks, nameless=[multi_question(), good_question(id=None)])


def test_domain_is_the_objectives_first_number(bank, notebooks):
    ids = {"1.16": "Databricks Machine Learning", "2.9": "Data Processing", "3.1": "Model Development", "4.6": "Model Deployment"}
    questions = _load(bank, notebooks, d=[good_question(objective=o, id=f"{o}-q") for o in ids])
    assert {q.objective: q.domain for q in questions} == ids


def test_an_empty_folder_is_an_empty_bank(tmp_path, notebooks):
    assert load_bank(tmp_path, notebooks=notebooks) == []

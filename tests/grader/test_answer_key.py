"""The shared quiz grading: the key passes (in any case and with digit-string item numbers); a
missing item, a wrong letter, option text, an unknown item or a non-dict fail, never revealing the key."""
import pytest

from bank_support import good_question
from grader.answer_key import check_quiz, grade_quiz
from grader.bank import Question
from grader.bank.quizzes import quiz_key

CONTEXT = {"notebooks": {"03_model_development": frozenset({good_question()["revisit"]["section"]})}}
ITEMS = [Question.model_validate(good_question(id=f"3.10-q{n}", answer=[key]), context=CONTEXT) for n, key in ((1, "B"), (2, "D"))]


def test_the_key_passes_in_any_case_and_with_string_numbers():
    grade_quiz({1: "B", 2: "D"}, ITEMS, variable="answers")
    grade_quiz({"1": " b ", "2": "d"}, ITEMS, variable="answers")


@pytest.mark.parametrize("answers, match", [
    ([("1", "B")], "answers should be a dict from each item number"),
    ({1: "B"}, r"missing: \[2\]"),
    ({1: "B", 2: "A"}, r"1 of 2 items are answered wrongly, e.g. item 2\."),
    ({1: "A", 2: "A"}, r"2 of 2 items are answered wrongly, e.g. item 1\."),
    ({1: "B", 2: "E"}, "Item 2 has no option 'E'"),
    ({1: "60", 2: "D"}, "Item 1: answer with the option's letter, not its text"),
    ({1: "B", 2: "D", 3: "A"}, "has the key 3, but the quiz numbers its items 1 to 2"),
    ({1: "B", "second": "D"}, "has the key 'second'"),
    ({True: "B", 2: "D"}, "has the key True"),
])
def test_wrong_answers_fail_without_revealing_the_key(answers, match):
    with pytest.raises(AssertionError, match=match) as err:
        grade_quiz(answers, ITEMS, variable="answers")
    assert "'D'" not in str(err.value) or "'E'" in match, "the message must not reveal the right letter"


def test_check_quiz_reads_the_key_from_the_bank():
    key = quiz_key("06.promote_code_or_model")
    check_quiz("06.promote_code_or_model", key, variable="promotion_answers")
    flipped = {n: "B" if letter == "A" else "A" for n, letter in key.items()}
    with pytest.raises(AssertionError, match=f"{len(key)} of {len(key)} items are answered wrongly"):
        check_quiz("06.promote_code_or_model", flipped, variable="promotion_answers")
    with pytest.raises(LookupError, match="no items for the quiz"):
        check_quiz("06.no_such_quiz", key, variable="promotion_answers")

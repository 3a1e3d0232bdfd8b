"""The shared answer-key check: passes on the key, fails on a missing, a wrong or a non-dict answer."""
import pytest

from grader.answer_key import check_answers

KEY = {"real-time serving with feature lookups": "online", "nightly batch scoring": "offline"}


def test_the_key_itself_passes_and_whitespace_is_ignored():
    check_answers(dict(KEY), KEY, variable="store_answers")
    check_answers({q: f" {a} " for q, a in KEY.items()}, KEY, variable="store_answers")


@pytest.mark.parametrize("answers, match", [
    ([("nightly batch scoring", "offline")], "should be a dict"),
    ({"nightly batch scoring": "offline"}, "missing"),
    ({q: "online" for q in KEY}, "1 of 2 questions are answered wrongly"),
])
def test_wrong_answers_fail_without_revealing_the_key(answers, match):
    with pytest.raises(AssertionError, match=match) as err:
        check_answers(answers, KEY, variable="store_answers")
    assert "'offline'" not in str(err.value), "the message must not reveal the right answer"

import pytest

from localbricks.errors import ThreeLevelNameError
from localbricks.names import parse


def test_three_levels_are_split_and_lower_cased():
    assert parse("Main.Default.Churn") == ("main", "default", "churn")
    assert str(parse("main.ml.`my-table`")) == "main.ml.my-table"


@pytest.mark.parametrize("bad, fragment", [
    ("default.churn", "has 2"),
    ("churn", "has 1"),
    ("a.b.c.d", "has 4"),
    ("main.default.1churn", "not a valid identifier"),
    ("", "non-empty"),
    (None, "non-empty"),
])
def test_bad_names_say_what_is_wrong(bad, fragment):
    with pytest.raises(ThreeLevelNameError, match=fragment):
        parse(bad)


def test_two_level_error_suggests_the_full_name():
    with pytest.raises(ThreeLevelNameError, match="main.default.churn"):
        parse("default.churn", what="feature table")

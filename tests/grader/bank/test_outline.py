"""The committed outline parses to the exam's 48 objectives, 18/9/15/6 across the four domains."""
from __future__ import annotations

from collections import Counter

import pytest

from grader.bank import DOMAIN_OF, OBJECTIVES
from grader.bank.outline import OUTLINE, parse_objectives
from grader.exercise import DOMAINS


def test_the_outline_has_48_objectives_18_9_15_6():
    assert len(OBJECTIVES) == 48
    assert Counter(DOMAIN_OF.values()) == dict(zip(DOMAINS, (18, 9, 15, 6)))
    assert list(OBJECTIVES)[:2] == ["1.1", "1.2"] and list(OBJECTIVES)[-1] == "4.6"
    assert OBJECTIVES["3.10"] == "Model count" and DOMAIN_OF["3.10"] == "Model Development"


def test_the_outline_is_committed_inside_the_package():
    assert OUTLINE.parent.name == "bank" and OUTLINE.is_file()


def test_a_table_missing_a_row_parses_short_and_a_repeated_row_is_refused():
    text = OUTLINE.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| 2.5 |"))
    assert len(parse_objectives(text.replace(row + "\n", ""))) == 47
    with pytest.raises(ValueError, match="objective 2.5 appears twice"):
        parse_objectives(text.replace(row, f"{row}\n{row}"))

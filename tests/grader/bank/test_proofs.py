"""Every proof in the bank, run against the local stack: the key must be what the code computes.

Each question with a ``proof`` is one test. A fixture question whose key disagrees with its proof
proves the test can fail.
"""
from __future__ import annotations

import uuid

import pytest

from bank_support import good_question
from grader.bank import BankError, Question, load_bank
from grader.bank.proofs import assert_proof_agrees, run_proof

pytestmark = pytest.mark.spark


def _proved() -> list:
    try:
        return [pytest.param(q, id=q.id) for q in load_bank() if q.proof]
    except BankError as err:  # reported as one failing case instead of a collection error
        return [pytest.param(err, id="bank-does-not-load")]


@pytest.mark.parametrize("question", _proved())
def test_the_key_is_what_the_proof_computes(question, spark, tmp_path):
    if isinstance(question, BankError):
        pytest.fail(str(question))
    assert_proof_agrees(question, spark=spark, tmp=tmp_path, unique=uuid.uuid4().hex[:8])


SPARK_PROOF = """
from pyspark.ml.tuning import ParamGridBuilder
from pyspark.ml.classification import LogisticRegression
lr = LogisticRegression()
grid = ParamGridBuilder().addGrid(lr.regParam, [0.0, 0.1, 1.0]).addGrid(lr.maxIter, [5, 10, 20, 40]).build()
folds = spark.range(100).selectExpr("id % 5 as fold").distinct().count()
(tmp / f"{unique}.txt").write_text("ran")
fits = len(grid) * folds
correct = {letter for letter, text in options.items() if text == str(fits)}
"""


def _question(**changes) -> Question:
    data = good_question(**{"proof": SPARK_PROOF, **changes})
    return Question.model_validate(data, context={"notebooks": {"03_model_development": frozenset({data["revisit"]["section"]})}})


def test_a_proof_runs_with_options_spark_tmp_and_unique(spark, tmp_path):
    assert run_proof(_question(), spark=spark, tmp=tmp_path, unique="abc123") == {"B"}
    assert (tmp_path / "abc123.txt").read_text() == "ran"
    assert_proof_agrees(_question(), spark=spark, tmp=tmp_path, unique="abc124")


def test_a_key_that_disagrees_with_its_proof_fails(spark, tmp_path):
    wrong_key = _question(answer=["C"])
    with pytest.raises(AssertionError, match=r"3.10-grid-times-folds: the proof computes \['B'\] but the key \(answer\) is \['C'\]"):
        assert_proof_agrees(wrong_key, spark=spark, tmp=tmp_path, unique="abc125")


def test_a_proof_that_sets_nothing_or_unknown_letters_fails(spark, tmp_path):
    with pytest.raises(AssertionError, match="did not set `correct`"):
        assert_proof_agrees(_question(proof="fits = 60\n"), spark=spark, tmp=tmp_path, unique="abc126")
    with pytest.raises(AssertionError, match=r"names \['Z'\], which are not options"):
        assert_proof_agrees(_question(proof="correct = {'Z'}\n"), spark=spark, tmp=tmp_path, unique="abc127")

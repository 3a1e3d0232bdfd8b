"""load_all() rebuilds the registry from the check modules, even after it was emptied."""
from grader.checks import load_all
from grader.exercise import REGISTRY
from grader.testing import isolated_registry


def test_load_all_registers_modules_imported_before_a_reset():
    load_all()
    with isolated_registry():
        REGISTRY.clear()
        load_all()
        assert "02.outliers_iqr" in REGISTRY and "00.hello_table" in REGISTRY


def test_every_exercise_names_an_objective_of_its_own_domain():
    """The exam guide numbers objectives by section (1.x is Databricks Machine Learning, 4.x is
    Model Deployment …), so progress by domain is only right if each exercise's pair agrees."""
    from grader.exercise import DOMAINS

    load_all()
    wrong = [f"{ex.id}: objective {ex.objective} is not in {ex.domain}" for ex in REGISTRY.values()
             if ex.objective and not ex.id.startswith("99.")
             and DOMAINS[int(ex.objective.split(".")[0]) - 1] != ex.domain]
    assert not wrong, "\n".join(wrong)

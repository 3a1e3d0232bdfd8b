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

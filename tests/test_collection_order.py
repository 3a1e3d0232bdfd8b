"""The collection order `make test` schedules by: the notebook files first, the rest as collected."""
from tests_support import REPO_ROOT


class _Item:
    def __init__(self, name, notebook):
        self.name, self._notebook = name, notebook

    def get_closest_marker(self, name):
        return object() if name == "notebook" and self._notebook else None


def test_notebook_tests_come_first_and_the_others_keep_their_order(pytestconfig):
    # the conftest pytest already loaded (loading it again would give the run a second workspace)
    conftest = next(p for p in pytestconfig.pluginmanager.get_plugins()
                    if getattr(p, "__file__", None) == str(REPO_ROOT / "tests" / "conftest.py"))
    items = [_Item("unit_a", False), _Item("course", True), _Item("unit_b", False), _Item("cluster", True)]
    conftest.pytest_collection_modifyitems(pytestconfig, items)
    assert [i.name for i in items] == ["course", "cluster", "unit_a", "unit_b"]

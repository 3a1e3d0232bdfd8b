"""Restoring a submission's locked cells from the key, whatever it did to them."""
import copy

from nbfactory import code, graded_notebook
from grader import release, restore


def _sources(nb):
    return [c.source for c in nb.cells]


def test_edited_deleted_duplicated_and_moved_locked_cells_come_back_from_the_key():
    key = graded_notebook()
    sub = release.student_version(key)
    sub.cells[3].source = "pass"  # edit the visible test
    sub.cells.insert(1, copy.deepcopy(sub.cells[3]))  # and put a copy of it near the top
    del sub.cells[5]  # delete the hidden test
    sub.cells.append(code("print('mine')"))
    restored = restore.restore(sub, key)
    tests = restore.test_cells(restored)
    assert [gid for gid, _ in tests.values()] == ["test_square_visible", "test_square_hidden"]
    hidden = next(c for c in restored.cells if restore.grade_id(c) == "test_square_hidden")
    assert "BEGIN HIDDEN TESTS" in hidden.source  # the key's copy, hidden tests included
    assert "pass" not in _sources(restored)
    assert _sources(restored)[-1] == "print('mine')"  # the learner's own cells stay
    # the lost hidden test goes back right after the cell before it in the key
    at = _sources(restored).index(hidden.source)
    assert restore.grade_id(restored.cells[at - 1]) == "test_square_visible"
    assert len({c.id for c in restored.cells}) == len(restored.cells)


def test_tampering_names_what_was_restored():
    key = graded_notebook()
    released = release.student_version(key)
    assert restore.tampering(released, released, key) == ""
    assert restore.tampering(key, released, key) == ""
    sub = copy.deepcopy(released)
    sub.cells.append(copy.deepcopy(sub.cells[3]))
    del sub.cells[4]
    assert restore.tampering(sub, released, key) == (
        "deleted locked cell(s) test_square_hidden; duplicated locked cell(s) test_square_visible "
        "(restored from the answer key)")


def test_duplicate_cell_ids_are_renumbered():
    key = graded_notebook()
    sub = release.student_version(key)
    for cell in sub.cells:
        cell.id = "same"
    restored = restore.restore(sub, key)
    assert len({c.id for c in restored.cells}) == len(restored.cells)

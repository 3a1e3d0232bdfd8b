"""Put a submission back into the shape the answer key gives it before it is graded.

Locked cells (the course's test cells among them) are taken from the answer key, hidden tests
included, whatever the submission holds in their place: edited, deleted, duplicated or moved.
The learner's own cells (answers, added cells, edited lesson cells) stay as they are, in their
order. Cell ids are renumbered, so duplicated or clashing ids never stop a batch. What was
restored is reported with nbgrader's checksums, against the released copy and the key (an
instructor checking the key submits the solution, hidden tests included).
"""
from __future__ import annotations

import copy

import nbformat


def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def is_locked(cell) -> bool:
    """nbgrader's rule: locked, or a test cell (graded and not a solution)."""
    from nbgrader import utils

    return "nbgrader" in cell.get("metadata", {}) and utils.is_locked(cell)


def test_cells(nb) -> dict[int, tuple[str, float]]:
    """``{cell index: (grade_id, points)}`` of the notebook's autograded test cells."""
    found = {}
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            found[index] = (meta["grade_id"], float(meta.get("points", 0)))
    return found


def tampering(submitted, released, source=None) -> str:
    """Describe locked cells the submission deleted or edited ("" if none), by nbgrader checksum."""
    from nbgrader import utils

    def locked(nb):
        return {grade_id(c): c for c in nb.cells if is_locked(c) and grade_id(c)}

    ref = locked(released)
    accepted = {g: {c.metadata.nbgrader.get("checksum") or utils.compute_checksum(c)} for g, c in ref.items()}
    for g, c in locked(source or nbformat.v4.new_notebook()).items():
        accepted.setdefault(g, set()).add(utils.compute_checksum(c))
    got = {}
    for cell in submitted.cells:
        if grade_id(cell) in ref:
            got.setdefault(grade_id(cell), []).append(cell)
    deleted = [g for g in ref if g not in got]
    edited = [g for g, cells in got.items() if any(utils.compute_checksum(c) not in accepted[g] for c in cells)]
    copied = [g for g, cells in got.items() if len(cells) > 1]
    parts = []
    if deleted:
        parts.append("deleted locked cell(s) " + ", ".join(deleted))
    if edited:
        parts.append("edited locked cell(s) " + ", ".join(edited))
    if copied:
        parts.append("duplicated locked cell(s) " + ", ".join(copied))
    return "; ".join(parts) + " (restored from the answer key)" if parts else ""


def restore(submitted, source):
    """The notebook to run: the key's locked cells in place of the submission's, the rest kept.

    A locked cell the submission lost goes back right after the cell that precedes it in the key.
    """
    key_locked = {grade_id(c): c for c in source.cells if is_locked(c) and grade_id(c)}
    cells, placed = [], set()
    for cell in submitted.cells:
        gid = grade_id(cell)
        if gid in key_locked:
            if gid not in placed:
                cells.append(copy.deepcopy(key_locked[gid]))
                placed.add(gid)
        elif not (gid is None and is_locked(cell)):
            cell = copy.deepcopy(cell)
            if gid is not None and is_locked(cell):  # locked metadata on a cell the key does not have
                continue
            cells.append(cell)
    for position, cell in enumerate(source.cells):
        gid = grade_id(cell)
        if gid not in key_locked or gid in placed:
            continue
        before = [grade_id(c) for c in source.cells[:position] if grade_id(c)]
        at = len(cells)
        for prior in reversed(before):
            hits = [i for i, c in enumerate(cells) if grade_id(c) == prior]
            if hits:
                at = hits[-1] + 1
                break
        cells.insert(at, copy.deepcopy(cell))
        placed.add(gid)
    nb = nbformat.v4.new_notebook(metadata=copy.deepcopy(source.metadata))
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.cells = cells
    return nb

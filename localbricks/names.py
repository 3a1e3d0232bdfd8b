"""Unity Catalog's three-level names (``catalog.schema.object``), checked the way UC checks them."""
from __future__ import annotations

import re
from typing import NamedTuple

from localbricks.errors import ThreeLevelNameError

_PART = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*|`[^`]+`)$")


class ThreeLevelName(NamedTuple):
    catalog: str
    schema: str
    name: str

    def __str__(self) -> str:
        return f"{self.catalog}.{self.schema}.{self.name}"


def parse(full_name: object, what: str = "table") -> ThreeLevelName:
    """Split ``catalog.schema.name``; anything else raises an error that shows the fix.

    Args:
        full_name: the name the user gave.
        what: the kind of object, used in the message ("table", "feature table", "model").
    """
    if not isinstance(full_name, str) or not full_name.strip():
        raise ThreeLevelNameError(f"A {what} name must be a non-empty string like 'main.default.my_{what.split()[-1]}', got {full_name!r}.")
    parts = full_name.strip().split(".")
    if len(parts) != 3:
        example = ".".join(["main", "default"][: 3 - len(parts)] + parts) if len(parts) < 3 else "main.default.my_" + what.split()[-1]
        raise ThreeLevelNameError(
            f"Unity Catalog {what} names have three levels, catalog.schema.{what.split()[-1]}; "
            f"'{full_name}' has {len(parts)}. Write it in full, e.g. '{example}'."
        )
    for part in parts:
        if not _PART.match(part):
            raise ThreeLevelNameError(
                f"'{part}' in {what} name '{full_name}' is not a valid identifier: use letters, digits "
                f"and underscores (not starting with a digit), or quote it with backticks."
            )
    return ThreeLevelName(*(p.strip("`").lower() for p in parts))

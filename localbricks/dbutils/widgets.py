"""``dbutils.widgets``: notebook inputs. Locally a widget is its default value unless the
environment overrides it (``DATABRICKS_WIDGET_<NAME>=value``), which is how a job would pass it."""
from __future__ import annotations

import os


class WidgetsUtils:
    def __init__(self):
        self._widgets: dict[str, dict] = {}

    def _define(self, kind: str, name: str, defaultValue: str, label: str | None, choices=None) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError("A widget needs a non-empty name.")
        if choices is not None and defaultValue not in choices:
            raise ValueError(f"Default value {defaultValue!r} of widget {name!r} is not one of its choices {list(choices)}.")
        self._widgets[name] = {"kind": kind, "default": str(defaultValue), "label": label or name,
                               "choices": list(choices) if choices is not None else None}

    def text(self, name: str, defaultValue: str = "", label: str | None = None) -> None:
        self._define("text", name, defaultValue, label)

    def dropdown(self, name: str, defaultValue: str, choices, label: str | None = None) -> None:
        self._define("dropdown", name, defaultValue, label, choices)

    def combobox(self, name: str, defaultValue: str, choices, label: str | None = None) -> None:
        self._define("combobox", name, defaultValue, label, choices)

    def get(self, name: str) -> str:
        if name not in self._widgets:
            defined = ", ".join(sorted(self._widgets)) or "none yet"
            raise ValueError(f"No input widget named {name!r} is defined (defined: {defined}). "
                             f"Create it first, e.g. dbutils.widgets.text({name!r}, 'default').")
        override = os.environ.get(f"DATABRICKS_WIDGET_{name.upper()}")
        return override if override is not None else self._widgets[name]["default"]

    def getAll(self) -> dict[str, str]:
        return {name: self.get(name) for name in self._widgets}

    def remove(self, name: str) -> None:
        if self._widgets.pop(name, None) is None:
            raise ValueError(f"No input widget named {name!r} to remove.")

    def removeAll(self) -> None:
        self._widgets.clear()

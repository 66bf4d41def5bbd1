"""Config fields that fix an array shape or a loop length say so where they are defined, in their dataclass
field metadata: one compiled program (a sweep over the members) cannot take several values of them.

    n_neurons: int = static("an array shape", 500)
"""

from __future__ import annotations

import dataclasses
from typing import Any

STATIC = "static"  # the metadata key; its value says what the field fixes


def static(reason: str, default: Any) -> Any:
    """A dataclass field with ``default`` that fixes a shape or loop length (``reason``, e.g. 'an array
    shape', is quoted when a sweep asks to vary it)."""
    return dataclasses.field(default=default, metadata={STATIC: reason})


def static_reason(owner: Any, name: str) -> str | None:
    """What field ``name`` of the dataclass (instance or class) ``owner`` fixes, or None if it is not static."""
    for field in dataclasses.fields(owner):
        if field.name == name:
            return field.metadata.get(STATIC)
    return None


def static_fields(tree: Any) -> dict[str, str]:
    """Every static field in a tree of dataclass configs: dotted path below ``tree`` -> reason."""
    found = {}
    for field in dataclasses.fields(tree):
        if STATIC in field.metadata:
            found[field.name] = field.metadata[STATIC]
        value = getattr(tree, field.name)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            found.update({f"{field.name}.{key}": reason for key, reason in static_fields(value).items()})
    return found

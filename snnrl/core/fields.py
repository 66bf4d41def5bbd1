"""What a config field is, said where it is defined, in its dataclass field metadata:

- fields that fix an array shape or a loop length (``static``): one compiled program (a sweep over the
  members) cannot take several values of them;
- fields used only in some modes of the algorithm (``used_in``): a value set in another mode does nothing,
  so it is refused (see ``idle_fields``).

    n_neurons: int = static("an array shape", 500)
    lr_scale: float = used_in(("dream", "plan"), 1.0)
    steps: int = static("a loop length", 50, used_in=("dream",))
"""

from __future__ import annotations

import dataclasses
from typing import Any

STATIC = "static"  # the metadata key; its value says what the field fixes
USED_IN = "used_in"  # the metadata key; its value: the modes (tuple of names) in which the field does something


def static(reason: str, default: Any, used_in: tuple[str, ...] | None = None) -> Any:
    """A dataclass field with ``default`` that fixes a shape or loop length (``reason``, e.g. 'an array
    shape', is quoted when a sweep asks to vary it); ``used_in``: the modes that use it (None: every mode)."""
    metadata = {STATIC: reason} if used_in is None else {STATIC: reason, USED_IN: tuple(used_in)}
    return dataclasses.field(default=default, metadata=metadata)


def used_in(modes: tuple[str, ...], default: Any) -> Any:
    """A dataclass field with ``default`` that does something only in the algorithm's ``modes``."""
    return dataclasses.field(default=default, metadata={USED_IN: tuple(modes)})


def used_modes(owner: Any, name: str) -> tuple[str, ...] | None:
    """The modes in which field ``name`` of the dataclass ``owner`` does something, or None (every mode)."""
    for field in dataclasses.fields(owner):
        if field.name == name:
            return field.metadata.get(USED_IN)
    return None


def idle_fields(tree: Any, mode: str) -> dict[str, tuple[str, ...]]:
    """Every field in a tree of dataclass configs that does nothing in ``mode``: dotted path below ``tree``
    -> the modes that use it."""
    found = {}
    for field in dataclasses.fields(tree):
        modes = field.metadata.get(USED_IN)
        if modes is not None and mode not in modes:
            found[field.name] = modes
        value = getattr(tree, field.name)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            found.update({f"{field.name}.{key}": modes for key, modes in idle_fields(value, mode).items()})
    return found


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

"""Eager input checks with messages that name the bad argument (called before anything compiles)."""

from __future__ import annotations

from typing import Sequence

import jax
import numpy as np


def check_array(name: str, value, shape: Sequence[int | None] | None = None, finite: bool = True) -> None:
    """Raise ValueError if ``value`` has the wrong shape (None = any size on that axis) or, when concrete,
    holds NaN/inf. Tracers (inside jit) are only shape-checked."""
    actual = tuple(np.shape(value))
    if shape is not None:
        expected = tuple(shape)
        if len(actual) != len(expected) or any(e is not None and e != a for e, a in zip(expected, actual)):
            wanted = "(" + ", ".join("any" if e is None else str(e) for e in expected) + ")"
            raise ValueError(f"{name} must have shape {wanted}, got {actual}")
    if finite and not isinstance(value, jax.core.Tracer):
        array = np.asarray(value)
        if np.issubdtype(array.dtype, np.floating) and not np.all(np.isfinite(array)):
            bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
            raise ValueError(f"{name} holds {bad} NaN or infinite value(s)")

"""Eager input checks with messages that name the bad argument (called before anything compiles)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import jax
import numpy as np

# The largest finite float32: config values are computed in float32, where a larger finite Python float is inf.
FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_array(name: str, value, shape: Sequence[int | None] | None = None, finite: bool = True) -> None:
    """Raise ValueError if ``value`` has the wrong shape (None = any size on that axis) or, when concrete,
    holds NaN/inf. Tracers (inside jit) are only shape-checked."""
    actual = tuple(np.shape(value))
    if shape is not None:
        expected = tuple(shape)
        if len(actual) != len(expected) or any(
            e is not None and e != a for e, a in zip(expected, actual, strict=False)
        ):
            wanted = "(" + ", ".join("any" if e is None else str(e) for e in expected) + ")"
            raise ValueError(f"{name} must have shape {wanted}, got {actual}")
    if finite and not isinstance(value, jax.core.Tracer):
        array = np.asarray(value)
        if np.issubdtype(array.dtype, np.floating) and not np.all(np.isfinite(array)):
            bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
            raise ValueError(f"{name} holds {bad} NaN or infinite value(s)")


def _is_real(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def check_real(
    owner: str,
    name: str,
    value,
    *,
    finite: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
    above: float | None = None,
    below: float | None = None,
    optional: bool = False,
) -> None:
    """ValueError ``owner.name must be ...`` unless ``value`` is a real number (not a bool), finite if
    asked, >= minimum / <= maximum / > above / < below when given; None passes if ``optional``. A finite
    value that float32 cannot hold (|value| > FLOAT32_MAX, e.g. 1e39) is always refused: the networks
    compute in float32, where it would be inf."""
    if optional and value is None:
        return
    if _is_real(value) and math.isfinite(value) and abs(value) > FLOAT32_MAX:
        raise ValueError(
            f"{owner}.{name}={value!r} overflows float32 (largest finite value {FLOAT32_MAX:.7g}), in which the "
            "networks compute: it would be inf; choose a smaller value"
        )
    bounds = [
        f"{op} {limit}"
        for op, limit in ((">=", minimum), ("<=", maximum), (">", above), ("<", below))
        if limit is not None
    ]
    wanted = "a finite number" if finite or bounds else "a number"
    wanted += (" " + " and ".join(bounds) if bounds else "") + (" or None" if optional else "")
    ok = _is_real(value) and (not (finite or bounds) or math.isfinite(value))
    ok = ok and (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    ok = ok and (above is None or value > above) and (below is None or value < below)
    if not ok:
        raise ValueError(f"{owner}.{name} must be {wanted}, got {value!r}")


def check_integer(
    owner: str, name: str, value, *, minimum: int | None = None, maximum: int | None = None, optional: bool = False
) -> None:
    """ValueError unless ``value`` is an int (not a bool) within [minimum, maximum]; None passes if ``optional``."""
    if optional and value is None:
        return
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    ok = ok and (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    if not ok:
        bounds = " and ".join(f"{op} {limit}" for op, limit in ((">=", minimum), ("<=", maximum)) if limit is not None)
        raise ValueError(
            f"{owner}.{name} must be an integer{' ' + bounds if bounds else ''}"
            f"{' or None' if optional else ''}, got {value!r}"
        )


def check_flag(owner: str, name: str, value) -> None:
    """ValueError unless ``value`` is True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{owner}.{name} must be True or False, got {value!r}")


def check_choice(owner: str, name: str, value, allowed: Sequence[str]) -> None:
    """ValueError unless ``value`` is one of the ``allowed`` strings."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{owner}.{name}={value!r} is not allowed; allowed: {list(allowed)}")


def check_instance(owner: str, name: str, value, kind: type | tuple[type, ...]) -> None:
    """ValueError unless ``value`` is an instance of ``kind``."""
    if not isinstance(value, kind):
        names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise ValueError(f"{owner}.{name} must be a {names}, got {type(value).__name__}")


def check_actions(name: str, actions, n_actions: int, shape: Sequence[int | None] | None = None) -> None:
    """ValueError unless ``actions`` has ``shape``, an integer dtype and, when concrete, values in [0, n_actions)."""
    check_array(name, actions, shape, finite=False)
    dtype = np.asarray(actions).dtype if not isinstance(actions, jax.core.Tracer) else actions.dtype
    if not np.issubdtype(dtype, np.integer):
        raise ValueError(f"{name} must hold integer actions, got dtype {dtype}")
    if not isinstance(actions, jax.core.Tracer):
        values = np.asarray(actions)
        if values.size and (values.min() < 0 or values.max() >= n_actions):
            raise ValueError(f"{name} must lie in [0, {n_actions}), got values from {values.min()} to {values.max()}")


def check_probabilities(name: str, probabilities, shape: Sequence[int | None] | None = None) -> None:
    """ValueError unless ``probabilities`` has ``shape`` and, when concrete, finite values in [0, 1]."""
    check_array(name, probabilities, shape)
    if not isinstance(probabilities, jax.core.Tracer):
        values = np.asarray(probabilities)
        if values.size and (values.min() < 0 or values.max() > 1):
            raise ValueError(f"{name} must lie in [0, 1], got values from {values.min()} to {values.max()}")


def check_registration(
    kind: str, name: str, registry: dict, declared: dict, capabilities: dict[str, str], optional: tuple[str, ...] = ()
) -> None:
    """ValueError for a registration of ``kind`` (e.g. 'environment') under ``name`` that is already taken in
    ``registry``, misses a capability of ``capabilities`` (name -> meaning; each a bool), or declares
    something that is neither a capability nor in ``optional``; the message names the name and what is wrong."""
    if name in registry:
        raise ValueError(f"{kind} {name!r} is already registered; choose another name")
    missing = [capability for capability in capabilities if capability not in declared]
    if missing:
        raise ValueError(
            f"{kind} {name!r} does not declare {', '.join(missing)}; every registration declares "
            + "; ".join(f"{key} ({meaning})" for key, meaning in capabilities.items())
        )
    unknown = sorted(set(declared) - set(capabilities) - set(optional))
    if unknown:
        raise ValueError(f"{kind} {name!r}: unknown declaration(s) {', '.join(unknown)}")
    for capability in capabilities:
        check_flag(f"register({name!r})", capability, declared[capability])

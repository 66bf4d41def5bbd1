"""The axes of a hyper-parameter sweep: which config fields take which values. A sweep's grid is the
Cartesian product of its axes; every grid point trains all the run's realizations, all in one compiled
program (see ``sweep`` and docs/howto/sweep.md)."""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass
from itertools import product

import numpy as np

from snnrl.core.checks import check_instance
from snnrl.core.fields import static_fields, static_reason


@dataclass(frozen=True)
class SweepAxis:
    """One swept field: ``field`` is its full dotted path in the config tree (``algorithm.agent.learning_rate``),
    ``values`` the numbers it takes (at least one, finite, no repeats)."""

    field: str
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        check_instance("SweepAxis", "field", self.field, str)
        if not isinstance(self.values, tuple) or not self.values:
            raise ValueError(f"the sweep over {self.field!r} has no values; give at least one (FIELD=v1,v2,...)")
        for value in self.values:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(
                    f"the sweep over {self.field!r} takes finite numbers only; got {value!r} in {list(self.values)}"
                )
        if len(set(self.values)) != len(self.values):
            raise ValueError(f"the sweep over {self.field!r} repeats a value: {list(self.values)}")

    @property
    def name(self) -> str:
        """The field's last part (``learning_rate``), for tables and figure names."""
        return self.field.rsplit(".", 1)[-1]


def grid_size(axes: tuple[SweepAxis, ...]) -> int:
    """Number of grid points (1 without axes)."""
    return math.prod(len(axis.values) for axis in axes)


def grid_shape(axes: tuple[SweepAxis, ...]) -> tuple[int, ...]:
    """(len(values) of each axis,)."""
    return tuple(len(axis.values) for axis in axes)


def grid_values(axes: tuple[SweepAxis, ...]) -> np.ndarray:
    """Every grid point's values, (G, F) float64, in C order (the last axis varies fastest)."""
    if not axes:
        return np.zeros((1, 0))
    return np.array(list(product(*(axis.values for axis in axes))), dtype=np.float64)


def parse_sweep(assignments: list[str]) -> tuple[SweepAxis, ...]:
    """``["agent.learning_rate=1e-3,2e-3", "beta=3,5"]`` as SweepAxis (fields as written; the caller
    resolves short forms). ValueError naming the assignment for a missing '=', an empty list or a value
    that is not a number."""
    axes = []
    for assignment in assignments:
        key, sep, text = assignment.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"--sweep {assignment!r} must read FIELD=v1,v2,... (e.g. agent.learning_rate=1e-3,2e-3)")
        items = [item.strip() for item in text.split(",")]
        if any(items) and not all(items):
            raise ValueError(f"--sweep {assignment!r} has an empty value between commas; write FIELD=v1,v2,...")
        items = [item for item in items if item]
        if not items:
            raise ValueError(f"--sweep {assignment!r} gives no values; write FIELD=v1,v2,...")
        values = []
        for item in items:
            try:
                number = float(item)
            except ValueError:
                raise ValueError(
                    f"--sweep {key}: {item!r} is not a number (only numeric fields can be swept)"
                ) from None
            values.append(number)
        axes.append(SweepAxis(key, tuple(values)))
    keys = [axis.field for axis in axes]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValueError(f"--sweep sets {repeated[0]!r} twice; give each field once with all its values")
    return tuple(axes)


def _numeric_kind(owner, name: str) -> type | None:
    """int or float if the dataclass field ``name`` of ``owner`` holds a number (or may: an optional
    number now None), else None."""
    value = getattr(owner, name)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return type(value)
    annotation = str(next(f.type for f in dataclasses.fields(owner) if f.name == name))
    if value is None and "bool" not in annotation:
        return float if "float" in annotation else int if "int" in annotation else None
    return None


def field_kind(algorithm, axis: SweepAxis) -> type:
    """int or float: the kind of number the swept field holds. ValueError naming the field if it is not
    an algorithm field, does not exist, is not numeric, fixes a shape or loop length, or (int fields)
    gets a non-integer value."""
    parts = axis.field.split(".")
    if parts[0] != "algorithm" or len(parts) < 2:
        raise ValueError(
            f"cannot sweep {axis.field!r}: only fields of the algorithm (algorithm.*) can be swept in one "
            "program; run separate experiments for games, realizations, seed, env or chunk_games"
        )
    owner = algorithm
    for depth, part in enumerate(parts[1:-1], start=1):
        if not dataclasses.is_dataclass(owner) or not hasattr(owner, part):
            raise ValueError(f"cannot sweep {axis.field!r}: {'.'.join(parts[: depth + 1])} is no config field")
        owner = getattr(owner, part)
    name = parts[-1]
    if not dataclasses.is_dataclass(owner) or name not in {f.name for f in dataclasses.fields(owner)}:
        raise ValueError(f"cannot sweep {axis.field!r}: no such config field (`snnrl config show` lists them)")
    reason = static_reason(owner, name)
    if reason is not None:
        raise ValueError(
            f"cannot sweep {axis.field!r}: it is {reason}, which must be the same for the whole compiled "
            f"program; run one experiment per value. Static fields: {', '.join(sorted(static_fields(algorithm)))}"
        )
    kind = _numeric_kind(owner, name)
    if kind is None:
        raise ValueError(
            f"cannot sweep {axis.field!r}: it holds {getattr(owner, name)!r}, not a number; only numeric fields "
            "can be swept (run one experiment per choice of the others)"
        )
    if kind is int and not all(float(value).is_integer() for value in axis.values):
        raise ValueError(f"cannot sweep {axis.field!r} over {list(axis.values)}: it holds integers")
    return kind


def set_field(tree, path: str, value, validate: bool = True):
    """A copy of the nested frozen dataclass ``tree`` with the field at dotted ``path`` (relative to
    ``tree``) set to ``value``. validate=True rebuilds every dataclass on the path (their checks run);
    validate=False copies them without checks, so that ``value`` may be a JAX tracer."""
    head, _, rest = path.partition(".")
    child = set_field(getattr(tree, head), rest, value, validate) if rest else value
    if validate:
        return dataclasses.replace(tree, **{head: child})
    copied = copy.copy(tree)
    object.__setattr__(copied, head, child)
    return copied


def point_algorithm(algorithm, axes: tuple[SweepAxis, ...], values, validate: bool = True):
    """``algorithm`` (a DreamingConfig) with each axis's field set to the grid point's value (``values``:
    (F,), concrete numbers or, with validate=False, tracers)."""
    for axis, value in zip(axes, values, strict=True):
        kind = field_kind(algorithm, axis) if validate else None
        if validate:
            value = kind(value)
        algorithm = set_field(algorithm, axis.field.partition(".")[2], value, validate)
    return algorithm


def check_sweep(algorithm, axes: tuple[SweepAxis, ...]) -> None:
    """ValueError naming the field (and the grid point) if an axis cannot be swept or a grid point is not
    a valid config (every point is built and checked as an ordinary config would be)."""
    fields = [axis.field for axis in axes]
    repeated = sorted({name for name in fields if fields.count(name) > 1})
    if repeated:
        raise ValueError(f"the sweep sets {repeated[0]!r} twice; give each field once with all its values")
    for axis in axes:
        field_kind(algorithm, axis)
    for point in grid_values(axes) if axes else ():
        try:
            point_algorithm(algorithm, axes, point)
        except ValueError as error:
            where = ", ".join(f"{axis.field}={value:g}" for axis, value in zip(axes, point, strict=True))
            raise ValueError(f"sweep grid point {where}: {error}") from None

"""Optimizers for the e-prop gradients: Adam per parameter group (optax.multi_transform)."""

from __future__ import annotations

from typing import Any, Mapping

import jax
import optax


def summed(*transforms: optax.GradientTransformation) -> optax.GradientTransformation:
    """Apply several transformations to the same gradient and add their updates.

    optax has chain (composition) but no sum; the official agent uses Adam *plus* a plain step on its
    readout, which is this sum."""

    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(gradients, state, params=None):
        results = [t.update(gradients, s, params) for t, s in zip(transforms, state)]
        updates = jax.tree.map(lambda *u: sum(u), *[r[0] for r in results])
        return updates, tuple(r[1] for r in results)

    return optax.GradientTransformation(init, update)


def grouped_optimizer(
    groups: Mapping[str, optax.GradientTransformation], labels: Any
) -> optax.GradientTransformation:
    """One transformation per named group; ``labels`` is a pytree like the params whose leaves are group
    names (see optax.multi_transform). Unknown group names raise ValueError."""
    unknown = sorted({leaf for leaf in jax.tree.leaves(labels)} - set(groups))
    if unknown:
        raise ValueError(f"parameter groups {unknown} have no optimizer; groups: {sorted(groups)}")
    return optax.multi_transform(dict(groups), labels)

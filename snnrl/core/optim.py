"""Optimizers for the e-prop gradients: Adam per parameter group (optax.multi_transform)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import optax


def summed(*transforms: optax.GradientTransformation) -> optax.GradientTransformation:
    """Apply several transformations to the same gradient and add their updates.

    optax has chain (composition) but no sum; the official agent uses Adam *plus* a plain step on its
    readout, which is this sum."""

    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(gradients, state, params=None):
        results = [t.update(gradients, s, params) for t, s in zip(transforms, state, strict=False)]
        updates = jax.tree.map(lambda *u: sum(u), *[r[0] for r in results])
        return updates, tuple(r[1] for r in results)

    return optax.GradientTransformation(init, update)


def zero_diagonal_after_update() -> optax.GradientTransformation:
    """Stateless: changes the updates of a square (N, N) parameter so that the updated parameter has a
    zero diagonal (the official agent zeroes its self-connections after every Adam step, while Adam's
    moments keep seeing the diagonal's gradients). Needs ``params`` in ``update``."""

    def update(updates, state, params=None):
        if params is None:
            raise ValueError("zero_diagonal_after_update needs the parameters (optimizer.update(g, state, params))")
        return jax.tree.map(lambda u, p: u - jnp.diag(jnp.diag(p + u)), updates, params), state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update)


def stepwise_decay(learning_rate: float, decay: float, every: int) -> optax.ScalarOrSchedule:
    """The learning rate times ``decay`` once per ``every`` optimizer steps, counted as both official codes
    count them: the drop is applied from the ``every``-th step on (optax's own staircase decay drops one
    step later). A constant when decay is 1."""
    if isinstance(decay, (int, float)) and decay == 1.0:  # a swept (traced) decay takes the general form
        return learning_rate
    return lambda count: learning_rate * decay ** ((count + 1) // every)


def grouped_optimizer(groups: Mapping[str, optax.GradientTransformation], labels: Any) -> optax.GradientTransformation:
    """One transformation per named group; ``labels`` is a pytree like the params whose leaves are group
    names (see optax.multi_transform). Unknown group names raise ValueError."""
    unknown = sorted({leaf for leaf in jax.tree.leaves(labels)} - set(groups))
    if unknown:
        raise ValueError(f"parameter groups {unknown} have no optimizer; groups: {sorted(groups)}")
    return optax.multi_transform(dict(groups), labels)

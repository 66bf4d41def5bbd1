"""Comparison helpers of the parity tests: arrays to 1e-6 relative, optax Adam states against the
official codes' Adam (gradient ascent: optax's first moment is the negated one)."""

from __future__ import annotations

import jax
import numpy as np

RELATIVE = 1e-6


def assert_close(actual, expected, name: str) -> None:
    """max |actual - expected| <= 1e-6 x max |expected| (relative to the array's scale; exact for zeros)."""
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    assert actual.shape == expected.shape, f"{name}: shape {actual.shape} != reference {expected.shape}"
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    error = float(np.max(np.abs(actual - expected))) if expected.size else 0.0
    assert error <= RELATIVE * max(scale, 1e-300), f"{name}: max error {error:.3g} vs scale {scale:.3g}"


def assert_spikes_equal(actual, expected, name: str) -> None:
    """Spikes (or spike counts) are equal step for step."""
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    assert actual.shape == expected.shape, f"{name}: shape {actual.shape} != reference {expected.shape}"
    differ = np.argwhere(actual != expected)
    assert differ.size == 0, f"{name}: {len(differ)} spikes differ, first at (step, neuron) {tuple(differ[0])}"


def adam_state(opt_state, group: str):
    """(mu, nu, count) of the Adam of one parameter group of a ``grouped_optimizer`` state (or of a plain
    optax.adam state when ``group`` is empty): the first ScaleByAdamState found under it, its moments
    restricted to the group's leaf."""
    inner = opt_state.inner_states[group].inner_state if group else opt_state
    for node in jax.tree.leaves(inner, is_leaf=lambda x: hasattr(x, "mu") and hasattr(x, "nu")):
        if hasattr(node, "mu"):
            pick = lambda tree: [leaf for leaf in jax.tree.leaves(tree) if hasattr(leaf, "shape") and leaf.ndim]  # noqa: E731
            (mu,), (nu,) = pick(node.mu), pick(node.nu)
            return np.asarray(mu), np.asarray(nu), int(node.count)
    raise AssertionError(f"no Adam state under group {group!r}")


def assert_adam_equal(opt_state, group: str, reference, name: str) -> None:
    """The optax Adam of ``group`` equals a reference AdamState (m, v, t) of an ascent Adam."""
    mu, nu, count = adam_state(opt_state, group)
    assert count == reference.t, f"{name}: Adam step count {count} != reference {reference.t}"
    assert_close(-mu, reference.m, f"{name} first moment")
    assert_close(nu, reference.v, f"{name} second moment")

"""Causal and anti-causal first-order low-pass filters along the time axis (axis 0)."""

from __future__ import annotations

import jax
import jax.numpy as jnp


def low_pass(x: jax.Array, alpha: float) -> jax.Array:
    """y[t] = alpha y[t-1] + (1-alpha) x[t], y[-1] = 0. x: (T, ...) -> (T, ...)."""

    def step(carry, value):
        carry = alpha * carry + (1.0 - alpha) * value
        return carry, carry

    _, filtered = jax.lax.scan(step, jnp.zeros_like(x[0]), x)
    return filtered


def low_pass_reverse(x: jax.Array, alpha: float) -> jax.Array:
    """Anti-causal twin: y[t] = sum_{t'>=t} (1-alpha) alpha^(t'-t) x[t']. x: (T, ...) -> (T, ...).

    sum_t L[t] * low_pass(x)[t] == sum_t low_pass_reverse(L)[t] * x[t], which turns a filtered
    eligibility trace into one matrix product over time."""

    def step(carry, value):
        carry = alpha * carry + (1.0 - alpha) * value
        return carry, carry

    _, filtered = jax.lax.scan(step, jnp.zeros_like(x[0]), x, reverse=True)
    return filtered


def discounted_returns(rewards: jax.Array, gamma: float) -> jax.Array:
    """G[t] = sum_{t'>=t} gamma^(t'-t) r[t']. rewards: (T,) -> (T,)."""

    def step(carry, reward):
        carry = reward + gamma * carry
        return carry, carry

    _, returns = jax.lax.scan(step, jnp.zeros_like(rewards[0]), rewards, reverse=True)
    return returns

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


def gae(
    rewards: jax.Array, values: jax.Array, dones: jax.Array, last_value: jax.Array, gamma: float, lam: float
) -> tuple[jax.Array, jax.Array]:
    """Generalized advantage estimates and value targets, both (T, B), from rewards, values, dones (T, B)
    and the value of the observation after the rollout, last_value (B,). An episode end cuts both."""

    def back(carry, inputs):
        advantage, next_value = carry
        reward, value, done = inputs
        delta = reward + gamma * next_value * (1.0 - done) - value
        advantage = delta + gamma * lam * (1.0 - done) * advantage
        return (advantage, value), advantage

    _, advantages = jax.lax.scan(
        back, (jnp.zeros_like(last_value), last_value), (rewards, values, dones.astype(jnp.float32)), reverse=True
    )
    return advantages, advantages + values

"""The one environment interface of snnrl (gymnax 1.0 style) and the checks every environment shares.

    obs, state = env.reset(key, params)
    obs, state, reward, terminated, truncated, info = env.step(key, state, action, params)

``step`` never resets by itself: a finished episode stays finished until the caller calls ``reset``
(``auto_reset_step`` wraps a step function that does). JAX environments are pure functions that can be
jitted, vmapped and scanned; host environments (``host_side = True``, e.g. real ALE) keep emulators on
the host and work on a batch of B episodes at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import jax
import jax.numpy as jnp
import numpy as np
from jax.core import Tracer

StepResult = tuple[jax.Array, Any, jax.Array, jax.Array, jax.Array, dict]


@dataclass(frozen=True)
class Discrete:
    """Actions 0..n-1 (gymnax-compatible fields: ``n``, ``shape``, ``dtype``)."""

    n: int
    shape: tuple[int, ...] = ()
    dtype: Any = jnp.int32


@dataclass(frozen=True)
class Box:
    """Arrays of ``shape`` with values in [low, high]."""

    low: float
    high: float
    shape: tuple[int, ...]
    dtype: Any = jnp.float32


@runtime_checkable
class Environment(Protocol):
    """What ``snnrl.envs.make`` returns (with its default params)."""

    host_side: bool
    num_actions: int

    def reset(self, key: jax.Array, params: Any) -> tuple[jax.Array, Any]:
        """Start an episode: (observation, state)."""

    def step(self, key: jax.Array, state: Any, action: jax.Array, params: Any) -> StepResult:
        """One agent step: (observation, state, reward, terminated, truncated, info)."""

    def observation_space(self, params: Any) -> Any:
        """The space of one observation (``.shape``, ``.dtype``)."""

    def action_space(self, params: Any) -> Any:
        """The space of one action."""


def check_action(action: Any, num_actions: int) -> None:
    """Raise ValueError if a concrete action lies outside [0, num_actions).

    Traced actions (inside jit/vmap/scan) cannot be inspected without checkify, so they pass unchecked;
    the JAX environments then clip them into range. Validate eagerly, where the action is concrete.
    """
    if isinstance(action, Tracer):
        return
    values = np.asarray(action)
    if not np.issubdtype(values.dtype, np.integer):
        raise ValueError(f"actions must be integers in [0, {num_actions}), got dtype {values.dtype}")
    if values.size and (values.min() < 0 or values.max() >= num_actions):
        bad = values[(values < 0) | (values >= num_actions)].ravel()[0]
        raise ValueError(f"action {int(bad)} is out of range: this environment has actions 0..{num_actions - 1}")


def auto_reset_step(env: Environment) -> Callable[..., StepResult]:
    """A step function (same signature as ``env.step``) that resets finished episodes in place.

    The returned observation and state are those of the fresh episode where ``terminated | truncated``;
    reward, flags and info still describe the finished step. JAX environments only.
    """
    if env.host_side:
        raise ValueError("auto_reset_step needs a JAX environment; host environments reset on the host")

    def step(key: jax.Array, state: Any, action: jax.Array, params: Any) -> StepResult:
        key_step, key_reset = jax.random.split(key)
        obs, next_state, reward, terminated, truncated, info = env.step(key_step, state, action, params)
        reset_obs, reset_state = env.reset(key_reset, params)
        done = jnp.logical_or(terminated, truncated)
        pick = lambda fresh, old: jax.lax.select(done, fresh, old)  # noqa: E731
        next_state = jax.tree.map(pick, reset_state, next_state)
        return pick(reset_obs, obs), next_state, reward, terminated, truncated, info

    return step


class EpisodeReset:
    """A JAX environment whose ``step`` starts a fresh episode where one ends (``auto_reset_step``): a game
    of the dreaming loop (a fixed number of steps) then spans episodes instead of being paid 0 after the
    first one ends. Every other attribute is the wrapped environment's."""

    host_side = False

    def __init__(self, env: Environment):
        self.env = env
        self._step = auto_reset_step(env)

    def reset(self, key: jax.Array, params: Any) -> tuple[jax.Array, Any]:
        return self.env.reset(key, params)

    def step(self, key: jax.Array, state: Any, action: jax.Array, params: Any) -> StepResult:
        return self._step(key, state, action, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.env, name)


class FlatObservations:
    """A JAX environment whose observations (e.g. MinAtar's (10, 10, C) grids) reach the networks as one
    vector (prod(shape),): the dreaming loop's agent and world model take vectors. Every other attribute
    is the wrapped environment's."""

    host_side = False

    def __init__(self, env: Environment):
        self.env = env

    def reset(self, key: jax.Array, params: Any) -> tuple[jax.Array, Any]:
        observation, state = self.env.reset(key, params)
        return jnp.reshape(observation, (-1,)), state

    def step(self, key: jax.Array, state: Any, action: jax.Array, params: Any) -> StepResult:
        observation, next_state, reward, terminated, truncated, info = self.env.step(key, state, action, params)
        return jnp.reshape(observation, (-1,)), next_state, reward, terminated, truncated, info

    def __getattr__(self, name: str) -> Any:
        return getattr(self.env, name)

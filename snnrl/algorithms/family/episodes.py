"""Episodes done right for the RL algorithms: a batch of B JAX environments stepped together with
auto-reset (as gymnax's wrappers do: a finished episode's next observation is the fresh episode's), a flag
telling the network to reset its state with the episode, and returns logged per finished episode.

    reset, step = batched_env(env, n_envs)
    carry = reset(key, env_params)                      # EnvCarry, fields (B, ...)
    carry, log = step(key, carry, actions, env_params)  # log: StepLog, fields (B,)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from flax import struct

from snnrl.envs.base import auto_reset_step


@struct.dataclass
class EnvCarry:
    """B environments between steps. obs (B, *obs_shape); start (B,) bool: obs is an episode's first, so the
    network state must be reset before it is used; episode_return / episode_length (B,) so far."""

    env_state: Any
    obs: jax.Array
    start: jax.Array
    episode_return: jax.Array
    episode_length: jax.Array


@struct.dataclass
class StepLog:
    """One step of B environments, all (B,): reward, terminated, truncated, done = either; the finished
    episode's return and length where done (0 elsewhere)."""

    reward: jax.Array
    terminated: jax.Array
    truncated: jax.Array
    done: jax.Array
    finished_return: jax.Array
    finished_length: jax.Array


def discrete_actions(env: Any, env_params: Any, owner: str) -> int:
    """Number of discrete actions; ValueError naming ``owner`` for continuous or host-side environments."""
    space = env.action_space(env_params)
    if not hasattr(space, "n"):
        raise ValueError(
            f"{owner} needs a discrete action space; {getattr(env, 'name', env)!r} has "
            f"{type(space).__name__} actions (continuous actions are not supported)"
        )
    if env.host_side:
        raise ValueError(f"{owner} needs a JAX environment (jit/vmap); {env.name!r} runs on the host")
    return int(space.n)


def observation_shape(env: Any, env_params: Any) -> tuple[int, ...]:
    """Shape of one observation, as a tuple of ints."""
    return tuple(int(d) for d in env.observation_space(env_params).shape)


def batched_env(env: Any, n_envs: int) -> tuple[Callable, Callable]:
    """(reset(key, env_params) -> EnvCarry, step(key, carry, actions (B,) int, env_params) -> (EnvCarry,
    StepLog)) for B = n_envs auto-resetting copies of a JAX environment (env_params shared by all B)."""
    single_step = auto_reset_step(env)

    def reset(key: jax.Array, env_params: Any) -> EnvCarry:
        obs, state = jax.vmap(env.reset, in_axes=(0, None))(jax.random.split(key, n_envs), env_params)
        zeros = jnp.zeros((n_envs,))
        return EnvCarry(state, obs, jnp.ones((n_envs,), bool), zeros, zeros.astype(jnp.int32))

    def step(key: jax.Array, carry: EnvCarry, actions: jax.Array, env_params: Any) -> tuple[EnvCarry, StepLog]:
        keys = jax.random.split(key, n_envs)
        obs, state, reward, terminated, truncated, _ = jax.vmap(single_step, in_axes=(0, 0, 0, None))(
            keys, carry.env_state, actions, env_params
        )
        reward = reward.astype(jnp.float32)
        done = terminated | truncated
        total = carry.episode_return + reward
        length = carry.episode_length + 1
        log = StepLog(reward, terminated, truncated, done, jnp.where(done, total, 0.0), jnp.where(done, length, 0))
        carry = EnvCarry(state, obs, done, jnp.where(done, 0.0, total), jnp.where(done, 0, length))
        return carry, log

    return reset, step


def episode_means(log: StepLog) -> tuple[jax.Array, jax.Array, jax.Array]:
    """(mean return, mean length, count) of the episodes that finished in ``log`` (any leading axes);
    mean return and length are NaN where none finished."""
    count = log.done.sum()
    safe = jnp.maximum(count, 1)
    mean_return = jnp.where(count > 0, log.finished_return.sum() / safe, jnp.nan)
    mean_length = jnp.where(count > 0, log.finished_length.sum() / safe, jnp.nan)
    return mean_return, mean_length, count

"""A trained realization dreams; the real environment (the JAX one compiled, or the host's emulator step
by step) replays the dream's actions from the same reset state, for the predicted-vs-real figure."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.algorithms.dreaming.imagination import NOOP, dream
from snnrl.experiments.run.runner import load_state, read_config
from snnrl.experiments.train.environment import make_environment
from snnrl.experiments.train.members import member_algorithm, member_env_params, member_keys, member_values
from snnrl.observations import renders_frames, with_batch_size


class DreamReplay(NamedTuple):
    """A dream of S steps and the real game replaying its actions (NumPy arrays)."""

    dreamt: np.ndarray  # (S, D) the world model's predicted observations
    real: np.ndarray  # (S, D) the real environment's observations
    agent_spikes: np.ndarray  # (S, N) the agent's hidden spikes while dreaming
    model_spikes: np.ndarray  # (S, N) the world model's hidden spikes
    real_frames: np.ndarray | None  # (S, 210, 160) the real binary frames; None for games without frames
    start: Any  # the real environment state where the dream starts (after the NOOP warm-up)


def dream_against_reality(folder: Path, realization: int = 0, seed: int = 0) -> DreamReplay:
    """Realization ``realization`` of a results folder dreams with the keys of ``seed`` from the real state
    after the NOOP warm-up; the real environment (JAX, or one host emulator) replays the dream's actions."""
    config = read_config(folder)
    env, env_params = make_environment(config)
    state = load_state(config, folder)
    if not 0 <= realization < config.members:
        raise ValueError(
            f"realization must lie in [0, {config.members}) (members: grid points x realizations), got {realization}"
        )
    learner = jax.tree.map(lambda leaf: leaf[realization], state.learners)
    algorithm = member_algorithm(config, jnp.asarray(member_values(config)[realization]))
    base_key = member_keys(config)[realization]
    keys = jax.random.split(jax.random.key(seed), 3)
    if env.host_side:
        dreamt, real, real_frames, start = _host_replay(env, env_params, base_key, algorithm, learner, keys)
    else:
        member_params = member_env_params(env, env_params, base_key)
        dreamt, real, real_frames, start = _jax_replay(env, member_params, algorithm, learner, keys)
    return DreamReplay(
        np.asarray(dreamt.observations),
        np.asarray(real),
        np.asarray(dreamt.agent.network.spikes),
        np.asarray(dreamt.model_spikes),
        None if real_frames is None else np.asarray(real_frames),
        start,
    )


def _jax_replay(env, env_params, algorithm, learner, keys):
    """(dream, real observations (S, D), real frames (S, H, W) or None, start state) in a JAX environment."""
    draw = renders_frames(env)
    key_reset, key_dream, key_env = keys
    observation, env_state = env.reset(key_reset, env_params)

    def noop(carry, step_key):
        env_state, obs = carry
        next_obs, env_state, _, _, _, _ = env.step(step_key, env_state, NOOP, env_params)
        return (env_state, next_obs), obs

    # The game's NOOP warm-up, which the dream's world model replays before the dream starts.
    (env_state, observation), warmup = jax.lax.scan(
        noop, (env_state, observation), jax.random.split(key_reset, algorithm.model_warmup_steps)
    )
    dreamt, _ = dream(algorithm, learner, warmup, observation, key_dream)

    def replay(carry, inputs):
        state, obs = carry
        action, step_key = inputs
        next_obs, next_state, _, _, _, _ = env.step(step_key, state, action, env_params)
        return (next_state, next_obs), (obs, env.render(state) if draw else None)

    _, (real, real_frames) = jax.lax.scan(
        replay, (env_state, observation), (dreamt.agent.action, jax.random.split(key_env, algorithm.dream.steps))
    )
    return dreamt, real, real_frames, env_state


def _host_replay(env, env_params, base_key, algorithm, learner, keys):
    """The same as ``_jax_replay`` with one emulator of a host environment (real ALE), stepped from Python."""
    key_reset, key_dream, key_env = keys
    params = with_batch_size(env_params, 1)
    if hasattr(env, "batch_params"):
        params = env.batch_params(params, base_key[None])
    observation, env_state = env.reset(key_reset, params)
    warmup = []
    for step_key in jax.random.split(key_reset, algorithm.model_warmup_steps):
        warmup.append(observation[0])
        observation, env_state, *_ = env.step(step_key[None], env_state, np.array([NOOP]), params)
    start = env_state
    warmup = np.stack(warmup) if warmup else np.zeros((0, observation.shape[1]), np.float32)
    dreamt, _ = dream(algorithm, learner, jnp.asarray(warmup), jnp.asarray(observation[0]), key_dream)
    real, real_frames, draw = [], [], renders_frames(env)
    for action, step_key in zip(
        np.asarray(dreamt.agent.action), jax.random.split(key_env, algorithm.dream.steps), strict=True
    ):
        real.append(observation[0])
        if draw:
            real_frames.append(env.frames()[0])
        observation, env_state, *_ = env.step(step_key[None], env_state, np.array([action]), params)
    return dreamt, np.stack(real), np.stack(real_frames) if real_frames else None, start

"""A trained realization dreams; the real environment (the JAX one compiled, or the host's emulator step
by step) replays the dream's actions from the same reset state, for the predicted-vs-real figure."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.algorithms.imagination import NOOP, dream
from snnrl.experiments.runner import load_state, read_config
from snnrl.experiments.train import make_environment, member_algorithm, member_env_params, member_keys, member_values
from snnrl.observations import with_batch_size


def dream_against_reality(folder: Path, realization: int = 0, seed: int = 0, frames: bool = False):
    """Returns (dreamt observations (S, D), real observations (S, D), agent spikes (S, N), model spikes (S, N))
    and, with ``frames``, the real binary frames (S, 210, 160) and the real state where the dream starts."""
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
    if getattr(env, "host_side", False):
        real_world = _host_replay(env, env_params, base_key, algorithm, learner, keys, frames)
    else:
        real_world = _jax_replay(env, member_env_params(env, env_params, base_key), algorithm, learner, keys, frames)
    dreamt, real, real_frames, start = real_world
    outputs = (
        np.asarray(dreamt.observations),
        np.asarray(real),
        np.asarray(dreamt.agent.network.spikes),
        np.asarray(dreamt.model_spikes),
    )
    return (*outputs, np.asarray(real_frames), start) if frames else outputs


def _jax_replay(env, env_params, algorithm, learner, keys, frames: bool):
    """(dream, real observations (S, D), real frames (S, H, W) or None, start state) in a JAX environment."""
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
        return (next_state, next_obs), (obs, env.render(state) if frames else None)

    _, (real, real_frames) = jax.lax.scan(
        replay, (env_state, observation), (dreamt.agent.action, jax.random.split(key_env, algorithm.dream_steps))
    )
    return dreamt, real, real_frames, env_state


def _host_replay(env, env_params, base_key, algorithm, learner, keys, frames: bool):
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
    real, real_frames = [], []
    for action, step_key in zip(
        np.asarray(dreamt.agent.action), jax.random.split(key_env, algorithm.dream_steps), strict=True
    ):
        real.append(observation[0])
        if frames:
            real_frames.append(env.frames()[0])
        observation, env_state, *_ = env.step(step_key[None], env_state, np.array([action]), params)
    return dreamt, np.stack(real), np.stack(real_frames) if frames else None, start

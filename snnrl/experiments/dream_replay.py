"""A trained realization dreams; the real (JAX) environment replays the dream's actions from the same
reset state, for the predicted-vs-real figure."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.algorithms.imagination import NOOP, dream
from snnrl.experiments.runner import load_state, read_config
from snnrl.experiments.train import make_environment, member_algorithm, member_env_params, member_keys, member_values


def dream_against_reality(folder: Path, realization: int = 0, seed: int = 0, frames: bool = False):
    """Returns (dreamt observations (S, D), real observations (S, D), agent spikes (S, N), model spikes (S, N))
    and, with ``frames``, the real binary frames (S, 210, 160) and the real state where the dream starts."""
    config = read_config(folder)
    env, env_params = make_environment(config)
    if getattr(env, "host_side", False):
        raise ValueError(f"dream figures need a JAX environment; {config.env!r} is host-side")
    state = load_state(config, folder)
    if not 0 <= realization < config.members:
        raise ValueError(
            f"realization must lie in [0, {config.members}) (members: grid points x realizations), got {realization}"
        )
    learner = jax.tree.map(lambda leaf: leaf[realization], state.learners)
    algorithm = member_algorithm(config, jnp.asarray(member_values(config)[realization]))
    env_params = member_env_params(env, env_params, member_keys(config)[realization])
    key_reset, key_dream, key_env = jax.random.split(jax.random.key(seed), 3)
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
    outputs = (
        np.asarray(dreamt.observations),
        np.asarray(real),
        np.asarray(dreamt.agent.network.spikes),
        np.asarray(dreamt.model_spikes),
    )
    return (*outputs, np.asarray(real_frames), env_state) if frames else outputs

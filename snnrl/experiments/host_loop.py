"""The same algorithm driven from the host, for host-side environments (real ALE): one emulator per
realization, all stepped together; the learning pieces are the compiled, vmapped functions of
``snnrl.algorithms.game``. Keys are derived exactly as in ``play_game``, so a host run and a JAX run
of the same seed see the same random numbers."""

from __future__ import annotations

import dataclasses
from functools import partial
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.algorithms.game import AwakeStepRecord, GameMetrics, awake_act, awake_learn, begin_game, finish_game
from snnrl.algorithms.learner import Learner
from snnrl.experiments.config import ExperimentConfig


def host_env_params(config: ExperimentConfig, env_params):
    """Params of a host environment batched over the realizations."""
    return dataclasses.replace(env_params, batch_size=config.realizations)


def make_host_chunk(config: ExperimentConfig, env, env_params) -> Callable[[Learner, jax.Array, jax.Array], tuple[Learner, GameMetrics]]:
    """``chunk(learners, base_keys, games) -> (learners, metrics)`` like ``make_chunk``, stepping the host
    environment between compiled per-step calls. metrics fields (R, C)."""
    algorithm = config.algorithm
    steps = algorithm.awake_steps
    env_params = host_env_params(config, env_params)

    def game_keys(base_key: jax.Array, game: jax.Array):
        key_reset, key_steps, key_finish, key_begin = jax.random.split(jax.random.fold_in(base_key, game), 4)
        act_keys, env_keys = jax.vmap(jax.random.split, out_axes=1)(jax.random.split(key_steps, steps))
        return key_reset, act_keys, env_keys, key_finish, key_begin

    keys_for = jax.jit(jax.vmap(game_keys, in_axes=(0, None)))
    begin = jax.jit(jax.vmap(partial(begin_game, algorithm)))
    act = jax.jit(jax.vmap(partial(awake_act, algorithm), in_axes=(0, 0, 0, None, 0)))
    learn = jax.jit(jax.vmap(partial(awake_learn, algorithm)))
    finish = jax.jit(jax.vmap(partial(finish_game, algorithm)))

    def chunk(learners: Learner, base_keys: jax.Array, games: jax.Array) -> tuple[Learner, GameMetrics]:
        per_game = []
        for game in np.asarray(games):
            key_reset, act_keys, env_keys, key_finish, key_begin = keys_for(base_keys, jnp.int32(game))
            # One key seeds all emulators; their reset and warm-up are deterministic.
            observation, env_state = env.reset(key_reset[0], env_params)
            observation = jnp.asarray(observation)
            reset_observation = observation
            carry = begin(learners, key_begin)
            records = []
            for step in range(steps):
                carry, acted = act(learners, carry, observation, jnp.int32(step), act_keys[:, step])
                next_observation, env_state, reward, _, _, _ = env.step(env_keys[:, step], env_state, np.asarray(acted.action), env_params)
                next_observation, reward = jnp.asarray(next_observation), jnp.asarray(reward, jnp.float32)
                learners, carry, model_record = learn(learners, carry, observation, acted.action, next_observation, reward)
                records.append(AwakeStepRecord(acted, reward, model_record))
                observation = next_observation
            record = jax.tree.map(lambda *values: jnp.stack(values, axis=1), *records)
            learners, metrics = finish(learners, carry, record, reset_observation, key_finish)
            per_game.append(metrics)
        return learners, jax.tree.map(lambda *values: jnp.stack(values, axis=1), *per_game)

    return chunk

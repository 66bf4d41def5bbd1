"""The same algorithm driven from the host, for host-side environments (real ALE): one emulator per
realization, all stepped together; the learning pieces are the compiled, vmapped functions of
``snnrl.algorithms.dreaming.game``. Keys are derived exactly as in ``play_game``, so a host run and a JAX run
of the same seed see the same random numbers."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.algorithms.dreaming.game import (
    AwakeStepRecord,
    GameMetrics,
    WarmupRecord,
    awake_act,
    awake_learn,
    begin_game,
    finish_game,
)
from snnrl.algorithms.dreaming.imagination import NOOP
from snnrl.algorithms.dreaming.learner import Learner
from snnrl.experiments.config.experiment import ExperimentConfig
from snnrl.observations import with_batch_size


def host_env_params(config: ExperimentConfig, env_params):
    """Params of a host environment batched over the realizations."""
    return with_batch_size(env_params, config.realizations)


def make_host_chunk(
    config: ExperimentConfig, env, env_params
) -> Callable[[Learner, jax.Array, jax.Array], tuple[Learner, GameMetrics]]:
    """``chunk(learners, base_keys, games) -> (learners, metrics)`` like ``make_chunk``, stepping the host
    environment between compiled per-step calls. metrics fields (R, C)."""
    algorithm = config.algorithm
    steps, warmup_steps = algorithm.awake_steps, algorithm.model_warmup_steps
    env_params = host_env_params(config, env_params)

    def game_keys(base_key: jax.Array, game: jax.Array):
        key_reset, key_steps, key_finish, key_begin, key_warmup = jax.random.split(
            jax.random.fold_in(base_key, game), 5
        )
        act_keys, env_keys = jax.vmap(jax.random.split, out_axes=1)(jax.random.split(key_steps, steps))
        return key_reset, act_keys, env_keys, key_finish, key_begin, jax.random.split(key_warmup, warmup_steps)

    def learn_then_act(learner, carry, observation, action, next_observation, reward, step, act_keys):
        """Real step ``step - 1``'s learning, then step ``step``'s action (its key picked from act_keys (T,)
        inside the call): one compiled call per host step instead of two and a slice."""
        learner, carry, model_record = awake_learn(
            algorithm, learner, carry, observation, action, next_observation, reward
        )
        carry, acted = awake_act(algorithm, learner, carry, next_observation, step, act_keys[step])
        return learner, carry, model_record, acted

    keys_for = jax.jit(jax.vmap(game_keys, in_axes=(0, None)))
    begin = jax.jit(jax.vmap(partial(begin_game, algorithm)))
    act = jax.jit(jax.vmap(partial(awake_act, algorithm), in_axes=(0, 0, 0, None, 0)))
    learn_act = jax.jit(jax.vmap(learn_then_act, in_axes=(0, 0, 0, 0, 0, 0, None, 0)))
    learn = jax.jit(jax.vmap(partial(awake_learn, algorithm)))
    learn_warmup = jax.jit(jax.vmap(partial(awake_learn, algorithm, warmup=True)))
    finish = jax.jit(jax.vmap(lambda *args: finish_game(algorithm, *args)[:2]))
    stack = lambda items: jax.tree.map(lambda *values: jnp.stack(values, axis=1), *items)  # noqa: E731

    def env_step(keys, env_state, actions, params):
        next_observation, env_state, reward, _, _, _ = env.step(keys, env_state, np.asarray(actions), params)
        return jnp.asarray(next_observation), env_state, jnp.asarray(reward, jnp.float32)

    def chunk(learners: Learner, base_keys: jax.Array, games: jax.Array) -> tuple[Learner, GameMetrics]:
        # each realization's observation sensor (e.g. its projection matrix), drawn from its base key
        params = env.batch_params(env_params, base_keys) if hasattr(env, "batch_params") else env_params
        per_game = []
        noops = jnp.full((config.realizations,), NOOP, jnp.int32)
        for game in np.asarray(games):
            key_reset, act_keys, env_keys, key_finish, key_begin, warmup_keys = keys_for(base_keys, jnp.int32(game))
            # One key seeds all emulators; their reset and warm-up are deterministic.
            observation, env_state = env.reset(key_reset[0], params)
            observation = jnp.asarray(observation)
            carry = begin(learners, key_begin)
            warmup_observations, warmup_records = [], []
            for step in range(warmup_steps):
                next_observation, env_state, reward = env_step(warmup_keys[:, step], env_state, noops, params)
                learners, carry, model_record = learn_warmup(
                    learners, carry, observation, noops, next_observation, reward
                )
                warmup_observations.append(observation)
                warmup_records.append(model_record)
                observation = next_observation
            start_observation, records = observation, []
            carry, acted = act(learners, carry, observation, jnp.int32(0), act_keys[:, 0])
            for step in range(steps):
                next_observation, env_state, reward = env_step(env_keys[:, step], env_state, acted.action, params)
                inputs = (learners, carry, observation, acted.action, next_observation, reward)
                if step + 1 < steps:
                    learners, carry, model_record, next_acted = learn_act(*inputs, np.int32(step + 1), act_keys)
                else:
                    (learners, carry, model_record), next_acted = learn(*inputs), None
                records.append(AwakeStepRecord(acted, reward, model_record, observation))
                observation, acted = next_observation, next_acted
            warmup = _warmup_record(warmup_observations, warmup_records, stack)
            learners, metrics = finish(learners, carry, stack(records), warmup, start_observation, key_finish)
            per_game.append(metrics)
        return learners, stack(per_game)

    return chunk


def _warmup_record(observations: list, records: list, stack) -> WarmupRecord | None:
    """The warm-up steps stacked on axis 1 (R, W, ...); None when there is no warm-up."""
    return WarmupRecord(stack(observations), stack(records)) if records else None

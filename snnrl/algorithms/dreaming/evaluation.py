"""A game with learning switched off: the agent's policy on a JAX environment with frozen weights.

``evaluation_game`` plays what ``game.play_game`` plays on the same key (the reset, the model's NOOP
warm-up steps of the environment, the awake steps with the same random numbers) but computes neither the
world model nor any update: with ``greedy=False`` its return equals the training game's on that key; with
``greedy=True`` the agent takes the most probable action (argmax of its policy) instead of a sample.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from snnrl.algorithms.dreaming.config import DreamingConfig
from snnrl.algorithms.dreaming.game import begin_game
from snnrl.algorithms.dreaming.imagination import NOOP
from snnrl.algorithms.dreaming.learner import Learner


def evaluation_game(
    config: DreamingConfig, env, env_params, learner: Learner, key: jax.Array, greedy: bool = False
) -> jax.Array:
    """The return () of one game of ``learner``'s policy on ``key`` (traceable; jit / vmap it). The key
    splits as in ``play_game``, so the sampled policy's return equals that of the training game on ``key``."""
    key_reset, key_steps, _, key_begin, key_warmup = jax.random.split(key, 5)
    observation, env_state = env.reset(key_reset, env_params)
    agent_state = begin_game(config, learner, key_begin).agent_state

    def warmup_step(loop, step_key):
        env_state, _ = loop
        next_observation, env_state, _, _, _, _ = env.step(step_key, env_state, jnp.int32(NOOP), env_params)
        return (env_state, next_observation), None

    (env_state, observation), _ = jax.lax.scan(
        warmup_step, (env_state, observation), jax.random.split(key_warmup, config.model_warmup_steps)
    )

    def real_step(loop, step_key):
        agent_state, env_state, observation = loop
        key_act, key_env = jax.random.split(step_key)
        _, key_sample = jax.random.split(key_act)  # awake_act's split: (look-ahead key, action key)
        agent_state, action = evaluation_action(config, learner, agent_state, observation, key_sample, greedy)
        next_observation, env_state, reward, _, _, _ = env.step(key_env, env_state, action, env_params)
        return (agent_state, env_state, next_observation), jnp.asarray(reward, observation.dtype)

    _, rewards = jax.lax.scan(
        real_step, (agent_state, env_state, observation), jax.random.split(key_steps, config.awake_steps)
    )
    return jnp.sum(rewards)


def evaluation_keys(key: jax.Array, steps: int, warmup_steps: int):
    """A game's keys as ``play_game`` splits ``key``: (reset, action keys (T,), environment keys (T,),
    begin, warm-up keys (W,)); the action keys are those the agent samples with (for host-side loops)."""
    key_reset, key_steps, _, key_begin, key_warmup = jax.random.split(key, 5)
    act_keys, env_keys = jax.vmap(jax.random.split, out_axes=1)(jax.random.split(key_steps, steps))
    sample_keys = jax.vmap(lambda k: jax.random.split(k)[1])(act_keys)
    return key_reset, sample_keys, env_keys, key_begin, jax.random.split(key_warmup, warmup_steps)


def evaluation_action(
    config: DreamingConfig, learner: Learner, agent_state, observation: jax.Array, key: jax.Array, greedy: bool
):
    """(agent state, action) of one frozen-weight step: a sample drawn with ``key`` or the argmax."""
    agent_state, acted = config.agent.step(learner.agent, agent_state, observation, key)
    action = jnp.argmax(acted.probabilities).astype(acted.action.dtype) if greedy else acted.action
    return agent_state, action

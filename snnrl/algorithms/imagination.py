"""Imagined experience: the agent acting inside the world model (dreams and planning look-aheads)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import struct

from snnrl.algorithms.config import DreamingConfig
from snnrl.algorithms.learner import Learner
from snnrl.models.agent import AgentStep, AgentWeights


@struct.dataclass
class Imagined:
    """An imagined trajectory of S steps: agent steps (fields (S, ...)), observations the agent saw
    (S, D), predicted rewards (S,), world-model spikes (S, N)."""

    agent: AgentStep
    observations: jax.Array
    rewards: jax.Array
    model_spikes: jax.Array


def imagine(
    config: DreamingConfig,
    learner: Learner,
    agent_state,
    model_state,
    observation: jax.Array,
    key: jax.Array,
    steps: int,
) -> Imagined:
    """Let the agent act for ``steps`` steps in the world model from ``observation`` (D,): the model's
    predicted change moves the observation (clipped to [0, 1]) and its reward prediction is the reward."""

    def step(carry, step_key):
        agent_state, model_state, obs = carry
        agent_state, acted = config.agent.step(learner.agent, agent_state, obs, step_key)
        model_state, predicted = config.world_model.step(learner.world_model, model_state, obs, acted.action)
        next_obs = jnp.clip(obs + predicted.delta, 0.0, 1.0)
        return (agent_state, model_state, next_obs), (acted, obs, predicted.reward, predicted.network.spikes)

    _, (acted, observations, rewards, spikes) = jax.lax.scan(
        step, (agent_state, model_state, observation), jax.random.split(key, steps)
    )
    return Imagined(acted, observations, rewards, spikes)


def imagined_gradients(config: DreamingConfig, learner: Learner, imagined: Imagined) -> AgentWeights:
    """Policy-gradient e-prop of the agent on an imagined trajectory with the predicted rewards."""
    return config.agent.gradients(
        learner.agent, imagined.agent.network, imagined.agent.action, imagined.agent.probabilities, imagined.rewards
    )


def dream_start_observation(config: DreamingConfig, reset_observation: jax.Array, key: jax.Array) -> jax.Array:
    """The dream's first observation (D,): the real post-reset one, or uniform random in [0, 1]."""
    if config.dream_start == "reset":
        return reset_observation
    return jax.random.uniform(key, reset_observation.shape, reset_observation.dtype)

"""Imagined experience: the agent acting inside the world model (dreams and planning look-aheads)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import struct

from snnrl.algorithms.dreaming.config import DreamingConfig
from snnrl.algorithms.dreaming.learner import Learner
from snnrl.core.lif import LIFState
from snnrl.models.agent import AgentStep, AgentWeights

NOOP = 0


@struct.dataclass
class Imagined:
    """An imagined trajectory of S steps: agent steps (fields (S, ...)), observations the agent saw
    (S, D), predicted changes (S, D, the model's target units), predicted rewards (S,), world-model
    spikes (S, N)."""

    agent: AgentStep
    observations: jax.Array
    deltas: jax.Array
    rewards: jax.Array
    model_spikes: jax.Array


def clear_eligibility(state):
    """The state with its presynaptic eligibility zeroed (recurrent LIF networks; other states as they are)."""
    if isinstance(state, LIFState):
        return state.replace(eligibility=jnp.zeros_like(state.eligibility))
    return state


def imagine(
    config: DreamingConfig,
    learner: Learner,
    agent_state,
    model_state,
    observation: jax.Array,
    key: jax.Array,
    steps: int,
    reset_eligibility: bool = False,
    actions: jax.Array | None = None,
) -> Imagined:
    """Let the agent act for ``steps`` steps in the world model from ``observation`` (D,). The imagined
    state moves in the model's target units (state <- state + predicted change; the networks see
    state / units_per_observation, clipped to [0, 1] only with dream.clip_state); the predicted reward is
    the reward. reset_eligibility: zero both networks' eligibility before every step (the official
    dream). actions: (steps,) forced actions instead of the agent's samples (replaying a recorded
    trajectory, checking against a reference)."""
    units = config.world_model.units_per_observation

    def step(carry, inputs):
        agent_state, model_state, state = carry
        step_key, forced = inputs
        if reset_eligibility:
            agent_state, model_state = clear_eligibility(agent_state), clear_eligibility(model_state)
        obs = state / units
        agent_state, acted = config.agent.step(learner.agent, agent_state, obs, step_key)
        if forced is not None:
            acted = acted.replace(action=forced.astype(acted.action.dtype))
        model_state, predicted = config.world_model.step(learner.world_model, model_state, obs, acted.action)
        state = state + predicted.delta
        if config.dream.clip_state:
            state = jnp.clip(state, 0.0, units)
        return (agent_state, model_state, state), (
            acted,
            obs,
            predicted.delta,
            predicted.reward,
            predicted.network.spikes,
        )

    _, (acted, observations, deltas, rewards, spikes) = jax.lax.scan(
        step, (agent_state, model_state, observation * units), (jax.random.split(key, steps), actions)
    )
    return Imagined(acted, observations, deltas, rewards, spikes)


def warm_up_model(
    config: DreamingConfig, learner: Learner, model_state, observations: jax.Array, actions: jax.Array | None = None
):
    """Step the world model, without learning, through observations (W, D) under NOOP (or ``actions``
    (W,)). Returns the state and the spikes (W, N)."""
    actions = jnp.full((len(observations),), NOOP, jnp.int32) if actions is None else actions

    def step(state, inputs):
        obs, action = inputs
        state, predicted = config.world_model.step(learner.world_model, state, obs, action)
        return state, predicted.network.spikes

    return jax.lax.scan(step, model_state, (observations, actions))


def dream(
    config: DreamingConfig,
    learner: Learner,
    warmup_observations: jax.Array | None,
    start: jax.Array,
    key: jax.Array,
    actions: jax.Array | None = None,
    warmup_actions: jax.Array | None = None,
) -> tuple[Imagined, jax.Array | None]:
    """One dream from fresh network states: the world model first replays the warm-up observations (W, D)
    under NOOP or ``warmup_actions`` (W,) (if dream.model_warmup), then the agent acts for dream.steps steps
    from ``start`` (D,). Returns the dream and the model's warm-up spikes (W, N) (None without a warm-up)."""
    key_agent, key_model, key_dream = jax.random.split(key, 3)
    model_state = config.world_model.initial_state(key_model)
    warmup_spikes = None
    if config.dream.model_warmup:
        model_state, warmup_spikes = warm_up_model(config, learner, model_state, warmup_observations, warmup_actions)
    dreamt = imagine(
        config,
        learner,
        config.agent.initial_state(key_agent),
        model_state,
        start,
        key_dream,
        config.dream.steps,
        reset_eligibility=config.dream.eligibility_reset,
        actions=actions,
    )
    return dreamt, warmup_spikes


def imagined_gradients(
    config: DreamingConfig, learner: Learner, imagined: Imagined, rewards: jax.Array
) -> AgentWeights:
    """Policy-gradient e-prop of the agent on an imagined trajectory with the given rewards (S,) (the
    predicted ones, masked before learning starts)."""
    return config.agent.gradients(
        learner.agent, imagined.agent.network, imagined.agent.action, imagined.agent.probabilities, rewards
    )


def dream_start_observation(config: DreamingConfig, reset_observation: jax.Array, key: jax.Array) -> jax.Array:
    """The dream's first observation (D,) for dream.start 'reset' (the real post-reset one) or 'random'
    (uniform in [0, 1]); 'visited' starts are drawn in game.finish_game from the game's record."""
    if config.dream.start == "reset":
        return reset_observation
    return jax.random.uniform(key, reset_observation.shape, reset_observation.dtype)

"""The learner: one realization's agent, world model, their optimizer states and counters."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax
from flax import struct

from snnrl.algorithms.dreaming.config import DreamingConfig
from snnrl.algorithms.dreaming.critic import CriticState, init_critic
from snnrl.algorithms.dreaming.replay import ReplayBuffer, init_replay
from snnrl.models.agent import Agent, AgentWeights
from snnrl.models.world_model import WorldModel, WorldModelWeights


@struct.dataclass
class Learner:
    """Everything one realization carries from game to game. game and interactions are () int32.
    dream_opt_state: the Adam state of updates from imagined experience with dream.optimizer 'separate'
    (None otherwise: they share agent_opt_state). critic: the value readout (None without CriticConfig uses).
    replay: the last K real games (None without world_model_replay.games). dreams_gated_open: () bool, whether
    dream.gate_reward_corr has let imagined updates start (None without the gate)."""

    agent: Agent
    agent_opt_state: optax.OptState
    world_model: WorldModel
    model_opt_state: optax.OptState
    game: jax.Array
    interactions: jax.Array
    dream_opt_state: optax.OptState | None = None
    critic: CriticState | None = None
    replay: ReplayBuffer | None = None
    dreams_gated_open: jax.Array | None = None


def init_learner(key: jax.Array, config: DreamingConfig, hidden=None) -> Learner:
    """Fresh agent and world model with zeroed optimizer states. ``hidden``: (agent, world model) fixed
    hidden-layer parameters for readout-only networks (None for the recurrent ones)."""
    key_agent, key_model = jax.random.split(key)
    agent_hidden, model_hidden = (None, None) if hidden is None else hidden
    agent = config.agent.init(key_agent, agent_hidden)
    model = config.world_model.init(key_model, model_hidden)
    return Learner(
        agent=agent,
        agent_opt_state=agent_optimizer(config).init(agent.weights),
        world_model=model,
        model_opt_state=config.world_model.optimizer().init(model.weights),
        game=jnp.zeros((), jnp.int32),
        interactions=jnp.zeros((), jnp.int32),
        dream_opt_state=(
            agent_optimizer(config, simulated=True).init(agent.weights)
            if config.dream.optimizer == "separate"
            else None
        ),
        critic=init_critic(config, agent.weights.readout.shape[-1]),
        replay=init_replay(config),
        dreams_gated_open=None if config.dream.gate_reward_corr is None else jnp.zeros((), bool),
    )


def agent_optimizer(config: DreamingConfig, simulated: bool = False) -> optax.GradientTransformation:
    """The agent's optimizer for this run (a readout-only agent may use another rate in runs that dream);
    for updates from simulated experience its steps are scaled by dream.lr_scale (divided by dream.substeps when
    the imagined update is split). Both share one state."""
    scale = 1.0
    if simulated:
        scale = config.dream.lr_scale if config.dream.substeps == 1 else config.dream.lr_scale / config.dream.substeps
    return config.agent.optimizer(dreaming=config.mode == "dream", learning_rate_scale=scale)


def apply_agent_update(
    config: DreamingConfig, learner: Learner, gradients: AgentWeights, enabled: jax.Array, simulated: bool
) -> Learner:
    """One Adam step of the agent if ``enabled`` (() bool); ``simulated``: the gradients come from dreams or
    plans (see ``agent_optimizer``; with dream.optimizer 'separate' they step their own Adam state)."""
    state_field = "dream_opt_state" if simulated and config.dream.optimizer == "separate" else "agent_opt_state"
    old_state = getattr(learner, state_field)
    updates, opt_state = agent_optimizer(config, simulated).update(gradients, old_state, learner.agent.weights)
    select = lambda new, old: jnp.where(enabled, new, old)  # noqa: E731
    weights = jax.tree.map(select, optax.apply_updates(learner.agent.weights, updates), learner.agent.weights)
    return learner.replace(
        agent=learner.agent.replace(weights=weights), **{state_field: jax.tree.map(select, opt_state, old_state)}
    )


def apply_model_update(
    config: DreamingConfig, learner: Learner, gradients: WorldModelWeights, enabled: jax.Array
) -> Learner:
    """One Adam step of the world model if ``enabled`` (() bool)."""
    optimizer = config.world_model.optimizer()
    updates, new_opt_state = optimizer.update(gradients, learner.model_opt_state, learner.world_model.weights)
    new_weights = optax.apply_updates(learner.world_model.weights, updates)
    select = lambda new, old: jnp.where(enabled, new, old)  # noqa: E731
    return learner.replace(
        world_model=learner.world_model.replace(weights=jax.tree.map(select, new_weights, learner.world_model.weights)),
        model_opt_state=jax.tree.map(select, new_opt_state, learner.model_opt_state),
    )

"""One game of the model-based experiment, split into pure pieces that a compiled JAX-environment loop
and a host-driven (ALE) loop call alike:

    carry = begin_game(...)
    for t in range(T):  carry, acted = awake_act(..., t);  env step;  learner, carry = awake_learn(...)
    learner, metrics = finish_game(...)          # agent update, model update (per-game cadence), dream
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from flax import struct

from snnrl.algorithms.config import DreamingConfig
from snnrl.algorithms.imagination import dream_start_observation, imagine, imagined_gradients
from snnrl.algorithms.learner import Learner, apply_agent_update, apply_model_update
from snnrl.models.agent import AgentStep, AgentWeights
from snnrl.models.world_model import delta_target


@struct.dataclass
class AwakeCarry:
    """Within-game state: both networks' LIF states, the world model's online e-prop trace, the
    low-passed reward target, and the agent gradients and predicted return accumulated from planning
    look-aheads."""

    agent_state: Any
    model_state: Any
    model_trace: jax.Array | None
    reward_target: jax.Array
    plan_gradients: AgentWeights
    plan_return: jax.Array


@struct.dataclass
class ModelStepRecord:
    """Per real step: the world model's network output and its error (targets - predictions, (D + 1,))."""

    network: Any
    error: jax.Array


@struct.dataclass
class AwakeStepRecord:
    """Per real step: the agent's step, the reward, and the world model's step."""

    agent: AgentStep
    reward: jax.Array
    model: ModelStepRecord


@struct.dataclass
class GameMetrics:
    """Per game: real return, model errors (mean squared, per step), mean policy entropy (nats),
    imagined return (sum of predicted rewards in the dream or the look-aheads), interactions so far."""

    game_return: jax.Array
    model_state_error: jax.Array
    model_reward_error: jax.Array
    policy_entropy: jax.Array
    imagined_return: jax.Array
    interactions: jax.Array


def _agent_learns(config: DreamingConfig, learner: Learner) -> jax.Array:
    return learner.game >= config.agent_learning_start


def _model_learns(config: DreamingConfig, learner: Learner) -> jax.Array:
    if config.model_learning_stop is None:
        return jnp.ones((), bool)
    return learner.interactions < config.model_learning_stop


def begin_game(config: DreamingConfig, learner: Learner, key: jax.Array) -> AwakeCarry:
    """Fresh network states (v = v_init) and traces at the start of a game."""
    zero_weights = jax.tree.map(jnp.zeros_like, learner.agent.weights)
    key_agent, key_model = jax.random.split(key)
    return AwakeCarry(
        agent_state=config.agent.initial_state(key_agent),
        model_state=config.world_model.initial_state(key_model),
        # The online trace (N x N) is needed only when the model learns every step.
        model_trace=config.world_model.trace_init() if config.model_update == "step" else None,
        reward_target=jnp.zeros(()),
        plan_gradients=zero_weights,
        plan_return=jnp.zeros(()),
    )


def _plan(config: DreamingConfig, learner: Learner, carry: AwakeCarry, observation: jax.Array, key: jax.Array) -> AwakeCarry:
    imagined = imagine(config, learner, carry.agent_state, carry.model_state, observation, key, config.n_fut)
    gradients = imagined_gradients(config, learner, imagined)
    return carry.replace(
        plan_gradients=jax.tree.map(jnp.add, carry.plan_gradients, gradients),
        plan_return=carry.plan_return + jnp.sum(imagined.rewards),
    )


def awake_act(
    config: DreamingConfig, learner: Learner, carry: AwakeCarry, observation: jax.Array, step: jax.Array, key: jax.Array
) -> tuple[AwakeCarry, AgentStep]:
    """Real step ``step`` (() int): in plan mode, every 2 n_fut steps first look n_fut steps ahead from
    copies of the present states; then the agent acts on observation (D,)."""
    key_plan, key_act = jax.random.split(key)
    if config.mode == "plan":
        carry = jax.lax.cond(
            step % (2 * config.n_fut) == 0,
            lambda c: _plan(config, learner, c, observation, key_plan),
            lambda c: c,
            carry,
        )
    agent_state, acted = config.agent.step(learner.agent, carry.agent_state, observation, key_act)
    return carry.replace(agent_state=agent_state), acted


def awake_learn(
    config: DreamingConfig,
    learner: Learner,
    carry: AwakeCarry,
    observation: jax.Array,
    action: jax.Array,
    next_observation: jax.Array,
    reward: jax.Array,
) -> tuple[Learner, AwakeCarry, ModelStepRecord]:
    """The world model sees (observation, action) and predicts the change and the reward. With the
    per-step cadence it learns now (online e-prop, one Adam step); with the per-game cadence
    ``finish_game`` computes the game's update in episode form from the returned record."""
    model = config.world_model
    model_state, predicted = model.step(learner.world_model, carry.model_state, observation, action)
    target = delta_target(model, observation, next_observation)
    reward_target = model.reward_decay * carry.reward_target + reward
    trace = carry.model_trace
    if config.model_update == "step":
        trace, gradients = model.step_gradients(learner.world_model, trace, predicted, target, reward_target)
        learner = apply_model_update(config, learner, gradients, _model_learns(config, learner))
    carry = carry.replace(model_state=model_state, model_trace=trace, reward_target=reward_target)
    error = jnp.concatenate([target - predicted.delta, (reward_target - predicted.reward)[None]])
    return learner, carry, ModelStepRecord(predicted.network, error)


def finish_game(
    config: DreamingConfig,
    learner: Learner,
    carry: AwakeCarry,
    record: AwakeStepRecord,
    reset_observation: jax.Array,
    key: jax.Array,
) -> tuple[Learner, GameMetrics]:
    """End of a game: the agent's update from the real game (fields of record are (T, ...)), the world
    model's per-game update, the planning update, then the dream. reset_observation (D,)."""
    agent_on = _agent_learns(config, learner)
    awake_gradients = config.agent.gradients(
        learner.agent, record.agent.network, record.agent.action, record.agent.probabilities, record.reward
    )
    learner = apply_agent_update(config, learner, awake_gradients, agent_on & config.agent_learns_awake, simulated=False)
    if config.model_update == "game":
        gradients = config.world_model.episode_gradients(learner.world_model, record.model.network, record.model.error)
        learner = apply_model_update(config, learner, gradients, _model_learns(config, learner))
    imagined_return = jnp.zeros(())
    if config.mode == "plan":
        learner = apply_agent_update(config, learner, carry.plan_gradients, agent_on, simulated=True)
        imagined_return = carry.plan_return
    if config.mode == "dream":
        key_start, key_agent, key_model, key_dream = jax.random.split(key, 4)
        start = dream_start_observation(config, reset_observation, key_start)
        dreamt = imagine(
            config, learner, config.agent.initial_state(key_agent), config.world_model.initial_state(key_model), start,
            key_dream, config.dream_steps,
        )
        learner = apply_agent_update(config, learner, imagined_gradients(config, learner, dreamt), agent_on, simulated=True)
        imagined_return = jnp.sum(dreamt.rewards)
    probabilities = record.agent.probabilities
    entropy = -jnp.sum(probabilities * jnp.log(probabilities + 1e-30), axis=-1)
    learner = learner.replace(game=learner.game + 1, interactions=learner.interactions + config.awake_steps)
    metrics = GameMetrics(
        game_return=jnp.sum(record.reward),
        model_state_error=jnp.mean(jnp.sum(jnp.square(record.model.error[:, :-1]), axis=-1)),
        model_reward_error=jnp.mean(jnp.square(record.model.error[:, -1])),
        policy_entropy=jnp.mean(entropy),
        imagined_return=imagined_return,
        interactions=learner.interactions,
    )
    return learner, metrics


def play_game(config: DreamingConfig, env, env_params, learner: Learner, key: jax.Array) -> tuple[Learner, GameMetrics]:
    """One whole game with a JAX environment (gymnax-style reset/step), as one traceable function."""
    key_reset, key_steps, key_finish, key_begin = jax.random.split(key, 4)
    observation, env_state = env.reset(key_reset, env_params)
    carry = begin_game(config, learner, key_begin)

    def real_step(loop, inputs):
        learner, carry, env_state, observation = loop
        step, step_key = inputs
        key_act, key_env = jax.random.split(step_key)
        carry, acted = awake_act(config, learner, carry, observation, step, key_act)
        next_observation, env_state, reward, _, _, _ = env.step(key_env, env_state, acted.action, env_params)
        reward = jnp.asarray(reward, jnp.float32)
        learner, carry, model_record = awake_learn(config, learner, carry, observation, acted.action, next_observation, reward)
        record = AwakeStepRecord(acted, reward, model_record)
        return (learner, carry, env_state, next_observation), record

    steps = jnp.arange(config.awake_steps)
    (learner, carry, _, _), record = jax.lax.scan(
        real_step, (learner, carry, env_state, observation), (steps, jax.random.split(key_steps, config.awake_steps))
    )
    learner, metrics = finish_game(config, learner, carry, record, observation, key_finish)
    return learner, metrics

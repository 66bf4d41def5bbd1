"""One game of the model-based experiment, split into pure pieces that a compiled JAX-environment loop
and a host-driven (ALE) loop call alike (docs/science.md, "What the official codes compute"):

    carry = begin_game(...)
    for w in range(W):  env NOOP step;  learner, carry, rec = awake_learn(..., warmup=True)   # model warm-up
    for t in range(T):  carry, acted = awake_act(..., t);  env step;  learner, carry, rec = awake_learn(...)
    learner, metrics, dreamt = finish_game(...)   # agent update, model update (per-game cadence), dream
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from flax import struct

from snnrl.algorithms.dreaming import critic as value_readout
from snnrl.algorithms.dreaming.config import DreamingConfig
from snnrl.algorithms.dreaming.imagination import (
    NOOP,
    Imagined,
    dream,
    dream_start_observation,
    imagine,
    imagined_gradients,
)
from snnrl.algorithms.dreaming.learner import Learner, apply_agent_update, apply_model_update
from snnrl.algorithms.dreaming.replay import KeptGame, ReplayBuffer, draw, store
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
    """Per real step: the world model's network output, its prediction (D + 1,: the change in target
    units, then the reward), its error (targets - prediction), its targets (D + 1,) and whether the step's raw
    reward is nonzero (reward_event, () bool). NaN (and no event) where the arm runs no model."""

    network: Any
    prediction: jax.Array
    error: jax.Array
    target: jax.Array
    reward_event: jax.Array


@struct.dataclass
class AwakeStepRecord:
    """Per real step: the agent's step, the reward, the world model's step, and the observation the agent
    acted on (D,)."""

    agent: AgentStep
    reward: jax.Array
    model: ModelStepRecord
    observation: jax.Array


@struct.dataclass
class WarmupRecord:
    """The model's NOOP warm-up after the reset: the observations it saw (W, D) and its steps (W, ...)."""

    observations: jax.Array
    model: ModelStepRecord


@struct.dataclass
class DreamRecord:
    """A dream: the imagined trajectory and the model's warm-up spikes before it ((W, N) or None); with
    dream.per_game K > 1 every field has a leading axis K."""

    imagined: Imagined
    warmup_spikes: jax.Array | None


@struct.dataclass
class GameRecord:
    """Everything one game computed step by step (for checks and figures; the training loop drops it)."""

    warmup: WarmupRecord
    awake: AwakeStepRecord
    dream: DreamRecord | None


@struct.dataclass
class ForcedActions:
    """Actions that replace the agent's samples: awake (T,) and dream (S,) (replaying a recorded
    trajectory; the parity tests)."""

    awake: jax.Array
    dream: jax.Array | None = None


@struct.dataclass
class GameMetrics:
    """Per game: real return, model errors (mean squared, per step, target units; NaN without a model),
    mean policy entropy (nats), imagined return (sum of predicted rewards in the dream or the
    look-aheads), interactions so far."""

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


def _plan(
    config: DreamingConfig, learner: Learner, carry: AwakeCarry, observation: jax.Array, key: jax.Array
) -> AwakeCarry:
    imagined = imagine(config, learner, carry.agent_state, carry.model_state, observation, key, config.n_fut)
    rewards = imagined.rewards * _agent_learns(config, learner)
    gradients = imagined_gradients(config, learner, imagined, rewards)
    return carry.replace(
        plan_gradients=jax.tree.map(jnp.add, carry.plan_gradients, gradients),
        plan_return=carry.plan_return + jnp.sum(imagined.rewards),
    )


def awake_act(
    config: DreamingConfig,
    learner: Learner,
    carry: AwakeCarry,
    observation: jax.Array,
    step: jax.Array,
    key: jax.Array,
    forced_action: jax.Array | None = None,
) -> tuple[AwakeCarry, AgentStep]:
    """Real step ``step`` (() int): in plan mode, every 2 n_fut steps first look n_fut steps ahead from
    copies of the present states; then the agent acts on observation (D,) (or takes ``forced_action``)."""
    key_plan, key_act = jax.random.split(key)
    if config.mode == "plan":
        carry = jax.lax.cond(
            step % (2 * config.n_fut) == 0,
            lambda c: _plan(config, learner, c, observation, key_plan),
            lambda c: c,
            carry,
        )
    agent_state, acted = config.agent.step(learner.agent, carry.agent_state, observation, key_act)
    if forced_action is not None:
        acted = acted.replace(action=jnp.asarray(forced_action, acted.action.dtype))
    return carry.replace(agent_state=agent_state), acted


def _no_model_record(config: DreamingConfig) -> ModelStepRecord:
    missing = jnp.full((config.world_model.n_state + 1,), jnp.nan)
    return ModelStepRecord(None, missing, missing, missing, jnp.zeros((), bool))


def awake_learn(
    config: DreamingConfig,
    learner: Learner,
    carry: AwakeCarry,
    observation: jax.Array,
    action: jax.Array,
    next_observation: jax.Array,
    reward: jax.Array,
    warmup: bool = False,
) -> tuple[Learner, AwakeCarry, ModelStepRecord]:
    """The world model sees (observation, action) and predicts the change (target units) and the reward.
    Its reward target is r_learn <- reward_decay r_learn + r, or the raw reward in the NOOP warm-up
    (``warmup``: r_learn is left at 0 for the awake game). With the per-step cadence it learns now
    (online e-prop, one Adam step); with the per-game cadence ``finish_game`` computes the game's update in
    episode form from the returned records. An arm that runs no model returns a NaN record."""
    if not config.model_runs:
        return learner, carry, _no_model_record(config)
    model = config.world_model
    model_state, predicted = model.step(learner.world_model, carry.model_state, observation, action)
    target = delta_target(model, observation, next_observation)
    reward_target = reward if warmup else model.reward_decay * carry.reward_target + reward
    event = reward != 0
    trace = carry.model_trace
    if config.model_update == "step":
        trace, gradients = model.step_gradients(learner.world_model, trace, predicted, target, reward_target, event)
        learner = apply_model_update(config, learner, gradients, _model_learns(config, learner))
    carry = carry.replace(
        model_state=model_state, model_trace=trace, reward_target=carry.reward_target if warmup else reward_target
    )
    prediction = jnp.concatenate([predicted.delta, predicted.reward[None]])
    targets = jnp.concatenate([target, reward_target[None]])
    return learner, carry, ModelStepRecord(predicted.network, prediction, targets - prediction, targets, event)


def _concatenate(first, second):
    return jax.tree.map(lambda a, b: jnp.concatenate([a, b]), first, second)


def kept_game(record: AwakeStepRecord, warmup: WarmupRecord | None) -> KeptGame:
    """The game just played as the replay buffer keeps it: the warm-up steps (if any), then the awake steps."""
    awake = KeptGame(
        record.observation, record.agent.action.astype(jnp.int32), record.model.target, record.model.reward_event
    )
    if warmup is None:
        return awake
    noops = jnp.full((len(warmup.observations),), NOOP, jnp.int32)
    before = KeptGame(warmup.observations, noops, warmup.model.target, warmup.model.reward_event)
    return _concatenate(before, awake)


def _dream_start(
    config: DreamingConfig,
    record: AwakeStepRecord,
    warmup: WarmupRecord | None,
    start_observation: jax.Array,
    key: jax.Array,
    replay: ReplayBuffer | None = None,
):
    """(start (D,), warm-up observations (W, D) or None, warm-up actions (W,) or None = NOOP) of a dream.
    'visited': an awake step t drawn uniformly; the warm-up is the W real steps before it (the NOOP warm-up
    and the awake game, joined), with their actions. 'replay': the same in a game drawn uniformly from the
    ``replay`` buffer's kept games."""
    observations = None if warmup is None else warmup.observations
    if config.dream.start not in ("visited", "replay"):
        return dream_start_observation(config, start_observation, key), observations, None
    # the step from ``key`` as 'visited' draws it; the game from a key of its own
    game = kept_game(record, warmup) if config.dream.start == "visited" else draw(replay, jax.random.fold_in(key, 1))
    width = 0 if observations is None else len(observations)
    t = jax.random.randint(key, (), 0, config.awake_steps)
    start = game.observations[width + t]
    if observations is None:
        return start, None, None
    window = lambda a: jax.lax.dynamic_slice_in_dim(a, t, width)  # noqa: E731  (steps t - W .. t - 1 of the game)
    return start, window(game.observations), window(game.actions)


def _dreams(config, learner, record, warmup, start_observation, key, dream_actions):
    """The game's dreams: one (Imagined with fields (S, ...)) or, with dream.per_game K > 1, K side by side
    (fields (K, S, ...)), each with its own start and random numbers."""

    def one(key):
        key_start, key_dream = jax.random.split(key)
        start, observations, actions = _dream_start(
            config, record, warmup, start_observation, key_start, learner.replay
        )
        return dream(config, learner, observations, start, key_dream, dream_actions, actions)

    if config.dream.per_game == 1:
        return one(key)
    return jax.vmap(one)(jax.random.split(key, config.dream.per_game))


def model_error_steps(
    config: DreamingConfig,
    learner: Learner,
    record: AwakeStepRecord,
    warmup: WarmupRecord | None,
    start_observation: jax.Array,
    key: jax.Array,
) -> tuple[jax.Array, jax.Array]:
    """The world model's own error on the game just played, for dream.stop 'model_error': it replays the
    game's first dream.steps real steps open-loop, as a dream does (fresh states, the warm-up, then from
    ``start_observation`` (D,), the first awake observation) but with the real actions. Returns (errors (S,):
    mean absolute difference per observation variable between the replay's and the real observation at
    each step; trusted (S,) float: 1 up to the first step whose error exceeds dream.error_threshold, then 0)."""
    steps = config.dream.steps
    observations = None if warmup is None else warmup.observations
    replay, _ = dream(config, learner, observations, start_observation, key, record.agent.action[:steps])
    errors = jnp.mean(jnp.abs(replay.observations - record.observation[:steps]), axis=-1)
    return errors, jnp.cumprod(errors <= config.dream.error_threshold).astype(errors.dtype)


def controlled_rewards(config: DreamingConfig, rewards: jax.Array, key: jax.Array) -> jax.Array:
    """The predicted rewards (S,) or (K, S) with their information removed by dream.reward_control:
    permuted across the game's dreams and steps ('shuffle'), or Gaussian noise with their mean and SD
    ('noise'); unchanged for 'none'. The counted steps only (dream.length) are permuted or matched."""
    control = config.dream.reward_control
    if control == "none":
        return rewards
    counted = config.dream.length or config.dream.steps
    inside, outside = rewards[..., :counted], rewards[..., counted:]
    if control == "shuffle":
        controlled = jax.random.permutation(key, inside.reshape(-1)).reshape(inside.shape)
    else:
        noise = jax.random.normal(key, inside.shape, inside.dtype)
        controlled = jnp.mean(inside) + jnp.std(inside) * noise
    return jnp.concatenate([controlled, outside], axis=-1)


def _dream_rewards(
    config: DreamingConfig, imagined: Imagined, trusted: jax.Array | None = None, key: jax.Array | None = None
) -> jax.Array:
    """The predicted rewards the agent learns from, (S,) or (K, S): their information removed by
    dream.reward_control (needs ``key``), cut at dream.length, stopped at the first out-of-range step or
    where ``trusted`` (S,) (model_error_steps) turns 0 (dream.stop), minus the mean over the game's dreams
    (dream.baseline)."""
    rewards = controlled_rewards(config, imagined.rewards, key)
    if config.dream.length is not None:
        rewards = rewards * (jnp.arange(config.dream.steps) < config.dream.length)
    if config.dream.stop == "out_of_range":
        inside = jnp.all((imagined.observations >= 0.0) & (imagined.observations <= 1.0), axis=-1)
        rewards = rewards * jnp.cumprod(inside, axis=-1)
    if config.dream.stop == "model_error":
        rewards = rewards * trusted
    if config.dream.baseline == "dream_mean":
        rewards = rewards - jnp.mean(rewards, axis=0)
    return rewards


def _awake_updates(config: DreamingConfig, learner: Learner, gradients: AgentWeights, enabled: jax.Array) -> Learner:
    """awake_updates_per_game Adam steps with the awake game's gradients (one: the codes' single step; a
    traced count from a sweep runs as a loop of that many steps)."""
    count = config.awake_updates_per_game
    if isinstance(count, int) and count == 1:
        return apply_agent_update(config, learner, gradients, enabled, simulated=False)
    step = lambda _, learner: apply_agent_update(config, learner, gradients, enabled, simulated=False)  # noqa: E731
    return jax.lax.fori_loop(0, count, step, learner)


def reward_prediction_corr(model_steps: ModelStepRecord) -> jax.Array:
    """The Pearson correlation () between the world model's reward predictions and its reward targets over the
    steps of ``model_steps`` (fields (T, ...)); 0 where either is constant (a game without a point)."""
    predicted, target = model_steps.prediction[:, -1], model_steps.target[:, -1]
    predicted, target = predicted - jnp.mean(predicted), target - jnp.mean(target)
    spread = jnp.sqrt(jnp.sum(jnp.square(predicted)) * jnp.sum(jnp.square(target)))
    defined = spread > 0
    return jnp.where(defined, jnp.sum(predicted * target) / jnp.where(defined, spread, 1.0), 0.0)


def replayed_gradients(config: DreamingConfig, learner: Learner, game: KeptGame, key: jax.Array):
    """The world model's episode-form gradients on a kept game (fields (L, ...)), replayed from fresh network
    states (``key``) with the current weights; point events weighted as in the real game."""
    model = config.world_model

    def step(state, inputs):
        observation, action = inputs
        state, predicted = model.step(learner.world_model, state, observation, action)
        return state, (predicted.network, jnp.concatenate([predicted.delta, predicted.reward[None]]))

    _, (network, prediction) = jax.lax.scan(step, model.initial_state(key), (game.observations, game.actions))
    error = model.weigh_reward_error(game.targets - prediction, game.events)
    return model.episode_gradients(learner.world_model, network, error)


def _replay_to_model(config: DreamingConfig, learner: Learner, key: jax.Array) -> Learner:
    """world_model_replay.updates Adam steps of the world model, each on a kept game drawn uniformly."""

    def update(index, learner):
        key_draw, key_state = jax.random.split(jax.random.fold_in(key, index))
        gradients = replayed_gradients(config, learner, draw(learner.replay, key_draw), key_state)
        return apply_model_update(config, learner, gradients, _model_learns(config, learner))

    return jax.lax.fori_loop(0, config.world_model_replay.updates, update, learner)


def _imagined_update(
    config: DreamingConfig,
    learner: Learner,
    record: AwakeStepRecord,
    warmup: WarmupRecord | None,
    start_observation: jax.Array,
    key: jax.Array,
    dream_actions: jax.Array | None,
    trusted: jax.Array | None,
    awake_trace: AgentWeights | None,
    enabled: jax.Array,
) -> tuple[Learner, Imagined, jax.Array | None]:
    """One imagined update: the game's dreams from the present agent (key), their learning signal, one Adam step
    if ``enabled``. Returns the learner, the dreams and the model's warm-up spikes."""
    imagined, warmup_spikes = _dreams(config, learner, record, warmup, start_observation, key, dream_actions)
    control_key = jax.random.fold_in(key, 2)  # its own key, as the model-error check's
    rewards = _dream_rewards(config, imagined, trusted, control_key)
    if config.critic.bootstrap_dreams:
        critic, rewards = value_readout.dreams(config, learner.critic, imagined.agent.network.readout_trace, rewards)
        learner = learner.replace(critic=critic)
    rewards = rewards * _agent_learns(config, learner)
    if config.dream.per_game == 1:
        gradients = imagined_gradients(config, learner, imagined, rewards)
    else:
        per_dream = jax.vmap(lambda i, r: imagined_gradients(config, learner, i, r))(imagined, rewards)
        gradients = jax.tree.map(lambda g: jnp.mean(g, axis=0), per_dream)
    if awake_trace is not None:
        # The awake trace keeps decaying through the dream: step s adds r[s] decay^(s+1) x that trace.
        decay = config.agent.trace_decay ** jnp.arange(1, config.dream.steps + 1, dtype=rewards.dtype)
        weight = jnp.mean(jnp.sum(rewards * decay, axis=-1))
        gradients = jax.tree.map(lambda g, t: g + weight * t, gradients, awake_trace)
    learner = apply_agent_update(config, learner, gradients, enabled, simulated=True)
    return learner, imagined, warmup_spikes


def _gate(config: DreamingConfig, learner: Learner, record: AwakeStepRecord) -> tuple[Learner, jax.Array]:
    """dream.gate_reward_corr: the learner with its latch opened if the model's reward predictions on the game
    just played reach the threshold, and whether imagined updates are taken (() bool; always without a gate)."""
    if config.dream.gate_reward_corr is None:
        return learner, jnp.ones((), bool)
    opened = learner.dreams_gated_open | (reward_prediction_corr(record.model) >= config.dream.gate_reward_corr)
    return learner.replace(dreams_gated_open=opened), opened


def finish_game(
    config: DreamingConfig,
    learner: Learner,
    carry: AwakeCarry,
    record: AwakeStepRecord,
    warmup: WarmupRecord | None,
    start_observation: jax.Array,
    key: jax.Array,
    dream_actions: jax.Array | None = None,
) -> tuple[Learner, GameMetrics, DreamRecord | None]:
    """End of a game: the agent's update from the real game (fields of record are (T, ...)), the world
    model's per-game update (warm-up, None without one, and awake steps), the game kept and replayed to the
    model (world_model_replay), the planning update, then the dreams (from start_observation (D,), the first
    awake observation; ``dream_actions`` (S,) forces their actions), gated by dream.gate_reward_corr and split
    into dream.substeps updates. Rewards count for the agent from agent_learning_start on; before, its optimizer
    still steps with zero gradients from awake_updates_from_game on (docs/presets.md, item 6)."""
    learns = _agent_learns(config, learner)
    agent_inputs = (learner.agent, record.agent.network, record.agent.action, record.agent.probabilities)
    awake_rewards = record.reward
    if config.critic.used:
        critic, awake_rewards = value_readout.real_game(
            config, learner.critic, record.agent.network.readout_trace, record.reward
        )
        learner = learner.replace(critic=critic)
    awake_rewards = awake_rewards * (learns & config.agent_learns_awake)
    awake_gradients = config.agent.gradients(*agent_inputs, awake_rewards)
    awake_trace = None
    if config.mode == "dream" and config.dream.continues_policy_trace:
        # The discounted policy trace at the game's end: the gradients of a unit reward on the last step.
        awake_trace = config.agent.gradients(*agent_inputs, jax.nn.one_hot(config.awake_steps - 1, config.awake_steps))
    if config.awake_updates_from_game is None:
        awake_on, imagined_on = learns & config.agent_learns_awake, learns
    else:
        awake_on, imagined_on = learner.game >= config.awake_updates_from_game, jnp.ones((), bool)
    learner = _awake_updates(config, learner, awake_gradients, awake_on)
    if config.model_runs and config.model_update == "game":
        steps = record.model if warmup is None else _concatenate(warmup.model, record.model)
        error = config.world_model.weigh_reward_error(steps.error, steps.reward_event)
        gradients = config.world_model.episode_gradients(learner.world_model, steps.network, error)
        learner = apply_model_update(config, learner, gradients, _model_learns(config, learner))
    if config.world_model_replay.keeps_games:
        learner = learner.replace(replay=store(learner.replay, kept_game(record, warmup)))
        learner = _replay_to_model(config, learner, jax.random.fold_in(key, 3))
    learner, gate_open = _gate(config, learner, record)
    imagined_on = imagined_on & gate_open
    imagined_return, dreamt = jnp.zeros(()), None
    if config.mode == "plan":
        learner = apply_agent_update(config, learner, carry.plan_gradients, imagined_on, simulated=True)
        imagined_return = carry.plan_return
    if config.mode == "dream":
        trusted = None
        if config.dream.stop == "model_error":  # its own key: the other options' numbers stay as they were
            check_key = jax.random.fold_in(key, 1)
            trusted = model_error_steps(config, learner, record, warmup, start_observation, check_key)[1]
        update = lambda learner, key: _imagined_update(  # noqa: E731
            config, learner, record, warmup, start_observation, key, dream_actions, trusted, awake_trace, imagined_on
        )
        learner, imagined, warmup_spikes = update(learner, key)
        if config.dream.substeps > 1:  # the further smaller updates, each with fresh dreams of their own keys
            learner = jax.lax.fori_loop(
                1,
                config.dream.substeps,
                lambda index, learner: update(learner, jax.random.fold_in(key, 4 + index))[0],
                learner,
            )
        imagined_return = jnp.mean(jnp.sum(imagined.rewards, axis=-1))
        dreamt = DreamRecord(imagined, warmup_spikes)
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
    return learner, metrics, dreamt


def play_game(
    config: DreamingConfig, env, env_params, learner: Learner, key: jax.Array, forced: ForcedActions | None = None
) -> tuple[Learner, GameMetrics, GameRecord]:
    """One whole game with a JAX environment (gymnax-style reset/step), as one traceable function: the
    reset, the model's NOOP warm-up, the awake steps, finish_game. ``forced`` replaces the agent's
    actions. Returns the learner, the game's metrics and its step-by-step record."""
    if forced is not None and config.mode == "plan":
        raise ValueError("forced actions cover the awake game and the dream; plan mode's look-aheads cannot be forced")
    key_reset, key_steps, key_finish, key_begin, key_warmup = jax.random.split(key, 5)
    observation, env_state = env.reset(key_reset, env_params)
    carry = begin_game(config, learner, key_begin)

    def warmup_step(loop, step_key):
        learner, carry, env_state, observation = loop
        next_observation, env_state, reward, _, _, _ = env.step(step_key, env_state, jnp.int32(NOOP), env_params)
        reward = jnp.asarray(reward, observation.dtype)
        learner, carry, model_record = awake_learn(
            config, learner, carry, observation, jnp.int32(NOOP), next_observation, reward, warmup=True
        )
        return (learner, carry, env_state, next_observation), (observation, model_record)

    (learner, carry, env_state, observation), (warmup_observations, warmup_model) = jax.lax.scan(
        warmup_step, (learner, carry, env_state, observation), jax.random.split(key_warmup, config.model_warmup_steps)
    )
    start_observation = observation

    def real_step(loop, inputs):
        learner, carry, env_state, observation = loop
        step, step_key, forced_action = inputs
        key_act, key_env = jax.random.split(step_key)
        carry, acted = awake_act(config, learner, carry, observation, step, key_act, forced_action)
        next_observation, env_state, reward, _, _, _ = env.step(key_env, env_state, acted.action, env_params)
        reward = jnp.asarray(reward, observation.dtype)
        learner, carry, model_record = awake_learn(
            config, learner, carry, observation, acted.action, next_observation, reward
        )
        record = AwakeStepRecord(acted, reward, model_record, observation)
        return (learner, carry, env_state, next_observation), record

    steps = jnp.arange(config.awake_steps)
    (learner, carry, _, _), record = jax.lax.scan(
        real_step,
        (learner, carry, env_state, observation),
        (steps, jax.random.split(key_steps, config.awake_steps), None if forced is None else forced.awake),
    )
    warmup = WarmupRecord(warmup_observations, warmup_model)
    learner, metrics, dreamt = finish_game(
        config, learner, carry, record, warmup, start_observation, key_finish, None if forced is None else forced.dream
    )
    return learner, metrics, GameRecord(warmup, record, dreamt)

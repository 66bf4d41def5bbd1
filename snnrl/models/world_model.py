"""The world model: a recurrent LIF network fed the observation and the action, reading out the change
of the observed variables (raw RAM bytes in the official code) and the (low-passed) reward, learning by
supervised e-prop (docs/science.md, "LIF network" and "e-prop"). ``WorldModelConfig`` implements
``snnrl.models.protocol.WorldModelNetwork``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import jax
import jax.numpy as jnp
import optax
from flax import struct

from snnrl.core import eprop, lif
from snnrl.core.checks import check_actions, check_array, check_instance, check_integer, check_real
from snnrl.core.fields import static
from snnrl.core.lif_config import LIFConfig
from snnrl.core.optim import grouped_optimizer, stepwise_decay

TARGET_UNITS = ("ram", "observation")
RAM_UNITS_PER_OBSERVATION = 255.0  # Pong/Atari observations are RAM bytes / 255 (snnrl.envs.protocol)
MODEL_DIAGONALS = ("learned", "zero")


@dataclass(frozen=True)
class WorldModelTargets:
    """What a world model predicts and how its readouts learn, shared by the recurrent and the
    readout-only (neuromorphic) world models. Defaults are the official code's values (docs/presets.md).

    target_units: 'ram' = the model predicts the change of the raw RAM bytes (255 x the observation; both
    official codes), 'observation' = the change of the observation itself (snnrl before 0.2; any
    environment). The model's ``.delta`` and ``delta_target`` are in these units. cost_state /
    cost_reward: c_xi, c_r of the loss. lr_state / lr_reward: Adam learning rates of the readouts,
    multiplied by lr_decay once every lr_decay_steps optimizer steps. reward_decay: the reward target is
    r_learn <- reward_decay * r_learn + r. jump_threshold: target changes larger than this (target units)
    are 0. reward_event_weight: the reward error of a step whose raw reward is nonzero (a point event) counts
    this many times in the loss, the others once (ours; 1 = the codes' unweighted loss; sweepable).
    """

    n_state: int = static("an array shape", 4)
    n_actions: int = static("an array shape", 3)
    target_units: str = "ram"
    cost_state: float = 1.0
    cost_reward: float = 1.0
    lr_state: float = 0.002
    lr_reward: float = 0.0004
    adam_eps: float = 1e-5
    lr_decay: float = 1.0
    lr_decay_steps: int = 10000
    reward_decay: float = 0.5
    jump_threshold: float = 30.0
    reward_event_weight: float = 1.0

    def __post_init__(self) -> None:
        kind = type(self).__name__
        check_real(kind, "reward_event_weight", self.reward_event_weight, above=0.0, finite=True)
        for name in ("n_state", "n_actions", "lr_decay_steps"):
            check_integer(kind, name, getattr(self, name), minimum=1)
        for name in (
            "cost_state",
            "cost_reward",
            "lr_state",
            "lr_reward",
            "adam_eps",
            "jump_threshold",
            "lr_decay",
            "reward_decay",
        ):
            check_real(kind, name, getattr(self, name))
        if self.target_units not in TARGET_UNITS:
            raise ValueError(f"{kind}.target_units={self.target_units!r} is unknown; allowed: {list(TARGET_UNITS)}")
        for name in ("cost_state", "cost_reward", "lr_state", "lr_reward", "adam_eps", "jump_threshold"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{kind}.{name} must be a finite number > 0, got {value!r}")
        if not 0.0 < self.lr_decay <= 1.0:
            raise ValueError(f"{kind}.lr_decay must lie in (0, 1], got {self.lr_decay!r}")
        if not 0.0 <= self.reward_decay < 1.0:
            raise ValueError(f"{kind}.reward_decay must lie in [0, 1), got {self.reward_decay!r}")

    def replace(self, **changes):
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    @property
    def units_per_observation(self) -> float:
        """Target units per observation unit: 255 for 'ram', 1 for 'observation'."""
        return RAM_UNITS_PER_OBSERVATION if self.target_units == "ram" else 1.0

    def adam(self, learning_rate: float) -> optax.GradientTransformation:
        """Adam of one readout group (eps adam_eps, the config's learning-rate decay)."""
        return optax.adam(stepwise_decay(learning_rate, self.lr_decay, self.lr_decay_steps), eps=self.adam_eps)

    def weigh_reward_error(self, error: jax.Array, events: jax.Array | bool) -> jax.Array:
        """error (..., D + 1), targets - predictions, with its reward column multiplied by reward_event_weight
        where ``events`` (...) (the step's raw reward is nonzero); the same array when the weight is 1."""
        weight = self.reward_event_weight
        if isinstance(weight, (int, float)) and weight == 1.0:
            return error
        return error.at[..., -1].multiply(jnp.where(events, weight, 1.0))

    @property
    def cost(self) -> jax.Array:
        """Per-output cost weights (D + 1,): state outputs then the reward."""
        return jnp.array([self.cost_state] * self.n_state + [self.cost_reward])


@dataclass(frozen=True)
class WorldModelConfig(WorldModelTargets):
    """The recurrent e-prop world model: the targets and readouts of WorldModelTargets, a recurrent LIF
    network (lif) whose recurrent weights learn with Adam at lr_recurrent.

    action_scale: the action enters as action_scale x onehot(a) through its N(0, w_in_std^2) weights
    (official: 5). recurrent_reward_weight: weight of the reward error in the recurrent learning signal
    (official: 0.5; the readouts learn from the unweighted errors). recurrent_diagonal: 'learned' (the
    official code draws W with self-connections and learns them) or 'zero' (no self-connections).
    """

    lif: LIFConfig = field(default_factory=lambda: LIFConfig(tau_readout=2.0))
    lr_recurrent: float = 0.004
    action_scale: float = 5.0
    recurrent_reward_weight: float = 0.5
    recurrent_diagonal: str = "learned"

    def __post_init__(self) -> None:
        super().__post_init__()
        check_instance("WorldModelConfig", "lif", self.lif, LIFConfig)
        for name in ("lr_recurrent", "action_scale", "recurrent_reward_weight"):
            check_real("WorldModelConfig", name, getattr(self, name), finite=True, above=0.0)
        if self.recurrent_diagonal not in MODEL_DIAGONALS:
            raise ValueError(
                f"WorldModelConfig.recurrent_diagonal={self.recurrent_diagonal!r} is unknown; allowed: "
                f"{list(MODEL_DIAGONALS)}"
            )

    @property
    def signal_weights(self) -> jax.Array:
        """Weights of the errors (D + 1,) in the recurrent learning signal: 1 per state output, then the
        reward's recurrent_reward_weight."""
        return jnp.array([1.0] * self.n_state + [self.recurrent_reward_weight])

    # The WorldModelNetwork interface (snnrl.models.protocol) that the algorithms call.
    def init(self, key: jax.Array, hidden=None) -> WorldModel:
        """A fresh world model (``hidden`` is unused: the recurrent model draws its own weights)."""
        return init_world_model(key, self)

    def initial_state(self, key: jax.Array) -> lif.LIFState:
        """Network state at a game start (the key is unused)."""
        return lif.init_state(self.lif)

    def step(self, model: WorldModel, state: lif.LIFState, observation: jax.Array, action: jax.Array):
        """See ``world_model_step``."""
        return world_model_step(self, model, state, observation, action)

    def step_gradients(self, model: WorldModel, trace, step, delta_target_value, reward_target, reward_event=False):
        """See ``world_model_step_gradients``."""
        return world_model_step_gradients(self, model, trace, step, delta_target_value, reward_target, reward_event)

    def episode_gradients(self, model: WorldModel, network, error) -> WorldModelWeights:
        """See ``world_model_episode_gradients``."""
        return world_model_episode_gradients(self, model, network, error)

    def trace_init(self) -> jax.Array | None:
        """See ``world_model_trace_init``."""
        return world_model_trace_init(self)

    def optimizer(self) -> optax.GradientTransformation:
        """See ``world_model_optimizer``."""
        return world_model_optimizer(self)


@struct.dataclass
class WorldModelWeights:
    """Learnable weights: w_rec (N, N), readout_state (D, N), readout_reward (1, N)."""

    w_rec: jax.Array
    readout_state: jax.Array
    readout_reward: jax.Array


@struct.dataclass
class WorldModel:
    """One world-model realization: fixed input weights (N, D) and (N, A), learnable weights."""

    w_in_state: jax.Array
    w_in_action: jax.Array
    weights: WorldModelWeights


@struct.dataclass
class WorldModelStep:
    """One step's predicted observation change (D,), predicted reward () and network output."""

    delta: jax.Array
    reward: jax.Array
    network: lif.LIFOutput


def init_world_model(key: jax.Array, config: WorldModelConfig) -> WorldModel:
    """Random inputs ~ N(0, w_in_std^2), W ~ N(0, 1/N) (diagonal as recurrent_diagonal says), readouts
    zero (official code)."""
    key_state, key_action, key_rec = jax.random.split(key, 3)
    n = config.lif.n_neurons
    std = config.lif.w_in_std
    return WorldModel(
        w_in_state=std * jax.random.normal(key_state, (n, config.n_state)),
        w_in_action=std * jax.random.normal(key_action, (n, config.n_actions)),
        weights=WorldModelWeights(
            w_rec=lif.init_recurrent_weights(key_rec, config.lif, zero_diagonal=config.recurrent_diagonal == "zero"),
            readout_state=jnp.zeros((config.n_state, n)),
            readout_reward=jnp.zeros((1, n)),
        ),
    )


def _readout(weights: WorldModelWeights) -> jax.Array:
    return jnp.concatenate([weights.readout_state, weights.readout_reward], axis=0)


def world_model_step(
    config: WorldModelConfig, model: WorldModel, state: lif.LIFState, observation: jax.Array, action: jax.Array
) -> tuple[lif.LIFState, WorldModelStep]:
    """Feed observation (D,) and action () int; predict the next change (D,, target units) and the reward ().
    ValueError naming ``observation`` / ``action`` for a wrong shape, NaN/inf or an action outside
    [0, n_actions) (values checked when concrete)."""
    check_array("observation", observation, (config.n_state,))
    check_actions("action", action, config.n_actions, ())
    params = lif.LIFParams(model.weights.w_rec, config.lif)
    current = model.w_in_state @ observation + config.action_scale * model.w_in_action[:, action]
    state, output = lif.lif_step(params, state, current)
    prediction = _readout(model.weights) @ output.readout_trace
    return state, WorldModelStep(prediction[:-1], prediction[-1], output)


def delta_target(config: WorldModelTargets, observation: jax.Array, next_observation: jax.Array) -> jax.Array:
    """Target change in the model's target units (raw RAM bytes for 'ram'), jumps larger than
    jump_threshold set to 0. Observations (D,) -> (D,)."""
    # Subtract first: an unchanged variable gives exactly 0 (a fused a*s - b*s would leave rounding noise,
    # which Adam's normalised steps then amplify).
    delta = (next_observation - observation) * config.units_per_observation
    return jnp.where(jnp.abs(delta) > config.jump_threshold, 0.0, delta)


def world_model_step_gradients(
    config: WorldModelConfig,
    model: WorldModel,
    trace: jax.Array | None,
    step: WorldModelStep,
    delta_target_value: jax.Array,
    reward_target: jax.Array,
    reward_event: jax.Array | bool = False,
) -> tuple[jax.Array | None, WorldModelWeights]:
    """Online supervised e-prop for one step: returns the new trace and this step's gradients. reward_event
    (() bool): the step's raw reward is nonzero (its reward error weighs reward_event_weight)."""
    error = jnp.concatenate([delta_target_value - step.delta, (reward_target - step.reward)[None]])
    error = config.weigh_reward_error(error, reward_event)
    trace, gradients = eprop.supervised_step_gradients(
        trace,
        step.network.pseudo_derivative,
        step.network.eligibility,
        step.network.readout_trace,
        _readout(model.weights),
        error,
        config.cost,
        config.lif.alpha_readout,
        config.lif.filter_eligibility,
        config.signal_weights,
    )
    return trace, _as_weights(config, gradients)


def _as_weights(config: WorldModelConfig, gradients: eprop.Gradients) -> WorldModelWeights:
    n = config.lif.n_neurons
    w_rec = gradients.w_rec
    if config.recurrent_diagonal == "zero":
        w_rec = w_rec * (1.0 - jnp.eye(n, dtype=w_rec.dtype))
    return WorldModelWeights(
        w_rec=w_rec,
        readout_state=gradients.readout[:-1],
        readout_reward=gradients.readout[-1:],
    )


def world_model_episode_gradients(
    config: WorldModelConfig, model: WorldModel, network: lif.LIFOutput, error: jax.Array
) -> WorldModelWeights:
    """Episode-form supervised e-prop over a game (readouts fixed during it). network: LIFOutput with
    fields (T, N); error: targets - predictions (T, D + 1), state outputs then the reward."""
    record = eprop.EpisodeRecord(network.pseudo_derivative, network.eligibility, network.readout_trace)
    gradients = eprop.supervised_gradients_episode(
        record,
        _readout(model.weights),
        error,
        config.cost,
        config.lif.alpha_readout,
        config.lif.filter_eligibility,
        config.signal_weights,
    )
    return _as_weights(config, gradients)


def world_model_trace_init(config: WorldModelConfig) -> jax.Array | None:
    """Zero online state of the supervised rule for this model (None without eligibility filtering)."""
    return eprop.supervised_trace_init(config.lif.n_neurons, config.lif.filter_eligibility)


def world_model_optimizer(config: WorldModelConfig) -> optax.GradientTransformation:
    """Adam with the per-group learning rates of the config."""
    return grouped_optimizer(
        {
            "recurrent": config.adam(config.lr_recurrent),
            "state": config.adam(config.lr_state),
            "reward": config.adam(config.lr_reward),
        },
        WorldModelWeights(w_rec="recurrent", readout_state="state", readout_reward="reward"),
    )

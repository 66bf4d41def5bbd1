"""Readout-only agent and world model on a fixed random hidden layer ("neuromorphic dreaming"; docs/science.md).

Each network: the observation (RAM units) is population coded into spike generators (the world model
also gets one-hot action generators), a fixed hidden layer of 510 LIF neurons with integer
multiplicities (the simulated DYNAP-SE chip, or its mismatch-free JAX reference) counts spikes over one
10 ms agent step, the counts are filtered (s_bar <- 0.6065 s_bar + 0.3935 count) and read out. Only the
readouts learn: policy gradient for the agent, supervised for the world model, as on the computer in
the loop of the paper. Both classes implement the interface of ``snnrl.models.protocol`` (AgentNetwork,
WorldModelNetwork), as the recurrent AgentConfig and WorldModelConfig do, so the awake/dream/plan loop
is shared.

Hidden-layer parameters (connectivity, mismatch) are drawn in JAX per realization
(``hidden_parameters``, so a compiled ``train`` builds them itself) and handed to ``init``; the same
layer as a spec for the mapper is ``layer_spec``. On the real chip (backend 'dynapse1') the parameters
are only the layer's index on the open board: each step calls the board through
``snnrl.hardware.dynapse1.bridge`` (the encoder and the readouts stay in JAX).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import jax
import jax.numpy as jnp
import optax
from flax import struct

from snnrl.core import eprop
from snnrl.core.checks import check_choice, check_instance, check_integer, check_real
from snnrl.core.fields import static
from snnrl.core.optim import grouped_optimizer, stepwise_decay
from snnrl.core.population import SPIKE_MODES, PopulationCodeConfig, agent_rates, encode_step, world_model_rates
from snnrl.hardware.backend import BACKENDS, backend_names, on_board, simulates_chip
from snnrl.hardware.chip.connectivity import CONNECTION_RULES
from snnrl.hardware.chip.description import DYNAPSE1
from snnrl.hardware.chip.spec import CoreParameters, HiddenLayerSpec
from snnrl.hardware.dynapse1.bridge import chip_hidden_step
from snnrl.hardware.lif import HiddenLIFParams, lif_agent_step
from snnrl.hardware.lif_backend import HiddenState, apply_mismatch
from snnrl.hardware.presets import layer_lif_params
from snnrl.hardware.presets import layer_spec as role_layer_spec
from snnrl.models.agent import AgentStep, policy
from snnrl.models.world_model import WorldModelStep, WorldModelTargets


@dataclass(frozen=True)
class FixedHiddenLayerConfig:
    """The fixed hidden layer of one network.

    backend: 'simulated' (mapped onto DYNAP-SE1 cores, integer weights, device mismatch), 'jax' (the
    same layer without mismatch) or 'dynapse1' (the real board through samna; mismatch and threshold
    are then the chip's own, set by its biases). mismatch: relative spread of tau, threshold and gain per neuron.
    n_hidden: neurons (2 cores x 255). spike_mode: 'regular' or 'poisson' input trains. connection_rule:
    'slots' (8 distinct generators, multiplicity 1-4 each) or 'budget' (the official code's 8 CAM
    entries in all). count_decay: s_bar <- count_decay s_bar + (1 - count_decay) count. ram_scale:
    observation -> RAM units. threshold: the hidden neurons' firing threshold (a per-core parameter
    of the chip; the default 1.0 gives ~40 Hz and ~40 % of neurons active per step, not a calibration).
    """

    backend: str = "simulated"
    mismatch: float = 0.2
    n_hidden: int = static("an array shape", 510)
    spike_mode: str = "regular"
    connection_rule: str = "slots"
    encoder: PopulationCodeConfig = field(default_factory=PopulationCodeConfig)
    count_decay: float = math.exp(-0.5)
    ram_scale: float = 255.0
    threshold: float = 1.0

    def __post_init__(self) -> None:
        for name in ("threshold", "mismatch", "count_decay"):
            check_real("FixedHiddenLayerConfig", name, getattr(self, name))
        check_real("FixedHiddenLayerConfig", "ram_scale", self.ram_scale, finite=True, above=0.0)
        check_integer("FixedHiddenLayerConfig", "n_hidden", self.n_hidden, minimum=1)
        check_choice("FixedHiddenLayerConfig", "spike_mode", self.spike_mode, SPIKE_MODES)
        check_choice("FixedHiddenLayerConfig", "connection_rule", self.connection_rule, CONNECTION_RULES)
        check_instance("FixedHiddenLayerConfig", "encoder", self.encoder, PopulationCodeConfig)
        if not (math.isfinite(self.threshold) and self.threshold > 0):
            raise ValueError(f"threshold must be > 0, got {self.threshold!r}")
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown hidden backend {self.backend!r}; allowed: {list(backend_names())}")
        if not (math.isfinite(self.mismatch) and self.mismatch >= 0):
            raise ValueError(f"mismatch must be >= 0 (0.2 = 20 %), got {self.mismatch!r}")
        if not 0.0 <= self.count_decay < 1.0:
            raise ValueError(f"count_decay must lie in [0, 1), got {self.count_decay!r}")

    def replace(self, **changes) -> FixedHiddenLayerConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)


def layer_spec(hidden: FixedHiddenLayerConfig, role: str, key: jax.Array) -> HiddenLayerSpec:
    """Host-side: this realization's hidden layer as a spec for the mapper and the real chip (connectivity
    drawn from ``key``'s first split, as ``hidden_parameters`` draws it). role: 'agent' or 'world_model'."""
    return role_layer_spec(
        role,
        jax.random.split(key)[0],
        encoder=hidden.encoder,
        parameters=CoreParameters(threshold=hidden.threshold),
        rule=hidden.connection_rule,
        n_hidden=hidden.n_hidden,
    )


def hidden_parameters(
    hidden: FixedHiddenLayerConfig, role: str, key: jax.Array, chip_layer: int | jax.Array | None = None
) -> HiddenLIFParams | ChipLayer:
    """This realization's fixed hidden layer, in JAX (``key`` may be traced: jit and vmap work): the
    connectivity drawn from ``key``'s first split, the simulated chip's mismatch from its second. The
    'simulated' backend checks first that every such layer fits on the DYNAP-SE1 (MappingError); 'jax'
    is the same layer without chip or mismatch. role: 'agent' or 'world_model'. For the 'dynapse1'
    backend: the layer's index ``chip_layer`` on the board session (the layer itself is mapped when the
    session opens, from ``layer_spec``, the same connectivity)."""
    if on_board(hidden.backend):
        if chip_layer is None:
            raise ValueError("a dynapse1 hidden layer needs its index on the board session (chip_layer)")
        return ChipLayer(jnp.asarray(chip_layer, jnp.int32))
    simulated = simulates_chip(hidden.backend)
    connectivity_key, mismatch_key = jax.random.split(key)
    # A swept (traced) threshold enters after the nominal layer is built: it only fills the threshold array.
    traced_threshold = isinstance(hidden.threshold, jax.Array)
    params = layer_lif_params(
        role,
        connectivity_key,
        encoder=hidden.encoder,
        parameters=CoreParameters(threshold=1.0 if traced_threshold else hidden.threshold),
        rule=hidden.connection_rule,
        n_hidden=hidden.n_hidden,
        chip=DYNAPSE1 if simulated else None,
    )
    if traced_threshold:
        params = params.replace(threshold=jnp.full_like(params.threshold, hidden.threshold))
    mismatched = isinstance(hidden.mismatch, jax.Array) or hidden.mismatch != 0
    return apply_mismatch(params, mismatch_key, hidden.mismatch) if simulated and mismatched else params


@struct.dataclass
class ChipLayer:
    """A hidden layer on the real chip: its index () int32 among the open session's layers."""

    layer: jax.Array


@struct.dataclass
class HiddenNetworkState:
    """Hidden layer and encoder state, and the filtered counts s_bar (H,)."""

    hidden: HiddenState
    readout_trace: jax.Array


@struct.dataclass
class HiddenOutput:
    """One step: spike counts (H,) (``spikes``, for rasters) and the filtered counts s_bar (H,)."""

    spikes: jax.Array
    readout_trace: jax.Array


def _initial_state(hidden: FixedHiddenLayerConfig, n_generators: int, key: jax.Array) -> HiddenNetworkState:
    from snnrl.core.population import init_encoder_state
    from snnrl.hardware.lif import init_lif_state

    return HiddenNetworkState(
        hidden=HiddenState(
            lif=init_lif_state(n_generators, hidden.n_hidden),
            encoder=init_encoder_state(key, n_generators, hidden.encoder),
        ),
        readout_trace=jnp.zeros((hidden.n_hidden,)),
    )


def _hidden_step(
    hidden: FixedHiddenLayerConfig, params: HiddenLIFParams | ChipLayer, state: HiddenNetworkState, rates: jax.Array
):
    encoder, spikes_in = encode_step(state.hidden.encoder, rates, hidden.encoder, hidden.spike_mode)
    if isinstance(params, ChipLayer):
        lif_state, counts = state.hidden.lif, chip_hidden_step(params.layer, spikes_in, hidden.n_hidden)
    else:
        lif_state, counts = lif_agent_step(params, state.hidden.lif, spikes_in)
    readout_trace = hidden.count_decay * state.readout_trace + (1.0 - hidden.count_decay) * counts
    return HiddenNetworkState(HiddenState(lif=lif_state, encoder=encoder), readout_trace), HiddenOutput(
        counts, readout_trace
    )


@struct.dataclass
class ReadoutWeights:
    """The learnable weights of the readout-only agent: readout (A, H)."""

    readout: jax.Array


@struct.dataclass
class NeuromorphicAgent:
    """Fixed hidden-layer parameters and the learnable readout."""

    hidden: HiddenLIFParams | ChipLayer
    weights: ReadoutWeights


@dataclass(frozen=True)
class NeuromorphicAgentConfig:
    """Readout-only agent (docs/science.md; docs/presets.md): logits beta R s_bar clipped above at logit_clip (the code
    filters 5 x the counts and reads out without a factor: the same logits and gradients); Adam (eps
    adam_eps) at learning_rate, or dreaming_learning_rate for every update of a run that dreams,
    multiplied by lr_decay from every lr_decay_updates-th optimizer step on; trace_decay is the policy
    trace's gamma; readout_std: std of the initial readout. Values of the neuromorphic code
    (src/optimizer.py: eps 1e-5, x0.99 every 10000 steps; readout init N(0, 0.1); config.ini: alpha_rout
    0.004, annotated "0.002 (dreaming)": one rate for all updates of a run). dreaming_learning_rate None:
    learning_rate in every run."""

    hidden: FixedHiddenLayerConfig = field(default_factory=FixedHiddenLayerConfig)
    n_inputs: int = static("an array shape", 4)
    n_actions: int = static("an array shape", 3)
    beta: float = 5.0
    logit_clip: float | None = 50.0
    trace_decay: float = 0.998
    learning_rate: float = 0.004
    dreaming_learning_rate: float | None = 0.002
    adam_eps: float = 1e-5
    lr_decay: float = 0.99
    lr_decay_updates: int = 10000
    readout_std: float = 0.1

    def __post_init__(self) -> None:
        owner = "NeuromorphicAgentConfig"
        check_instance(owner, "hidden", self.hidden, FixedHiddenLayerConfig)
        for name in ("n_inputs", "n_actions"):
            check_integer(owner, name, getattr(self, name))
        for name in ("beta", "learning_rate", "adam_eps", "lr_decay"):
            check_real(owner, name, getattr(self, name), finite=True)
        check_real(owner, "dreaming_learning_rate", self.dreaming_learning_rate, finite=True, optional=True)
        check_real(owner, "logit_clip", self.logit_clip, finite=True, above=0.0, optional=True)
        check_real(owner, "trace_decay", self.trace_decay, minimum=0.0, maximum=1.0)
        check_real(owner, "readout_std", self.readout_std, finite=True, minimum=0.0)
        check_integer(owner, "lr_decay_updates", self.lr_decay_updates, minimum=1)
        if self.n_inputs != 4 or self.n_actions != 3:
            raise ValueError(
                "the neuromorphic agent encodes the 4 Pong RAM variables and 3 actions; got "
                f"n_inputs={self.n_inputs}, n_actions={self.n_actions}"
            )
        for name in ("beta", "learning_rate", "adam_eps"):
            if not getattr(self, name) > 0:
                raise ValueError(f"NeuromorphicAgentConfig.{name} must be > 0, got {getattr(self, name)!r}")
        if self.dreaming_learning_rate is not None and not self.dreaming_learning_rate > 0:
            raise ValueError(
                "NeuromorphicAgentConfig.dreaming_learning_rate must be > 0 or None, got "
                f"{self.dreaming_learning_rate!r}"
            )
        if not 0.0 < self.lr_decay <= 1.0:
            raise ValueError(f"NeuromorphicAgentConfig.lr_decay must lie in (0, 1], got {self.lr_decay!r}")

    def replace(self, **changes) -> NeuromorphicAgentConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def init(self, key: jax.Array, hidden: HiddenLIFParams | ChipLayer | None = None) -> NeuromorphicAgent:
        """Agent with the given hidden parameters (see hidden_parameters), readout ~ N(0, readout_std^2)."""
        if hidden is None:
            raise ValueError("the neuromorphic agent needs its hidden-layer parameters (hidden_parameters(...))")
        readout = self.readout_std * jax.random.normal(key, (self.n_actions, self.hidden.n_hidden))
        return NeuromorphicAgent(hidden=hidden, weights=ReadoutWeights(readout))

    def initial_state(self, key: jax.Array) -> HiddenNetworkState:
        """Resting hidden layer, fresh encoder, zero s_bar."""
        return _initial_state(self.hidden, self.hidden.encoder.n_generators(4, with_actions=False), key)

    def step(self, agent: NeuromorphicAgent, state: HiddenNetworkState, observation: jax.Array, key: jax.Array):
        """Observation (4,) in [0, 1] -> (state, AgentStep)."""
        rates = agent_rates(observation * self.hidden.ram_scale, self.hidden.encoder)
        state, output = _hidden_step(self.hidden, agent.hidden, state, rates)
        probabilities = policy(self, agent.weights.readout, output.readout_trace)
        action = jax.random.categorical(key, jnp.log(probabilities + 1e-30))
        return state, AgentStep(action, probabilities, output)

    def gradients(
        self, agent: NeuromorphicAgent, network: HiddenOutput, actions, probabilities, rewards
    ) -> ReadoutWeights:
        """Policy-gradient readout update (exact gradient of -J). Fields of network (T, H)."""
        return ReadoutWeights(
            eprop.policy_readout_gradient(
                network.readout_trace, actions, probabilities, rewards, self.beta, self.trace_decay
            )
        )

    def optimizer(self, dreaming: bool = False, learning_rate_scale: float = 1.0) -> optax.GradientTransformation:
        """Adam with the code's stepwise learning-rate decay; ``dreaming``: the run dreams (its rate is
        dreaming_learning_rate when set); learning_rate_scale multiplies the rate."""
        rate = (
            self.dreaming_learning_rate if dreaming and self.dreaming_learning_rate is not None else self.learning_rate
        )
        return optax.adam(
            stepwise_decay(rate * learning_rate_scale, self.lr_decay, self.lr_decay_updates), eps=self.adam_eps
        )


@struct.dataclass
class ReadoutPairWeights:
    """The learnable weights of the readout-only world model: state (D, H) and reward (1, H) readouts."""

    readout_state: jax.Array
    readout_reward: jax.Array


@struct.dataclass
class NeuromorphicWorldModel:
    """Fixed hidden-layer parameters and the learnable readouts."""

    hidden: HiddenLIFParams | ChipLayer
    weights: ReadoutPairWeights


@dataclass(frozen=True)
class NeuromorphicWorldModelConfig(WorldModelTargets):
    """Readout-only world model (docs/science.md; docs/presets.md): the targets and readouts of WorldModelTargets
    on a fixed hidden layer. The encoder sees the observation in RAM units (hidden.ram_scale); the readouts predict
    the change in target units (raw RAM bytes in the neuromorphic code). Defaults: the code's readout
    Adams (eps 1e-5, x0.99 every 10000 steps)."""

    hidden: FixedHiddenLayerConfig = field(default_factory=FixedHiddenLayerConfig)
    lr_decay: float = 0.99

    def __post_init__(self) -> None:
        super().__post_init__()
        check_instance("NeuromorphicWorldModelConfig", "hidden", self.hidden, FixedHiddenLayerConfig)

    def init(self, key: jax.Array, hidden: HiddenLIFParams | ChipLayer | None = None) -> NeuromorphicWorldModel:
        """World model with the given hidden parameters and zero readouts."""
        if hidden is None:
            raise ValueError("the neuromorphic world model needs its hidden-layer parameters (hidden_parameters(...))")
        n = self.hidden.n_hidden
        return NeuromorphicWorldModel(hidden, ReadoutPairWeights(jnp.zeros((self.n_state, n)), jnp.zeros((1, n))))

    def initial_state(self, key: jax.Array) -> HiddenNetworkState:
        """Resting hidden layer, fresh encoder, zero s_bar."""
        return _initial_state(self.hidden, self.hidden.encoder.n_generators(4, with_actions=True), key)

    def step(self, model: NeuromorphicWorldModel, state: HiddenNetworkState, observation: jax.Array, action: jax.Array):
        """Observation (4,) and action () -> (state, WorldModelStep)."""
        rates = world_model_rates(observation * self.hidden.ram_scale, action, self.hidden.encoder)
        state, output = _hidden_step(self.hidden, model.hidden, state, rates)
        delta = model.weights.readout_state @ output.readout_trace
        reward = (model.weights.readout_reward @ output.readout_trace)[0]
        return state, WorldModelStep(delta, reward, output)

    def _gradients(self, readout_trace: jax.Array, error: jax.Array) -> ReadoutPairWeights:
        """Readout gradients from s_bar (T, H) and errors (T, D + 1) in target units."""
        gradient = eprop.supervised_readout_gradient(readout_trace, error, self.cost)
        return ReadoutPairWeights(gradient[:-1], gradient[-1:])

    def step_gradients(self, model, trace, step: WorldModelStep, delta_target_value, reward_target, reward_event=False):
        """This step's readout gradients (no trace is needed: the hidden layer does not learn); reward_event (()
        bool): the step's raw reward is nonzero (its reward error weighs reward_event_weight)."""
        error = jnp.concatenate([delta_target_value - step.delta, (reward_target - step.reward)[None]])
        error = self.weigh_reward_error(error, reward_event)
        return trace, self._gradients(step.network.readout_trace[None], error[None])

    def episode_gradients(self, model, network: HiddenOutput, error: jax.Array) -> ReadoutPairWeights:
        """The game's readout gradients. network fields (T, H); error (T, D + 1) in target units."""
        return self._gradients(network.readout_trace, error)

    def trace_init(self) -> None:
        """No online trace for a readout-only model."""
        return None

    def optimizer(self) -> optax.GradientTransformation:
        """Adam per readout."""
        return grouped_optimizer(
            {"state": self.adam(self.lr_state), "reward": self.adam(self.lr_reward)},
            ReadoutPairWeights(readout_state="state", readout_reward="reward"),
        )

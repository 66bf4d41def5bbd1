"""The agent: a recurrent LIF network with a softmax policy readout, learning by policy-gradient e-prop.

pi = softmax(beta * R s_bar) over the actions; the gradients (episode form, one product per game) are
those of -sum_t G[t] log pi(a[t]) with G the returns discounted by ``trace_decay`` (docs/science.md,
"e-prop"). ``AgentConfig`` implements ``snnrl.models.protocol.AgentNetwork``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import jax
import jax.numpy as jnp
import optax
from flax import struct

from snnrl.core import eprop, lif
from snnrl.core.checks import check_array, check_flag, check_instance, check_integer, check_real
from snnrl.core.fields import static
from snnrl.core.lif_config import LIFConfig
from snnrl.core.optim import grouped_optimizer, summed, zero_diagonal_after_update

AGENT_DIAGONALS = ("zero_after_update", "zero")


@dataclass(frozen=True)
class AgentConfig:
    """Agent constants. Defaults are the official code's values (docs/science.md, "What the official codes
    compute"; docs/presets.md).

    beta: policy inverse temperature. trace_decay: gamma of the discounted policy trace. readout_std:
    std of the initial policy readout. learning_rate / adam_eps: Adam on recurrent and readout weights.
    readout_plain_step: the official code's extra plain step of 0.001 x the accumulated readout update.
    beta_in_gradient: False = the official update, whose learning signal is onehot(a) - pi without the
    factor beta that the exact gradient of log pi carries; True = the exact gradient (with Adam the two
    differ only through eps). logit_clip: logits beta R s_bar are clipped above at this value (None: no
    clip; the neuromorphic code clips at 50). recurrent_diagonal: 'zero_after_update' = W is drawn with
    self-connections, which are set to 0 after every optimizer step (official code); 'zero' = no
    self-connections ever (zero at init, gradient's diagonal dropped).
    """

    lif: LIFConfig = field(default_factory=lambda: LIFConfig(tau_readout=1.0))
    n_inputs: int = static("an array shape", 4)
    n_actions: int = static("an array shape", 3)
    beta: float = 5.0
    trace_decay: float = 0.998
    readout_std: float = 0.1
    learning_rate: float = 1e-3
    adam_eps: float = 1e-5
    readout_plain_step: float = 1e-3
    beta_in_gradient: bool = False
    logit_clip: float | None = None
    recurrent_diagonal: str = "zero_after_update"

    def __post_init__(self) -> None:
        check_instance("AgentConfig", "lif", self.lif, LIFConfig)
        for name in ("n_inputs", "n_actions"):
            check_integer("AgentConfig", name, getattr(self, name), minimum=1)
        for name in ("beta", "learning_rate", "adam_eps", "trace_decay", "readout_plain_step"):
            check_real("AgentConfig", name, getattr(self, name))
        check_real("AgentConfig", "readout_std", self.readout_std, finite=True, minimum=0.0)
        check_real("AgentConfig", "logit_clip", self.logit_clip, finite=True, above=0.0, optional=True)
        check_flag("AgentConfig", "beta_in_gradient", self.beta_in_gradient)
        for name in ("beta", "learning_rate", "adam_eps"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"AgentConfig.{name} must be a finite number > 0, got {value!r}")
        if not 0.0 <= self.trace_decay <= 1.0:
            raise ValueError(f"AgentConfig.trace_decay must lie in [0, 1], got {self.trace_decay!r}")
        if not (math.isfinite(self.readout_plain_step) and self.readout_plain_step >= 0):
            raise ValueError(f"AgentConfig.readout_plain_step must be >= 0, got {self.readout_plain_step!r}")
        if self.recurrent_diagonal not in AGENT_DIAGONALS:
            raise ValueError(
                f"AgentConfig.recurrent_diagonal={self.recurrent_diagonal!r} is unknown; allowed: "
                f"{list(AGENT_DIAGONALS)}"
            )

    def replace(self, **changes) -> AgentConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    # The AgentNetwork interface (snnrl.models.protocol) that the algorithms call.
    def init(self, key: jax.Array, hidden=None) -> Agent:
        """A fresh agent (``hidden`` is unused: the recurrent agent draws its own weights)."""
        return init_agent(key, self)

    def initial_state(self, key: jax.Array) -> lif.LIFState:
        """Network state at a game start (the key is unused: LIF dynamics are deterministic)."""
        return lif.init_state(self.lif)

    def step(self, agent: Agent, state: lif.LIFState, observation: jax.Array, key: jax.Array):
        """See ``agent_step``."""
        return agent_step(self, agent, state, observation, key)

    def gradients(self, agent: Agent, network, actions, probabilities, rewards) -> AgentWeights:
        """See ``agent_gradients``."""
        return agent_gradients(self, agent, network, actions, probabilities, rewards)

    def optimizer(self, dreaming: bool = False, learning_rate_scale: float = 1.0) -> optax.GradientTransformation:
        """See ``agent_optimizer`` (``dreaming`` is unused: one learning rate for every run)."""
        return agent_optimizer(self, learning_rate_scale)


@struct.dataclass
class AgentWeights:
    """Learnable weights: w_rec (N, N) post x pre, readout (A, N)."""

    w_rec: jax.Array
    readout: jax.Array


@struct.dataclass
class Agent:
    """One agent realization: fixed input weights w_in (N, D) and learnable weights."""

    w_in: jax.Array
    weights: AgentWeights


@struct.dataclass
class AgentStep:
    """One step's action (), probabilities (A,) and network output (LIFOutput, fields (N,))."""

    action: jax.Array
    probabilities: jax.Array
    network: lif.LIFOutput


def init_agent(key: jax.Array, config: AgentConfig) -> Agent:
    """Random agent: w_in ~ N(0, w_in_std^2), W ~ N(0, 1/N) (self-connections until the first update with
    'zero_after_update'), R ~ N(0, readout_std^2)."""
    key_in, key_rec, key_out = jax.random.split(key, 3)
    n = config.lif.n_neurons
    return Agent(
        w_in=config.lif.w_in_std * jax.random.normal(key_in, (n, config.n_inputs)),
        weights=AgentWeights(
            w_rec=lif.init_recurrent_weights(key_rec, config.lif, zero_diagonal=config.recurrent_diagonal == "zero"),
            readout=config.readout_std * jax.random.normal(key_out, (config.n_actions, n)),
        ),
    )


def policy(config: AgentConfig, readout: jax.Array, readout_trace: jax.Array) -> jax.Array:
    """softmax(beta R s_bar), logits clipped above at logit_clip if set (as the neuromorphic code does).
    readout (A, N), readout_trace (..., N) -> (..., A)."""
    logits = config.beta * readout_trace @ readout.T
    if config.logit_clip is not None:
        logits = jnp.minimum(logits, config.logit_clip)
    return jax.nn.softmax(logits, axis=-1)


def agent_step(
    config: AgentConfig, agent: Agent, state: lif.LIFState, observation: jax.Array, key: jax.Array
) -> tuple[lif.LIFState, AgentStep]:
    """Feed observation (D,), sample an action. Returns new state and AgentStep. ValueError naming
    ``observation`` if its shape is not (n_inputs,) or, when concrete, it holds NaN/inf."""
    check_array("observation", observation, (config.n_inputs,))
    params = lif.LIFParams(agent.weights.w_rec, config.lif)
    state, output = lif.lif_step(params, state, agent.w_in @ observation)
    probabilities = policy(config, agent.weights.readout, output.readout_trace)
    action = jax.random.categorical(key, jnp.log(probabilities + 1e-30))
    return state, AgentStep(action, probabilities, output)


def agent_gradients(
    config: AgentConfig,
    agent: Agent,
    network: lif.LIFOutput,
    actions: jax.Array,
    probabilities: jax.Array,
    rewards: jax.Array,
) -> AgentWeights:
    """Episode-form policy-gradient e-prop. network: LIFOutput with fields (T, N); actions (T,);
    probabilities (T, A); rewards (T,). Returns gradients of -J (divided by beta unless beta_in_gradient;
    diagonal of w_rec zeroed with recurrent_diagonal 'zero')."""
    record = eprop.EpisodeRecord(network.pseudo_derivative, network.eligibility, network.readout_trace)
    gradients = eprop.policy_gradients_episode(
        record,
        agent.weights.readout,
        actions,
        probabilities,
        rewards,
        _gradient_beta(config),
        config.trace_decay,
        config.lif.alpha_readout,
        config.lif.filter_eligibility,
    )
    w_rec = gradients.w_rec
    if config.recurrent_diagonal == "zero":
        w_rec = w_rec * (1.0 - jnp.eye(config.lif.n_neurons, dtype=w_rec.dtype))
    return AgentWeights(w_rec=w_rec, readout=gradients.readout)


def _gradient_beta(config: AgentConfig) -> float:
    return config.beta if config.beta_in_gradient else 1.0


def agent_optimizer(config: AgentConfig, learning_rate_scale: float = 1.0) -> optax.GradientTransformation:
    """Adam (lr, eps) on both groups, plus the official plain step of readout_plain_step x the
    accumulated readout update (gradients carry beta only with beta_in_gradient: divided out there);
    with 'zero_after_update' the recurrent weights' diagonal is set to 0 after every step.
    learning_rate_scale multiplies both steps (updates from simulated experience)."""
    adam = optax.adam(config.learning_rate * learning_rate_scale, eps=config.adam_eps)
    plain = optax.sgd(learning_rate_scale * config.readout_plain_step / _gradient_beta(config))
    # A swept (traced) plain step keeps the summed form (a step of 0 adds nothing).
    readout = (
        summed(adam, plain) if isinstance(config.readout_plain_step, jax.Array) or config.readout_plain_step else adam
    )
    recurrent = (
        optax.chain(adam, zero_diagonal_after_update()) if config.recurrent_diagonal == "zero_after_update" else adam
    )
    return grouped_optimizer(
        {"recurrent": recurrent, "readout": readout}, AgentWeights(w_rec="recurrent", readout="readout")
    )

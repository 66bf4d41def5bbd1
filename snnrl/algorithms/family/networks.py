"""Policy, value and Q networks for the RL algorithms: a spiking LIF network (snnrl.core.lif, recurrent or
feed-forward, rate or membrane readout) and an MLP behind one interface, so one loop can compare them.

    net = make_network(NetworkConfig(kind="lif"), obs_shape=(4,), n_out=2)
    params = net.init(key)
    state = net.initial_state()
    state, out, cost = net.apply(params, state, obs)        # out (n_out,), cost: spikes and SynOps

One call of ``apply`` is one decision: the observation drives the LIF neurons as a constant input current
for ``n_substeps`` LIF steps (input weights ``w_in`` and bias ``b_in`` trained with the rest). Readouts:
``rate`` = R @ (spike count / n_substeps); ``membrane`` = R @ the readout trace at the last substep
(the membrane of leaky, non-spiking readout neurons with time constant ``tau_readout``, carried across
decisions). The LIF state is carried from decision to decision; callers reset it with the episode
(``reset_where``). Cost per decision: ``spikes`` = hidden spikes; ``synops`` = spikes times their fan-out
(N recurrent targets when recurrent, plus n_out readout targets); the observation enters as a dense
current and is not counted. The MLP reports 0 spikes and its multiply-accumulates as ``synops``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from snnrl.core.checks import check_flag, check_integer, check_real
from snnrl.core.lif import LIFParams, LIFState, init_state, lif_step
from snnrl.core.lif_config import LIFConfig
from snnrl.core.pseudo_derivatives import PseudoDerivativeSpec

KINDS = ("lif", "mlp")
READOUTS = ("rate", "membrane")


@dataclass(frozen=True)
class NetworkConfig:
    """kind: 'lif' or 'mlp'. n_hidden: neurons (LIF) or units per hidden layer (MLP, 2 layers, tanh).
    LIF only: recurrent, readout ('rate' | 'membrane'), n_substeps (LIF steps per decision), tau_m,
    tau_readout (ms, dt = 1), v_th (threshold; reset subtracts it), w_in_std / w_rec_std (init std times
    1/sqrt(fan-in)), b_in / b_in_std (mean and std of the initial input bias: about half the neurons
    fire tonically at zero input, so the readouts see spikes for every observation), surrogate ('sigmoid' |
    'triangle') and its width,
    detach_reset (stop the gradient through the reset term)."""

    kind: str = "lif"
    n_hidden: int = 64
    recurrent: bool = True
    readout: str = "rate"
    n_substeps: int = 4
    tau_m: float = 4.0
    tau_readout: float = 4.0
    v_th: float = 1.0
    w_in_std: float = 2.0
    w_rec_std: float = 0.5
    b_in: float = 1.0
    b_in_std: float = 0.5
    surrogate: str = "sigmoid"
    surrogate_width: float = 0.5
    detach_reset: bool = True
    out_std: float = 0.1

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"NetworkConfig.kind must be one of {KINDS}, got {self.kind!r}")
        if self.readout not in READOUTS:
            raise ValueError(f"NetworkConfig.readout must be one of {READOUTS}, got {self.readout!r}")
        check_integer("NetworkConfig", "n_hidden", self.n_hidden, minimum=1)
        check_integer("NetworkConfig", "n_substeps", self.n_substeps, minimum=1)
        for name in ("tau_m", "tau_readout", "v_th", "surrogate_width"):
            check_real("NetworkConfig", name, getattr(self, name), above=0.0)
        for name in ("w_in_std", "w_rec_std", "out_std", "b_in_std"):
            check_real("NetworkConfig", name, getattr(self, name), minimum=0.0)
        check_real("NetworkConfig", "b_in", self.b_in, finite=True)
        check_flag("NetworkConfig", "recurrent", self.recurrent)
        check_flag("NetworkConfig", "detach_reset", self.detach_reset)
        PseudoDerivativeSpec(self.surrogate, width=self.surrogate_width)

    def lif_config(self) -> LIFConfig:
        """The core's LIF constants for this network (v_rest 0, v_init 0, reset by -v_th, no spike filter)."""
        return LIFConfig(
            n_neurons=self.n_hidden,
            dt=1.0,
            tau_m=self.tau_m,
            tau_s=1e-3,
            tau_readout=self.tau_readout,
            v_rest=0.0,
            v_th=self.v_th,
            w_res=-self.v_th,
            v_init=0.0,
            pseudo_derivative=PseudoDerivativeSpec(self.surrogate, width=self.surrogate_width),
            filter_eligibility=True,
        )


class Cost(NamedTuple):
    """Spiking cost of one decision (scalars; batched by vmap): hidden spikes and synaptic operations."""

    spikes: jax.Array
    synops: jax.Array


def observation_size(obs_shape: tuple[int, ...]) -> int:
    """Number of inputs of a flattened observation; ValueError for shapes a network cannot take."""
    if not isinstance(obs_shape, tuple) or not all(isinstance(d, int) and d >= 1 for d in obs_shape):
        raise ValueError(f"observation shape must be a tuple of positive ints (any rank), got {obs_shape!r}")
    return max(1, math.prod(obs_shape))


@dataclass(frozen=True)
class Network:
    """A network bound to its input size and number of outputs (see the module docstring)."""

    config: NetworkConfig
    obs_size: int
    n_out: int

    def init(self, key: jax.Array) -> dict[str, jax.Array]:
        """Random parameters: dict of arrays (w_in (N, D), b_in (N,), [w_rec (N, N)], w_out (O, N), b_out (O,))
        for the LIF network; (w1, b1, w2, b2, w_out, b_out) for the MLP."""
        c, d, o = self.config, self.obs_size, self.n_out
        keys = jax.random.split(key, 4)
        if c.kind == "mlp":
            h = c.n_hidden
            return {
                "w1": jax.random.normal(keys[0], (h, d)) * math.sqrt(2.0 / d),
                "b1": jnp.zeros(h),
                "w2": jax.random.normal(keys[1], (h, h)) * math.sqrt(2.0 / h),
                "b2": jnp.zeros(h),
                "w_out": jax.random.normal(keys[2], (o, h)) * c.out_std,
                "b_out": jnp.zeros(o),
            }
        n = c.n_hidden
        params = {
            "w_in": jax.random.normal(keys[0], (n, d)) * c.w_in_std / math.sqrt(d),
            "b_in": c.b_in + c.b_in_std * jax.random.normal(keys[3], (n,)),
            "w_out": jax.random.normal(keys[2], (o, n)) * c.out_std,
            "b_out": jnp.zeros(o),
        }
        if c.recurrent:
            w_rec = jax.random.normal(keys[1], (n, n)) * c.w_rec_std / math.sqrt(n)
            params["w_rec"] = w_rec * (1.0 - jnp.eye(n))
        return params

    @property
    def stateful(self) -> bool:
        """Whether a decision depends on the ones before it (LIF networks carry a state; the MLP does not)."""
        return self.config.kind != "mlp"

    def initial_state(self) -> LIFState | jax.Array:
        """Episode-start state: the LIF state (fields (N,)), or an empty (0,) array for the MLP."""
        if self.config.kind == "mlp":
            return jnp.zeros((0,))
        return init_state(self.config.lif_config())

    def currents(self, params: dict, obs: jax.Array) -> jax.Array:
        """Input current of one decision, (N,): w_in @ flat(obs) + b_in."""
        return params["w_in"] @ jnp.reshape(obs, (-1,)).astype(jnp.float32) + params["b_in"]

    def lif_params(self, params: dict) -> LIFParams:
        """The core's LIFParams (zero recurrent weights for a feed-forward network)."""
        n = self.config.n_hidden
        return LIFParams(w_rec=params.get("w_rec", jnp.zeros((n, n))), config=self.config.lif_config())

    def apply(
        self, params: dict, state: Any, obs: jax.Array, *, detach_recurrent: bool = False
    ) -> tuple[Any, jax.Array, Cost]:
        """One decision: (new state, outputs (n_out,), Cost). obs: one observation of the bound shape.
        detach_recurrent=True stops the gradient through the fed-back spikes (e-prop's gradient)."""
        c = self.config
        x = jnp.reshape(obs, (-1,)).astype(jnp.float32)
        if c.kind == "mlp":
            h = jnp.tanh(params["w1"] @ x + params["b1"])
            h = jnp.tanh(params["w2"] @ h + params["b2"])
            macs = jnp.float32(self.obs_size * c.n_hidden + c.n_hidden**2 + c.n_hidden * self.n_out)
            return state, params["w_out"] @ h + params["b_out"], Cost(jnp.float32(0.0), macs)
        lif = self.lif_params(params)
        current = self.currents(params, x)

        def substep(carry, _):
            new, out = lif_step(lif, carry, current, detach_recurrent=detach_recurrent, detach_reset=c.detach_reset)
            return new, out.spikes

        state, spikes = jax.lax.scan(substep, state, None, length=c.n_substeps)
        features = spikes.mean(axis=0) if c.readout == "rate" else state.readout_trace
        count = spikes.sum()
        fan_out = (c.n_hidden if c.recurrent else 0) + self.n_out
        return state, params["w_out"] @ features + params["b_out"], Cost(count, count * fan_out)

    def reset_where(self, done: jax.Array, state: Any) -> Any:
        """``state`` with the episode-start state where ``done`` (a scalar bool; vmap for batches)."""
        fresh = self.initial_state()
        return jax.tree.map(lambda f, s: jnp.where(done, f, s), fresh, state)

    def apply_sequence(
        self, params: dict, state: Any, obs: jax.Array, starts: jax.Array, *, detach_recurrent: bool = False
    ) -> tuple[Any, jax.Array, Cost]:
        """Scan ``apply`` over a sequence of one environment: obs (T, *obs_shape), starts (T,) bool (the
        state is reset before step t where an episode starts at t). Returns (final state, outputs
        (T, n_out), Cost with fields (T,)); jax.grad through it is BPTT with the surrogate gradient. A network
        without state (the MLP) takes the whole sequence in one batched call instead of a scan over time
        (2-2.4x PPO's steps/s, benchmarks/RESULTS.md "Against the tools researchers would use instead")."""
        if not self.stateful:
            outs, costs = jax.vmap(lambda o: self.apply(params, state, o)[1:])(obs)
            return state, outs, costs

        def step(carry, inputs):
            o, start = inputs
            carry = self.reset_where(start, carry)
            carry, out, cost = self.apply(params, carry, o, detach_recurrent=detach_recurrent)
            return carry, (out, cost)

        state, (outs, costs) = jax.lax.scan(step, state, (obs, starts))
        return state, outs, costs


def make_network(config: NetworkConfig, obs_shape: tuple[int, ...], n_out: int) -> Network:
    """A Network for observations of ``obs_shape`` (flattened) and ``n_out`` outputs."""
    check_integer("make_network", "n_out", n_out, minimum=1)
    return Network(config, observation_size(tuple(obs_shape)), n_out)

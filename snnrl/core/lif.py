"""Recurrent LIF network in discrete time (docs/science.md, "LIF network") as a pure step function over pytrees.

Order of one step t (the official code's order; the papers' ``s[t+1] = H(v[t])`` names the same spike):

    e[t]  = a_m e[t-1] + (1-a_m) s_hat[t-1]                      presynaptic eligibility, O(N)
    v[t]  = a_m v[t-1] + (1-a_m)(W s_hat[t-1] + I[t] + v_rest) + w_res s[t-1]
    s[t]  = H(v[t] - v_th)        p[t] = pseudo-derivative(v[t] - v_th)
    s_hat[t] = a_s s_hat[t-1] + (1-a_s) s[t]                     recurrent spike filter
    s_bar[t] = a_r s_bar[t-1] + (1-a_r) s[t]                     readout filter

e[t] is d v[t] / d W_ij (per presynaptic j) with the gradient stopped through the spikes, so the
e-prop update of W_ij pairs the postsynaptic p_i[t] with e_j[t]. One realization per call; batch with
``jax.vmap``; time with ``lax.scan`` (see ``run``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import struct

from snnrl.core.checks import check_array
from snnrl.core.lif_config import LIFConfig
from snnrl.core.spike import spike


@struct.dataclass
class LIFState:
    """State of one network after step t-1. All fields (N,)."""

    v: jax.Array
    spikes: jax.Array
    spikes_filtered: jax.Array
    readout_trace: jax.Array
    eligibility: jax.Array


@struct.dataclass
class LIFOutput:
    """What step t emits. All fields (N,): spikes s[t], readout trace s_bar[t], pseudo-derivative p[t],
    presynaptic eligibility e[t], membrane v[t]."""

    spikes: jax.Array
    readout_trace: jax.Array
    pseudo_derivative: jax.Array
    eligibility: jax.Array
    v: jax.Array


@struct.dataclass
class LIFParams:
    """Recurrent weights (N_post, N_pre) and the network's constants (static)."""

    w_rec: jax.Array
    config: LIFConfig = struct.field(pytree_node=False)


def init_state(config: LIFConfig, dtype=None) -> LIFState:
    """Game-start state: v = v_init, all spikes and traces zero. Fields (N,), of JAX's default float
    type unless ``dtype`` is given (float64 under ``jax.enable_x64``, as the parity tests run)."""
    zeros = jnp.zeros((config.n_neurons,), dtype)
    return LIFState(
        v=jnp.full((config.n_neurons,), config.v_init, dtype),
        spikes=zeros,
        spikes_filtered=zeros,
        readout_trace=zeros,
        eligibility=zeros,
    )


def init_recurrent_weights(key: jax.Array, config: LIFConfig, zero_diagonal: bool = True, dtype=None) -> jax.Array:
    """W ~ N(0, recurrent_std^2), diagonal zeroed unless ``zero_diagonal`` is False (the official code
    draws its networks' W with self-connections). Shape (N, N), (post, pre)."""
    n = config.n_neurons
    weights = config.recurrent_std * jax.random.normal(key, (n, n), dtype)
    return weights * (1.0 - jnp.eye(n, dtype=weights.dtype)) if zero_diagonal else weights


def lif_step(
    params: LIFParams,
    state: LIFState,
    current: jax.Array,
    *,
    detach_recurrent: bool = False,
    detach_reset: bool = False,
) -> tuple[LIFState, LIFOutput]:
    """One time step. current: input I[t] (N,). detach_recurrent=True stops the gradient through the
    fed-back spikes (the e-prop approximation); False gives full BPTT through the surrogate.
    detach_reset=True stops it through the reset term only: with the official w_res = -100 the reset's
    surrogate gradient grows by up to |w_res| p per step, so full BPTT overflows within ~100 steps.
    Returns (new state, LIFOutput with fields (N,)). ValueError naming ``current`` if its shape is not the
    membrane potential's (no silent broadcast of a (1,) current) or, when concrete, it holds NaN/inf."""
    check_array("current", current, jnp.shape(state.v))
    config = params.config
    a_m, a_s, a_r = config.alpha_m, config.alpha_s, config.alpha_readout
    previous_spikes, previous_filtered = state.spikes, state.spikes_filtered
    if detach_recurrent or detach_reset:
        previous_spikes = jax.lax.stop_gradient(previous_spikes)
    if detach_recurrent:
        previous_filtered = jax.lax.stop_gradient(previous_filtered)
    eligibility = a_m * state.eligibility + (1.0 - a_m) * jax.lax.stop_gradient(previous_filtered)
    v = (
        a_m * state.v
        + (1.0 - a_m) * (params.w_rec @ previous_filtered + current + config.v_rest)
        + config.w_res * previous_spikes
    )
    distance = v - config.v_th
    spikes = spike(distance, config.pseudo_derivative)
    pseudo = config.pseudo_derivative(jax.lax.stop_gradient(distance))
    spikes_filtered = a_s * previous_filtered + (1.0 - a_s) * spikes
    readout_trace = a_r * state.readout_trace + (1.0 - a_r) * spikes
    new_state = LIFState(v, spikes, spikes_filtered, readout_trace, eligibility)
    return new_state, LIFOutput(spikes, readout_trace, pseudo, eligibility, v)


def run(
    params: LIFParams,
    state: LIFState,
    currents: jax.Array,
    *,
    detach_recurrent: bool = False,
    detach_reset: bool = False,
) -> tuple[LIFState, LIFOutput]:
    """Scan ``lif_step`` over time. currents: (T, N). Returns final state and LIFOutput with fields (T, N).
    Raises ValueError naming the argument for mismatched shapes or NaN/inf currents (checked eagerly)."""
    n = params.config.n_neurons
    check_array("params.w_rec", params.w_rec, (n, n))
    check_array("state.v", state.v, (n,))
    check_array("currents", currents, (None, n))

    def step(carry: LIFState, current: jax.Array):
        return lif_step(params, carry, current, detach_recurrent=detach_recurrent, detach_reset=detach_reset)

    return jax.lax.scan(step, state, currents)

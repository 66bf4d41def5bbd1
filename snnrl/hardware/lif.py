"""Feed-forward LIF hidden layer in discrete time: the math shared by the JAX reference and the simulated chip.

Per bin of dt (1 ms by default), for inputs i and hidden neurons j:

    trace_i  <- input_decay_i * trace_i + spikes_i              input_decay = exp(-dt / tau_syn(type of i))
    v_j      <- max(0, membrane_decay_j * v_j + gain_j * sum_i trace_i weights_ij)
    spike_j   = v_j >= threshold_j ;  v_j <- 0 where spike_j

weights = integer multiplicity * signed per-core synaptic weight of the source's type. The membrane is
floored at 0 like the chip's current-mode neurons. One agent step is ``lax.scan`` over its bins and
returns per-neuron spike counts.
"""

from __future__ import annotations

import math

import flax.struct
import jax
import jax.numpy as jnp
import numpy as np

from snnrl.hardware.chip.description import SynapseType
from snnrl.hardware.chip.spec import CoreParameters


@flax.struct.dataclass
class HiddenLIFParams:
    """weights (n_inputs, n_hidden); input_decay (n_inputs,); membrane_decay, threshold, gain (n_hidden,). float32."""

    weights: jax.Array
    input_decay: jax.Array
    membrane_decay: jax.Array
    threshold: jax.Array
    gain: jax.Array


@flax.struct.dataclass
class HiddenLIFState:
    """trace (n_inputs,) synaptic input traces; v (n_hidden,) membrane values. float32."""

    trace: jax.Array
    v: jax.Array


def effective_weights(
    multiplicity: np.ndarray, source_types: tuple[SynapseType, ...], parameters: CoreParameters
) -> np.ndarray:
    """Multiplicities (n_inputs, n_hidden) times each source type's signed weight -> float32 (n_inputs, n_hidden)."""
    per_source = np.array([parameters.signed_weight(t) for t in source_types], dtype=np.float32)
    return np.asarray(multiplicity, dtype=np.float32) * per_source[:, None]


def nominal_lif_params(
    multiplicity: np.ndarray, source_types: tuple[SynapseType, ...], parameters: CoreParameters, dt_ms: float
) -> HiddenLIFParams:
    """Parameters without mismatch: every neuron gets the core's tau_mem and threshold, gain 1."""
    n_hidden = int(np.shape(multiplicity)[1])
    tau_syn = np.array([parameters.synapse_tau_ms[t.index] for t in source_types], dtype=np.float32)
    return HiddenLIFParams(
        weights=jnp.asarray(effective_weights(multiplicity, source_types, parameters)),
        input_decay=jnp.asarray(np.exp(-dt_ms / tau_syn), dtype=jnp.float32),
        membrane_decay=jnp.full((n_hidden,), math.exp(-dt_ms / parameters.tau_mem_ms), dtype=jnp.float32),
        threshold=jnp.full((n_hidden,), parameters.threshold, dtype=jnp.float32),
        gain=jnp.ones((n_hidden,), dtype=jnp.float32),
    )


def init_lif_state(n_inputs: int, n_hidden: int) -> HiddenLIFState:
    """Resting state: all traces and membranes 0."""
    return HiddenLIFState(trace=jnp.zeros((n_inputs,), jnp.float32), v=jnp.zeros((n_hidden,), jnp.float32))


def lif_bin(
    params: HiddenLIFParams, state: HiddenLIFState, input_spikes: jax.Array
) -> tuple[HiddenLIFState, jax.Array]:
    """One bin: input spike counts (n_inputs,) -> (state, hidden spikes (n_hidden,) float32 0/1)."""
    trace = params.input_decay * state.trace + input_spikes
    v = jnp.maximum(params.membrane_decay * state.v + params.gain * (trace @ params.weights), 0.0)
    spikes = (v >= params.threshold).astype(jnp.float32)
    return HiddenLIFState(trace=trace, v=jnp.where(spikes > 0, 0.0, v)), spikes


def lif_agent_step(
    params: HiddenLIFParams, state: HiddenLIFState, input_spikes: jax.Array
) -> tuple[HiddenLIFState, jax.Array]:
    """One agent step: input spike counts (n_bins, n_inputs) -> (state, hidden spike counts (n_hidden,) float32)."""

    def one_bin(carry: HiddenLIFState, spikes_in: jax.Array) -> tuple[HiddenLIFState, jax.Array]:
        return lif_bin(params, carry, spikes_in)

    state, spikes = jax.lax.scan(one_bin, state, jnp.asarray(input_spikes, jnp.float32))
    return state, spikes.sum(axis=0)

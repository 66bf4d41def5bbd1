"""A pure-JAX hidden backend around the discrete LIF layer: nominal parameters plus optional device mismatch.

Shared by the JAX reference (``make_jax_backend``: mismatch 0, built from a spec) and the simulated chip
(``make_simulated_chip``: built from a mapped network, mismatch 20 % by default). Mismatch: each neuron's
membrane time constant, threshold and synaptic gain is multiplied by its own factor max(0.1, 1 + mismatch * z),
z ~ N(0, 1) drawn from the key given to ``init_params`` (the floor keeps parameters physical at large spreads).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import flax.struct
import jax
import jax.numpy as jnp

from snnrl.core.population import (
    SPIKE_MODES,
    EncoderState,
    PopulationCodeConfig,
    SpikeMode,
    encode_step,
    init_encoder_state,
)
from snnrl.hardware.chip.mapper import MappedNetwork
from snnrl.hardware.chip.spec import HiddenLayerSpec, integer_multiplicities
from snnrl.hardware.lif import HiddenLIFParams, HiddenLIFState, init_lif_state, lif_agent_step, nominal_lif_params

MIN_MISMATCH_FACTOR = 0.1


@flax.struct.dataclass
class HiddenState:
    """Dynamic state of a JAX hidden backend: the LIF layer and the input spike-train encoder."""

    lif: HiddenLIFState
    encoder: EncoderState


def apply_mismatch(params: HiddenLIFParams, key: jax.Array, mismatch: float) -> HiddenLIFParams:
    """Per-neuron Gaussian spread of tau_mem, threshold and gain (relative std ``mismatch``); 0 returns params."""
    tau_key, threshold_key, gain_key = jax.random.split(key, 3)
    shape = params.threshold.shape

    def factor(k: jax.Array) -> jax.Array:
        return jnp.maximum(1.0 + mismatch * jax.random.normal(k, shape, jnp.float32), MIN_MISMATCH_FACTOR)

    # decay = exp(-dt / tau), so scaling tau by f turns decay into decay ** (1 / f).
    return params.replace(
        membrane_decay=params.membrane_decay ** (1.0 / factor(tau_key)),
        threshold=params.threshold * factor(threshold_key),
        gain=params.gain * factor(gain_key),
    )


@dataclass(frozen=True, eq=False)
class LIFBackend:
    """Hidden backend over ``snnrl.hardware.lif``: see ``snnrl.hardware.backend`` for the interface.

    nominal: parameters before mismatch; mismatch: relative std (>= 0); encoder/spike_mode: how rate
    inputs become spike trains (bins_per_step bins of bin_ms, which must equal the LIF's dt).
    """

    name: str
    nominal: HiddenLIFParams
    mismatch: float
    encoder: PopulationCodeConfig
    spike_mode: SpikeMode

    def __post_init__(self) -> None:
        if not (isinstance(self.mismatch, (int, float)) and math.isfinite(self.mismatch) and self.mismatch >= 0):
            raise ValueError(f"mismatch must be a finite relative spread >= 0 (0.2 = 20 %), got {self.mismatch!r}")
        if self.spike_mode not in SPIKE_MODES:
            raise ValueError(f"spike_mode must be one of {', '.join(SPIKE_MODES)}, got {self.spike_mode!r}")

    @property
    def n_inputs(self) -> int:
        """Number of input generators."""
        return int(self.nominal.weights.shape[0])

    @property
    def n_hidden(self) -> int:
        """Number of hidden neurons."""
        return int(self.nominal.weights.shape[1])

    def init_params(self, key: jax.Array) -> HiddenLIFParams:
        """Parameters of one realization: nominal, with this realization's mismatch drawn from ``key``."""
        if self.mismatch == 0:
            return self.nominal
        return apply_mismatch(self.nominal, key, self.mismatch)

    def init(self, key: jax.Array) -> HiddenState:
        """Resting LIF layer and a fresh encoder state (key used for Poisson trains / random phases)."""
        return HiddenState(
            lif=init_lif_state(self.n_inputs, self.n_hidden),
            encoder=init_encoder_state(key, self.n_inputs, self.encoder),
        )

    def step(self, params: HiddenLIFParams, state: HiddenState, inputs: jax.Array) -> tuple[HiddenState, jax.Array]:
        """inputs (n_inputs,) rates Hz or (bins_per_step, n_inputs) spike counts -> (state, counts (n_hidden,)
        float32)."""
        inputs = jnp.asarray(inputs, jnp.float32)
        if inputs.shape == (self.n_inputs,):
            encoder, spikes = encode_step(state.encoder, inputs, self.encoder, self.spike_mode)
        elif inputs.shape == (self.encoder.bins_per_step, self.n_inputs):
            encoder, spikes = state.encoder, inputs
        else:
            raise ValueError(
                f"{self.name} backend inputs must be rates ({self.n_inputs},) or spike counts "
                f"({self.encoder.bins_per_step}, {self.n_inputs}), got shape {inputs.shape}"
            )
        lif, counts = lif_agent_step(params, state.lif, spikes)
        return HiddenState(lif=lif, encoder=encoder), counts


def make_jax_backend(
    spec: HiddenLayerSpec, encoder: PopulationCodeConfig = PopulationCodeConfig(), spike_mode: SpikeMode = "regular"
) -> LIFBackend:
    """The JAX LIF reference hidden layer for ``spec`` (n_sources inputs, n_hidden neurons): the spec's integer
    weights times its synaptic weights, no mismatch; dt = encoder.bin_ms."""
    params = nominal_lif_params(
        integer_multiplicities(spec.weights), spec.source_types, spec.parameters, encoder.bin_ms
    )
    return LIFBackend(name="jax", nominal=params, mismatch=0.0, encoder=encoder, spike_mode=spike_mode)


def make_simulated_chip(
    mapped: MappedNetwork,
    mismatch: float = 0.2,
    encoder: PopulationCodeConfig = PopulationCodeConfig(),
    spike_mode: SpikeMode = "regular",
) -> LIFBackend:
    """The simulated chip for ``mapped`` (n_sources inputs, n_hidden outputs in hidden order): the mapped
    network (integer weights rebuilt from its CAM entries, per-core synaptic weights and time constants) run by
    the discrete LIF layer, with per-neuron device mismatch: relative std of tau_mem, threshold and gain,
    drawn in ``init_params(key)`` (0.2 = 20 %)."""
    params = nominal_lif_params(mapped.multiplicity(), mapped.source_types, mapped.parameters, encoder.bin_ms)
    return LIFBackend(name="simulated", nominal=params, mismatch=mismatch, encoder=encoder, spike_mode=spike_mode)

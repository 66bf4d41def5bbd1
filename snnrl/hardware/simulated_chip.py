"""Simulated chip: the mapped network (integer weights rebuilt from its CAM entries, per-core synaptic
weights and time constants) run by the discrete LIF layer, with per-neuron device mismatch."""

from __future__ import annotations

from snnrl.core.population import PopulationCodeConfig, SpikeMode
from snnrl.hardware.chip.mapper import MappedNetwork
from snnrl.hardware.lif import nominal_lif_params
from snnrl.hardware.lif_backend import LIFBackend


def make_simulated_chip(
    mapped: MappedNetwork,
    mismatch: float = 0.2,
    encoder: PopulationCodeConfig = PopulationCodeConfig(),
    spike_mode: SpikeMode = "regular",
) -> LIFBackend:
    """Backend for ``mapped`` (n_sources inputs, n_hidden outputs in hidden order); mismatch: relative std
    of tau_mem, threshold and gain per neuron, drawn in ``init_params(key)`` (0.2 = 20 %)."""
    params = nominal_lif_params(mapped.multiplicity(), mapped.source_types, mapped.parameters, encoder.bin_ms)
    return LIFBackend(name="simulated", nominal=params, mismatch=mismatch, encoder=encoder, spike_mode=spike_mode)

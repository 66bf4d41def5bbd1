"""The JAX LIF reference hidden layer: the spec's integer weights times its synaptic weights, no mismatch."""

from __future__ import annotations

from snnrl.core.population import PopulationCodeConfig, SpikeMode
from snnrl.hardware.chip.spec import HiddenLayerSpec, integer_multiplicities
from snnrl.hardware.lif import nominal_lif_params
from snnrl.hardware.lif_backend import LIFBackend


def make_jax_backend(
    spec: HiddenLayerSpec, encoder: PopulationCodeConfig = PopulationCodeConfig(), spike_mode: SpikeMode = "regular"
) -> LIFBackend:
    """Reference backend for ``spec`` (n_sources inputs, n_hidden neurons); dt = encoder.bin_ms."""
    params = nominal_lif_params(
        integer_multiplicities(spec.weights), spec.source_types, spec.parameters, encoder.bin_ms
    )
    return LIFBackend(name="jax", nominal=params, mismatch=0.0, encoder=encoder, spike_mode=spike_mode)

"""Hardware layer: chip descriptions, fixed random connectivity, mapper, exports and hidden-layer backends.

Nothing here imports samna; only opening a board (the "dynapse1" backend or a ``Dynapse1Session``) does
(see ``samna_loader``). Several layers share one board through ``Dynapse1Session``; compiled JAX code
calls it through ``chip_bridge.chip_hidden_step`` inside ``use_session``.

Typical use (the neuromorphic agent layer of docs/science.md on the simulated chip, 10 realizations)::

    from snnrl.core.population import PopulationCodeConfig, agent_rates
    from snnrl.hardware import agent_layer_spec, make_hidden_backend

    encoder = PopulationCodeConfig()
    backend = make_hidden_backend("simulated", agent_layer_spec(seed=0), mismatch=0.2, encoder=encoder)
    keys = jax.random.split(key, 10)
    params = jax.vmap(backend.init_params)(keys)          # each realization: its own mismatch
    state = jax.vmap(backend.init)(keys)
    rates = jax.vmap(lambda x: agent_rates(x, encoder))(ram_values)   # (10, 4) -> (10, 40) Hz
    state, counts = jax.vmap(backend.step)(params, state, rates)       # counts (10, 510)

"jax" gives the reference without mismatch, "dynapse1" the real board (host-side, numpy counts).
Training runs put the hidden layers on the board with ``--backend dynapse1`` (see
``snnrl.algorithms.dreaming.hidden_layers``).

The names below are loaded on first use (PEP 562), so that importing one light module of the layer (the
samna check of ``dynapse1.samna_loader``) does not import JAX.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

# name -> the module that defines it
_EXPORTS = {
    "BACKEND_NAMES": "snnrl.hardware.backend",
    "HiddenBackend": "snnrl.hardware.backend",
    "make_hidden_backend": "snnrl.hardware.backend",
    "Connectivity": "snnrl.hardware.chip.connectivity",
    "random_connectivity": "snnrl.hardware.chip.connectivity",
    "CHIPS": "snnrl.hardware.chip.description",
    "DYNAPSE1": "snnrl.hardware.chip.description",
    "SYNAPSE_TYPES": "snnrl.hardware.chip.description",
    "ChipDescription": "snnrl.hardware.chip.description",
    "SynapseType": "snnrl.hardware.chip.description",
    "get_chip": "snnrl.hardware.chip.description",
    "load_mapped_network": "snnrl.hardware.chip.export_json",
    "save_mapped_network": "snnrl.hardware.chip.export_json",
    "MappedNetwork": "snnrl.hardware.chip.mapper",
    "MappingError": "snnrl.hardware.chip.mapper",
    "default_cores": "snnrl.hardware.chip.mapper",
    "map_hidden_layer": "snnrl.hardware.chip.mapper",
    "PAPER_AGENT_BIASES": "snnrl.hardware.chip.spec",
    "PAPER_WORLD_MODEL_BIASES": "snnrl.hardware.chip.spec",
    "BiasGroup": "snnrl.hardware.chip.spec",
    "CoreParameters": "snnrl.hardware.chip.spec",
    "HiddenLayerSpec": "snnrl.hardware.chip.spec",
    "SourceAddress": "snnrl.hardware.chip.spec",
    "hidden_layer_spec": "snnrl.hardware.chip.spec",
    "Dynapse1Backend": "snnrl.hardware.dynapse1.backend",
    "Dynapse1UnavailableError": "snnrl.hardware.dynapse1.backend",
    "chip_hidden_step": "snnrl.hardware.dynapse1.bridge",
    "use_session": "snnrl.hardware.dynapse1.bridge",
    "SamnaUnavailableError": "snnrl.hardware.dynapse1.samna_loader",
    "Dynapse1Session": "snnrl.hardware.dynapse1.session",
    "HiddenLIFParams": "snnrl.hardware.lif",
    "HiddenLIFState": "snnrl.hardware.lif",
    "HiddenState": "snnrl.hardware.lif_backend",
    "LIFBackend": "snnrl.hardware.lif_backend",
    "make_jax_backend": "snnrl.hardware.lif_backend",
    "make_simulated_chip": "snnrl.hardware.lif_backend",
    "AGENT_CORES": "snnrl.hardware.presets",
    "WORLD_MODEL_CORES": "snnrl.hardware.presets",
    "agent_layer_spec": "snnrl.hardware.presets",
    "world_model_layer_spec": "snnrl.hardware.presets",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    """The exported ``name`` (or the submodule ``name``), imported on first use."""
    if name not in _EXPORTS:
        if importlib.util.find_spec(f"{__name__}.{name}") is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        return importlib.import_module(f"{__name__}.{name}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the lazily loaded ones included."""
    return sorted({*globals(), *__all__})

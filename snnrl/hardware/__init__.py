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
"""

from snnrl.hardware.backend import BACKEND_NAMES, HiddenBackend, make_hidden_backend
from snnrl.hardware.chip.connectivity import Connectivity, random_connectivity
from snnrl.hardware.chip.description import CHIPS, DYNAPSE1, SYNAPSE_TYPES, ChipDescription, SynapseType, get_chip
from snnrl.hardware.chip.export_json import load_mapped_network, save_mapped_network
from snnrl.hardware.chip.mapper import MappedNetwork, MappingError, default_cores, map_hidden_layer
from snnrl.hardware.chip.spec import (
    PAPER_AGENT_BIASES,
    PAPER_WORLD_MODEL_BIASES,
    BiasGroup,
    CoreParameters,
    HiddenLayerSpec,
    SourceAddress,
    hidden_layer_spec,
)
from snnrl.hardware.dynapse1.backend import Dynapse1Backend, Dynapse1UnavailableError
from snnrl.hardware.dynapse1.bridge import chip_hidden_step, use_session
from snnrl.hardware.dynapse1.samna_loader import SamnaUnavailableError
from snnrl.hardware.dynapse1.session import Dynapse1Session
from snnrl.hardware.lif import HiddenLIFParams, HiddenLIFState
from snnrl.hardware.lif_backend import HiddenState, LIFBackend, make_jax_backend, make_simulated_chip
from snnrl.hardware.presets import AGENT_CORES, WORLD_MODEL_CORES, agent_layer_spec, world_model_layer_spec

__all__ = [
    "AGENT_CORES",
    "WORLD_MODEL_CORES",
    "agent_layer_spec",
    "world_model_layer_spec",
    "BACKEND_NAMES",
    "CHIPS",
    "DYNAPSE1",
    "PAPER_AGENT_BIASES",
    "PAPER_WORLD_MODEL_BIASES",
    "SYNAPSE_TYPES",
    "BiasGroup",
    "ChipDescription",
    "Connectivity",
    "CoreParameters",
    "Dynapse1Backend",
    "Dynapse1Session",
    "Dynapse1UnavailableError",
    "HiddenBackend",
    "HiddenLIFParams",
    "HiddenLIFState",
    "HiddenLayerSpec",
    "HiddenState",
    "LIFBackend",
    "MappedNetwork",
    "MappingError",
    "SamnaUnavailableError",
    "SourceAddress",
    "SynapseType",
    "default_cores",
    "get_chip",
    "hidden_layer_spec",
    "load_mapped_network",
    "make_hidden_backend",
    "make_jax_backend",
    "make_simulated_chip",
    "map_hidden_layer",
    "random_connectivity",
    "save_mapped_network",
    "chip_hidden_step",
    "use_session",
]

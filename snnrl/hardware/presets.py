"""The two fixed hidden layers of the neuromorphic dreaming study (docs/science.md), seeded.

Agent: 4 world variables x 10 generators = 40 inputs -> 510 neurons on cores (0, 0), (0, 1), FPGA
generators 1..40. World model: 40 + 3 action generators = 43 inputs -> 510 neurons on cores (0, 2),
(0, 3), generators 41..83 (distinct from the agent's, so both layers can share one board). Both: 8
NMDA slots per neuron, multiplicity 1-4, the study's bias groups.

Two forms of one layer, drawn from the same key with the same random numbers: ``layer_spec`` (NumPy,
for the mapper, the JSON export and the real chip) and ``layer_lif_params`` (JAX, jit- and vmap-able:
the parameters of the simulated chip or the JAX reference, built inside a compiled ``train``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.core.population import PopulationCodeConfig
from snnrl.hardware.chip.connectivity import (
    ConnectionRule,
    check_connectivity_arguments,
    max_fan_in,
    random_connectivity,
    random_multiplicity,
)
from snnrl.hardware.chip.description import DYNAPSE1, ChipDescription, synapse_type
from snnrl.hardware.chip.mapper import check_layer_fits
from snnrl.hardware.chip.spec import (
    PAPER_AGENT_BIASES,
    PAPER_WORLD_MODEL_BIASES,
    BiasGroup,
    CoreParameters,
    HiddenLayerSpec,
    generator_sources,
    hidden_layer_spec,
)
from snnrl.hardware.lif import HiddenLIFParams, nominal_lif_params

N_HIDDEN = 510
N_WORLD_VARIABLES = 4
AGENT_CORES: tuple[tuple[int, int], ...] = ((0, 0), (0, 1))
WORLD_MODEL_CORES: tuple[tuple[int, int], ...] = ((0, 2), (0, 3))
ROLES: tuple[str, ...] = ("agent", "world_model")
SYNAPSE = "NMDA"


def _layout(role: str, encoder: PopulationCodeConfig) -> tuple[int, int, BiasGroup]:
    """(number of generators, first generator id, bias group) of the role's layer."""
    if role not in ROLES:
        raise ValueError(f"unknown hidden-layer role {role!r}; allowed: {list(ROLES)}")
    agent_inputs = encoder.n_generators(N_WORLD_VARIABLES, with_actions=False)
    if role == "agent":
        return agent_inputs, 1, PAPER_AGENT_BIASES
    return encoder.n_generators(N_WORLD_VARIABLES, with_actions=True), 1 + agent_inputs, PAPER_WORLD_MODEL_BIASES


def layer_spec(
    role: str,
    seed: int | jax.Array,
    encoder: PopulationCodeConfig = PopulationCodeConfig(),
    parameters: CoreParameters = CoreParameters(),
    rule: ConnectionRule = "slots",
    n_hidden: int = N_HIDDEN,
) -> HiddenLayerSpec:
    """The role's ('agent' or 'world_model') hidden layer as a spec, connectivity from ``seed`` (host-side)."""
    n_inputs, first_generator_id, biases = _layout(role, encoder)
    connectivity = random_connectivity(seed, n_inputs, n_hidden, rule=rule)
    return hidden_layer_spec(connectivity, SYNAPSE, parameters, biases, first_generator_id=first_generator_id)


def agent_layer_spec(
    seed: int | jax.Array,
    encoder: PopulationCodeConfig = PopulationCodeConfig(),
    parameters: CoreParameters = CoreParameters(),
    rule: ConnectionRule = "slots",
    n_hidden: int = N_HIDDEN,
) -> HiddenLayerSpec:
    """The agent's hidden layer: (4 * n_per_variable) generators -> n_hidden neurons, connectivity from ``seed``."""
    return layer_spec("agent", seed, encoder, parameters, rule, n_hidden)


def world_model_layer_spec(
    seed: int | jax.Array,
    encoder: PopulationCodeConfig = PopulationCodeConfig(),
    parameters: CoreParameters = CoreParameters(),
    rule: ConnectionRule = "slots",
    n_hidden: int = N_HIDDEN,
) -> HiddenLayerSpec:
    """The world model's hidden layer: (4 * n_per_variable + n_actions) generators -> n_hidden neurons."""
    return layer_spec("world_model", seed, encoder, parameters, rule, n_hidden)


def layer_lif_params(
    role: str,
    key: jax.Array,
    encoder: PopulationCodeConfig = PopulationCodeConfig(),
    parameters: CoreParameters = CoreParameters(),
    rule: ConnectionRule = "slots",
    n_hidden: int = N_HIDDEN,
    chip: ChipDescription | None = DYNAPSE1,
) -> HiddenLIFParams:
    """The role's layer as nominal LIF parameters (no mismatch; dt = encoder.bin_ms), in JAX: ``key`` may
    be traced (jit, vmap). Equal to ``nominal_lif_params`` of ``layer_spec(role, key, ...)`` mapped on
    ``chip``. chip: checked first, before anything is drawn, with ``check_layer_fits`` (MappingError
    naming the limit); None for the JAX reference, which is placed on no chip. Weights (n_inputs, n_hidden)."""
    n_inputs, first_generator_id, biases = _layout(role, encoder)
    check_connectivity_arguments(n_inputs, n_hidden, rule=rule)
    sources = generator_sources(n_inputs, first_generator_id, chip or DYNAPSE1)  # checks the ids, as layer_spec does
    if chip is not None:
        check_layer_fits(sources, n_hidden, max_fan_in(rule=rule), biases, chip)
    # Per-source signed synaptic weights, tau_syn, tau_mem and threshold come from the static parameters;
    # the weights are multiplicity x signed weight in float32, the product nominal_lif_params computes.
    unit = nominal_lif_params(
        np.ones((n_inputs, n_hidden), np.int32), (synapse_type(SYNAPSE),) * n_inputs, parameters, encoder.bin_ms
    )
    multiplicity, _, _ = random_multiplicity(key, n_inputs, n_hidden, rule=rule)
    return unit.replace(weights=multiplicity.astype(jnp.float32) * unit.weights)

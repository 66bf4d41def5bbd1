"""The two fixed hidden layers of the neuromorphic dreaming study (DESIGN 1b), seeded.

Agent: 4 world variables x 10 generators = 40 inputs -> 510 neurons on cores (0, 0), (0, 1), FPGA
generators 1..40. World model: 40 + 3 action generators = 43 inputs -> 510 neurons on cores (0, 2),
(0, 3), generators 41..83 (distinct from the agent's, so both layers can share one board). Both: 8
NMDA slots per neuron, multiplicity 1-4, the study's bias groups.
"""

from __future__ import annotations

import jax

from snnrl.core.population import PopulationCodeConfig
from snnrl.hardware.connectivity import ConnectionRule, random_connectivity
from snnrl.hardware.spec import (
    PAPER_AGENT_BIASES,
    PAPER_WORLD_MODEL_BIASES,
    CoreParameters,
    HiddenLayerSpec,
    hidden_layer_spec,
)

N_HIDDEN = 510
N_WORLD_VARIABLES = 4
AGENT_CORES: tuple[tuple[int, int], ...] = ((0, 0), (0, 1))
WORLD_MODEL_CORES: tuple[tuple[int, int], ...] = ((0, 2), (0, 3))


def agent_layer_spec(seed: int | jax.Array, encoder: PopulationCodeConfig = PopulationCodeConfig(),
                     parameters: CoreParameters = CoreParameters(), rule: ConnectionRule = "slots",
                     n_hidden: int = N_HIDDEN) -> HiddenLayerSpec:
    """The agent's hidden layer: (4 * n_per_variable) generators -> n_hidden neurons, connectivity from ``seed``."""
    n_inputs = encoder.n_generators(N_WORLD_VARIABLES, with_actions=False)
    connectivity = random_connectivity(seed, n_inputs, n_hidden, rule=rule)
    return hidden_layer_spec(connectivity, "NMDA", parameters, PAPER_AGENT_BIASES, first_generator_id=1)


def world_model_layer_spec(seed: int | jax.Array, encoder: PopulationCodeConfig = PopulationCodeConfig(),
                           parameters: CoreParameters = CoreParameters(), rule: ConnectionRule = "slots",
                           n_hidden: int = N_HIDDEN) -> HiddenLayerSpec:
    """The world model's hidden layer: (4 * n_per_variable + n_actions) generators -> n_hidden neurons."""
    n_inputs = encoder.n_generators(N_WORLD_VARIABLES, with_actions=True)
    connectivity = random_connectivity(seed, n_inputs, n_hidden, rule=rule)
    first_generator_id = 1 + encoder.n_generators(N_WORLD_VARIABLES, with_actions=False)
    return hidden_layer_spec(connectivity, "NMDA", parameters, PAPER_WORLD_MODEL_BIASES,
                             first_generator_id=first_generator_id)

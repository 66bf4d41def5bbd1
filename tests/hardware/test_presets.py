"""The DESIGN 1b agent and world-model layers: sizes, generator ids, placement on one chip."""

from __future__ import annotations

import numpy as np

from snnrl.hardware.chip.mapper import map_hidden_layer
from snnrl.hardware.chip.spec import PAPER_AGENT_BIASES, PAPER_WORLD_MODEL_BIASES
from snnrl.hardware.presets import AGENT_CORES, WORLD_MODEL_CORES, agent_layer_spec, world_model_layer_spec


def test_agent_and_world_model_layers_share_one_chip_without_overlap():
    agent, model = agent_layer_spec(0), world_model_layer_spec(1)
    assert agent.weights.shape == (40, 510) and model.weights.shape == (43, 510)
    assert agent.biases == PAPER_AGENT_BIASES and model.biases == PAPER_WORLD_MODEL_BIASES
    agent_mapped = map_hidden_layer(agent, cores=AGENT_CORES)
    model_mapped = map_hidden_layer(model, cores=WORLD_MODEL_CORES)
    agent_ids = [agent_mapped.generator_id(i) for i in range(40)]
    model_ids = [model_mapped.generator_id(i) for i in range(43)]
    assert agent_ids == list(range(1, 41)) and model_ids == list(range(41, 84))
    assert {tuple(p) for p in agent_mapped.placement}.isdisjoint({tuple(p) for p in model_mapped.placement})
    np.testing.assert_array_equal(agent_layer_spec(0).weights, agent.weights)
    assert not np.array_equal(world_model_layer_spec(2).weights, model.weights)
    assert np.all(agent_layer_spec(0, rule="budget").weights.sum(axis=0) == 8)

"""NIR graphs whose values snnrl cannot run are refused with their own message, naming the node: non-finite
weights (agent, world model, hidden layer) and hidden-layer thresholds <= 0."""

from __future__ import annotations

import nir
import numpy as np
import pytest

from snnrl.interop import agent_from_nir, agent_to_nir, world_model_from_nir, world_model_to_nir
from snnrl.interop.hidden_export import hidden_layer_to_nir
from snnrl.interop.hidden_import import hidden_layer_from_nir
from tests.interop.test_nir_roundtrip import _with_node, agent_case, hidden_case, model_case


def _poisoned(weight: np.ndarray, value: float) -> np.ndarray:
    weight = np.array(weight, dtype=np.float64)
    weight.flat[0] = value
    return weight


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_an_agent_with_non_finite_weights_is_refused_naming_the_node(value):
    graph = agent_to_nir(*agent_case())
    readout = graph.nodes["readout"]
    bad = _with_node(graph, "readout", nir.Linear(weight=_poisoned(readout.weight, value)))
    with pytest.raises(ValueError, match=r"readout.weight holds 1 NaN or infinite value\(s\)"):
        agent_from_nir(bad)
    w_rec = graph.nodes["recurrent"].nodes["w_rec"]
    bad = _with_node(graph, "w_rec", nir.Linear(weight=_poisoned(w_rec.weight, value)), sub=True)
    with pytest.raises(ValueError, match=r"recurrent.w_rec.weight holds 1 NaN"):
        agent_from_nir(bad)


def test_a_world_model_with_all_nan_input_weights_is_refused():
    graph = world_model_to_nir(*model_case())
    node = graph.nodes["w_in_state"]
    bad = _with_node(graph, "w_in_state", nir.Linear(weight=np.full_like(np.asarray(node.weight), np.nan)))
    with pytest.raises(ValueError, match=r"w_in_state.weight holds \d+ NaN or infinite value\(s\)"):
        world_model_from_nir(bad)


def test_a_hidden_layer_with_non_finite_weights_or_thresholds_at_or_below_zero_is_refused(agent_spec):
    params, readout = hidden_case(agent_spec)
    graph = hidden_layer_to_nir(params, readout, neuron_model="lif")
    linear = graph.nodes["linear"]
    with pytest.raises(ValueError, match=r"linear.weight holds 1 NaN"):
        hidden_layer_from_nir(_with_node(graph, "linear", nir.Linear(weight=_poisoned(linear.weight, np.nan))))
    neurons = graph.nodes["lif"]
    for threshold in (0.0, -1.0):
        changed = nir.LIF(
            tau=neurons.tau,
            r=neurons.r,
            v_leak=neurons.v_leak,
            v_threshold=_poisoned(neurons.v_threshold, threshold),
            v_reset=neurons.v_reset,
        )
        with pytest.raises(ValueError, match=r"node 'lif' has 1 v_threshold value\(s\) <= 0"):
            hidden_layer_from_nir(_with_node(graph, "lif", changed))

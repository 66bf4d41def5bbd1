"""JSON round-trip of a mapped network and NIR round-trip through nir.read."""

from __future__ import annotations

import json

import jax
import nir
import numpy as np
import pytest

from snnrl.hardware.chip.export_json import FORMAT, load_mapped_network, mapped_network_to_dict, save_mapped_network
from snnrl.hardware.chip.mapper import map_hidden_layer
from snnrl.hardware.chip.spec import PAPER_WORLD_MODEL_BIASES, CoreParameters, hidden_layer_spec
from snnrl.hardware.dynapse1.samna_config import build_configuration, build_parameter_group
from snnrl.hardware.simulated_chip import make_simulated_chip
from snnrl.interop.hidden_export import hidden_layer_to_nir, save_nir
from tests.hardware.fake_samna import make_fake_samna


def test_json_round_trip_restores_every_field(agent_spec, tmp_path):
    mapped = map_hidden_layer(agent_spec, cores=((1, 2), (1, 3)))
    path = tmp_path / "agent.json"
    save_mapped_network(mapped, path, metadata={"connectivity_seed": 0})
    assert [p.name for p in tmp_path.iterdir()] == ["agent.json"]  # no temporary file left behind
    data = json.loads(path.read_text())
    assert data["format"] == FORMAT and data["version"] == 1
    assert data["metadata"] == {"connectivity_seed": 0}
    assert data["cores"][0] == {"chip": 1, "core": 2, "biases": {n: [c, f] for n, c, f in mapped.biases.values}}
    assert data["fpga"]["generators"][0] == {"source": 0, "generator_id": 1, "targets": [{"chip": 1, "core_mask": 12}]}
    assert data["neurons"][0]["cam"][0][2] == "NMDA"
    loaded = load_mapped_network(path)
    assert loaded.chip == mapped.chip
    assert loaded.sources == mapped.sources and loaded.source_types == mapped.source_types
    np.testing.assert_array_equal(loaded.placement, mapped.placement)
    assert all(np.array_equal(a, b) for a, b in zip(loaded.cam_entries, mapped.cam_entries, strict=True))
    assert loaded.cores == mapped.cores
    assert loaded.parameters == mapped.parameters and loaded.biases == mapped.biases
    assert json.loads(json.dumps(mapped_network_to_dict(loaded, {"connectivity_seed": 0}))) == data


def test_json_is_enough_to_rebuild_the_samna_configuration(agent_spec, tmp_path):
    mapped = map_hidden_layer(agent_spec)
    save_mapped_network(mapped, tmp_path / "agent.json")
    fake, _ = make_fake_samna()
    rebuilt = build_configuration(fake.dynapse1, load_mapped_network(tmp_path / "agent.json"))
    original = build_configuration(fake.dynapse1, mapped)
    assert rebuilt.cam_listeners() == original.cam_listeners()
    assert sum(len(v) for v in original.cam_listeners().values()) == agent_spec.weights.sum()
    group = build_parameter_group(fake.dynapse1, load_mapped_network(tmp_path / "agent.json").biases)
    assert (group.param_map["PS_WEIGHT_EXC_S_N"].coarse_value, group.param_map["PS_WEIGHT_EXC_S_N"].fine_value) == (
        5,
        47,
    )


def test_json_keeps_mixed_types_and_custom_parameters(tmp_path):
    types = ("AMPA", "NMDA", "GABA_A", "GABA_B")
    parameters = CoreParameters(tau_mem_ms=12.5, threshold=0.8, synapse_weight=(0.1, 0.2, 0.3, 0.4))
    spec = hidden_layer_spec(
        np.array([[1, 2], [0, 1], [3, 0], [1, 1]]),
        source_types=types,
        parameters=parameters,
        biases=PAPER_WORLD_MODEL_BIASES,
    )
    mapped = map_hidden_layer(spec)
    save_mapped_network(mapped, tmp_path / "m.json")
    loaded = load_mapped_network(tmp_path / "m.json")
    assert [t.value for t in loaded.source_types] == list(types)
    assert loaded.parameters == parameters and loaded.biases == PAPER_WORLD_MODEL_BIASES
    np.testing.assert_array_equal(loaded.multiplicity(), spec.weights)


def test_json_rejects_other_versions(agent_spec, tmp_path):
    data = mapped_network_to_dict(map_hidden_layer(agent_spec))
    data["version"] = 2
    path = tmp_path / "future.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="unsupported mapped-network version 2"):
        load_mapped_network(path)


def test_nir_round_trip_keeps_the_weights(agent_spec, tmp_path):
    backend = make_simulated_chip(map_hidden_layer(agent_spec), mismatch=0.2)
    params = backend.init_params(jax.random.PRNGKey(3))
    readout = np.random.default_rng(0).normal(0.0, 0.1, size=(3, 510))
    save_nir(hidden_layer_to_nir(params, readout), tmp_path / "agent.nir")
    graph = nir.read(tmp_path / "agent.nir")
    assert set(graph.nodes) == {"input", "linear", "lif", "readout", "output"}
    assert sorted(graph.edges) == sorted(
        [("input", "linear"), ("linear", "lif"), ("lif", "readout"), ("readout", "output")]
    )
    np.testing.assert_array_equal(graph.nodes["linear"].weight, np.asarray(params.weights).T)
    np.testing.assert_array_equal(graph.nodes["readout"].weight, readout)
    assert graph.metadata["dt"] == 1e-3
    lif = graph.nodes["lif"]
    assert isinstance(lif, nir.LIF)
    np.testing.assert_allclose(lif.v_threshold, params.threshold, rtol=1e-6)
    decay = np.asarray(params.membrane_decay, dtype=np.float64)
    np.testing.assert_allclose(lif.tau, -1e-3 / np.log(decay), rtol=1e-6)
    # Zero-order hold: v <- a v + (1 - a) r I equals the layer's v <- a v + gain I.
    np.testing.assert_allclose(lif.r * (1 - decay), params.gain, rtol=1e-6)
    assert np.ptp(lif.tau) > 0 and np.ptp(lif.r) > 0  # the realization's mismatch is exported
    assert [p.name for p in tmp_path.iterdir()] == ["agent.nir"]


def test_nir_cuba_lif_needs_one_synaptic_time_constant(agent_spec, tmp_path):
    params = make_simulated_chip(map_hidden_layer(agent_spec), mismatch=0.0).init_params(jax.random.PRNGKey(0))
    save_nir(hidden_layer_to_nir(params, np.ones((1, 510)), neuron_model="cuba_lif"), tmp_path / "c.nir")
    cuba = nir.read(tmp_path / "c.nir").nodes["lif"]
    assert isinstance(cuba, nir.CubaLIF)
    np.testing.assert_allclose(cuba.tau_syn, 5e-3, rtol=1e-5)  # NMDA
    np.testing.assert_allclose(cuba.w_in, 1 / (1 - np.exp(-1 / 5)), rtol=1e-6)  # each input spike adds 1 to the trace
    mixed = hidden_layer_spec(np.ones((2, 3), dtype=int), source_types=("AMPA", "NMDA"))
    mixed_params = make_simulated_chip(map_hidden_layer(mixed), mismatch=0.0).init_params(jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match="one synaptic time constant"):
        hidden_layer_to_nir(mixed_params, np.ones((1, 3)), neuron_model="cuba_lif")
    with pytest.raises(ValueError, match=r"readout must have shape \(n_outputs, 510\)"):
        hidden_layer_to_nir(params, np.ones((3, 500)))

"""The DYNAP-SE1 backend against a recording fake samna, and its fast failures without samna or a board."""

from __future__ import annotations

import sys
import time

import jax
import numpy as np
import pytest

from snnrl.core.population import PopulationCodeConfig, agent_rates, encode_step, init_encoder_state
from snnrl.hardware.backend import make_hidden_backend
from snnrl.hardware.chip.mapper import map_hidden_layer
from snnrl.hardware.dynapse1.backend import Dynapse1Backend, Dynapse1UnavailableError
from snnrl.hardware.dynapse1.samna_loader import SamnaUnavailableError, load_samna
from tests.hardware.fake_samna import Dynapse1Model, make_fake_samna


@pytest.fixture
def fake_samna(no_samna_modules, monkeypatch):
    module, board = make_fake_samna()
    monkeypatch.setitem(sys.modules, "samna", module)
    return module, board


def test_construction_follows_the_design_call_sequence(fake_samna, agent_spec):
    _, board = fake_samna
    backend = Dynapse1Backend(map_hidden_layer(agent_spec), wait=lambda seconds: None)
    names = [name for name, _ in board.calls]
    assert names == [
        "device.get_unopened_devices",
        "device.open_device",
        "model.apply_configuration",
        "model.update_parameter_group",
        "model.update_parameter_group",
        "model.get_fpga_spike_gen",
        "fpga.set_variable_isi_mode",
        "fpga.set_isi_multiplier",
        "fpga.set_repeat_mode",
        "graph.sequential",
        "select.set_neurons",
        "graph.start",
    ]
    calls = dict(board.calls)
    assert calls["fpga.set_variable_isi_mode"] == (True,)
    assert calls["fpga.set_isi_multiplier"] == (900,)
    assert calls["fpga.set_repeat_mode"] == (True,)
    assert calls["select.set_neurons"] == (510,)
    assert [args for name, args in board.calls if name == "model.update_parameter_group"] == [(0, 0), (0, 1)]
    group = board.parameter_groups[(0, 0)].param_map
    assert (group["PS_WEIGHT_EXC_S_N"].coarse_value, group["PS_WEIGHT_EXC_S_N"].fine_value) == (5, 47)
    assert (group["IF_TAU1_N"].coarse_value, group["IF_TAU1_N"].fine_value) == (3, 150)
    board.calls.clear()
    backend.close()
    assert [name for name, _ in board.calls] == ["fpga.stop", "graph.stop", "device.close_device"]
    assert board.closed


def test_configuration_holds_the_mapped_cam_entries(fake_samna, agent_spec):
    _, board = fake_samna
    mapped = map_hidden_layer(agent_spec)
    Dynapse1Backend(mapped, wait=lambda seconds: None)
    neuron = board.config.chips[0].cores[1].neurons[1]  # hidden neuron 255
    written = [(s.listen_core_id, s.listen_neuron_id, s.syn_type) for s in neuron.synapses.items.values()]
    expected = [(int(c), int(n), "NMDA") for c, n, _ in mapped.cam_entries[255]]
    assert written == expected
    assert 0 not in board.config.chips[0].cores[0].neurons.items  # neuron 0 stays unused


def test_step_preloads_events_and_counts_spikes_per_hidden_neuron(fake_samna, agent_spec):
    _, board = fake_samna
    waited = []
    backend = Dynapse1Backend(map_hidden_layer(agent_spec), wait=waited.append)
    spikes = np.zeros((10, 40), dtype=np.float32)
    spikes[0, 3] = 1
    spikes[4, 3] = 2
    spikes[7, 21] = 1
    board.calls.clear()
    state, counts = backend.step(backend.init_params(None), backend.init(jax.random.PRNGKey(0)), spikes)
    assert [name for name, _ in board.calls] == [
        "fpga.stop",
        "sink.get_events",
        "fpga.preload_stimulus",
        "fpga.start",
        "sink.get_events",
    ]
    assert dict(board.calls)["fpga.preload_stimulus"] == (4,)  # 4 spikes, every generator on chip 0 only
    assert waited == [pytest.approx(0.010)]
    expected = spikes.sum(axis=0) @ agent_spec.weights
    np.testing.assert_array_equal(counts, expected)
    assert counts.dtype == np.float32 and counts.shape == (510,)
    events = backend.session._generator.stimulus
    assert [e.neuron_id for e in events] == [4, 4, 4, 22]  # generator ids start at 1
    assert all(e.target_chip == 0 for e in events)
    assert sum(e.isi for e in events) == 1000  # repeat period: 10 ms in 10 µs units
    assert [e.isi for e in events[1:]] == [400, 50, 250]


def test_rate_inputs_use_the_shared_regular_encoder(fake_samna, agent_spec):
    backend = Dynapse1Backend(map_hidden_layer(agent_spec), wait=lambda seconds: None)
    config = PopulationCodeConfig()
    rates = np.asarray(agent_rates(np.array([120.0, 90.0, 60.0, 150.0]), config))
    state = backend.init(jax.random.PRNGKey(0))
    reference_state = init_encoder_state(jax.random.PRNGKey(0), 40, config)
    for _ in range(3):
        state, counts = backend.step((), state, rates)
        reference_state, spikes = encode_step(reference_state, rates, config)
        np.testing.assert_array_equal(counts, np.asarray(spikes).sum(axis=0) @ agent_spec.weights)
    assert counts.sum() > 0


def test_factory_builds_the_chip_backend_on_the_given_cores(fake_samna, agent_spec):
    _, board = fake_samna
    backend = make_hidden_backend("dynapse1", agent_spec, cores=((0, 2), (0, 3)), wait=lambda seconds: None)
    assert isinstance(backend, Dynapse1Backend)
    assert [args for name, args in board.calls if name == "model.update_parameter_group"] == [(0, 2), (0, 3)]


def test_missing_board_is_a_clear_fast_error(no_samna_modules, monkeypatch, agent_spec):
    module, _ = make_fake_samna(n_boards=0)
    monkeypatch.setitem(sys.modules, "samna", module)
    start = time.perf_counter()
    with pytest.raises(Dynapse1UnavailableError, match="no unopened DYNAP-SE1 board"):
        Dynapse1Backend(map_hidden_layer(agent_spec))
    assert time.perf_counter() - start < 1.0


def test_missing_samna_fails_in_under_a_second(no_samna_modules, monkeypatch, agent_spec):
    monkeypatch.setattr(sys, "path", [p for p in sys.path if "site-packages" not in p or "snnrl" in p])
    start = time.perf_counter()
    with pytest.raises(SamnaUnavailableError, match="samna is not installed"):
        make_hidden_backend("dynapse1", agent_spec)
    assert time.perf_counter() - start < 1.0
    assert "samna" not in sys.modules


def test_pypi_stub_is_refused_without_being_imported(no_samna_modules, monkeypatch, tmp_path):
    package = tmp_path / "samna"
    package.mkdir()
    marker = tmp_path / "imported"
    (package / "__init__.py").write_text(
        f"import pathlib, time\npathlib.Path({str(marker)!r}).write_text('x')\ntime.sleep(50)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    start = time.perf_counter()
    with pytest.raises(SamnaUnavailableError, match="PyPI stub"):
        load_samna()
    assert time.perf_counter() - start < 1.0
    assert not marker.exists()
    assert "samna" not in sys.modules


def test_a_compiled_samna_with_dynapse1_is_accepted(no_samna_modules, monkeypatch, tmp_path):
    package = tmp_path / "samna"
    (package / "dynapse1").mkdir(parents=True)
    (package / "__init__.py").write_text("from . import dynapse1\n")
    (package / "dynapse1" / "__init__.py").write_text("KIND = 'fake'\n")
    (package / "_samna.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = load_samna()
    assert module.dynapse1.KIND == "fake"


def test_a_samna_without_dynapse1_is_refused(no_samna_modules, monkeypatch):
    module, _ = make_fake_samna()
    del module.dynapse1
    monkeypatch.setitem(sys.modules, "samna", module)
    with pytest.raises(SamnaUnavailableError, match="no dynapse1"):
        load_samna()


def test_device_is_closed_when_configuration_fails(fake_samna, agent_spec, monkeypatch):
    _, board = fake_samna

    def broken(self, config):
        raise RuntimeError("USB transfer failed")

    monkeypatch.setattr(Dynapse1Model, "apply_configuration", broken)
    with pytest.raises(RuntimeError, match="USB transfer failed"):
        Dynapse1Backend(map_hidden_layer(agent_spec), wait=lambda seconds: None)
    assert board.closed

"""One DYNAP-SE1 session for several layers, and the chip inside compiled JAX code, against the fake samna
(whose toy chip counts a neuron's input spikes times their multiplicity)."""

from __future__ import annotations

import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.hardware.chip.mapper import MappingError, map_hidden_layer
from snnrl.hardware.dynapse1.bridge import active_session, chip_hidden_step, use_session
from snnrl.hardware.dynapse1.session import Dynapse1Session
from snnrl.hardware.presets import AGENT_CORES, WORLD_MODEL_CORES, agent_layer_spec, world_model_layer_spec
from tests.hardware.fake_samna import make_fake_samna


@pytest.fixture
def fake_board(no_samna_modules, monkeypatch):
    module, board = make_fake_samna()
    monkeypatch.setitem(sys.modules, "samna", module)
    return board


def _agent_and_model(seed: int = 0):
    return [
        map_hidden_layer(agent_layer_spec(seed), cores=AGENT_CORES),
        map_hidden_layer(world_model_layer_spec(seed + 1), cores=WORLD_MODEL_CORES),
    ]


def _spikes(rng: np.random.Generator, n_sources: int) -> np.ndarray:
    return rng.integers(0, 2, size=(10, n_sources)).astype(np.float32) * (rng.random((10, n_sources)) < 0.1)


def test_agent_and_world_model_share_one_board(fake_board):
    layers = _agent_and_model()
    session = Dynapse1Session(layers, wait=lambda seconds: None)
    names = [name for name, _ in fake_board.calls]
    assert names.count("device.open_device") == 1 and names.count("model.apply_configuration") == 1
    assert [args for name, args in fake_board.calls if name == "model.update_parameter_group"] == [
        (0, 0),
        (0, 1),
        (0, 2),
        (0, 3),
    ]
    assert dict(fake_board.calls)["select.set_neurons"] == (1020,)
    rng = np.random.default_rng(0)
    agent_in, model_in = _spikes(rng, 40), _spikes(rng, 43)
    counts = session.step({0: agent_in, 1: model_in})
    np.testing.assert_array_equal(counts[0], agent_in.sum(0) @ layers[0].multiplicity())
    np.testing.assert_array_equal(counts[1], model_in.sum(0) @ layers[1].multiplicity())
    # Stepping the agent alone: the world model keeps its last input (its events are preloaded too),
    # and only the agent's counts come back.
    fake_board.calls.clear()
    new_agent_in = _spikes(rng, 40)
    counts = session.step({0: new_agent_in})
    assert list(counts) == [0]
    np.testing.assert_array_equal(counts[0], new_agent_in.sum(0) @ layers[0].multiplicity())
    expected_events = int(new_agent_in.sum() + model_in.sum())  # each generator targets one chip
    assert dict(fake_board.calls)["fpga.preload_stimulus"] == (expected_events,)
    session.close()
    assert fake_board.closed


def test_layers_on_one_core_or_bad_input_are_refused(fake_board):
    agent = map_hidden_layer(agent_layer_spec(0), cores=AGENT_CORES)
    with pytest.raises(MappingError, match="layers 0 and 1 both use chip 0 core 0"):
        Dynapse1Session([agent, map_hidden_layer(world_model_layer_spec(1), cores=AGENT_CORES)])
    assert not fake_board.calls  # refused before the board was touched
    session = Dynapse1Session([agent], wait=lambda seconds: None)
    with pytest.raises(ValueError, match=r"layer index 3 is out of range: this session holds 1 layer"):
        session.step({3: np.zeros((10, 40))})
    with pytest.raises(ValueError, match=r"layer 0 input must be spike counts of shape \(10, 40\)"):
        session.step({0: np.zeros((10, 43))})


def test_vmapped_chip_steps_are_one_board_step_for_all_realizations(fake_board):
    layers = [map_hidden_layer(agent_layer_spec(seed), cores=((seed, 0), (seed, 1))) for seed in range(3)]
    rng = np.random.default_rng(1)
    spikes = np.stack([_spikes(rng, 40) for _ in layers])

    @jax.jit
    def two_steps(layer_ids, spikes):
        step = jax.vmap(lambda layer, s: chip_hidden_step(layer, s, 510))
        return step(layer_ids, spikes), step(layer_ids, 2 * spikes)

    with Dynapse1Session(layers, wait=lambda seconds: None) as session, use_session(session):
        fake_board.calls.clear()
        first, second = two_steps(jnp.arange(3), jnp.asarray(spikes))
        jax.block_until_ready(second)
    assert [name for name, _ in fake_board.calls].count("fpga.start") == 2  # two board steps, not six
    for r, layer in enumerate(layers):
        np.testing.assert_array_equal(first[r], spikes[r].sum(0) @ layer.multiplicity())
        np.testing.assert_array_equal(second[r], 2 * spikes[r].sum(0) @ layer.multiplicity())


def test_chip_step_without_an_open_session_names_the_fix():
    with pytest.raises(RuntimeError, match="needs an open DYNAP-SE1 session"):
        active_session()
    with pytest.raises(RuntimeError, match="use_session"):
        jax.jit(lambda s: chip_hidden_step(0, s, 510))(jnp.zeros((10, 40)))

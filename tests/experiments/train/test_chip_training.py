"""Training with the hidden layers on a DYNAP-SE1 board (the fake samna's toy chip): the same runner, CLI and
results folder as the simulated chip, one board session for the agents and world models of all realizations."""

from __future__ import annotations

import json
import sys

import jax
import numpy as np
import pytest

from snnrl.algorithms.dreaming.hidden_layers import board_layers, chip_roles
from snnrl.experiments.config.experiment import preset
from snnrl.experiments.config.overrides import apply_overrides
from snnrl.experiments.run.runner import run_experiment
from snnrl.experiments.train import realization_keys
from snnrl.hardware.chip.mapper import MappingError
from tests.hardware.fake_samna import make_fake_samna


@pytest.fixture
def fake_board(monkeypatch):
    for name in [n for n in sys.modules if n == "samna" or n.startswith("samna.")]:
        monkeypatch.delitem(sys.modules, name)
    module, board = make_fake_samna()
    monkeypatch.setitem(sys.modules, "samna", module)
    return board


def chip_config(realizations: int = 2, games: int = 2, **hidden):
    config = apply_overrides(
        preset("neuromorphic"),
        env="pong",
        games=games,
        realizations=realizations,
        chunk_games=1,
        **{"backend": "dynapse1", **hidden},
    )
    return config.replace(algorithm=config.algorithm.replace(awake_steps=6, agent_learning_start=0).with_dream(steps=3))


def test_a_board_holds_four_realizations_of_the_study(fake_board):
    algorithm = chip_config().algorithm
    assert chip_roles(algorithm) == ("agent", "world_model")
    layers = board_layers(algorithm, realization_keys(0, 4))
    assert [layer.cores for layer in layers[:2]] == [((0, 0), (0, 1)), ((0, 2), (0, 3))]
    assert [layer.cores for layer in layers[-2:]] == [((3, 0), (3, 1)), ((3, 2), (3, 3))]
    with pytest.raises(MappingError, match="5 realizations do not fit on one dynapse1 board.*at most 4"):
        board_layers(algorithm, realization_keys(0, 5))
    assert not fake_board.calls


def test_chip_layers_have_the_simulated_runs_connectivity():
    from snnrl.algorithms.dreaming.hidden_layers import hidden_layer_parameters

    keys = realization_keys(3, 2)
    chip = board_layers(chip_config().algorithm, keys)
    simulated = hidden_layer_parameters(chip_config(backend="simulated", mismatch=0.0).algorithm, keys)
    weights = np.asarray(simulated[0].weights)[1]  # realization 1's agent: multiplicity x one synapse's weight
    np.testing.assert_allclose(weights / weights[weights > 0].min(), chip[2].multiplicity(), rtol=1e-6)


def test_a_chip_run_trains_with_one_board_session(fake_board, tmp_path):
    summary = run_experiment(chip_config(), tmp_path / "run", show_progress=False)
    names = [name for name, _ in fake_board.calls]
    assert names.count("device.open_device") == 1 and names.count("device.close_device") == 1
    assert names[-1] == "device.close_device"
    assert [args for name, args in fake_board.calls if name == "model.update_parameter_group"] == [
        (0, 0),
        (0, 1),
        (0, 2),
        (0, 3),
        (1, 0),
        (1, 1),
        (1, 2),
        (1, 3),
    ]
    assert names.count("fpga.start") > 2 * (6 + 6)  # every agent and model step of both games went to the board
    assert summary["games"] == 2 and summary["realizations"] == 2
    with np.load(tmp_path / "run" / "metrics.npz") as metrics:
        assert np.isfinite(metrics["game_return"]).all() and metrics["game_return"].shape == (2, 2)
    stored = json.loads((tmp_path / "run" / "config.json").read_text())["experiment"]
    assert stored["algorithm"]["agent"]["hidden"]["backend"] == "dynapse1"
    # The readouts learned from the board's counts.
    from snnrl.experiments.run.runner import load_state, read_config

    learners = load_state(read_config(tmp_path / "run"), tmp_path / "run").learners
    assert np.asarray(learners.agent.hidden.layer).tolist() == [0, 2]
    assert float(jax.numpy.abs(learners.world_model.weights.readout_state).sum()) > 0


@pytest.mark.parametrize("mode", ["plan", "none"])
def test_planning_and_the_baseline_run_on_the_board(fake_board, tmp_path, mode):
    config = chip_config(realizations=1, games=1)
    config = config.replace(algorithm=config.algorithm.replace(mode=mode, n_fut=2))
    summary = run_experiment(config, tmp_path / "run", show_progress=False)
    board_steps = [name for name, _ in fake_board.calls].count("fpga.start")
    # 6 real steps of agent and world model (the agent alone in the baseline: the neuromorphic code's
    # baseline builds no world model); planning adds 2 look-ahead steps of both every 4 real steps.
    assert board_steps == {"none": 6, "plan": 12 + 2 * 2 * 2}[mode]
    assert summary["games"] == 1


def test_a_chip_run_without_samna_fails_fast_with_the_install_hint(monkeypatch, tmp_path):
    for name in [n for n in sys.modules if n == "samna" or n.startswith("samna.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if "site-packages" not in p or "snnrl" in p])
    from snnrl.hardware.dynapse1.samna_loader import SamnaUnavailableError

    with pytest.raises(SamnaUnavailableError, match="samna is not installed"):
        run_experiment(chip_config(), tmp_path / "run", show_progress=False)
    assert not (tmp_path / "run" / "checkpoint.npz").exists()

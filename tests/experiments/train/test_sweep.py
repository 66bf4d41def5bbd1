"""Hyper-parameter sweeps as vmapped axes (``--sweep``): every member of the one compiled program computes
what a separate run with its grid point's values computes; bad sweeps are refused, naming the field,
before anything compiles; diverging grid points are recorded while the others go on."""

from __future__ import annotations

import json

import jax
import numpy as np
import pytest
from typer.testing import CliRunner

from snnrl.cli import app
from snnrl.experiments.config import sweep_axes
from snnrl.experiments.config.configure import with_sweep
from snnrl.experiments.config.sweep_axes import SweepAxis, parse_sweep
from snnrl.experiments.run.runner import run_experiment
from snnrl.experiments.run.sweep_results import sweep_table
from snnrl.experiments.train import init_learners, make_environment, make_train, member_keys
from snnrl.experiments.train.members import check_sweep_traceable
from tests.experiments.conftest import TINY_ENV, tiny_config


def sweep_config(**changes):
    config = tiny_config(games=3, **changes)
    return with_sweep(config, ["agent.learning_rate=1e-3,4e-3", "dream.lr_scale=2"])


def test_every_member_equals_the_run_of_its_grid_point():
    config = sweep_config()
    assert (config.grid_points, config.members) == (2, 4)
    learners, metrics = make_train(config)(jax.random.key(config.seed))
    assert metrics.game_return.shape == (4, 3)
    for point, (rate, scale) in enumerate(sweep_axes.grid_values(config.sweep)):
        agent = config.algorithm.agent.replace(learning_rate=float(rate))
        single = config.replace(
            sweep=(), algorithm=config.algorithm.replace(agent=agent).with_dream(lr_scale=float(scale))
        )
        alone_learners, alone = make_train(single)(jax.random.key(config.seed))
        members = slice(point * config.realizations, (point + 1) * config.realizations)
        np.testing.assert_array_equal(np.asarray(metrics.game_return[members]), np.asarray(alone.game_return))
        np.testing.assert_allclose(
            np.asarray(learners.agent.weights.readout[members]),
            np.asarray(alone_learners.agent.weights.readout),
            rtol=1e-5,
            atol=1e-6,
        )
    # The grid points differ: the swept values reach the learning rules.
    readouts = np.asarray(learners.agent.weights.readout).reshape(2, config.realizations, -1)
    assert not np.allclose(readouts[0], readouts[-1])


@pytest.mark.parametrize("batch", [2, 3])  # one grid point at a time; batches that leave a remainder
def test_members_computed_in_batches_equal_one_vmap_over_all(batch):
    config = sweep_config()
    learners, metrics = make_train(config)(jax.random.key(config.seed))
    batched_learners, batched = make_train(config.replace(member_batch=batch))(jax.random.key(config.seed))
    np.testing.assert_array_equal(np.asarray(batched.game_return), np.asarray(metrics.game_return))
    np.testing.assert_array_equal(np.asarray(batched.model_state_error), np.asarray(metrics.model_state_error))
    np.testing.assert_allclose(
        np.asarray(batched_learners.agent.weights.readout),
        np.asarray(learners.agent.weights.readout),
        rtol=1e-6,
        atol=1e-7,
    )


def test_bad_member_batches_are_refused_naming_the_field(tmp_path):
    with pytest.raises(ValueError, match="member_batch"):
        tiny_config(member_batch=0)
    with pytest.raises(ValueError, match="member_batch=2 batches .* stepped from the host"):
        run_experiment(tiny_config(env="ale:pong", member_batch=2), tmp_path / "run", show_progress=False)
    assert not (tmp_path / "run" / "config.json").exists()


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("agent.learnin_rate=1e-3,2e-3", "unknown config key"),
        ("agent.learning_rate=", "gives no values"),
        ("agent.learning_rate=fast,slow", "is not a number"),
        ("agent.learning_rate", "must read FIELD=v1,v2"),
        ("dream.steps=10,20", "loop length"),
        ("agent.lif.n_neurons=10,20", "array shape"),
        ("games=10,20", "only fields of the algorithm"),
        ("mode=1,2", "not a number"),
        ("agent_learning_start=1.5,3", "holds integers"),
        ("agent.learning_rate=-1,1e-3", "learning_rate=-1: AgentConfig.learning_rate must be"),
        ("agent.learning_rate=1e-3,1e-3", "repeats a value"),
    ],
)
def test_bad_sweeps_are_refused_naming_the_field(assignment, message):
    with pytest.raises(ValueError, match=message):
        with_sweep(tiny_config(), [assignment])


def test_a_field_given_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        parse_sweep(["agent.beta=1,2", "agent.beta=3"])


def test_a_field_used_as_a_fixed_value_is_named_before_compiling(monkeypatch):
    # Without the static fields' metadata, tracing the game finds that dream.steps cannot vary.
    monkeypatch.setattr(sweep_axes, "static_reason", lambda owner, name: None)
    config = tiny_config().replace(sweep=(SweepAxis("algorithm.dream.steps", (5.0, 10.0)),))
    env, env_params = make_environment(config)
    with pytest.raises(ValueError, match="cannot sweep 'algorithm.dream.steps': the compiled game uses it as a fixed"):
        check_sweep_traceable(config, env, env_params)


def test_a_diverging_grid_point_is_recorded_and_the_others_go_on(tmp_path):
    config = with_sweep(tiny_config(games=4), ["agent.learning_rate=1e-3,1e38"])
    summary = run_experiment(config, tmp_path / "run", show_progress=False)
    points = summary["sweep"]["points"]
    assert [p["diverged"] for p in points] == [0, 2]
    assert points[0]["final_mean"] is not None and points[1]["final_mean"] is None
    assert summary["games"] == 4
    assert "1e+38" in (tmp_path / "run" / "sweep.csv").read_text()


def test_a_sweep_over_a_host_stepped_environment_is_refused_before_writing(tmp_path):
    config = with_sweep(tiny_config(env="ale:pong"), ["agent.beta=3,5"])
    with pytest.raises(ValueError, match="stepped from the host"):
        run_experiment(config, tmp_path / "run", show_progress=False)
    assert not (tmp_path / "run" / "config.json").exists()


def test_sweep_table_tests_each_point_against_the_presets_own_values():
    config = with_sweep(tiny_config(realizations=4), [f"agent.beta={tiny_config().algorithm.agent.beta},9"])
    returns = np.zeros((8, 10))
    returns[4:] = 1.0 + np.arange(4)[:, None]  # the second point is better in every realization
    table = sweep_table(config, returns, final_games=5)
    assert table["reference_point"] == 0
    assert table["points"][0]["p_vs_reference"] is None
    assert table["points"][1]["final_mean"] == pytest.approx(2.5)
    assert table["points"][1]["p_vs_reference"] < 0.05


def test_dream_length_masks_the_rest_of_the_dream():
    full = tiny_config(games=2)
    learners_short, _ = make_train(full.replace(algorithm=full.algorithm.with_dream(length=3)))(jax.random.key(0))
    learners_all, _ = make_train(full)(jax.random.key(0))
    assert not np.allclose(
        np.asarray(learners_short.agent.weights.readout), np.asarray(learners_all.agent.weights.readout)
    )
    with pytest.raises(ValueError, match="length=11 is longer than the dream"):
        full.algorithm.with_dream(length=11)


def test_cli_sweep_writes_table_and_figures_and_resume_keeps_the_grid(tmp_path):
    out = tmp_path / "sweep"
    args = ["train", "--out", str(out), "--preset", "demo", "--env", TINY_ENV, "--neurons", "20", "--games", "2"]
    args += ["--realizations", "2", "--chunk-games", "2", "--no-progress", "--sweep", "agent.beta=3,5"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (out / "figures" / "sweep_beta.png").stat().st_size > 0
    assert (out / "figures" / "returns.png").stat().st_size > 0  # a curve per grid point
    rows = (out / "sweep.csv").read_text().splitlines()
    assert rows[0].startswith("algorithm.agent.beta,final_mean") and len(rows) == 3
    stored = json.loads((out / "config.json").read_text())["experiment"]["sweep"]
    assert stored == [{"field": "algorithm.agent.beta", "values": [3.0, 5.0]}]
    from snnrl.experiments.analysis.plots import returns_figure

    labels = [text.get_text() for text in returns_figure([out], window=1).axes[1].get_yticklabels()]
    assert {label.removesuffix(" (reference)") for label in labels} == {"sweep/beta=3", "sweep/beta=5"}
    assert sum(label.endswith(" (reference)") for label in labels) == 1  # each grid point is an arm
    changed = CliRunner().invoke(
        app, ["train", "--out", str(out), "--resume", "--games", "4", "--sweep", "agent.beta=3,6"]
    )
    assert changed.exit_code == 2 and "would change its grid" in changed.output


def test_a_grid_too_large_for_memory_is_refused_naming_its_size(monkeypatch):
    from snnrl.experiments.train import memory

    config = with_sweep(tiny_config(), ["agent.learning_rate=1e-3,2e-3,3e-3", "agent.beta=1,2,3,4"])
    monkeypatch.setattr(memory, "available_bytes", lambda device: 10_000)
    with pytest.raises(ValueError, match="2 realizations x 12 grid points"):
        memory.check_learners_fit(config)


def test_the_simulated_chips_mismatch_and_threshold_sweep_in_one_program():
    from tests.experiments.train.test_jit_make_train import tiny_preset

    config = tiny_preset("neuromorphic")
    swept = with_sweep(config, ["agent.hidden.mismatch=0,0.3", "world_model.hidden.threshold=1,2"])
    learners = init_learners(swept, member_keys(swept))
    for point, (mismatch, threshold) in enumerate(sweep_axes.grid_values(swept.sweep)):
        single = config.replace(
            algorithm=sweep_axes.point_algorithm(config.algorithm, swept.sweep, (mismatch, threshold))
        )
        alone = init_learners(single, member_keys(single))
        for role in ("agent", "world_model"):
            np.testing.assert_allclose(
                np.asarray(getattr(learners, role).hidden.threshold[point]),
                np.asarray(getattr(alone, role).hidden.threshold[0]),
                rtol=1e-6,
            )
    # No mismatch leaves every agent neuron at the nominal threshold; 30 % spreads them.
    assert np.ptp(np.asarray(learners.agent.hidden.threshold[0])) == 0
    assert np.ptp(np.asarray(learners.agent.hidden.threshold[2])) > 0
    _, metrics = make_train(swept)(jax.random.key(config.seed))  # and the grid trains in one program
    assert metrics.game_return.shape == (4, 2) and np.isfinite(np.asarray(metrics.game_return)).all()

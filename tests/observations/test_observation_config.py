"""Observation settings of a run: refused before anything compiles when they cannot work, stored in
config.json, and used by the run (a projection run differs from a RAM run and repeats itself)."""

import json
import warnings

import numpy as np
import pytest

from snnrl.experiments.config.experiment import ExperimentConfig, preset
from snnrl.experiments.config.overrides import apply_overrides
from snnrl.experiments.run.runner import read_config, run_experiment
from snnrl.experiments.train import make_environment
from snnrl.observations import ObservationConfig


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"pipeline": "pixels"}, r"pipeline='pixels' is unknown; allowed: \['ram', 'projection', 'autoencoder'\]"),
        ({"pipeline": "projection", "dim": 0}, r"ObservationConfig.dim must be"),
        ({"pipeline": "projection", "variance": -1.0}, r"ObservationConfig.variance must be"),
        (
            {"pipeline": "autoencoder"},
            r"autoencoder names the saved autoencoder .* got pipeline='autoencoder', autoencoder=''",
        ),
        ({"pipeline": "ram", "autoencoder": "ae"}, r"only of it"),
    ],
)
def test_bad_observation_settings_name_the_field(changes, message):
    with pytest.raises(ValueError, match=message):
        ObservationConfig(**changes)


def test_pipelines_the_run_cannot_use_are_refused_with_the_config():
    projection = ObservationConfig(pipeline="projection")
    with pytest.raises(ValueError, match=r"renders none \(environments with frames: pong, ale:pong, ale:boxing\)"):
        ExperimentConfig(env="gymnax:CartPole-v1", observation=projection)
    with pytest.raises(ValueError, match=r"population code tiles RAM values"):
        preset("neuromorphic").replace(observation=projection)
    official = preset("official")
    with pytest.raises(ValueError, match=r"dream.start='random' assumes observations in \[0, 1\]"):
        official.replace(algorithm=official.algorithm.with_dream(start="random"), observation=projection)


def test_a_missing_autoencoder_or_rom_is_reported_before_compiling(tmp_path, monkeypatch):
    config = preset("official").replace(
        observation=ObservationConfig(pipeline="autoencoder", autoencoder=str(tmp_path))
    )
    with pytest.raises(FileNotFoundError, match=r"holds no autoencoder"):
        make_environment(config)
    import ale_py

    monkeypatch.setattr(ale_py.roms, "get_rom_path", lambda game: None)
    with pytest.raises(FileNotFoundError, match=r"ale-py has no ROM for 'boxing'"):
        make_environment(preset("official").replace(env="ale:boxing"))


def test_a_projection_run_stores_its_pipeline_repeats_itself_and_differs_from_ram(tmp_path):
    config = apply_overrides(preset("demo"), neurons=30, games=2, realizations=2, chunk_games=1)
    config = config.replace(
        algorithm=config.algorithm.replace(awake_steps=30, agent_learning_start=0).with_dream(steps=10)
    )
    projection = config.replace(observation=ObservationConfig(pipeline="projection", dim=3))
    for name, run in (("a", projection), ("b", projection), ("ram", config)):
        run_experiment(run, tmp_path / name, show_progress=False)
    assert read_config(tmp_path / "a").observation == projection.observation
    assert json.loads((tmp_path / "a" / "config.json").read_text())["experiment"]["observation"]["dim"] == 3
    assert read_config(tmp_path / "a").algorithm.agent.n_inputs == 3
    with np.load(tmp_path / "a" / "metrics.npz") as a, np.load(tmp_path / "b" / "metrics.npz") as b:
        with np.load(tmp_path / "ram" / "metrics.npz") as ram:
            np.testing.assert_array_equal(a["model_state_error"], b["model_state_error"])
            assert not np.allclose(a["model_state_error"], ram["model_state_error"])


def test_an_autoencoder_run_warns_when_the_jump_threshold_would_zero_latent_changes(tmp_path):
    import jax

    from snnrl.observations.autoencoder import AutoencoderShape, init_params, save

    shape = AutoencoderShape(hidden=(8,), latent=4)
    save(tmp_path / "ae", shape, init_params(shape, jax.random.key(0)), {})
    config = preset("official").replace(
        observation=ObservationConfig(pipeline="autoencoder", autoencoder=str(tmp_path / "ae"))
    )
    with pytest.warns(UserWarning, match=r"jump_threshold=30 sets to 0 every change .* larger than 0.118"):
        make_environment(config)
    model = config.algorithm.world_model.replace(jump_threshold=256.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env, _ = make_environment(config.replace(algorithm=config.algorithm.replace(world_model=model)))
    assert env.observation_space(None).shape == (4,)

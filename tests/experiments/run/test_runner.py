"""Results folder, make_train equivalence, resume after a kill, divergence handling."""

import json
import signal
import subprocess
import sys
import time

import jax
import numpy as np
import pytest

from snnrl.experiments.run.runner import CHECKPOINT, METRIC_NAMES, DivergenceError, run_experiment
from snnrl.experiments.train import make_train
from tests.experiments.conftest import TINY_ENV, tiny_config
from tests.experiments.run.resume import resume_equals_uninterrupted


def test_results_folder_holds_everything_and_equals_make_train(tmp_path):
    config = tiny_config()
    summary = run_experiment(config, tmp_path, show_progress=False)
    for name in ("config.json", "metrics.npz", "returns.csv", "summary.json", CHECKPOINT):
        assert (tmp_path / name).exists(), name
    stored = json.loads((tmp_path / "summary.json").read_text())
    assert stored == json.loads(json.dumps(summary))
    assert len(summary["mean_return_last50"]) == 2 and summary["games"] == 6 and summary["interactions"] == 120
    assert summary["seed"] == 0 and summary["snnrl_version"]
    with np.load(tmp_path / "metrics.npz") as metrics:
        assert set(metrics) == set(METRIC_NAMES)
        assert metrics["game_return"].shape == (2, 6)
        runner_returns = metrics["game_return"]
    _, train_metrics = make_train(config)(jax.random.key(config.seed))
    np.testing.assert_array_equal(np.asarray(train_metrics.game_return), runner_returns)
    assert json.loads((tmp_path / "config.json").read_text())["experiment"]["algorithm"]["agent"]["n_actions"] == 2


def test_same_seed_same_numbers_and_refuses_to_overwrite(tmp_path):
    config = tiny_config(games=2)
    run_experiment(config, tmp_path / "a", show_progress=False)
    run_experiment(config, tmp_path / "b", show_progress=False)
    with np.load(tmp_path / "a" / "metrics.npz") as a, np.load(tmp_path / "b" / "metrics.npz") as b:
        for name in METRIC_NAMES:
            np.testing.assert_array_equal(a[name], b[name])
    with pytest.raises(FileExistsError, match="--resume"):
        run_experiment(config, tmp_path / "a", show_progress=False)


def test_killed_run_resumes_to_the_uninterrupted_result(tmp_path):
    killed = tmp_path / "killed"
    command = [
        sys.executable,
        "-m",
        "snnrl.cli",
        "train",
        "--preset",
        "demo",
        "--env",
        TINY_ENV,
        "--neurons",
        "30",
        "--games",
        "400",
        "--chunk-games",
        "1",
        "--realizations",
        "2",
        "--seed",
        "3",
        "--out",
        str(killed),
        "--no-progress",
        "--no-figures",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline:
        if (killed / "summary.json").exists() and json.loads((killed / "summary.json").read_text())["games"] >= 3:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()
    games_at_kill = json.loads((killed / "summary.json").read_text())["games"]
    assert 3 <= games_at_kill < 400
    # Shorten the rest of the run so the test stays fast: the resumed run must equal an uninterrupted one.
    stored = json.loads((killed / "config.json").read_text())
    stored["experiment"]["games"] = games_at_kill + 4
    (killed / "config.json").write_text(json.dumps(stored))
    resumed = run_experiment(None, killed, resume=True, show_progress=False)
    from snnrl.experiments.run.runner import read_config

    reference = tmp_path / "reference"
    run_experiment(read_config(killed), reference, show_progress=False)
    with np.load(killed / "metrics.npz") as a, np.load(reference / "metrics.npz") as b:
        for name in METRIC_NAMES:
            np.testing.assert_array_equal(a[name], b[name])
    assert resumed["games"] == games_at_kill + 4


class _NaNRewardEnv:
    """Wraps a JAX env and returns NaN rewards: a diverging run."""

    def __init__(self, env):
        self._env = env

    def __getattr__(self, name):
        return getattr(self._env, name)

    def step(self, key, state, action, params):
        obs, state, reward, terminated, truncated, info = self._env.step(key, state, action, params)
        return obs, state, reward * np.nan, terminated, truncated, info


def test_divergence_names_game_and_quantity_and_keeps_the_checkpoint(tmp_path, monkeypatch):
    config = tiny_config(games=4)
    run_experiment(config.replace(games=2), tmp_path, show_progress=False)
    before = (tmp_path / CHECKPOINT).read_bytes()
    stored = json.loads((tmp_path / "config.json").read_text())
    stored["experiment"]["games"] = 4
    (tmp_path / "config.json").write_text(json.dumps(stored))
    import snnrl.envs

    real_make = snnrl.envs.make
    monkeypatch.setattr(snnrl.envs, "make", lambda name: (lambda e, p: (_NaNRewardEnv(e), p))(*real_make(name)))
    with pytest.raises(DivergenceError, match=r"the run diverged at game 2 .*game_return") as error:
        run_experiment(None, tmp_path, resume=True, show_progress=False)
    assert f"the checkpoint {tmp_path / CHECKPOINT} (games 0..1) is kept" in str(error.value)
    assert (tmp_path / CHECKPOINT).read_bytes() == before


def test_a_divergence_in_the_first_chunk_says_no_checkpoint_was_written(tmp_path, monkeypatch):
    import snnrl.envs

    real_make = snnrl.envs.make
    monkeypatch.setattr(snnrl.envs, "make", lambda name: (lambda e, p: (_NaNRewardEnv(e), p))(*real_make(name)))
    with pytest.raises(DivergenceError, match="the run diverged at game 0") as error:
        run_experiment(tiny_config(games=2), tmp_path / "run", show_progress=False)
    assert "no checkpoint was written" in str(error.value) and "is kept" not in str(error.value)
    assert not (tmp_path / "run" / CHECKPOINT).exists()


def test_nan_weights_in_a_loaded_checkpoint_are_named_as_an_input_not_a_divergence(tmp_path):
    from snnrl.experiments.run.runner import NonFiniteInputError

    run_experiment(tiny_config(games=2), tmp_path, show_progress=False)
    with np.load(tmp_path / CHECKPOINT) as stored:
        arrays = dict(stored)
    name = next(key for key in arrays if key.endswith("agent.w_in"))
    arrays[name] = np.full_like(arrays[name], np.nan)
    np.savez(tmp_path / CHECKPOINT, **arrays)
    edited = (tmp_path / CHECKPOINT).read_bytes()
    stored = json.loads((tmp_path / "config.json").read_text())
    stored["experiment"]["games"] = 4
    (tmp_path / "config.json").write_text(json.dumps(stored))
    with pytest.raises(NonFiniteInputError, match=r"the checkpoint .*checkpoint.npz holds NaN/inf in .*agent.w_in"):
        run_experiment(None, tmp_path, resume=True, show_progress=False)
    assert (tmp_path / CHECKPOINT).read_bytes() == edited


def test_a_neuromorphic_run_resumes_to_the_uninterrupted_result(tmp_path):
    from snnrl.experiments.config.experiment import preset
    from snnrl.experiments.config.overrides import apply_overrides

    config = apply_overrides(preset("neuromorphic"), env="pong", games=2, realizations=2, chunk_games=1, neurons=60)
    config = config.replace(
        algorithm=config.algorithm.replace(awake_steps=8, agent_learning_start=0).with_dream(steps=4)
    )
    resume_equals_uninterrupted(config, tmp_path)


@pytest.mark.parametrize("stored_version", ["0.1.0", "1.0.0", None])
def test_resume_refuses_a_folder_of_another_version(tmp_path, stored_version):
    # Results of the pre-fidelity presets (0.1) must never be continued or mixed with 0.2's.
    config = tiny_config(games=2)
    run_experiment(config, tmp_path, show_progress=False)
    stored = json.loads((tmp_path / "config.json").read_text())
    if stored_version is None:
        del stored["snnrl_version"]
    else:
        stored["snnrl_version"] = stored_version
    (tmp_path / "config.json").write_text(json.dumps(stored))
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    with pytest.raises(ValueError, match=r"written by snnrl .* start a new run"):
        run_experiment(None, tmp_path, resume=True, show_progress=False)
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before

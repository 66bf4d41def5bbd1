"""snnrl eval: frozen-weight games of a trained tiny agent, and the folders it refuses."""

import json
import shutil

import jax
import numpy as np
import pytest
from typer.testing import CliRunner

from snnrl.algorithms.dreaming.game import play_game
from snnrl.cli import app
from snnrl.experiments.analysis.evaluate import evaluate, evaluate_on_keys, load_run
from snnrl.experiments.run.runner import run_experiment
from snnrl.experiments.train.environment import prepare
from snnrl.experiments.train.members import member_env_params, member_keys
from tests.experiments.conftest import tiny_config


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trained")
    # A game is CartPole's first episode (no warm-up, no reset): its return, the steps the pole stood, varies.
    config = tiny_config(games=4, chunk_games=4, episode_reset=False)
    config = config.replace(algorithm=config.algorithm.replace(model_warmup_steps=0, dream_model_warmup=False))
    run_experiment(config, folder, show_progress=False)
    return folder


def _listing(folder):
    return sorted((path.name, path.stat().st_mtime_ns) for path in folder.iterdir())


def test_sampled_evaluation_is_the_training_game_with_learning_off(trained):
    config, learners = load_run(trained)
    config, env, env_params = prepare(config)
    base_keys = member_keys(config)
    game_keys = jax.vmap(lambda k: jax.vmap(lambda g: jax.random.fold_in(k, g))(np.arange(4, 9)))(base_keys)
    evaluated = np.asarray(evaluate_on_keys(config, learners, game_keys))
    expected = np.zeros_like(evaluated)
    for member in range(config.members):
        learner = jax.tree.map(lambda leaf, m=member: leaf[m], learners)
        params = member_env_params(env, env_params, base_keys[member])
        for game in range(game_keys.shape[1]):
            metrics = play_game(config.algorithm, env, params, learner, game_keys[member, game])[1]
            expected[member, game] = metrics.game_return
    np.testing.assert_array_equal(evaluated, expected)
    assert evaluated.std() > 0, "the games must differ for the comparison to mean something"


def test_evaluation_changes_no_weight_and_greedy_differs_from_sampled(trained):
    config, learners = load_run(trained)
    before = jax.tree.map(np.array, learners)
    listing = _listing(trained)
    sampled = evaluate(config, learners, jax.random.key(3), games=6)
    greedy = evaluate(config, learners, jax.random.key(3), games=6, greedy=True)
    assert sampled.shape == greedy.shape == (config.members, 6)
    jax.tree.map(np.testing.assert_array_equal, jax.tree.map(np.array, learners), before)
    _, again = load_run(trained)
    jax.tree.map(np.testing.assert_array_equal, jax.tree.map(np.array, again), before)
    assert _listing(trained) == listing
    np.testing.assert_array_equal(sampled, evaluate(config, learners, jax.random.key(3), games=6))


def _copy(trained, tmp_path, name, with_checkpoint=True):
    folder = tmp_path / name
    folder.mkdir()
    shutil.copy(trained / "config.json", folder)
    if with_checkpoint:
        shutil.copy(trained / "checkpoint.npz", folder)
    return folder


def _refused(folder, *args):
    listing = _listing(folder)
    result = CliRunner().invoke(app, ["eval", str(folder), "--games", "2", *args])
    assert result.exit_code == 2, result.output
    assert _listing(folder) == listing, "nothing may be written into a refused folder"
    return " ".join(result.output.split())


def test_a_folder_without_checkpoint_is_refused(trained, tmp_path):
    folder = _copy(trained, tmp_path, "nocheckpoint", with_checkpoint=False)
    message = _refused(folder)
    assert str(folder) in message.replace("\n", "") and "checkpoint.npz" in message


def test_a_folder_of_another_version_is_refused(trained, tmp_path):
    folder = _copy(trained, tmp_path, "old")
    stored = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**stored, "snnrl_version": "0.1.0"}))
    message = _refused(folder)
    assert "old" in message and "snnrl 0.1.0" in message


def test_an_algo_folder_is_refused(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"algorithm": "ppo", "seeds": 2, "config": {}}))
    message = _refused(tmp_path)
    assert "snnrl algo" in message and "ppo" in message


def test_an_environment_with_other_spaces_is_refused(trained):
    message = _refused(trained, "--env", "gymnax:Acrobot-v1")
    assert "trained" in message and "observation shape (6,) != the run's (4,)" in message
    assert "action count 3 != the run's 2" in message


def test_cli_writes_its_own_folder_and_prints_a_summary(trained, tmp_path):
    listing = _listing(trained)
    out = tmp_path / "evaluation"
    result = CliRunner().invoke(app, ["eval", str(trained), "--games", "3", "--greedy", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "greedy policy" in result.output and "mean return" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["games"] == 3 and summary["policy"] == "greedy"
    assert (out / "returns.csv").read_text().startswith("game,realization_0,realization_1\n")
    assert (out / "returns.png").exists()
    assert _listing(trained) == listing

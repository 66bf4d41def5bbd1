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
from snnrl.experiments.config.experiment import preset
from snnrl.experiments.config.overrides import apply_overrides
from snnrl.experiments.run.runner import run_experiment
from snnrl.experiments.train.environment import prepare
from snnrl.experiments.train.members import member_env_params, member_keys
from tests.experiments.conftest import tiny_config


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trained")
    # A game is CartPole's first episode (no warm-up, no reset): its return, the steps the pole stood, varies.
    config = tiny_config(games=4, chunk_games=4, episode_reset=False)
    config = config.replace(algorithm=config.algorithm.with_dream(model_warmup=False).replace(model_warmup_steps=0))
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


def test_an_algo_folder_is_refused_by_load_run_and_a_damaged_one_by_eval(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"algorithm": "ppo", "seeds": 2, "config": {}}))
    with pytest.raises(ValueError, match="snnrl algo.*ppo.*load_family_run"):
        load_run(tmp_path)
    message = _refused(tmp_path)
    assert str(tmp_path) in message and "snnrl algo" in message and "ppo" in message and "network" in message


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


def test_an_ale_run_evaluates_from_the_host_as_on_jax_pong(tmp_path):
    """The emulator matches JAX Pong frame by frame: the host-side evaluation plays the compiled one's games."""
    config = apply_overrides(preset("demo"), neurons=40, games=1, realizations=2, chunk_games=1)
    config = config.replace(
        algorithm=config.algorithm.with_dream(steps=20).replace(awake_steps=60, agent_learning_start=0)
    )
    run_experiment(config, tmp_path / "pong", show_progress=False)
    jax_config, learners = load_run(tmp_path / "pong")
    ale_config, _ = load_run(tmp_path / "pong", env="ale:pong")
    assert ale_config.env == "ale:pong"
    for greedy in (False, True):
        on_jax = evaluate(jax_config, learners, jax.random.key(5), games=2, greedy=greedy)
        on_ale = evaluate(ale_config, learners, jax.random.key(5), games=2, greedy=greedy)
        np.testing.assert_array_equal(on_ale, on_jax)


class _FixedStart:
    """gymnax CartPole whose every episode starts from one state (the host loop resets every emulator with
    one key); ``host=True``: stepped from the host, a batch of numpy arrays at a time."""

    def __init__(self, host: bool):
        from snnrl.envs import make

        self.env, self.params = make("gymnax:CartPole-v1")
        self.host_side = host

    def reset(self, key, params):
        _, state = self.env.reset(jax.random.key(0), self.params)
        state = state.replace(theta=jax.numpy.asarray(0.15, state.theta.dtype))  # tilted: actions decide when it falls
        observation = self.env.env.get_obs(state)
        if not self.host_side:
            return observation, state
        batch = lambda leaf: np.repeat(np.asarray(leaf)[None], params.batch_size, axis=0)  # noqa: E731
        return batch(observation), jax.tree.map(batch, state)

    def step(self, key, state, action, params):
        if not self.host_side:
            return self.env.step(key, state, action, self.params)
        result = jax.vmap(lambda k, s, a: self.env.step(k, s, a, self.params))(key, state, jax.numpy.asarray(action))
        return jax.tree.map(np.asarray, result)


def test_the_host_side_evaluation_plays_the_compiled_games(trained):
    """Action by action: CartPole's first episode (no reset) ends when the actions let the pole fall."""
    from dataclasses import dataclass
    from functools import partial

    from snnrl.experiments.analysis.evaluate import evaluate_on_host
    from snnrl.experiments.analysis.evaluate import evaluation_game as game

    @dataclass
    class HostParams:
        batch_size: int = 1

    config, learners = load_run(trained)
    keys = jax.random.split(jax.random.key(7), config.members * 3).reshape(config.members, 3)
    jax_env = _FixedStart(host=False)
    for greedy in (False, True):
        one = partial(game, config.algorithm, jax_env, None, greedy=greedy)
        on_jax = np.asarray(jax.vmap(jax.vmap(one, (None, 0)))(learners, keys))
        on_host = evaluate_on_host(config, _FixedStart(host=True), HostParams(), learners, keys, greedy)
        np.testing.assert_array_equal(on_host, on_jax)
        assert on_jax.std() > 0

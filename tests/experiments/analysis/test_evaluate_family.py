"""snnrl eval of an `snnrl algo` folder: frozen-weight episodes of a trained tiny agent, and the folders it
refuses."""

import json
import shutil

import jax
import numpy as np
import pytest
from typer.testing import CliRunner

from snnrl.algorithms.family.common import make_env
from snnrl.algorithms.family.registry import ACTING
from snnrl.cli import app
from snnrl.experiments.analysis.evaluate_family import evaluate_family, load_family_run
from snnrl.experiments.run.family import run_family


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("algo") / "reinforce"
    run_family(
        "reinforce",
        folder,
        env="gymnax:CartPole-v1",
        seeds=2,
        seed=0,
        chunks=None,
        resume=False,
        settings=["n_envs=2", "n_steps=16", "total_steps=128"],
        network=["kind=lif", "n_hidden=8"],
    )
    return folder


def _listing(folder):
    return sorted((path.name, path.stat().st_mtime_ns) for path in folder.iterdir())


def test_evaluation_changes_no_weight_and_greedy_is_deterministic(trained):
    run, params = load_family_run(trained)
    before = jax.tree.map(np.array, params)
    listing = _listing(trained)
    greedy = evaluate_family(run, params, jax.random.key(1), episodes=3, greedy=True)
    assert greedy.returns.shape == greedy.lengths.shape == (2, 3) and greedy.finished.all()
    again = evaluate_family(run, params, jax.random.key(1), episodes=3, greedy=True)
    np.testing.assert_array_equal(greedy.returns, again.returns)
    sampled = evaluate_family(run, params, jax.random.key(1), episodes=3)
    np.testing.assert_array_equal(sampled.returns, evaluate_family(run, params, jax.random.key(1), 3).returns)
    jax.tree.map(np.testing.assert_array_equal, jax.tree.map(np.array, params), before)
    _, stored = load_family_run(trained)
    jax.tree.map(np.testing.assert_array_equal, jax.tree.map(np.array, stored), before)
    assert _listing(trained) == listing


def test_a_greedy_episode_is_the_trained_networks_argmax_rollout(trained):
    """Seed 1's first greedy episode, replayed step by step outside the compiled program."""
    run, params = load_family_run(trained)
    key = jax.random.key(5)
    result = evaluate_family(run, params, key, episodes=2, greedy=True, max_steps=60)
    acting = ACTING["reinforce"](run.config)
    net, weights = acting.network, jax.tree.map(lambda x: x[1], params)
    env, env_params = make_env(run.config.env)
    episode_key = jax.random.split(key, 4)[2]  # seed 1, episode 0
    key_reset, _ = jax.random.split(episode_key)
    obs, env_state = env.reset(key_reset, env_params)
    apply, step = jax.jit(net.apply), jax.jit(env.step, static_argnums=())
    state, total, length, done = net.initial_state(), 0.0, 0, False
    while not done and length < 60:
        state, outputs, _ = apply(weights, state, obs)
        action = int(np.argmax(np.asarray(outputs)[: acting.n_actions]))
        obs, env_state, reward, terminated, truncated, _ = step(jax.random.key(0), env_state, action, env_params)
        total, length, done = total + float(reward), length + 1, bool(terminated | truncated)
    assert (result.returns[1, 0], result.lengths[1, 0], result.finished[1, 0]) == (total, length, done)


def test_cli_evaluates_an_algo_folder_into_its_own_folder(trained, tmp_path):
    listing = _listing(trained)
    out = tmp_path / "evaluation"
    result = CliRunner().invoke(app, ["eval", str(trained), "--games", "3", "--greedy", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "greedy policy · 2 seeds x 3 episodes (0 cut at the step limit) · mean return" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["algorithm"] == "reinforce" and summary["episodes"] == 3 and summary["seeds"] == 2
    assert (out / "returns.csv").read_text().startswith("episode,seed_0,seed_1\n")
    assert (out / "returns.png").stat().st_size > 1000
    assert _listing(trained) == listing


def _refused(folder, *args):
    listing = _listing(folder)
    result = CliRunner().invoke(app, ["eval", str(folder), "--games", "2", *args])
    assert result.exit_code == 2, result.output
    assert _listing(folder) == listing, "nothing may be written into a refused folder"
    return " ".join(result.output.split())


def test_bad_folders_and_environments_are_refused_naming_them(trained, tmp_path):
    message = _refused(trained, "--env", "gymnax:Acrobot-v1")
    assert "reinforce" in message and "observation shape (6,) != the run's (4,)" in message
    assert "action count 3 != the run's 2" in message
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(trained / "config.json", bare)
    message = _refused(bare)
    assert "bare" in message and "checkpoint.npz" in message
    other = tmp_path / "other"
    shutil.copytree(trained, other)
    stored = json.loads((other / "config.json").read_text())
    stored["config"]["network"]["n_hidden"] = 9  # the checkpoint's arrays no longer fit
    (other / "config.json").write_text(json.dumps(stored))
    message = _refused(other)
    assert "other" in message and "checkpoint.npz" in message

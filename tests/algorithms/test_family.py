"""The algorithm family by name, the NaN check, and the results folder of `python -m snnrl.experiments.algo_run`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jax.numpy as jnp
import numpy as np
import pytest
from typer.testing import CliRunner

from snnrl.algorithms import family
from snnrl.algorithms.common import check_finite_losses
from snnrl.algorithms.ppo import PPOConfig
from snnrl.experiments.algo_run import app

UPDATES = 5


def fake_make_train(loss: float):
    """A make_train whose train(key) returns fixed metrics (no compile), loss as given at update 3."""

    def make_train(config):
        def train(key):
            ones = jnp.ones(UPDATES)
            metrics = {
                "episode_return": jnp.arange(UPDATES, dtype=jnp.float32),
                "episode_length": ones,
                "episodes": ones,
                "env_steps": jnp.full(UPDATES, 10, jnp.int32),
                "spikes_per_decision": 2 * ones,
                "synops_per_decision": 8 * ones,
                "loss": ones.at[3].set(loss),
            }
            return {"w": jnp.zeros(2)}, metrics

        return train

    return make_train


def test_names_and_fields_are_checked():
    with pytest.raises(ValueError, match="unknown algorithm 'sac'; allowed: ppo, reinforce, actor_critic, dqn"):
        family.algorithm_config("sac")
    with pytest.raises(ValueError, match=r"PPOConfig has no field\(s\) \['epochs'\]"):
        family.algorithm_config("ppo", epochs=3)
    assert family.algorithm_config("dqn", n_envs=2).n_envs == 2


def test_nan_loss_stops_the_run_naming_the_update(monkeypatch):
    monkeypatch.setitem(family.ALGORITHMS, "ppo", (PPOConfig, fake_make_train(float("nan"))))
    with pytest.raises(FloatingPointError, match="PPOConfig: the loss became NaN or infinite at update 3"):
        family.run("ppo", PPOConfig(), __import__("jax").random.key(0), 2)
    check_finite_losses({"loss": np.ones((2, 4))}, "PPOConfig")  # finite: no error


def test_cli_writes_a_results_folder(monkeypatch, tmp_path):
    monkeypatch.setitem(family.ALGORITHMS, "ppo", (PPOConfig, fake_make_train(1.0)))
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app, ["ppo", "--out", str(out), "--seeds", "2", "--set", "lr=0.01", "--net", "kind=mlp"]
    )
    assert result.exit_code == 0, result.output
    config = json.loads((out / "config.json").read_text())
    assert config["config"]["lr"] == 0.01 and config["config"]["network"]["kind"] == "mlp"
    assert np.load(out / "metrics.npz")["episode_return"].shape == (2, UPDATES)
    rows = (out / "returns.csv").read_text().splitlines()
    assert rows[0].startswith("seed,update,env_steps,episode_return") and len(rows) == 1 + 2 * UPDATES
    assert rows[-1].split(",")[:3] == ["1", "4", "50"]
    assert json.loads((out / "summary.json").read_text())["final_return_mean"] == 4.0
    again = CliRunner().invoke(app, ["ppo", "--out", str(out)])
    assert again.exit_code == 2 and "already holds results" in again.output


def test_cli_exit_codes_for_bad_input_and_nan(monkeypatch, tmp_path):
    bad = CliRunner().invoke(app, ["ppo", "--out", str(tmp_path / "a"), "--set", "gamma=2"])
    assert bad.exit_code == 2 and "PPOConfig.gamma" in bad.output
    continuous = CliRunner().invoke(app, ["ppo", "--out", str(tmp_path / "b"), "--env", "gymnax:Pendulum-v1"])
    assert continuous.exit_code == 2 and "discrete action space" in continuous.output
    monkeypatch.setitem(family.ALGORITHMS, "ppo", (PPOConfig, fake_make_train(float("inf"))))
    nan = CliRunner().invoke(app, ["ppo", "--out", str(tmp_path / "c")])
    assert nan.exit_code == 1 and "update 3" in nan.output


SHARDED = """
import jax
from snnrl.algorithms.common import train_seeds
train = lambda key: ({"w": jax.random.normal(key, (3,))}, {"loss": jax.numpy.zeros(5)})
params, metrics = train_seeds(train, jax.random.key(0), 4)
print(metrics["loss"].shape, len(params["w"].sharding.device_set))
"""


def test_seeds_are_sharded_over_the_devices():
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=4", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run([sys.executable, "-c", SHARDED], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-3:] == ["(4,", "5)", "4"]

"""The algorithm family by name, the NaN check, and the results folder of `python -m snnrl.experiments.run.family`."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from typer.testing import CliRunner

from snnrl.algorithms.family import registry as family
from snnrl.algorithms.family.chunked import run_chunked
from snnrl.algorithms.family.common import TrainParts, check_finite_losses, compose
from snnrl.algorithms.family.networks import NetworkConfig
from snnrl.algorithms.family.ppo import PPOConfig
from snnrl.algorithms.family.reinforce import ReinforceConfig
from snnrl.cli import app
from snnrl.experiments.run.lock import folder_lock

UPDATES = 5


def fake_make_parts(loss: float):
    """make_parts of a fake algorithm (no real compile): update t returns return t, and ``loss`` at update 3."""

    def make_parts(config):
        def init(key, env_params):
            return {"w": jnp.zeros(2), "t": jnp.int32(0)}

        def update(runner, key):
            t = runner["t"]
            ones = jnp.float32(1.0)
            metrics = {
                "episode_return": t.astype(jnp.float32),
                "episode_length": ones,
                "episodes": ones,
                "env_steps": jnp.int32(10),
                "spikes_per_decision": 2 * ones,
                "synops_per_decision": 8 * ones,
                "loss": jnp.where(t == 3, loss, 1.0),
            }
            return {"w": runner["w"] + 1.0, "t": t + 1}, metrics

        return TrainParts(init, update, lambda runner: runner["w"], UPDATES, None)

    return make_parts


def fake(monkeypatch, loss: float) -> None:
    """Install the fake algorithm as 'ppo' (one program and chunked)."""
    make_parts = fake_make_parts(loss)
    monkeypatch.setitem(family.ALGORITHMS, "ppo", (PPOConfig, lambda config: compose(make_parts(config))))
    monkeypatch.setitem(family.PARTS, "ppo", make_parts)


def test_names_and_fields_are_checked():
    with pytest.raises(ValueError, match="unknown algorithm 'sac'; allowed: ppo, reinforce, actor_critic, dqn"):
        family.algorithm_config("sac")
    with pytest.raises(ValueError, match=r"PPOConfig has no field\(s\) \['epochs'\]"):
        family.algorithm_config("ppo", epochs=3)
    assert family.algorithm_config("dqn", n_envs=2).n_envs == 2


def test_nan_loss_stops_the_run_naming_the_update(monkeypatch):
    fake(monkeypatch, float("nan"))
    with pytest.raises(FloatingPointError, match="PPOConfig: the loss became NaN or infinite at update 3"):
        family.run("ppo", PPOConfig(), jax.random.key(0), 2)
    check_finite_losses({"loss": np.ones((2, 4))}, "PPOConfig")  # finite: no error


def test_cli_writes_a_results_folder(monkeypatch, tmp_path):
    fake(monkeypatch, 1.0)
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        ["algo", "ppo", "--out", str(out), "--seeds", "2", "--set", "lr=0.01", "--net", "kind=mlp", "--chunks", "5"],
    )
    assert result.exit_code == 0, result.output
    config = json.loads((out / "config.json").read_text())
    assert config["config"]["lr"] == 0.01 and config["config"]["network"]["kind"] == "mlp"
    assert np.load(out / "metrics.npz")["episode_return"].shape == (2, UPDATES)
    rows = (out / "returns.csv").read_text().splitlines()
    assert rows[0].startswith("seed,update,env_steps,episode_return") and len(rows) == 1 + 2 * UPDATES
    assert rows[-1].split(",")[:3] == ["1", "4", "50"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["final_return_mean"] == 4.0
    assert summary["versions"]["jax"] == jax.__version__ and summary["host"] and summary["wall_seconds"] > 0
    assert "git_commit" in summary and summary["started_at"].endswith("+00:00")
    assert int(np.load(out / "checkpoint.npz")["done"]) == 5
    again = CliRunner().invoke(app, ["algo", "ppo", "--out", str(out)])
    assert again.exit_code == 2 and "pass --resume to continue it" in again.output
    changed = CliRunner().invoke(app, ["algo", "ppo", "--out", str(out), "--resume", "--set", "lr=0.02"])
    assert changed.exit_code == 2 and "config.lr: 0.01 != 0.02" in changed.output
    other = CliRunner().invoke(app, ["algo", "dqn", "--out", str(out), "--resume"])
    assert other.exit_code == 2 and "algorithm: 'ppo' != 'dqn'" in other.output
    resumed = CliRunner().invoke(app, ["algo", "ppo", "--out", str(out), "--resume"])  # finished: results rewritten
    assert resumed.exit_code == 0 and json.loads((out / "summary.json").read_text())["seeds"] == 2
    (out / "checkpoint.npz").unlink()  # a finished run without its checkpoint is a run all the same
    without = CliRunner().invoke(app, ["algo", "ppo", "--out", str(out)])
    assert without.exit_code == 2 and "already holds a run (metrics.npz, returns.csv, summary.json)" in without.output


def test_cli_exit_codes_for_bad_input_and_nan(monkeypatch, tmp_path):
    bad = CliRunner().invoke(app, ["algo", "ppo", "--out", str(tmp_path / "a"), "--set", "gamma=2"])
    assert bad.exit_code == 2 and "PPOConfig.gamma" in bad.output
    assert not (tmp_path / "a").exists()  # a refused run leaves no folder behind
    continuous = CliRunner().invoke(app, ["algo", "ppo", "--out", str(tmp_path / "b"), "--env", "gymnax:Pendulum-v1"])
    assert continuous.exit_code == 2 and "discrete action space" in continuous.output
    assert not (tmp_path / "b").exists()  # config.json is written only after every check passed
    fake(monkeypatch, float("inf"))
    nan = CliRunner().invoke(app, ["algo", "ppo", "--out", str(tmp_path / "c"), "--chunks", "5"])
    assert (
        nan.exit_code == 1
        and "update 3" in nan.output
        and f"the checkpoint {tmp_path / 'c' / 'checkpoint.npz'}" in nan.output
    )
    assert int(np.load(tmp_path / "c" / "checkpoint.npz")["done"]) == 3  # updates 0-2 kept
    missing = CliRunner().invoke(app, ["algo", "ppo", "--out", str(tmp_path / "d"), "--resume"])
    assert missing.exit_code == 2 and "no checkpoint" in missing.output
    assert not (tmp_path / "d").exists()
    with folder_lock(tmp_path / "e"):  # another run writes there
        locked = CliRunner().invoke(app, ["algo", "ppo", "--out", str(tmp_path / "e")])
    assert locked.exit_code == 2 and "in use by another run" in locked.output
    assert not (tmp_path / "e" / "config.json").exists()


def test_a_run_too_large_for_memory_or_the_checkpoint_ceiling_is_refused_leaving_nothing(monkeypatch, tmp_path):
    from snnrl.experiments.train import memory
    from snnrl.experiments.train.memory_limits import MemoryLimit

    fake(monkeypatch, 1.0)  # 12 bytes of state per seed
    arguments = ["algo", "ppo", "--out", str(tmp_path / "run"), "--seeds", "1000"]
    ceiling = CliRunner().invoke(app, [*arguments, "--max-checkpoint-gb", "0.000001"])
    assert ceiling.exit_code == 2, ceiling.output
    assert (
        "checkpoint would take about 0.00 GB (the training states of 1000 seeds), more than the ceiling of 1e-06 GB"
        in (" ".join(ceiling.output.split()))
    )
    assert "raise --max-checkpoint-gb" in ceiling.output and "lower --seeds (1000)" in ceiling.output
    assert not (tmp_path / "run").exists()
    monkeypatch.setattr(memory, "memory_limit", lambda device, host_copy=True: MemoryLimit(1000, "a test limit"))
    memory_refused = CliRunner().invoke(app, arguments)
    assert memory_refused.exit_code == 2, memory_refused.output
    assert "the training states of 1000 seeds (networks, optimizers, replay buffers) need about" in " ".join(
        memory_refused.output.split()
    )
    assert "under a test limit" in memory_refused.output
    assert not (tmp_path / "run").exists()


def test_cli_values_are_parsed_as_train_parses_them(monkeypatch, tmp_path):
    fake(monkeypatch, 1.0)
    result = CliRunner().invoke(
        app, ["algo", "ppo", "--out", str(tmp_path / "run"), "--set", "lr=1e-3", "--net", "recurrent=false"]
    )
    assert result.exit_code == 0, result.output
    config = json.loads((tmp_path / "run" / "config.json").read_text())["config"]
    assert config["lr"] == 1e-3 and config["network"]["recurrent"] is False


SHARDED = """
import jax
from snnrl.algorithms.family.common import train_seeds
train = lambda key: ({"w": jax.random.normal(key, (3,))}, {"loss": jax.numpy.zeros(5)})
params, metrics = train_seeds(train, jax.random.key(0), 4)
print(metrics["loss"].shape, len(params["w"].sharding.device_set))
"""


def test_seeds_are_sharded_over_the_devices():
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=4", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run([sys.executable, "-c", SHARDED], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-3:] == ["(4,", "5)", "4"]


def test_a_killed_chunked_run_resumes_to_the_numbers_of_one_program(tmp_path):
    config = ReinforceConfig(env="probe:credit", network=NetworkConfig(n_hidden=8), n_envs=2, n_steps=4, total_steps=64)
    checkpoint = tmp_path / "checkpoint.npz"
    key = jax.random.key(3)
    _, first, finished = run_chunked("reinforce", config, key, 2, 4, checkpoint, "id", stop_after=1)  # "killed"
    assert not finished and first["loss"].shape == (2, 2)
    with pytest.raises(ValueError, match="belongs to another run"):
        run_chunked("reinforce", config, key, 2, 4, checkpoint, "other")
    params, metrics, finished = run_chunked("reinforce", config, key, 2, 4, checkpoint, "id")
    reference_params, reference = family.run("reinforce", config, key, 2)
    assert finished and metrics["loss"].shape == (2, 8)
    for name in reference:
        assert np.allclose(metrics[name], reference[name], rtol=1e-5, atol=1e-6, equal_nan=True), name
    assert np.allclose(params["w_out"], reference_params["w_out"], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="chunks=3 must be an integer >= 1 dividing the 8 updates"):
        run_chunked("reinforce", config, key, 2, 3, tmp_path / "x.npz", "id")


def test_registering_an_algorithm_twice_or_incompletely_is_refused_naming_it():
    with pytest.raises(ValueError, match="algorithm 'ppo' is already registered"):
        family.register_algorithm("ppo", config=PPOConfig, make_train=lambda c: None, make_parts=lambda c: None)
    with pytest.raises(ValueError, match="algorithm 'mine' does not declare make_parts"):
        family.register_algorithm("mine", config=PPOConfig, make_train=lambda c: None)
    assert "mine" not in family.ALGORITHMS


def test_algo_reports_like_train_progress_log_figure_and_a_readable_summary(monkeypatch, tmp_path):
    fake(monkeypatch, 1.0)
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["algo", "ppo", "--out", str(out), "--seeds", "2", "--log", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    progress = [line for line in lines if " · updates " in line]  # not a terminal: a line per chunk
    assert len(progress) == UPDATES  # default chunks: the most up to 10 that divide the 5 updates
    assert re.fullmatch(
        r"ppo · gymnax:CartPole-v1 · 2 seeds · updates 3/5 · mean return \+2\.000 · [\d,]+ env steps/s · "
        r"elapsed \d+\.\d s",
        progress[2],
    )
    assert not any(line.lstrip().startswith("{") for line in lines)  # no raw JSON
    assert lines[-3].startswith("done: ppo on gymnax:CartPole-v1, 2 seeds x 5 updates (50 environment steps")
    assert "compiling" in lines[-3]
    assert lines[-2].startswith("final return (last 10 % of the updates): +4.000 ± 0.000 (s.e. over seeds)")
    assert (out / "figures" / "returns.png").stat().st_size > 1000
    # env_steps is cumulative in metrics.npz, returns.csv and the csv log alike
    cumulative = [10, 20, 30, 40, 50]
    np.testing.assert_array_equal(np.load(out / "metrics.npz")["env_steps"], [cumulative, cumulative])
    with (out / "returns.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [int(row["env_steps"]) for row in rows if row["seed"] == "1"] == cumulative
    with (out / "metrics.csv").open() as handle:
        logged = list(csv.DictReader(handle))
    assert list(logged[0]) == ["run", "seed", "update", "metric", "value"]
    steps = [(int(row["update"]), float(row["value"])) for row in logged if row["metric"] == "env_steps"]
    assert sorted(set(steps)) == list(enumerate(map(float, cumulative)))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["env_steps"] == 50 and summary["updates"] == UPDATES and summary["compile_seconds"] >= 0


def test_a_resumed_run_logs_cumulative_steps_from_its_checkpoint(monkeypatch, tmp_path):
    fake(monkeypatch, float("inf"))  # stops after update 2 (the loss of update 3 is infinite)
    out = tmp_path / "run"
    failed = CliRunner().invoke(app, ["algo", "ppo", "--out", str(out), "--log", "csv"])
    assert failed.exit_code == 1
    fake(monkeypatch, 1.0)
    resumed = CliRunner().invoke(app, ["algo", "ppo", "--out", str(out), "--resume", "--log", "csv"])
    assert resumed.exit_code == 0, resumed.output
    assert " · updates 4/5 " in resumed.output and " · updates 2/5 " not in resumed.output
    with (out / "metrics.csv").open() as handle:
        steps = [(row["update"], row["value"]) for row in csv.DictReader(handle) if row["metric"] == "env_steps"]
    assert steps == [(str(update), f"{10.0 * (update + 1)!r}") for update in range(UPDATES)]


def test_config_show_prints_an_algorithms_defaults():
    from dataclasses import asdict

    import yaml

    from snnrl.algorithms.family.dqn import DQNConfig

    result = CliRunner().invoke(app, ["config", "show", "dqn"])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.output) == asdict(DQNConfig())
    refused = CliRunner().invoke(app, ["config", "show", "ppo", "lr=0.1"])
    assert refused.exit_code == 2 and "snnrl algo ppo --set" in refused.output


def test_default_chunks_divide_the_updates():
    from snnrl.algorithms.family.chunked import default_chunks

    assert default_chunks("ppo", PPOConfig()) == 10  # 390 updates
    assert default_chunks("ppo", PPOConfig(total_steps=389 * 256)) == 1  # a prime number of updates
    assert default_chunks("ppo", PPOConfig(total_steps=8 * 256)) == 8


def test_config_show_with_an_env_prints_its_tuned_defaults_and_algo_runs_them():
    import yaml

    from snnrl.algorithms.family.tuned import TUNED
    from snnrl.experiments.run.family import _requested

    env = "gymnax:CartPole-v1"
    tuned = TUNED[("ppo", env)]
    shown = yaml.safe_load(CliRunner().invoke(app, ["config", "show", "ppo", "--env", env]).output)
    assert shown["n_envs"] == tuned["n_envs"] and shown["network"]["n_substeps"] == tuned["network"]["n_substeps"]
    other = yaml.safe_load(CliRunner().invoke(app, ["config", "show", "ppo", "--env", "gymnax:Acrobot-v1"]).output)
    assert other["env"] == "gymnax:Acrobot-v1" and other["n_envs"] == PPOConfig().n_envs
    # `snnrl algo` takes the tuned network too, its --net fields set over it
    requested = _requested("ppo", env, [], ["kind=mlp"])
    assert requested.network.kind == "mlp" and requested.network.n_substeps == tuned["network"]["n_substeps"]
    assert _requested("ppo", env, ["lr=0.01"], []).lr == 0.01
    refused = CliRunner().invoke(app, ["config", "show", "official", "--env", env])
    assert refused.exit_code == 2 and "is a preset" in refused.output

"""The snnrl command: complete help, bad input rejected before anything compiles, a tiny run and plot."""

import json
import sys

import pytest
from typer.testing import CliRunner

from snnrl.cli import app
from tests.experiments.conftest import TINY_ENV
from tests.hardware.fake_samna import make_fake_samna

runner = CliRunner()


@pytest.mark.parametrize(
    "command, expected",
    [
        ([], ["train", "plot", "list", "config"]),
        (
            ["train"],
            [
                "--env",
                "--mode",
                "--realizations",
                "--games",
                "--seed",
                "--out",
                "--preset",
                "--resume",
                "--n-fut",
                "--model-update",
                "--dream-start",
                "--backend",
                "--mismatch",
                "--config",
                "--log",
                "KEY=VALUE",
            ],
        ),
        (["config", "show"], ["PRESET", "KEY=VALUE", "--config", "--format"]),
        (["plot"], ["folders", "--out", "--dream"]),
        (["list"], ["presets"]),
    ],
)
def test_help_is_complete(command, expected):
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for word in expected:
        assert word in result.output, word


def test_list_shows_presets_and_environments():
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0
    for word in ("official", "paper", "neuromorphic", "demo", "pong", "ale:pong", "gymnax:CartPole-v1"):
        assert word in result.output


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--preset", "nope"], "valid presets: demo, dreaming, neuromorphic, official, paper"),
        (["--env", "mars"], "known: pong"),
        (["--mode", "sleep"], "sleep"),
        (["--games", "0"], "--games"),
        (["--n-fut", "0"], "--n-fut"),
        (["--realizations", "0"], "--realizations"),
        (["--mismatch", "0.1"], "neuromorphic preset"),
        (["--env", "gymnax:Pendulum-v1"], "continuous action space"),
        (["--preset", "neuromorphic", "--threshold", "0"], "threshold must be > 0"),
        (["agent.learning_rat=0.1"], "did you mean 'algorithm.agent.learning_rate'?"),
        (["world_model.lif.tau_m=fast"], 'field "algorithm.world_model.lif.tau_m" - should be "float"'),
        (["--config", "absent.yaml"], "config file absent.yaml does not exist"),
    ],
)
def test_bad_input_is_rejected_before_compiling(tmp_path, arguments, message):
    out = tmp_path / "run"
    result = runner.invoke(app, ["train", "--out", str(out), *arguments], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert message in result.output
    assert not (out / "checkpoint.npz").exists()


def test_a_board_run_that_does_not_fit_is_refused_before_compiling(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "samna", make_fake_samna()[0])  # samna found: the board's size is checked
    out = tmp_path / "run"
    arguments = ["--preset", "neuromorphic", "--backend", "dynapse1", "--realizations", "5"]
    result = runner.invoke(app, ["train", "--out", str(out), *arguments], env={"COLUMNS": "200"})
    assert result.exit_code == 2 and "do not fit on one dynapse1 board" in result.output
    assert not out.exists()


def test_tiny_run_then_plot(tmp_path):
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "train",
            "--preset",
            "demo",
            "--env",
            TINY_ENV,
            "--neurons",
            "20",
            "--games",
            "2",
            "--realizations",
            "2",
            "--out",
            str(out),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (out / "figures" / "returns.png").stat().st_size > 1000
    assert json.loads((out / "summary.json").read_text())["games"] == 2
    plotted = runner.invoke(app, ["plot", str(out), "--out", str(tmp_path / "figure")])
    assert plotted.exit_code == 0, plotted.output
    assert (tmp_path / "figure.pdf").exists()
    assert runner.invoke(app, ["plot", str(tmp_path), "--out", str(tmp_path / "x")]).exit_code == 2


def test_config_show_prints_the_full_config_that_train_reads_back(tmp_path):
    from snnrl.experiments.config.configure import configure
    from snnrl.experiments.config.experiment import preset
    from snnrl.experiments.run.runner import read_config

    shown = runner.invoke(app, ["config", "show", "demo", "agent.learning_rate=2e-3", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    expected = configure(preset("demo"), assignments=["agent.learning_rate=2e-3"])
    assert json.loads(shown.output) == expected.to_dict()
    (tmp_path / "demo.yaml").write_text(
        runner.invoke(app, ["config", "show", "demo", "agent.learning_rate=2e-3"]).output
    )
    again = runner.invoke(app, ["config", "show", "--config", str(tmp_path / "demo.yaml"), "--format", "json"])
    assert json.loads(again.output) == expected.to_dict()
    only_overrides = runner.invoke(app, ["config", "show", "games=3", "--format", "json"])
    assert json.loads(only_overrides.output)["games"] == 3 and json.loads(only_overrides.output)["preset"] == "official"
    bad = runner.invoke(app, ["config", "show", "demo", "gmes=3"])
    assert bad.exit_code == 2 and "did you mean 'games'?" in bad.output

    out = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "train",
            "--config",
            str(tmp_path / "demo.yaml"),
            "--env",
            TINY_ENV,
            "--games",
            "1",
            "--realizations",
            "1",
            "agent.lif.n_neurons=20",
            "world_model.lif.n_neurons=20",
            "--out",
            str(out),
            "--no-progress",
            "--no-figures",
            "--log",
            "csv",
        ],
    )
    assert result.exit_code == 0, result.output
    stored = read_config(out)
    assert stored.algorithm.agent.learning_rate == 0.002 and stored.algorithm.agent.lif.n_neurons == 20
    assert (out / "metrics.csv").read_text().startswith("run,realization,game,metric,value")
    # The run's config.json as --config gives the same config.
    shown = runner.invoke(app, ["config", "show", "--config", str(out / "config.json"), "--format", "json"])
    assert ExperimentConfig_from(shown.output) == stored
    refused = runner.invoke(
        app, ["train", "--out", str(out), "--resume", "agent.learning_rate=0.1", "--no-progress", "--no-figures"]
    )
    assert refused.exit_code == 2 and "algorithm.agent.learning_rate: 0.002 != 0.1" in refused.output


def ExperimentConfig_from(text):
    from snnrl.experiments.config.experiment import ExperimentConfig

    return ExperimentConfig.from_dict(json.loads(text))


def test_a_missing_wandb_fails_before_the_run(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "wandb", None)
    out = tmp_path / "run"
    result = runner.invoke(app, ["train", "--preset", "demo", "--env", TINY_ENV, "--out", str(out), "--log", "wandb"])
    assert result.exit_code == 2 and "pip install 'snnrl[wandb]'" in result.output
    assert not (out / "config.json").exists()

"""The snnrl command: complete help, bad input rejected before anything compiles, a tiny run and plot."""

import json

import pytest
from typer.testing import CliRunner

from snnrl.cli import app

from .conftest import TINY_ENV

runner = CliRunner()


@pytest.mark.parametrize("command, expected", [
    ([], ["train", "plot", "list"]),
    (["train"], ["--env", "--mode", "--realizations", "--games", "--seed", "--out", "--preset", "--resume",
                 "--n-fut", "--model-update", "--dream-start", "--backend", "--mismatch"]),
    (["plot"], ["folders", "--out", "--dream"]),
    (["list"], ["presets"]),
])
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


@pytest.mark.parametrize("arguments, message", [
    (["--preset", "nope"], "valid presets: demo, neuromorphic, official, paper"),
    (["--env", "mars"], "known: pong"),
    (["--mode", "sleep"], "sleep"),
    (["--games", "0"], "--games"),
    (["--n-fut", "0"], "--n-fut"),
    (["--realizations", "0"], "--realizations"),
    (["--mismatch", "0.1"], "neuromorphic preset"),
    (["--env", "gymnax:Pendulum-v1"], "continuous action space"),
    (["--preset", "neuromorphic", "--backend", "dynapse1", "--realizations", "5"], "do not fit on one dynapse1 board"),
    (["--preset", "neuromorphic", "--threshold", "0"], "threshold must be > 0"),
])
def test_bad_input_is_rejected_before_compiling(tmp_path, arguments, message):
    out = tmp_path / "run"
    result = runner.invoke(app, ["train", "--out", str(out), *arguments], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert message in result.output
    assert not (out / "checkpoint.npz").exists()


def test_tiny_run_then_plot(tmp_path):
    out = tmp_path / "run"
    result = runner.invoke(app, ["train", "--preset", "demo", "--env", TINY_ENV, "--neurons", "20", "--games", "2",
                                 "--realizations", "2", "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert (out / "figures" / "returns.png").stat().st_size > 1000
    assert json.loads((out / "summary.json").read_text())["games"] == 2
    plotted = runner.invoke(app, ["plot", str(out), "--out", str(tmp_path / "figure")])
    assert plotted.exit_code == 0, plotted.output
    assert (tmp_path / "figure.pdf").exists()
    assert runner.invoke(app, ["plot", str(tmp_path), "--out", str(tmp_path / "x")]).exit_code == 2

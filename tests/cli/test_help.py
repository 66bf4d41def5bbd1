"""Help that reads at 80 columns: no option name cut, text shown as written (no markup eaten), defaults shown
(and the presets' sizes they quote true), links only to docs that exist; `snnrl list` marks the commands each
environment works with; a run without --preset names the preset in its first line, and a refused run leaves
no folder."""

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from snnrl.cli import app
from snnrl.cli.train import SCALE
from snnrl.experiments.config.experiment import PRESETS, preset

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
GROUP = typer.main.get_command(app)


def commands(group=GROUP, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    """(words, command) of every command and group of the app (a group has ``commands``)."""
    found = [(path, group)]
    for name, command in getattr(group, "commands", {}).items():
        found += commands(command, (*path, name))
    return found


@pytest.mark.parametrize(
    "words, command", commands(), ids=lambda item: " ".join(item) if isinstance(item, tuple) else ""
)
def test_help_at_80_columns_cuts_nothing_and_links_docs_that_exist(words, command):
    result = runner.invoke(app, [*words, "--help"], env={"COLUMNS": "80"}, terminal_width=80)
    assert result.exit_code == 0, result.output
    cut = [line for line in result.output.splitlines() if "…" in line or line.endswith("...") and "Usage:" not in line]
    assert not cut, cut
    assert max(len(line) for line in result.output.splitlines()) <= 80, result.output
    for option in (name for param in command.params for name in param.opts if name.startswith("--")):
        assert re.search(rf"{re.escape(option)}\b", result.output), f"{option} missing from {words} --help"
    for link in re.findall(r"docs/[\w/.-]+\.md", result.output):
        assert (ROOT / link).exists(), f"{' '.join(words)} --help links {link}, which does not exist"


def test_train_help_shows_text_as_written_and_the_defaults():
    result = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "80"}, terminal_width=80)
    text = " ".join(result.output.split())
    assert "snnrl[wandb]" in text
    for option in ("--games N", "--realizations N", "--seed N", "--neurons N", "--preset NAME", "--env NAME"):
        assert re.search(re.escape(option) + r" .*?\[default: ", text), option


def test_the_shown_sizes_are_the_presets():
    games, realizations, neurons = ({int(n) for n in re.findall(r"\d+", shown)} for shown in SCALE)
    for name in PRESETS:
        config = preset(name)
        assert config.games in games and config.realizations in realizations, name
        n_neurons = getattr(getattr(config.algorithm.agent, "lif", None), "n_neurons", None)
        assert n_neurons is None or n_neurons in neurons, name


def test_list_marks_the_commands_each_environment_works_with():
    result = runner.invoke(app, ["list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.startswith("  ")}
    assert lines["pong"].endswith("train, algo, eval")
    assert lines["ale:pong"].endswith("train, eval")  # stepped on the host: not the RL family
    assert lines["gymnax:CartPole-v1"].endswith("train, algo, eval")
    for continuous in ("gymnax:Pendulum-v1", "gymnax:MountainCarContinuous-v0"):
        assert "none (continuous actions" in lines[continuous]
    assert lines["probe:credit"].split()[1] == "algo"


def test_a_run_without_preset_names_it_first_and_a_refused_run_leaves_no_folder(tmp_path):
    out = tmp_path / "run"
    result = runner.invoke(app, ["train", "--out", str(out), "--env", "gymnax:Pendulum-v1"], env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("preset: official (the default: no --preset given): 2000 games x 10 realizations"), first
    assert "continuous action space" in result.output
    assert not out.exists()

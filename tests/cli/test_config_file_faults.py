"""Issue 27: a config file's faults (--config FILE, a results folder's config.json on --resume) get one
message naming the file and the problem, exit status 2, and nothing runs."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from snnrl import __version__
from snnrl.cli import app
from tests.experiments.conftest import tiny_config

runner = CliRunner(env={"COLUMNS": "400"})

FAULTS = {
    "empty": (b"", "is empty"),
    "blank": (b"  \n\n", "is empty"),
    "utf16": ('{"games": 3}'.encode("utf-16"), "is UTF-16 text; snnrl reads UTF-8"),
    "latin1": ('{"env": "caf\xe9"}'.encode("latin-1"), "is not UTF-8 text (byte 0xe9"),
    "truncated": (b'{"games": 3, "algori', "is not valid JSON (truncated or mistyped?)"),
}


def _one_line_error(output: str) -> str:
    return " ".join(output.replace("│", " ").replace("─", " ").split())


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_bad_config_file_is_named_with_its_problem(tmp_path, fault):
    data, problem = FAULTS[fault]
    path = tmp_path / "config.json"
    path.write_bytes(data)
    result = runner.invoke(app, ["train", "--config", str(path), "--out", str(tmp_path / "run")])
    assert result.exit_code == 2, result.output
    assert f"config file {path} {problem}" in _one_line_error(result.output)
    assert not (tmp_path / "run").exists()


def test_a_truncated_yaml_file_is_named_with_line_and_column(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("games: 3\nalgorithm: {mode: dre")
    result = runner.invoke(app, ["train", "--config", str(path), "--out", str(tmp_path / "run")])
    assert result.exit_code == 2
    assert f"config file {path} is not valid YAML" in _one_line_error(result.output) and "line 2" in result.output


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_damaged_results_config_json_is_named_on_resume(tmp_path, fault):
    folder = tmp_path / "run"
    folder.mkdir()
    data, problem = FAULTS[fault]
    (folder / "config.json").write_bytes(data)
    result = runner.invoke(app, ["train", "--out", str(folder), "--resume"])
    assert result.exit_code == 2, result.output
    assert f"config file {folder / 'config.json'} {problem}" in _one_line_error(result.output)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda stored: stored["experiment"].pop("games"), "has no experiment.games (snnrl always writes them)"),
        (
            lambda stored: [stored["experiment"].pop(name) for name in ("seed", "env")],
            "has no experiment.env, experiment.seed",
        ),
        (lambda stored: stored.pop("experiment"), "holds no 'experiment' tree"),
    ],
)
def test_a_results_config_json_missing_a_field_is_refused_not_defaulted(tmp_path, edit, message):
    folder = tmp_path / "run"
    folder.mkdir()
    stored = {"experiment": tiny_config(games=2).to_dict(), "snnrl_version": __version__}
    edit(stored)
    (folder / "config.json").write_text(json.dumps(stored))
    result = runner.invoke(app, ["train", "--out", str(folder), "--resume"])
    assert result.exit_code == 2, result.output
    assert f"config file {folder / 'config.json'} {message}" in _one_line_error(result.output)
    assert sorted(path.name for path in folder.iterdir()) == ["config.json"]


def test_a_results_config_json_without_games_given_to_config_is_refused_too(tmp_path):
    stored = {"experiment": tiny_config(games=2).to_dict(), "snnrl_version": __version__}
    del stored["experiment"]["games"]
    path = tmp_path / "config.json"
    path.write_text(json.dumps(stored))
    result = runner.invoke(app, ["train", "--config", str(path), "--out", str(tmp_path / "run")])
    assert result.exit_code == 2, result.output
    assert f"config file {path} has no experiment.games" in _one_line_error(result.output)
    assert not (tmp_path / "run").exists()

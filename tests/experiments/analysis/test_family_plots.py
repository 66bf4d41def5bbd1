"""snnrl plot of `snnrl algo` folders: return vs environment steps (mean ± s.e. over seeds), the IQM panel,
older folders' per-update env_steps, and a mix with the dreaming loop's folders refused."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from snnrl.cli import app
from snnrl.core.storage import write_npz
from snnrl.experiments.analysis import family_plots
from tests.algorithms.family.test_family import UPDATES, fake


@pytest.fixture
def algo_folders(monkeypatch, tmp_path):
    fake(monkeypatch, 1.0)  # update t returns t, 10 env steps per update
    folders = [tmp_path / "runs" / name for name in ("lif", "mlp")]
    for folder in folders:
        result = CliRunner().invoke(app, ["algo", "ppo", "--out", str(folder), "--seeds", "3", "--no-figures"])
        assert result.exit_code == 0, result.output
    return folders


def test_two_algo_folders_get_curves_against_env_steps_and_the_iqm_panel(algo_folders, tmp_path):
    figure = family_plots.family_returns_figure(algo_folders)
    curves, aggregate = figure.axes
    x, y = curves.get_lines()[0].get_data()
    np.testing.assert_array_equal(x, 10 * np.arange(1, UPDATES + 1))  # cumulative environment steps
    np.testing.assert_array_equal(y, np.arange(UPDATES))  # the mean over seeds
    assert curves.get_xlabel() == "environment steps per seed"
    assert [tick.get_text() for tick in aggregate.get_yticklabels()] == ["lif", "mlp (reference)"]
    assert "IQM" in aggregate.get_xlabel()
    assert figure._suptitle.get_text() == "ppo · gymnax:CartPole-v1 · lif N = 64 · 3 seeds · 5 updates"
    result = CliRunner().invoke(app, ["plot", *map(str, algo_folders), "--out", str(tmp_path / "both")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "both.png").stat().st_size > 1000


def test_older_folders_with_env_steps_per_update_are_summed_up(algo_folders):
    folder = algo_folders[0]
    metrics = dict(np.load(folder / "metrics.npz"))
    metrics["env_steps"] = np.full_like(metrics["env_steps"], 10)  # snnrl <= 0.2.0 stored them per update
    write_npz(folder / "metrics.npz", metrics)
    _, _, steps = family_plots.load_family_folder(folder)
    np.testing.assert_array_equal(steps, 10 * np.arange(1, UPDATES + 1))


def test_an_algo_folder_and_a_dreaming_folder_are_not_plotted_together(algo_folders, tmp_path):
    dreaming = tmp_path / "dream"
    dreaming.mkdir()
    (dreaming / "config.json").write_text(json.dumps({"experiment": {}, "snnrl_version": "0.2.0"}))
    write_npz(dreaming / "metrics.npz", {"game_return": np.zeros((1, 3))})
    result = CliRunner().invoke(app, ["plot", str(algo_folders[0]), str(dreaming), "--out", str(tmp_path / "f")])
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "cannot plot `snnrl algo` folders" in message and str(dreaming) in message
    assert "version" not in message and not (tmp_path / "f.png").exists()


def test_commands_of_the_dreaming_loop_name_an_algo_folder_as_such(algo_folders, tmp_path):
    first, second = map(str, algo_folders)
    for words in (["render", first], ["compare", first, second], ["plot", first, "--dream", "--out", str(tmp_path)]):
        result = CliRunner().invoke(app, words)
        message = " ".join(result.output.split())
        assert result.exit_code == 2, message
        assert f"{first} is a results folder of `snnrl algo` (ppo)" in message and "version" not in message

"""Issue 27: options that do nothing in the chosen mode are refused naming the field (the modes that use a
field are declared in its metadata), swept or set; a preset's own values are not the user's and pass."""

from __future__ import annotations

import dataclasses

import pytest
from typer.testing import CliRunner

from snnrl.algorithms.dreaming.config import MODES, DreamingConfig
from snnrl.cli import app
from snnrl.core.fields import USED_IN, idle_fields
from snnrl.experiments.config.configure import run_config, with_sweep
from snnrl.experiments.config.experiment import PRESETS, preset
from snnrl.experiments.config.idle_options import check_idle_options
from snnrl.experiments.config.overrides import apply_overrides

runner = CliRunner(env={"COLUMNS": "400"})


@pytest.mark.parametrize(
    "assignments, message",
    [
        (["mode=none", "dream.lr_scale=2"], "algorithm.dream.lr_scale=2.0 does nothing in mode 'none'"),
        (["mode=none", "algorithm.dream_lr_scale=2"], "algorithm.dream.lr_scale=2.0 does nothing in mode 'none'"),
        (["mode=plan", "dream.start=visited"], "algorithm.dream.start='visited' does nothing in mode 'plan'"),
        (["mode=dream", "n_fut=3"], "algorithm.n_fut=3 does nothing in mode 'dream'"),
        (["mode=dream", "baseline_runs_model=false"], "algorithm.baseline_runs_model=False does nothing"),
    ],
)
def test_a_set_option_that_does_nothing_in_the_mode_is_refused_naming_it(assignments, message):
    with pytest.raises(ValueError, match=message):
        check_idle_options(run_config("official", None, assignments))


@pytest.mark.parametrize(
    "assignments", [["mode=plan", "dream.lr_scale=2"], ["mode=dream", "dream.per_game=2"], ["mode=none", "games=3"]]
)
def test_options_the_mode_uses_pass(assignments):
    check_idle_options(run_config("official", None, assignments))


@pytest.mark.parametrize("name", sorted(PRESETS))
@pytest.mark.parametrize("mode", MODES)
def test_every_preset_in_every_mode_passes_with_its_own_values(name, mode):
    from snnrl.experiments.train.environment import prepare

    check_idle_options(preset(name))
    prepare(apply_overrides(preset(name), mode=mode))  # the run's resolution (a dry run: nothing compiles)


def test_sweeping_an_option_that_does_nothing_in_the_mode_is_refused_naming_it():
    with pytest.raises(ValueError, match="cannot sweep 'algorithm.dream.lr_scale': it does nothing in mode 'none'"):
        with_sweep(run_config("official", None, ["mode=none"]), ["dream.lr_scale=1,2"])
    swept = with_sweep(run_config("official", None, ["mode=plan"]), ["dream.lr_scale=1,2"])
    assert swept.grid_points == 2


def test_the_modes_using_a_field_are_declared_in_its_metadata():
    declared = {
        field.name: field.metadata[USED_IN]
        for field in dataclasses.fields(DreamingConfig().dream)
        if USED_IN in field.metadata
    }
    assert declared["lr_scale"] == ("dream", "plan") and declared["start"] == ("dream",)
    assert set(idle_fields(DreamingConfig(mode="none"), "none")) >= {"n_fut", "dream.lr_scale", "dream.start"}
    assert "baseline_runs_model" not in idle_fields(DreamingConfig(mode="none"), "none")


def test_the_cli_refuses_an_idle_option_before_any_folder_is_made(tmp_path):
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        ["train", "--preset", "demo", "--mode", "none", "--out", str(out), "--games", "1", "dream.lr_scale=2"],
    )
    assert result.exit_code == 2, result.output
    assert "algorithm.dream.lr_scale=2.0 does nothing in mode 'none'" in result.output
    assert not out.exists()


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_config_show_of_every_preset_still_works(name):
    result = runner.invoke(app, ["config", "show", name])
    assert result.exit_code == 0, result.output

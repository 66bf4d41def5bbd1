"""snnrl compare on two tiny runs: the printed and JSON numbers are statistics.compare_arms' against the
first arm."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from snnrl.cli import app
from snnrl.experiments.analysis.compare import compare_folders
from snnrl.experiments.run.provenance import cpu_model
from snnrl.experiments.run.runner import run_experiment
from snnrl.experiments.statistics import compare_arms, interquartile_mean
from tests.experiments.conftest import tiny_config


def _first_episode(mode, seed):
    """CartPole games that are its first episode (no warm-up, no reset): returns that vary."""
    config = tiny_config(games=6, chunk_games=6, realizations=3, episode_reset=False, seed=seed)
    algorithm = config.algorithm.with_dream(model_warmup=False).replace(model_warmup_steps=0, mode=mode)
    return config.replace(algorithm=algorithm)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("arms")
    for seed, mode in enumerate(("none", "dream")):  # other seeds: arms that differ after 6 games
        run_experiment(_first_episode(mode, seed), root / mode, show_progress=False)
    return root / "none", root / "dream"


def test_compare_prints_and_writes_compare_arms_numbers(two_runs, tmp_path):
    baseline, dream = two_runs
    out = tmp_path / "compare.json"
    result = CliRunner().invoke(app, ["compare", str(baseline), str(dream), "--final-games", "3", "--json", str(out)])
    assert result.exit_code == 0, result.output
    stored = json.loads(out.read_text())
    with np.load(baseline / "metrics.npz") as b, np.load(dream / "metrics.npz") as d:
        base_returns, dream_returns = b["game_return"], d["game_return"]
    assert base_returns.std() > 0 and dream_returns.std() > 0 and (base_returns != dream_returns).any()
    expected = compare_arms(dream_returns, base_returns, 20, final_games=3).to_dict()
    first, second = stored["arms"]
    assert first["label"] == "none" and "against_first" not in first
    assert second["against_first"]["p_value"] == pytest.approx(expected["p_value"])
    assert second["against_first"]["interactions_ratio"] == pytest.approx(expected["interactions_ratio"], nan_ok=True)
    finals = dream_returns[:, -3:].mean(axis=1)
    assert second["final_mean"] == pytest.approx(finals.mean()) and second["final_sd"] == pytest.approx(
        finals.std(ddof=1)
    )
    assert second["iqm"]["point"] == pytest.approx(interquartile_mean(finals).point)
    assert stored["cpu"] == cpu_model() and set(stored["measured_on"].values()) == {cpu_model()}
    text = result.output
    assert f"last-3 mean ± SD: {finals.mean():+.3f} ± {finals.std(ddof=1):.3f}" in text
    assert f"p = {expected['p_value']:.3g}" in text and "ratio (95 % CI)" in text and "area under the curve" in text
    assert f"compared on: {cpu_model()}" in text


def test_compare_needs_two_arms(two_runs):
    with pytest.raises(ValueError, match="two arms or more"):
        compare_folders([two_runs[0]])

"""Arm comparison on constructed curves with known answers, and on the published neuromorphic curves."""

from pathlib import Path

import numpy as np
import pytest

from snnrl.experiments.statistics import compare_arms, first_reaching

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "neuromorphic_dreaming"


def test_first_reaching():
    assert first_reaching(np.array([0.0, 0.5, 1.0, 2.0]), 1.0) == 3
    assert first_reaching(np.array([0.0, 0.5]), 1.0) is None


def test_a_faster_arm_reaches_the_baseline_level_earlier_and_is_significant():
    games = np.arange(400)
    rng = np.random.default_rng(0)
    baseline = np.clip(games / 400, 0, 1)[None] + 0.01 * rng.standard_normal((8, 400))
    arm = np.clip(games / 200, 0, 1.5)[None] + 0.01 * rng.standard_normal((8, 400))
    result = compare_arms(arm, baseline, steps_per_game=100, final_games=50, window=10)
    assert result.games_to_baseline_arm < result.games_to_baseline_baseline
    assert result.interactions_to_baseline_arm == 100 * result.games_to_baseline_arm
    assert result.p_value < 0.001
    reversed_result = compare_arms(baseline, arm, steps_per_game=100, final_games=50, window=10)
    assert reversed_result.p_value > 0.99


def test_bad_shapes_are_rejected():
    with pytest.raises(ValueError, match="realizations, games"):
        compare_arms(np.zeros(10), np.zeros((2, 10)), 100)


def test_published_neuromorphic_curves_give_the_published_numbers():
    # 40 blocks of 50 games each: treat each block mean as one "game" of a 50x coarser curve.
    dream = np.stack([np.load(REFERENCE / f"rewards_{run}if_dream_1.npy") for run in range(10)])
    base = np.stack([np.load(REFERENCE / f"rewards_{run}if_dream_0.npy") for run in range(10)])
    result = compare_arms(dream, base, steps_per_game=50 * 100, final_games=1, window=1)
    assert np.mean(result.final_arm) == pytest.approx(0.358, abs=1e-3)
    assert np.std(result.final_arm) == pytest.approx(0.482, abs=1e-3)
    assert np.mean(result.final_baseline) == pytest.approx(-0.238, abs=1e-3)
    assert result.p_value == pytest.approx(0.007, abs=0.004)

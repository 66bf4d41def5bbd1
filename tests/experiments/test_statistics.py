"""Arm comparison on constructed curves with known answers, and on the published neuromorphic curves."""

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from snnrl.experiments.statistics import (
    compare_arms,
    final_updates,
    first_reaching,
    games_to_level,
    interquartile_mean,
    moving_average,
    probability_of_improvement,
)

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "neuromorphic_dreaming"


def test_games_to_level_counts_the_games_of_the_first_full_window_that_reaches_it():
    returns = np.array([[0.0, 0.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 1.0, 1.0]])
    # moving means over 2 games, averaged over realizations: 0, 0.25, 0.75, 1 (windows ending at games 2..5)
    assert games_to_level(returns, 0.75, window=2) == 4
    assert games_to_level(returns, 0.25, window=2) == 3
    assert games_to_level(returns, 2.0, window=2) is None


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


def test_moving_average_uses_full_windows_only():
    values = np.array([[10.0, 0.0, 0.0, 0.0, 4.0]])
    np.testing.assert_allclose(moving_average(values, 2), [[5.0, 0.0, 0.0, 2.0]])
    np.testing.assert_allclose(moving_average(values, 5), [[2.8]])
    for window in (0, 6, 2.0, True):
        with pytest.raises(ValueError, match="window"):
            moving_average(values, window)


def test_a_spike_in_the_first_game_does_not_count_as_reaching_the_level():
    baseline = np.tile(np.concatenate([np.linspace(-1.0, 0.0, 50), np.zeros(50)]), (4, 1))
    arm = baseline.copy()
    arm[:, 0] = 5.0  # one lucky first game: a partial window would put the arm at the baseline's level at once
    result = compare_arms(arm, baseline, steps_per_game=10, final_games=10, window=20)
    assert result.games_to_baseline_arm == result.games_to_baseline_baseline == 69  # window of games 50..69 all 0


def test_interquartile_mean_trims_a_quarter_at_each_end():
    interval = interquartile_mean(np.arange(1.0, 9.0))
    assert interval.point == pytest.approx(4.5)  # mean of 3, 4, 5, 6
    assert interval.low <= interval.point <= interval.high and interval.confidence == 0.95
    outlier = interquartile_mean([0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1000.0])
    assert outlier.point == pytest.approx(1.0)


def test_bootstrap_resamples_runs_within_each_task():
    # Task 0 scores near 0, task 1 near 10. Stratified resamples keep 4 runs of each, so the pooled IQM
    # stays between 5 and 6; resampling the 8 pooled runs would often draw mostly one task (IQM near 0 or 10).
    scores = np.array([[0.0, 10.0], [0.0, 10.0], [0.0, 10.0], [1.0, 11.0]])
    interval = interquartile_mean(scores, resamples=500)
    assert 5.0 <= interval.low <= interval.point <= interval.high <= 6.0


def test_probability_of_improvement_is_the_normalized_mann_whitney_statistic():
    rng = np.random.default_rng(1)
    x, y = rng.normal(1.0, 1.0, 10), rng.normal(0.0, 1.0, 12)
    interval = probability_of_improvement(x, y)
    assert interval.point == pytest.approx(mannwhitneyu(x, y).statistic / (10 * 12))
    assert interval.low < interval.point < interval.high
    assert probability_of_improvement([1.0, 2.0], [0.0, 3.0]).point == pytest.approx(0.5)
    assert probability_of_improvement([1.0, 1.0], [1.0, 1.0]).point == pytest.approx(0.5)  # ties count half
    tasks = probability_of_improvement(np.array([[1.0, 0.0], [2.0, 0.0]]), np.array([[0.0, 1.0], [0.0, 1.0]]))
    assert tasks.point == pytest.approx(0.5)  # task 0: always better, task 1: always worse


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        ([1.0], [0.0, 1.0], "at least 2 runs"),
        ([1.0, np.nan], [0.0, 1.0], "NaN"),
        (np.zeros((3, 2)), np.zeros((3, 1)), "same tasks"),
        (np.zeros((3, 2, 1)), np.zeros(3), "runs, tasks"),
    ],
)
def test_bad_scores_are_rejected(x, y, message):
    with pytest.raises(ValueError, match=message):
        probability_of_improvement(x, y)


def test_arm_comparison_carries_the_aggregates():
    rng = np.random.default_rng(0)
    better, worse = rng.normal(1.0, 0.1, (6, 50)), rng.normal(0.0, 0.1, (6, 50))
    result = compare_arms(better, worse, steps_per_game=100, final_games=10, window=5)
    assert result.probability_of_improvement.point == 1.0
    assert result.iqm_arm.low > result.iqm_baseline.high
    assert result.to_dict()["iqm_arm"]["point"] == result.iqm_arm.point


def test_the_final_updates_are_the_last_tenth_or_the_last_in_which_episodes_ended():
    returns = np.ones((2, 50))
    np.testing.assert_array_equal(final_updates(returns), np.arange(45, 50))
    long_episodes = np.full((2, 97), np.nan)  # episodes end only at updates 39 and 78
    long_episodes[:, [39, 78]] = [[1.0, 2.0], [3.0, 4.0]]
    np.testing.assert_array_equal(final_updates(long_episodes), [78])
    sparse = np.full((1, 200), np.nan)
    sparse[0, :180:9] = 1.0  # 20 updates with an episode end (0, 9, ..., 171), none in the last 20 updates
    np.testing.assert_array_equal(final_updates(sparse), [162, 171])

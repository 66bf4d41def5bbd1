"""Comparisons of two arms of an experiment (e.g. dreaming vs baseline), as in the papers' figures."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.stats import mannwhitneyu



def moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over ``window`` games along the last axis (shorter at the start). (..., G) -> (..., G)."""
    cumulative = np.cumsum(values, axis=-1)
    shifted = np.concatenate([np.zeros_like(cumulative[..., :window]), cumulative[..., :-window]], axis=-1)[..., : values.shape[-1]]
    counts = np.minimum(np.arange(1, values.shape[-1] + 1), window)
    return (cumulative - shifted) / counts


@dataclass(frozen=True)
class ArmComparison:
    """final_*: mean return over the last ``final_games`` games, one value per realization.
    games_to_baseline_*: first game at which the arm's mean curve (moving mean over ``window`` games,
    averaged over realizations) reaches the baseline's final level (None: never).
    p_value: one-sided Mann-Whitney U test that the arm's final returns exceed the baseline's."""

    final_arm: list[float]
    final_baseline: list[float]
    final_games: int
    window: int
    baseline_final_level: float
    games_to_baseline_arm: int | None
    games_to_baseline_baseline: int | None
    interactions_to_baseline_arm: int | None
    interactions_to_baseline_baseline: int | None
    u_statistic: float
    p_value: float

    def to_dict(self) -> dict:
        """Plain dict for JSON."""
        return asdict(self)


def first_reaching(curve: np.ndarray, level: float) -> int | None:
    """1-based index of the first value of curve (G,) that is >= level, or None."""
    hits = np.nonzero(curve >= level)[0]
    return int(hits[0]) + 1 if hits.size else None


def compare_arms(arm_returns: np.ndarray, baseline_returns: np.ndarray, steps_per_game: int,
                 final_games: int = 250, window: int = 50) -> ArmComparison:
    """Compare per-game returns (R_arm, G) and (R_base, G) of two arms."""
    if arm_returns.ndim != 2 or baseline_returns.ndim != 2:
        raise ValueError(f"returns must be (realizations, games), got {arm_returns.shape} and {baseline_returns.shape}")
    final_arm = arm_returns[:, -final_games:].mean(axis=1)
    final_baseline = baseline_returns[:, -final_games:].mean(axis=1)
    level = float(final_baseline.mean())
    arm_games = first_reaching(moving_average(arm_returns, window).mean(axis=0), level)
    base_games = first_reaching(moving_average(baseline_returns, window).mean(axis=0), level)
    test = mannwhitneyu(final_arm, final_baseline, alternative="greater")
    to_interactions = lambda games: None if games is None else games * steps_per_game  # noqa: E731
    return ArmComparison(
        final_arm=final_arm.tolist(), final_baseline=final_baseline.tolist(), final_games=final_games, window=window,
        baseline_final_level=level, games_to_baseline_arm=arm_games, games_to_baseline_baseline=base_games,
        interactions_to_baseline_arm=to_interactions(arm_games),
        interactions_to_baseline_baseline=to_interactions(base_games),
        u_statistic=float(test.statistic), p_value=float(test.pvalue),
    )

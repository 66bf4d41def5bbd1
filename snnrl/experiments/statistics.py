"""Comparisons of arms of an experiment (e.g. dreaming vs baseline), as in the papers' figures, and
rliable-style aggregates (Agarwal et al. 2021, "Deep RL at the edge of the statistical precipice"):
interquartile mean (IQM) with stratified bootstrap confidence intervals, and the probability of improvement.

The ``rliable`` package itself is not used: its bootstrap needs ``arch``, whose release for this NumPy
fails to import beside pandas 3 (``deprecate_kwarg``). Both estimators are short and built here on
``scipy.stats.bootstrap``, whose independent resampling of each sample is the stratified bootstrap (one
sample per task and arm; percentile intervals, as rliable's default)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.stats import bootstrap, mannwhitneyu, trim_mean


def moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over ``window`` games along the last axis, only where the window is full:
    (..., G) -> (..., G - window + 1); entry i is the mean of games i .. i + window - 1 (0-based)."""
    values = np.asarray(values, dtype=float)
    if not isinstance(window, (int, np.integer)) or isinstance(window, bool) or window < 1:
        raise ValueError(f"window must be an integer >= 1, got {window!r}")
    if values.ndim < 1 or window > values.shape[-1]:
        raise ValueError(
            f"window must be at most the number of games ({values.shape[-1] if values.ndim else 0}), got {window}"
        )
    cumulative = np.cumsum(values, axis=-1)
    zero = np.zeros_like(cumulative[..., :1])
    cumulative = np.concatenate([zero, cumulative], axis=-1)
    return (cumulative[..., window:] - cumulative[..., :-window]) / window


@dataclass(frozen=True)
class Interval:
    """A point estimate and its bootstrap confidence interval [low, high] at ``confidence``."""

    point: float
    low: float
    high: float
    confidence: float


def _scores(name: str, scores) -> np.ndarray:
    """Scores as (runs, tasks): a vector is one task. ValueError on other shapes, NaN/inf or < 2 runs."""
    array = np.asarray(scores, dtype=float)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] < 2 or array.shape[1] < 1:
        raise ValueError(f"{name} must be (runs,) or (runs, tasks) with at least 2 runs, got shape {np.shape(scores)}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} holds NaN or infinite scores")
    return array


def _iqm(*tasks: np.ndarray, axis: int = -1) -> np.ndarray:
    """IQM of all runs of all tasks pooled: the mean of the middle 50 % (25 % trimmed at each end)."""
    return trim_mean(np.concatenate(tasks, axis=axis), 0.25, axis=axis)


def _probability_of_improvement(*samples: np.ndarray, axis: int = -1) -> np.ndarray:
    """Mean over tasks of P(X > Y) + P(X = Y) / 2; samples = X of every task, then Y of every task."""
    half = len(samples) // 2
    per_task = []
    for x, y in zip(samples[:half], samples[half:], strict=True):
        x, y = np.moveaxis(x, axis, -1)[..., :, None], np.moveaxis(y, axis, -1)[..., None, :]
        per_task.append(((x > y) + 0.5 * (x == y)).mean(axis=(-2, -1)))
    return np.mean(per_task, axis=0)


def _interval(samples: list[np.ndarray], statistic, confidence: float, resamples: int, seed: int) -> Interval:
    point = float(statistic(*samples))
    if all(np.ptp(sample) == 0 for sample in samples):  # nothing to resample: the interval is the point
        return Interval(point, point, point, confidence)
    result = bootstrap(
        samples,
        statistic,
        n_resamples=resamples,
        vectorized=True,
        confidence_level=confidence,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return Interval(point, float(result.confidence_interval.low), float(result.confidence_interval.high), confidence)


def interquartile_mean(scores, confidence: float = 0.95, resamples: int = 2000, seed: int = 0) -> Interval:
    """IQM of scores (runs,) or (runs, tasks), with a stratified bootstrap confidence interval (runs
    resampled within each task)."""
    array = _scores("scores", scores)
    return _interval(list(array.T), _iqm, confidence, resamples, seed)


def probability_of_improvement(
    scores_x, scores_y, confidence: float = 0.95, resamples: int = 2000, seed: int = 0
) -> Interval:
    """P(X > Y): the probability that a run of arm X scores higher than a run of arm Y on the same task
    (ties count half), averaged over tasks; scores (runs, tasks) or (runs,), runs may differ between arms.
    With a stratified bootstrap confidence interval."""
    x, y = _scores("scores_x", scores_x), _scores("scores_y", scores_y)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"both arms need the same tasks, got {x.shape[1]} and {y.shape[1]}")
    return _interval([*x.T, *y.T], _probability_of_improvement, confidence, resamples, seed)


@dataclass(frozen=True)
class ArmComparison:
    """final_*: mean return over the last ``final_games`` games, one value per realization.
    games_to_baseline_*: last game of the first full ``window`` whose moving mean (averaged over
    realizations) reaches the baseline's final level (None: never).
    p_value: one-sided Mann-Whitney U test that the arm's final returns exceed the baseline's.
    iqm_*: interquartile mean of the final returns with a 95 % stratified bootstrap interval (None with
    fewer than 2 realizations); probability_of_improvement: P(arm run > baseline run) with its interval."""

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
    iqm_arm: Interval | None = None
    iqm_baseline: Interval | None = None
    probability_of_improvement: Interval | None = None

    def to_dict(self) -> dict:
        """Plain dict for JSON."""
        return asdict(self)


def final_updates(returns: np.ndarray) -> np.ndarray:
    """Indices (K,) of the updates whose returns (seeds, updates; NaN where no episode ended) make a run's
    final figure: the last 10 % of the updates (at least one), or, where no episode ended in those (long
    episodes: Freeway's 2 500 steps), the last 10 % (at least one) of the updates in which some episode ended."""
    updates = returns.shape[1]
    last = np.arange(updates)[-max(1, updates // 10) :]
    if np.isfinite(returns[:, last]).any():
        return last
    ended = np.flatnonzero(np.isfinite(returns).any(axis=0))
    return ended[-max(1, len(ended) // 10) :]


def first_reaching(curve: np.ndarray, level: float) -> int | None:
    """1-based index of the first value of curve (G,) that is >= level, or None."""
    hits = np.nonzero(curve >= level)[0]
    return int(hits[0]) + 1 if hits.size else None


def games_to_level(returns: np.ndarray, level: float, window: int) -> int | None:
    """Games played (counting the window's first ones) when the mean over realizations of the full-window moving
    mean of returns (R, G) first reaches ``level``; None if it never does."""
    index = first_reaching(moving_average(returns, window).mean(axis=0), level)
    return None if index is None else index + window - 1


def compare_arms(
    arm_returns: np.ndarray, baseline_returns: np.ndarray, steps_per_game: int, final_games: int = 250, window: int = 50
) -> ArmComparison:
    """Compare per-game returns (R_arm, G) and (R_base, G) of two arms (the window is cut to G)."""
    if arm_returns.ndim != 2 or baseline_returns.ndim != 2:
        raise ValueError(f"returns must be (realizations, games), got {arm_returns.shape} and {baseline_returns.shape}")
    final_arm = arm_returns[:, -final_games:].mean(axis=1)
    final_baseline = baseline_returns[:, -final_games:].mean(axis=1)
    level = float(final_baseline.mean())
    window = min(window, arm_returns.shape[1], baseline_returns.shape[1])
    arm_games = games_to_level(arm_returns, level, window)
    base_games = games_to_level(baseline_returns, level, window)
    test = mannwhitneyu(final_arm, final_baseline, alternative="greater")
    to_interactions = lambda games: None if games is None else games * steps_per_game  # noqa: E731
    enough = final_arm.size > 1 and final_baseline.size > 1
    return ArmComparison(
        final_arm=final_arm.tolist(),
        final_baseline=final_baseline.tolist(),
        final_games=final_games,
        window=window,
        baseline_final_level=level,
        games_to_baseline_arm=arm_games,
        games_to_baseline_baseline=base_games,
        interactions_to_baseline_arm=to_interactions(arm_games),
        interactions_to_baseline_baseline=to_interactions(base_games),
        u_statistic=float(test.statistic),
        p_value=float(test.pvalue),
        iqm_arm=interquartile_mean(final_arm) if enough else None,
        iqm_baseline=interquartile_mean(final_baseline) if enough else None,
        probability_of_improvement=probability_of_improvement(final_arm, final_baseline) if enough else None,
    )

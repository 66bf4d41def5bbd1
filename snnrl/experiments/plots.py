"""Figures of a results folder (matplotlib, PNG and PDF)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from snnrl.experiments.config import ExperimentConfig  # noqa: E402
from snnrl.experiments.checkpoint import METRIC_NAMES  # noqa: E402
from snnrl.experiments.runner import read_config  # noqa: E402
from snnrl.experiments.statistics import moving_average  # noqa: E402
from snnrl.experiments.storage import read_npz  # noqa: E402

OBSERVATION_NAMES = ("ball x", "ball y", "enemy y", "player y")


def load_folder(folder: Path) -> tuple[ExperimentConfig, dict[str, np.ndarray]]:
    """The config and metrics (name -> (R, games)) of a results folder."""
    return read_config(folder), read_npz(folder / "metrics.npz", METRIC_NAMES)


def _save(figure, out: Path) -> list[Path]:
    out.parent.mkdir(parents=True, exist_ok=True)
    paths = [out.parent / f"{out.name}.png", out.parent / f"{out.name}.pdf"]  # names may hold dots
    for path in paths:
        figure.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(figure)
    return paths


def plot_returns(folders: list[Path], out: Path, window: int = 50) -> list[Path]:
    """Return (moving mean over ``window`` games, drawn from the first full window on) vs real interactions
    for each folder: single runs thin, median thick, 80th percentile dashed, mean +- standard error
    shaded. Returns the PNG and PDF paths."""
    figure, axis = plt.subplots(figsize=(6.4, 4.0))
    for index, folder in enumerate(folders):
        config, metrics = load_folder(Path(folder))
        start = min(window, metrics["game_return"].shape[1]) - 1
        returns = moving_average(metrics["game_return"], window)[:, start:]
        interactions = np.arange(start + 1, start + 1 + returns.shape[1]) * config.algorithm.awake_steps
        color = f"C{index}"
        mode = config.algorithm.mode + (f" n_fut={config.algorithm.n_fut}" if config.algorithm.mode == "plan" else "")
        label = f"{mode} ({config.env}, R={returns.shape[0]})"
        for run in returns:
            axis.plot(interactions, run, color=color, lw=0.4, alpha=0.35)
        mean = returns.mean(axis=0)
        error = returns.std(axis=0, ddof=1) / np.sqrt(returns.shape[0]) if returns.shape[0] > 1 else np.zeros_like(mean)
        axis.fill_between(interactions, mean - error, mean + error, color=color, alpha=0.25, lw=0, label=f"{label}: mean ± s.e.")
        axis.plot(interactions, np.median(returns, axis=0), color=color, lw=2.0, label=f"{label}: median")
        axis.plot(interactions, np.percentile(returns, 80, axis=0), color=color, lw=1.0, ls="--", label=f"{label}: 80th percentile")
    axis.set_xlabel("real interactions (agent steps)")
    axis.set_ylabel(f"return per game (mean over {window} games)")
    axis.legend(fontsize=6, frameon=False)
    axis.grid(alpha=0.2)
    return _save(figure, Path(out))


def plot_dream_rollout(observations_dreamt: np.ndarray, observations_real: np.ndarray, agent_spikes: np.ndarray,
                       model_spikes: np.ndarray, out: Path) -> list[Path]:
    """Predicted vs real trajectories (S, D) of a dream under the same actions, and spike rasters (S, N)
    of both networks during the dream."""
    figure, axes = plt.subplots(3, 1, figsize=(6.4, 7.0), gridspec_kw={"height_ratios": [2, 1, 1]})
    steps = np.arange(observations_dreamt.shape[0])
    for d in range(observations_dreamt.shape[1]):
        name = OBSERVATION_NAMES[d] if d < len(OBSERVATION_NAMES) else f"x{d}"
        axes[0].plot(steps, 255 * observations_real[:, d], color=f"C{d}", lw=1.5, label=f"{name} real")
        axes[0].plot(steps, 255 * observations_dreamt[:, d], color=f"C{d}", lw=1.5, ls="--", label=f"{name} dreamt")
    axes[0].set_ylabel("RAM units")
    axes[0].legend(fontsize=6, ncol=2, frameon=False)
    for axis, spikes, name in ((axes[1], agent_spikes, "agent"), (axes[2], model_spikes, "world model")):
        times, neurons = np.nonzero(spikes)
        axis.scatter(times, neurons, s=0.5, color="k")
        axis.set_ylabel(f"{name} neuron")
        axis.set_xlim(-0.5, spikes.shape[0] - 0.5)
    axes[2].set_xlabel("dream step")
    return _save(figure, Path(out))


def plot_dream(folder: Path, out: Path, realization: int = 0) -> list[Path]:
    """Dream of one trained realization of a JAX-environment run, against the real environment replayed
    with the dream's actions from the same reset state."""
    from snnrl.experiments.dream_replay import dream_against_reality

    dreamt, real, agent_spikes, model_spikes = dream_against_reality(Path(folder), realization)
    return plot_dream_rollout(dreamt, real, agent_spikes, model_spikes, out)

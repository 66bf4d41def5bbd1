"""Figures of ``snnrl algo`` folders: return against environment steps (mean ± standard error over seeds),
and with two or more folders an IQM panel comparing their final returns; ``plot_folders`` draws any
results folders (the dreaming loop's through plots.plot_returns) and refuses a mix of the two families.
How to read them: docs/howto/plot.md."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from snnrl.core.storage import read_npz
from snnrl.experiments.analysis.plots import (
    arm_labels,
    below_axes_legend,
    curves_and_aggregate,
    draw_aggregate,
    plot_returns,
    save_figure,
)
from snnrl.experiments.run.family import FamilyRun, is_family_folder, read_family_run
from snnrl.experiments.statistics import final_updates

FAMILY_METRICS = ("episode_return", "env_steps")


def load_family_folder(folder: Path) -> tuple[FamilyRun, np.ndarray, np.ndarray]:
    """(run, returns (seeds, updates) with NaN where no episode ended, cumulative env steps (updates,)) of
    an ``snnrl algo`` folder. Folders of snnrl <= 0.2.0 stored env_steps per update: they are summed up."""
    run = read_family_run(folder)
    metrics = read_npz(Path(folder) / "metrics.npz", FAMILY_METRICS)
    steps = np.asarray(metrics["env_steps"], np.int64)[0]
    if steps.size > 1 and not np.all(np.diff(steps) > 0):  # per update (older folders): constant, not rising
        steps = np.cumsum(steps)
    return run, np.asarray(metrics["episode_return"], float), steps


def family_title(runs: list[FamilyRun], returns: list[np.ndarray]) -> str:
    """Algorithm, environment, network (kind and size), seeds and updates (values that differ joined by '/')."""

    def values(items) -> str:
        return " / ".join(dict.fromkeys(str(item) for item in items))

    return (
        f"{values(run.algorithm for run in runs)} · {values(run.config.env for run in runs)} · "
        f"{values(f'{run.config.network.kind} N = {run.config.network.n_hidden}' for run in runs)} · "
        f"{values(r.shape[0] for r in returns)} seeds · {values(r.shape[1] for r in returns)} updates"
    )


def seed_mean_and_error(returns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (updates,) over seeds and its standard error, ignoring seeds without a finished episode (NaN)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an update in which no seed finished an episode
        count = np.isfinite(returns).sum(axis=0)
        mean = np.nanmean(returns, axis=0)
        sd = np.nanstd(returns, axis=0, ddof=1) if returns.shape[0] > 1 else np.zeros_like(mean)
    error = np.where(count > 1, sd / np.sqrt(np.maximum(count, 1)), 0.0)
    return mean, error


def family_returns_figure(folders: list[Path]) -> Figure:
    """The figure of ``plot_family_returns`` (not saved)."""
    if not folders:
        raise ValueError("plot_family_returns needs at least one results folder")
    labels = arm_labels(folders)
    loaded = [load_family_folder(Path(folder)) for folder in folders]
    figure, axis, aggregate = curves_and_aggregate(len(loaded))
    for index, (label, (run, returns, steps)) in enumerate(zip(labels, loaded, strict=True)):
        color = f"C{index % 10}"
        mean, error = seed_mean_and_error(returns)
        seeds = returns.shape[0]
        ended = np.isfinite(mean)  # updates in which some seed ended an episode
        x, mean, error = steps[ended], mean[ended], error[ended]
        axis.fill_between(x, mean - error, mean + error, color=color, alpha=0.25, lw=0)
        axis.plot(x, mean, color=color, lw=1.5, label=f"{label} ({run.algorithm}): mean ± s.e. over {seeds} seeds")
    axis.set_xlabel("environment steps per seed")
    axis.set_ylabel("mean return of the episodes ended in an update")
    axis.xaxis.set_major_locator(MaxNLocator(5))
    axis.grid(alpha=0.2)
    if len(loaded) > 1:
        finals = []
        for _, returns, _ in loaded:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                final = np.nanmean(returns[:, final_updates(returns)], axis=1)
            finals.append(final[np.isfinite(final)])
        draw_aggregate(aggregate, labels, finals, "the mean return over the last 10 % of the updates")
    figure.suptitle(family_title([run for run, _, _ in loaded], [returns for _, returns, _ in loaded]), fontsize=8)
    figure.tight_layout()
    below_axes_legend(axis, ncol=1)
    return figure


def plot_family_returns(folders: list[Path], out: Path) -> list[Path]:
    """Return against environment steps of ``snnrl algo`` folders (mean over seeds, ± standard error shaded;
    each folder an arm named by its path) and, with two or more, their final returns compared as plots.py
    compares arms (IQM with a bootstrap interval, probability of improvement over the last folder). Returns
    the PNG and PDF paths."""
    return save_figure(family_returns_figure(folders), Path(out))


def plot_folders(folders: list[Path], out: Path) -> list[Path]:
    """The returns figure of results folders of one family: ``snnrl algo`` folders (plot_family_returns) or
    the dreaming loop's (plots.plot_returns). ValueError naming both kinds if they are mixed."""
    family = [str(folder) for folder in folders if is_family_folder(Path(folder))]
    if not family:
        return plot_returns(folders, out)
    if len(family) < len(folders):
        others = [str(folder) for folder in folders if str(folder) not in family]
        raise ValueError(
            f"cannot plot `snnrl algo` folders ({', '.join(family)}) with folders of the dreaming loop "
            f"({', '.join(others)}): one counts returns per update against environment steps, the other per "
            "game against agent steps; plot each kind on its own"
        )
    return plot_family_returns(folders, out)

"""Figures of results folders (matplotlib, PNG and PDF): return curves of arms, their aggregate
comparison, and a dream against reality. How to read them: docs/howto/plot.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from snnrl.core.storage import read_npz
from snnrl.experiments.config.experiment import ExperimentConfig
from snnrl.experiments.run.checkpoint import METRIC_NAMES, check_one_run
from snnrl.experiments.run.family import is_family_folder
from snnrl.experiments.run.runner import read_config
from snnrl.experiments.run.sweep_results import reference_point
from snnrl.experiments.statistics import interquartile_mean, moving_average, probability_of_improvement

OBSERVATION_NAMES = ("ball x", "ball y", "enemy y", "player y")
FEW_POINTS = 10  # curves of fewer points are drawn with markers
MAX_DRAWN_VARIABLES = 8  # a dream figure draws the first 8 variables (an autoencoder latent has 36)


def load_folder(folder: Path) -> tuple[ExperimentConfig, dict[str, np.ndarray]]:
    """The config and metrics (name -> (R, games)) of a results folder; ValueError naming the folder if its
    files are not one run's (checkpoint.check_one_run: a checkpoint of another run or without identity, or
    metrics that are not the checkpoint's)."""
    config = read_config(folder)
    check_one_run(config, folder)
    return config, read_npz(folder / "metrics.npz", METRIC_NAMES)


def arm_labels(folders: list[Path]) -> list[str]:
    """One distinct name per folder: its last path part, or as many trailing parts as make the names differ
    (runs/a/dream and runs/b/dream -> a/dream, b/dream). ValueError if a folder is given twice."""
    paths = [Path(folder).resolve() for folder in folders]
    if len(set(paths)) != len(paths):
        raise ValueError(f"each results folder may be plotted once, got {[str(folder) for folder in folders]}")
    deepest = max(len(path.parts) for path in paths)
    candidates = (["/".join(path.parts[-depth:]) for path in paths] for depth in range(1, deepest + 1))
    return next(labels for labels in candidates if len(set(labels)) == len(labels))


def arms_of(folders: list[Path]) -> list[tuple[str, ExperimentConfig, np.ndarray]]:
    """(label, config, per-game returns (R, games)) of every arm: a folder, or each grid point of a sweep's
    folder (labelled with its values, e.g. 'lr/learning_rate=0.001')."""
    from snnrl.experiments.run.sweep_results import point_label

    arms = []
    for label, folder in zip(arm_labels(folders), folders, strict=True):
        config, metrics = load_folder(Path(folder))
        if not config.sweep:
            arms.append((label, config, metrics["game_return"]))
            continue
        returns = metrics["game_return"].reshape(config.grid_points, config.realizations, -1)
        arms.extend(
            (f"{label}/{point_label(config, point)}", config, returns[point]) for point in range(config.grid_points)
        )
    return arms


def save_figure(figure, out: Path) -> list[Path]:
    """Write ``figure`` as out.png and out.pdf (the folder created); return both paths."""
    out.parent.mkdir(parents=True, exist_ok=True)
    paths = [out.parent / f"{out.name}.png", out.parent / f"{out.name}.pdf"]  # names may hold dots
    for path in paths:
        figure.savefig(path, dpi=150, bbox_inches="tight")
    return paths


def curves_and_aggregate(arms: int) -> tuple[Figure, Any, Any]:
    """(figure, the curves' axis, the aggregate panel's axis or None): the panel beside the curves only for
    two or more arms."""
    if arms > 1:
        figure = Figure(figsize=(10.0, 4.0))
        axis, aggregate = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
        return figure, axis, aggregate
    figure = Figure(figsize=(6.4, 4.0))
    return figure, figure.subplots(), None


def mode_name(mode: str) -> str:
    """A mode as figures name it: 'baseline' for mode 'none' (no dream, no plan)."""
    return "baseline" if mode == "none" else mode


def _describe(label: str, config: ExperimentConfig) -> str:
    """The arm's mode (unless its label is just that) and environment, e.g. 'plan n_fut=4, pong'."""
    algorithm = config.algorithm
    mode = algorithm.mode + (f" n_fut={algorithm.n_fut}" if algorithm.mode == "plan" else "")
    shown = mode_name(algorithm.mode) if algorithm.mode == "none" else mode
    return config.env if label.rsplit("/", 1)[-1] in (mode, shown) else f"{shown}, {config.env}"


def network_size(config: ExperimentConfig) -> int | None:
    """The agent's neurons N (recurrent LIF), or its hidden neurons (readout-only networks); None if neither."""
    agent = config.algorithm.agent
    lif = getattr(agent, "lif", None)
    if lif is not None:
        return lif.n_neurons
    return getattr(getattr(agent, "hidden", None), "n_hidden", None)


def title_line(arms: list[tuple[str, ExperimentConfig, np.ndarray]]) -> str:
    """The figure's title: preset, environment, network size, realizations and games (values that differ
    between arms joined by '/')."""

    def values(of) -> str:
        return " / ".join(dict.fromkeys(str(of(config, returns)) for _, config, returns in arms))

    return (
        f"preset {values(lambda c, r: c.preset)} · {values(lambda c, r: c.env)} · "
        f"N = {values(lambda c, r: network_size(c))} · {values(lambda c, r: r.shape[0])} realizations · "
        f"{values(lambda c, r: r.shape[1])} games"
    )


def _draw_curves(axis, label: str, config: ExperimentConfig, returns: np.ndarray, window: int, color: str) -> None:
    """Moving means (R, G - window + 1) of one arm against real interactions: single runs, median, 80th
    percentile and the mean ± standard error band, every legend entry named by the arm."""
    realizations = returns.shape[0]
    games = np.arange(window, window + returns.shape[1])
    interactions = games * config.algorithm.awake_steps
    marker = "o" if len(games) < FEW_POINTS else None  # a line of one point draws nothing
    for index, run in enumerate(returns):
        axis.plot(
            interactions,
            run,
            color=color,
            lw=0.4,
            alpha=0.35,
            marker=marker,
            ms=2,
            label=f"{label}: single realizations" if index == 0 else None,
        )
    mean = returns.mean(axis=0)
    error = returns.std(axis=0, ddof=1) / np.sqrt(realizations) if realizations > 1 else np.zeros_like(mean)
    axis.fill_between(
        interactions,
        mean - error,
        mean + error,
        color=color,
        alpha=0.25,
        lw=0,
        label=f"{label}: band = mean ± s.e. over {realizations} realizations",
    )
    axis.plot(
        interactions,
        np.median(returns, axis=0),
        color=color,
        lw=2.0,
        marker=marker,
        ms=4,
        label=f"{label} ({_describe(label, config)}): median over {realizations} realizations",
    )
    axis.plot(
        interactions,
        np.percentile(returns, 80, axis=0),
        color=color,
        lw=1.0,
        ls="--",
        marker=marker,
        ms=2,
        label=f"{label}: 80th percentile over realizations",
    )


def draw_aggregate(axis, labels: list[str], finals: list[np.ndarray], final_text: str, reference: int = -1) -> None:
    """IQM of each arm's final returns (runs,) with its 95 % stratified bootstrap interval, and the
    probability that a run of each other arm beats a run of the arm ``reference`` (an index; default the
    last). ``final_text`` says what a final return is, e.g. 'the return per game over the last 250 games'."""
    reference = reference % len(finals)
    for row, (label, final) in enumerate(zip(labels, finals, strict=True)):
        color = f"C{row}"
        if final.size < 2:
            axis.plot([final.mean()], [row], "o", color=color)
            axis.annotate(
                "1 run: no interval",
                (final.mean(), row),
                xytext=(0, 6),
                textcoords="offset points",
                fontsize=6,
                ha="center",
            )
            continue
        iqm = interquartile_mean(final)
        axis.plot([iqm.low, iqm.high], [row, row], color=color, lw=6, alpha=0.4, solid_capstyle="butt")
        axis.plot([iqm.point], [row], "|", color=color, ms=12, mew=2)
        if row != reference and finals[reference].size >= 2:
            improvement = probability_of_improvement(final, finals[reference])
            axis.annotate(
                f"P({label} > {labels[reference]}) = {improvement.point:.2f} "
                f"[{improvement.low:.2f}, {improvement.high:.2f}]",
                (iqm.point, row),
                xytext=(0, 8),
                textcoords="offset points",
                fontsize=6,
                ha="center",
            )
    ticks = [f"{label} (reference)" if row == reference else label for row, label in enumerate(labels)]
    axis.set_yticks(range(len(labels)), ticks, fontsize=7)
    axis.set_ylim(len(labels) - 0.3, -0.7)  # the first arm on top, as in the legend
    axis.set_xlabel(
        f"IQM of {final_text}\n(bar: 95 % stratified bootstrap interval over runs)",
        fontsize=7,
    )
    axis.grid(alpha=0.2, axis="x")


def short_run_window(window: int, games: int) -> int:
    """The moving-mean window for runs of ``games`` games: ``window`` when they are at least that long;
    for shorter runs a fifth of their games (at least 1), so that the curves still have points to draw."""
    return window if games >= window else max(1, games // 5)


def reference_arm(folders: list[Path], arms: list[tuple[str, ExperimentConfig, np.ndarray]]) -> int:
    """Index of the arm the others are compared with: for one sweep's folder, its reference point (the
    preset's values, sweep_results.reference_point, as in sweep.csv) where the grid holds it; else the last."""
    if len(folders) == 1 and arms[0][1].sweep:
        config = arms[0][1]
        point = reference_point(config, config.algorithm)
        if point is not None:
            return point
    return len(arms) - 1


def below_axes_legend(axis, ncol: int = 2) -> None:
    """The axis's legend below it, outside the data (call after tight_layout)."""
    axis.legend(fontsize=6, frameon=False, loc="upper left", bbox_to_anchor=(0.0, -0.24), ncol=ncol)


def beside_axes_legend(axis, **options) -> None:
    """The axis's legend to its right, outside the data."""
    axis.legend(fontsize=6, frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, **options)


def returns_figure(folders: list[Path], window: int = 50, final_games: int = 250):
    """The matplotlib figure of ``plot_returns`` (not saved)."""
    if not folders:
        raise ValueError("plot_returns needs at least one results folder")
    family = [str(folder) for folder in folders if is_family_folder(folder)]
    if family:
        raise ValueError(
            f"{', '.join(family)}: `snnrl algo` folders; plot them with family_plots.plot_family_returns "
            "(snnrl plot does)"
        )
    arms = arms_of(folders)
    games = min(returns.shape[1] for _, _, returns in arms)
    if games == 0:
        empty = [label for label, _, returns in arms if returns.shape[1] == 0]
        raise ValueError(f"{', '.join(empty)} holds no finished game yet: there is nothing to plot")
    requested, window, final_games = window, short_run_window(window, games), min(final_games, games)
    figure, axis, aggregate = curves_and_aggregate(len(arms))
    for index, (label, config, returns) in enumerate(arms):
        _draw_curves(axis, label, config, moving_average(returns, window), window, f"C{index % 10}")
    axis.set_xlabel("real interactions (agent steps)")
    axis.set_ylabel(f"return per game (moving mean over {window} games)")
    if window < requested:
        axis.set_title(f"{games} games, fewer than the {requested}-game window: moving mean over {window}", fontsize=7)
    axis.xaxis.set_major_locator(MaxNLocator(5))  # six-digit tick labels run into each other otherwise
    axis.grid(alpha=0.2)
    if len(arms) > 1:
        finals = [returns[:, -final_games:].mean(axis=1) for _, _, returns in arms]
        labels = [label for label, _, _ in arms]
        final_text = f"the return per game over the last {final_games} games"
        draw_aggregate(aggregate, labels, finals, final_text, reference_arm(folders, arms))
    figure.suptitle(title_line(arms), fontsize=8)
    figure.tight_layout()
    below_axes_legend(axis)  # below both panels' labels, after the layout (four entries per arm would cover the curves)
    return figure


def plot_returns(folders: list[Path], out: Path, window: int = 50, final_games: int = 250) -> list[Path]:
    """Return (moving mean over ``window`` games, drawn only where the window is full) vs real
    interactions for each folder (an arm, named by its folder): single runs thin, median thick, 80th
    percentile dashed, mean ± standard error shaded; each grid point of a sweep's folder is an arm of its
    own. With two or more arms a second panel compares them
    rliable-style on the mean return of the last ``final_games`` games: IQM with a bootstrap interval and
    the probability of improvement over the reference arm (the last folder; for one sweep's folder its
    reference point, as in sweep.csv). ``snnrl algo`` folders are refused (family_plots draws them).
    Returns the PNG and PDF paths."""
    return save_figure(returns_figure(folders, window, final_games), Path(out))


def plot_dream_rollout(
    observations_dreamt: np.ndarray,
    observations_real: np.ndarray,
    agent_spikes: np.ndarray,
    model_spikes: np.ndarray,
    out: Path,
    variable_names: tuple[str, ...] | None = OBSERVATION_NAMES,
) -> list[Path]:
    """Predicted vs real trajectories (S, D) of a dream under the same actions (in 255 x observation units:
    RAM bytes for Pong RAM), and spike rasters (S, N) of both networks during the dream. ``variable_names``
    None numbers the variables (pixel pipelines)."""
    figure = Figure(figsize=(6.4, 7.0))
    axes = figure.subplots(3, 1, gridspec_kw={"height_ratios": [2, 1, 1]})
    steps = np.arange(observations_dreamt.shape[0])
    for d in range(min(observations_dreamt.shape[1], MAX_DRAWN_VARIABLES)):
        name = variable_names[d] if variable_names and d < len(variable_names) else f"x{d}"
        axes[0].plot(steps, 255 * observations_real[:, d], color=f"C{d}", lw=1.5, label=f"{name} real")
        axes[0].plot(steps, 255 * observations_dreamt[:, d], color=f"C{d}", lw=1.5, ls="--", label=f"{name} dreamt")
    axes[0].set_ylabel("RAM units" if variable_names else "255 x observation")
    beside_axes_legend(axes[0])
    for axis, spikes, name in ((axes[1], agent_spikes, "agent"), (axes[2], model_spikes, "world model")):
        times, neurons = np.nonzero(spikes)
        axis.scatter(times, neurons, s=0.5, color="k")
        axis.set_ylabel(f"{name} neuron")
        axis.set_xlim(-0.5, spikes.shape[0] - 0.5)
    axes[2].set_xlabel("dream step")
    return save_figure(figure, Path(out))


def variable_names(config: ExperimentConfig) -> tuple[str, ...] | None:
    """Names of the observed variables (Pong RAM), or None (numbered) for pixel pipelines and other games."""
    return OBSERVATION_NAMES if config.observation.pipeline == "ram" and "pong" in config.env else None


def plot_dream(folder: Path, out: Path, realization: int = 0) -> list[Path]:
    """Dream of one trained realization of a run, against the real environment (JAX, or one host
    emulator) replayed with the dream's actions from the same reset state."""
    from snnrl.experiments.analysis.dream_replay import dream_against_reality

    replay = dream_against_reality(Path(folder), realization)
    names = variable_names(read_config(Path(folder)))
    return plot_dream_rollout(
        replay.dreamt, replay.real, replay.agent_spikes, replay.model_spikes, out, variable_names=names
    )


def returns_histogram(returns: np.ndarray, title: str, xlabel: str, out: Path) -> Path:
    """A histogram of evaluation returns (any shape, flattened) with their mean marked (legend beside the
    axes), written to ``out`` (PNG). Returns ``out``."""
    figure = Figure(figsize=(7, 3.5))
    axis = figure.add_subplot()
    values = np.asarray(returns, float).reshape(-1)
    bins = min(30, max(5, len(np.unique(values))))
    axis.hist(values, bins=bins, color="C0", alpha=0.8)
    axis.axvline(values.mean(), color="k", lw=1, label=f"mean {values.mean():+.3f}")
    axis.set_xlabel(xlabel)
    axis.set_ylabel("count")
    beside_axes_legend(axis)
    axis.set_title(title, fontsize=8)
    figure.savefig(out, dpi=150, bbox_inches="tight")
    return Path(out)

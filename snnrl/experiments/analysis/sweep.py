"""Figures of a hyper-parameter sweep (``ExperimentConfig.sweep``): one per swept field, from the per-point
table of run/sweep_results.py. How-to: docs/howto/sweep.md."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from snnrl.experiments.analysis.plots import beside_axes_legend
from snnrl.experiments.config.experiment import ExperimentConfig
from snnrl.experiments.config.sweep_axes import grid_shape, grid_values
from snnrl.experiments.run.sweep_results import sweep_table


def plot_sweep(config: ExperimentConfig, returns: np.ndarray, out: Path, final_games: int = 250) -> list[Path]:
    """One figure per swept field, ``out``/sweep_<field>.png and .svg: the final return (mean over
    realizations, ± SE) against the field's values, one line per combination of the other fields, the
    reference point (sweep.csv's, sweep_results.sweep_table) starred; legends beside the axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = sweep_table(config, returns, final_games)
    shape = grid_shape(config.sweep)
    finals = np.array(
        [
            np.nanmean(p["final_per_realization"]) if p["diverged"] < config.realizations else np.nan
            for p in table["points"]
        ]
    ).reshape(shape)
    errors = np.array(
        [
            np.nanstd(p["final_per_realization"], ddof=1) / np.sqrt(max(1, config.realizations - p["diverged"]))
            if config.realizations - p["diverged"] > 1
            else 0.0
            for p in table["points"]
        ]
    ).reshape(shape)
    reference = table["reference_point"]  # sweep_results.reference_point, as in sweep.csv
    reference_values = None if reference is None else grid_values(config.sweep)[reference]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, axis in enumerate(config.sweep):
        figure, ax = plt.subplots(figsize=(5.5, 3.8))
        moved_final = np.moveaxis(finals, index, -1).reshape(-1, len(axis.values))
        moved_error = np.moveaxis(errors, index, -1).reshape(-1, len(axis.values))
        others = [other for other in config.sweep if other is not axis]
        other_points = grid_values(tuple(others)) if others else np.zeros((1, 0))
        for line, (mean, error) in enumerate(zip(moved_final, moved_error, strict=True)):
            label = ", ".join(f"{o.name}={v:g}" for o, v in zip(others, other_points[line], strict=True)) or None
            ax.errorbar(axis.values, mean, yerr=error, marker="o", capsize=3, label=label)
        if reference is not None:  # the point sweep.csv's p_vs_reference and the returns figure compare with
            ax.plot(
                [reference_values[index]],
                [finals.reshape(-1)[reference]],
                marker="*",
                ms=14,
                color="k",
                ls="none",
                label="reference (the preset's values)",
            )
        ax.set_xlabel(axis.field)
        ax.set_ylabel(f"mean return, last {table['final_games']} games")
        if len(axis.values) > 1 and min(axis.values) > 0 and max(axis.values) / min(axis.values) >= 20:
            ax.set_xscale("log")
        if others or reference is not None:
            beside_axes_legend(ax)
        ax.set_title(
            f"{config.env} · {config.algorithm.mode} · {config.realizations} realizations per point", fontsize=9
        )
        for suffix in ("png", "svg"):
            path = out / f"sweep_{axis.name}.{suffix}"
            figure.savefig(path, dpi=120, bbox_inches="tight")
            paths.append(path)
        plt.close(figure)
    return paths

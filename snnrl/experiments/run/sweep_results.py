"""A sweep's results files: members named by grid point and realization (returns.csv's columns) and the
per-point table (sweep.csv and summary.json's "sweep"). How-to: docs/howto/sweep.md."""

from __future__ import annotations

import csv
import io

import numpy as np
from scipy.stats import mannwhitneyu

from snnrl.experiments.config.experiment import ExperimentConfig
from snnrl.experiments.config.sweep_axes import grid_values


def point_label(config: ExperimentConfig, point: int) -> str:
    """``learning_rate=0.001, beta=3`` for grid point ``point`` ('' without a sweep)."""
    values = grid_values(config.sweep)[point]
    return ", ".join(f"{axis.name}={value:g}" for axis, value in zip(config.sweep, values, strict=True))


def member_label(config: ExperimentConfig, member: int) -> str:
    """``realization r`` or, in a sweep, ``grid point (learning_rate=0.001), realization r``."""
    point, realization = divmod(member, config.realizations)
    if not config.sweep:
        return f"realization {realization}"
    return f"grid point ({point_label(config, point)}), realization {realization}"


def member_column(config: ExperimentConfig, member: int) -> str:
    """returns.csv column of a member: ``realization_r`` or ``learning_rate=0.001_beta=3_realization_r``."""
    point, realization = divmod(member, config.realizations)
    prefix = point_label(config, point).replace(", ", "_") + "_" if config.sweep else ""
    return f"{prefix}realization_{realization}"


def reference_point(config: ExperimentConfig, unswept) -> int | None:
    """The grid point whose values are those of ``unswept`` (the algorithm without the sweep: the preset's
    values), or None if the grid does not hold it."""
    wanted = []
    for axis in config.sweep:
        owner = unswept
        for part in axis.field.split(".")[1:]:
            owner = getattr(owner, part)
        if owner is None:
            return None
        wanted.append(float(owner))
    hits = np.nonzero(np.all(np.isclose(grid_values(config.sweep), wanted, rtol=1e-6, atol=0), axis=1))[0]
    return int(hits[0]) if hits.size else None


def sweep_table(config: ExperimentConfig, returns: np.ndarray, final_games: int = 250) -> dict:
    """Per grid point: its values, the mean return over the last ``final_games`` games (cut to the games
    played) per realization, mean and SD over realizations, how many realizations diverged (excluded
    from the statistics), and the one-sided Mann-Whitney p-value that the point beats the reference point
    (the preset's own values, where the grid holds them). returns: (M, games)."""
    games = returns.shape[1]
    final_games = max(1, min(final_games, games))
    per_member = returns[:, -final_games:].mean(axis=1) if games else np.full(len(returns), np.nan)
    finals = per_member.reshape(config.grid_points, config.realizations)
    reference = reference_point(config, config.algorithm)
    reference_ok = None if reference is None else finals[reference][np.isfinite(finals[reference])]
    points = []
    for point, values in enumerate(grid_values(config.sweep)):
        ok = finals[point][np.isfinite(finals[point])]
        entry = {
            "values": {axis.field: float(value) for axis, value in zip(config.sweep, values, strict=True)},
            "final_per_realization": finals[point].tolist(),
            "final_mean": float(ok.mean()) if ok.size else None,
            "final_sd": float(ok.std(ddof=1)) if ok.size > 1 else None,
            "diverged": int(config.realizations - ok.size),
            "p_vs_reference": None,
        }
        if reference is not None and point != reference and ok.size and reference_ok.size:
            entry["p_vs_reference"] = float(mannwhitneyu(ok, reference_ok, alternative="greater").pvalue)
        points.append(entry)
    return {
        "axes": [{"field": axis.field, "values": list(axis.values)} for axis in config.sweep],
        "final_games": final_games,
        "games": games,
        "reference_point": reference,
        "points": points,
    }


def sweep_csv(table: dict) -> str:
    """sweep.csv text: one row per grid point (values, final mean, SD, diverged, p vs reference)."""
    fields = [axis["field"] for axis in table["axes"]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*fields, "final_mean", "final_sd", "diverged", "p_vs_reference"])
    for point in table["points"]:
        writer.writerow(
            [
                *(f"{point['values'][name]:g}" for name in fields),
                *("" if point[key] is None else f"{point[key]:.6g}" for key in ("final_mean", "final_sd")),
                point["diverged"],
                "" if point["p_vs_reference"] is None else f"{point['p_vs_reference']:.4g}",
            ]
        )
    return out.getvalue()

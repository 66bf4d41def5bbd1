"""Results of a hyper-parameter sweep (``ExperimentConfig.sweep``): members named by grid point and
realization, per-member divergence, the per-point table (sweep.csv and summary.json's "sweep") and one
figure per swept field. How-to: docs/howto/sweeps.md."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from scipy.stats import mannwhitneyu

from snnrl.experiments.config.experiment import ExperimentConfig
from snnrl.experiments.config.sweep_axes import grid_shape, grid_values
from snnrl.experiments.train.program import member_algorithm


def check_sweep_runs(config: ExperimentConfig, env) -> None:
    """ValueError if the run has a sweep that cannot be one compiled program: a host-stepped environment
    (ALE) or hidden layers on the real chip."""
    if not config.sweep:
        return
    if getattr(env, "host_side", False):
        raise ValueError(
            f"a sweep trains its whole grid in one compiled program; environment {config.env!r} is stepped "
            "from the host: sweep on a JAX environment (pong, gymnax), or run one experiment per value"
        )
    hidden = getattr(config.algorithm.agent, "hidden", None)
    if hidden is not None and "dynapse1" in (hidden.backend, config.algorithm.world_model.hidden.backend):
        raise ValueError(
            "a sweep cannot drive the real chip (backend 'dynapse1'): sweep on the simulated chip "
            "(backend 'simulated') or the JAX reference ('jax')"
        )


TRACING_ERRORS = (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError, TypeError, ValueError)


def check_sweep_traceable(config: ExperimentConfig, env, env_params) -> None:
    """Before compiling: trace one member's first game with the swept values as JAX values (nothing is
    computed). ValueError naming the field if the code uses one of them as a fixed Python value (a shape,
    a loop length, a Python branch), which one program cannot vary."""
    if not config.sweep:
        return
    from snnrl.algorithms.dreaming.game import play_game
    from snnrl.experiments.train.program import init_learners, member_env_params, member_keys

    def first_game(config: ExperimentConfig):
        keys = member_keys(config)
        learner = jax.tree.map(lambda leaf: leaf[0], init_learners(config, keys))
        values = jnp.asarray(grid_values(config.sweep)[0], jnp.float32)
        params = member_env_params(env, env_params, keys[0])
        return play_game(member_algorithm(config, values), env, params, learner, jax.random.key(0))[1]

    try:
        jax.eval_shape(lambda: first_game(config))
        return
    except TRACING_ERRORS:
        pass
    for axis in config.sweep:
        try:
            jax.eval_shape(lambda axis=axis: first_game(config.replace(sweep=(axis,))))
        except TRACING_ERRORS as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ValueError(
                f"cannot sweep {axis.field!r}: the compiled game uses it as a fixed value (a shape, a loop "
                f"length or a Python branch), so one program cannot vary it; run one experiment per value "
                f"({type(error).__name__}: {first_line[:200]})"
            ) from None
    jax.eval_shape(lambda: first_game(config))  # fails only with several fields together: the error as it is


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


def diverged_members(metrics: dict[str, np.ndarray], learners_finite: np.ndarray | None = None) -> np.ndarray:
    """(M,) bool: members whose returns hold NaN/inf (or whose learners do, when ``learners_finite`` (M,)
    is given)."""
    bad = ~np.isfinite(metrics["game_return"]).all(axis=1)
    return bad if learners_finite is None else bad | ~learners_finite


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


def plot_sweep(config: ExperimentConfig, returns: np.ndarray, out: Path, final_games: int = 250) -> list[Path]:
    """One figure per swept field, ``out``/sweep_<field>.png and .svg: the final return (mean over
    realizations, ± SE) against the field's values, one line per combination of the other fields."""
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
        ax.set_xlabel(axis.field)
        ax.set_ylabel(f"mean return, last {table['final_games']} games")
        if len(axis.values) > 1 and min(axis.values) > 0 and max(axis.values) / min(axis.values) >= 20:
            ax.set_xscale("log")
        if others:
            ax.legend(fontsize=7)
        ax.set_title(
            f"{config.env} · {config.algorithm.mode} · {config.realizations} realizations per point", fontsize=9
        )
        figure.tight_layout()
        for suffix in ("png", "svg"):
            path = out / f"sweep_{axis.name}.{suffix}"
            figure.savefig(path, dpi=120)
            paths.append(path)
        plt.close(figure)
    return paths

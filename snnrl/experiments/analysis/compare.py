"""``snnrl compare``: the numbers that compare arms (results folders, or each grid point of a sweep's folder)
against the first: per arm its last-N mean ± SD over realizations, the one-sided Mann-Whitney test, the
interquartile mean with its bootstrap interval, the games to the first arm's final level as a ratio with its
bootstrap interval, and the area under the curve (statistics.compare_arms), with the CPU each run was
measured on (XLA compiles other CPU code on other processors: results are exact per processor only).
How-to: docs/howto/evaluate.md."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from snnrl.experiments.analysis.plots import arms_of, mode_name
from snnrl.experiments.run.provenance import cpu_model
from snnrl.experiments.statistics import compare_arms, interquartile_mean


def _measured_on(folder: Path) -> str:
    """The CPU a results folder's summary.json names (runs of snnrl before it recorded one: 'unknown')."""
    path = Path(folder) / "summary.json"
    try:
        return str(json.loads(path.read_text()).get("cpu", "unknown"))
    except (OSError, ValueError):
        return "unknown"


def compare_folders(folders: list[Path], final_games: int = 250, window: int = 50) -> dict:
    """{'arms': [per arm: label, env, mode, realizations, games, final_mean, final_sd, iqm, and for every arm
    after the first 'against_first' (ArmComparison.to_dict)], 'final_games', 'cpu' (this machine),
    'measured_on' (the CPU per folder)}. ValueError for fewer than two arms or arms of other lengths."""
    arms = arms_of([Path(folder) for folder in folders])
    if len(arms) < 2:
        raise ValueError(f"compare needs two arms or more (folders, or a sweep's grid points), got {len(arms)}")
    first_label, _, first = arms[0]
    rows = []
    for label, config, returns in arms:
        games = returns.shape[1]
        finals = returns[:, -min(final_games, games) :].mean(axis=1)
        row = {
            "label": label,
            "env": config.env,
            "mode": mode_name(config.algorithm.mode),
            "preset": config.preset,
            "realizations": int(returns.shape[0]),
            "games": int(games),
            "final_mean": float(finals.mean()),
            "final_sd": float(finals.std(ddof=1)) if finals.size > 1 else 0.0,
            "iqm": interquartile_mean(finals).__dict__ if finals.size > 1 else None,
        }
        if label != first_label:
            comparison = compare_arms(returns, first, config.algorithm.awake_steps, final_games, window)
            row["against_first"] = comparison.to_dict()
        rows.append(row)
    return {
        "arms": rows,
        "first_arm": first_label,
        "final_games": final_games,
        "cpu": cpu_model(),
        "measured_on": {str(folder): _measured_on(Path(folder)) for folder in folders},
    }


def _interval(interval: dict | None, digits: int = 3) -> str:
    if interval is None:
        return "n/a (one realization)"
    return f"{interval['point']:+.{digits}f} [{interval['low']:+.{digits}f}, {interval['high']:+.{digits}f}]"


def _ratio(interval: dict | None) -> str:
    if interval is None:
        return "n/a"
    point, low, high = (interval[key] for key in ("point", "low", "high"))
    return f"{point:.2f} [{low:.2f}, {high:.2f}]" if np.isfinite(point) else f"{point} [{low:.2f}, {high}]"


def report(result: dict) -> str:
    """The comparison as text: one block per arm, then the CPUs."""
    n = result["final_games"]
    lines = []
    for row in result["arms"]:
        lines.append(
            f"{row['label']} ({row['mode']}, {row['env']}, {row['realizations']} realizations x {row['games']} games)"
        )
        lines.append(f"  last-{n} mean ± SD: {row['final_mean']:+.3f} ± {row['final_sd']:.3f}")
        lines.append(f"  IQM (95 % bootstrap CI): {_interval(row['iqm'])}")
        versus = row.get("against_first")
        if versus is None:
            lines.append("  (first arm: the reference)")
            continue
        lines.append(
            f"  vs {result['first_arm']}: one-sided Mann-Whitney U = {versus['u_statistic']:g}, "
            f"p = {versus['p_value']:.3g}"
        )
        lines.append(
            f"  games to {result['first_arm']}'s final level {versus['baseline_final_level']:+.3f}: "
            f"{versus['games_to_baseline_arm']} vs {versus['games_to_baseline_baseline']}; "
            f"ratio (95 % CI) {_ratio(versus['interactions_ratio'])}"
        )
        auc_arm, auc_first = np.mean(versus["auc_arm"]), np.mean(versus["auc_baseline"])
        lines.append(
            f"  area under the curve (mean return, games 1-{versus['auc_games']}): {auc_arm:+.3f} vs "
            f"{auc_first:+.3f}, p = {versus['auc_p_value']:.3g}"
        )
    measured = sorted(set(result["measured_on"].values()))
    lines.append(f"runs measured on: {', '.join(measured)}; compared on: {result['cpu']}")
    lines.append("(XLA compiles other CPU code on other processors: the numbers are exact on that processor only)")
    return "\n".join(lines)

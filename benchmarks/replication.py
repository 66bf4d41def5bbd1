"""Pool an arm's replications (the same options at several seeds) against the baseline of each seed.

A search over many arms at one seed finds its best arm partly by chance; the arm is confirmed at a fresh seed (the
arm and its test fixed before that run) and its replications are pooled for power. Each replication is an arm
folder (or one grid point of a sweep's folder, named by its values) and the comparison JSON that arms.py wrote for
the baseline at the same seed:

    python benchmarks/replication.py \
        --replication benchmarks/runs/dreaming_sweep_lr/run dream_lr_scale=2 \
            benchmarks/results/fig2c_pong_v0.2_comparison.json \
        --replication benchmarks/runs/confirm_seed1_H/dream_model_update-game_dream_lr_scale-2 - \
            benchmarks/runs/confirm_seed1/comparison.json \
        --out benchmarks/results/dreaming_confirm_H.json

Per replication and pooled: mean return over the last games per realization, one-sided Mann-Whitney U (arm >
baseline), and the real interactions at which the arm's mean curve (full-window moving mean) first reaches the
baseline's final level. The pooled level is the mean over all baseline realizations; the realizations of
different seeds are independent draws of the same study, so the pooled test is a plain two-sample test.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from stored_baseline_comparison import against_baseline, check_same_study

from snnrl.experiments.plots import arms_of


def replication_returns(folder: Path, grid_point: str) -> tuple[dict, np.ndarray]:
    """(config dict, returns (R, games)) of an arm folder, or of the grid point of a sweep's folder whose label ends
    with ``grid_point`` (``-`` for a folder without a sweep)."""
    arms = arms_of([folder])
    if grid_point == "-":
        if len(arms) != 1:
            raise ValueError(f"{folder} is a sweep of {len(arms)} grid points; name one: {[a[0] for a in arms]}")
        return arms[0][1].to_dict(), arms[0][2]
    chosen = [(config, returns) for label, config, returns in arms if label.endswith("/" + grid_point)]
    if len(chosen) != 1:
        raise ValueError(f"{folder}: no grid point {grid_point!r}; it has {[label for label, _, _ in arms]}")
    return chosen[0][0].to_dict(), chosen[0][1]


def compare(final: np.ndarray, returns: np.ndarray, final_baseline: np.ndarray, steps: int, window: int) -> dict:
    """Mann-Whitney (arm > baseline) of the finals (R_arm,) vs (R_base,) and the interactions at which the arm's
    mean curve of returns (R_arm, games) first reaches the baseline's final level."""
    level = float(final_baseline.mean())
    test, games = against_baseline(final, returns, final_baseline, level, window)
    return {
        "realizations": int(final.size),
        "final_mean": float(final.mean()),
        "final_sd": float(final.std()),
        "baseline_final_level": level,
        "u_statistic": float(test.statistic),
        "p_value": float(test.pvalue),
        "interactions_to_baseline_level": None if games is None else games * steps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--replication",
        nargs=3,
        action="append",
        required=True,
        metavar=("FOLDER", "GRID_POINT", "BASELINE_JSON"),
        help="an arm folder, its grid point (- for none) and the baseline's comparison JSON at the same seed",
    )
    parser.add_argument("--baseline-arm", default="none")
    parser.add_argument("--window", type=int, default=50)
    parser.add_argument("--out", type=Path, required=True, help="JSON file")
    args = parser.parse_args()

    replications, seeds = [], set()
    for folder, grid_point, baseline_json in args.replication:
        stored = json.loads(Path(baseline_json).read_text())
        config, returns = replication_returns(Path(folder), grid_point)
        check_same_study(config, stored, folder)
        if config["seed"] in seeds:
            raise ValueError(f"{folder}: seed {config['seed']} is already pooled; replications need distinct seeds")
        if returns.shape[1] != stored["games"]:
            raise ValueError(f"{folder}: {returns.shape[1]} of {stored['games']} games done; finish the run first")
        seeds.add(config["seed"])
        base = stored["arms"][args.baseline_arm]
        replications.append((folder, grid_point, baseline_json, config, returns, base))

    steps = {config["algorithm"]["awake_steps"] for *_, config, _, _ in replications}
    final_games = {int(base["final_games"]) for *_, base in replications}
    if len(steps) != 1 or len(final_games) != 1:
        raise ValueError(f"replications differ in steps per game {steps} or final games {final_games}")
    (steps,), (final_games,) = steps, final_games
    results = {"final_games": final_games, "window": args.window, "replications": []}
    finals, finals_baseline = [], []
    print(
        f"| replication (seed) | last {final_games} games (mean ± SD) | U, p (arm > baseline) | interactions to level |"
    )
    print("|---|---|---|---|")
    for folder, grid_point, baseline_json, config, returns, base in replications:
        final, final_baseline = returns[:, -final_games:].mean(axis=1), np.asarray(base["final_baseline"])
        finals.append(final)
        finals_baseline.append(final_baseline)
        row = compare(final, returns, final_baseline, steps, args.window)
        row.update(
            seed=config["seed"],
            folder=folder,
            grid_point=grid_point,
            baseline=baseline_json,
            baseline_final_sd=float(final_baseline.std()),
            baseline_interactions_to_own_level=base["interactions_to_baseline_baseline"],
        )
        results["replications"].append(row)
        print(_row(f"{folder} {grid_point} (seed {config['seed']})", row))
    pooled_returns = np.concatenate([returns for *_, returns, _ in replications])
    pooled_baseline = np.concatenate(finals_baseline)
    results["pooled"] = compare(np.concatenate(finals), pooled_returns, pooled_baseline, steps, args.window)
    results["pooled"]["baseline_final_sd"] = float(pooled_baseline.std())
    print(_row(f"pooled (seeds {sorted(seeds)})", results["pooled"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(args.out)


def _row(name: str, row: dict) -> str:
    reached = row["interactions_to_baseline_level"]
    return (
        f"| {name} | {row['final_mean']:+.3f} ± {row['final_sd']:.3f} (baseline {row['baseline_final_level']:+.3f}) "
        f"| {row['u_statistic']:.0f}, {row['p_value']:.3g} | {'never' if reached is None else reached} |"
    )


if __name__ == "__main__":
    main()

"""Compare arms with a baseline whose run folder is gone but whose comparison JSON (written by arms.py) is kept.

The baseline of Fig 2C (`none`, official preset, JAX Pong, seed 0, 10 x 2000 games) is deterministic, and its
per-realization final means and final level are stored in benchmarks/results/fig2c_pong_v0.2_comparison.json.
Re-running it only to compare new arms with it costs 20-40 min on 2 cores; this script uses the stored values:

    python benchmarks/stored_baseline_comparison.py benchmarks/runs/fig3_pong_n_fut_2_4/plan_n_fut-2 ... \
        --baseline benchmarks/results/fig2c_pong_v0.2_comparison.json --out benchmarks/figures/fig3_pong_n_fut_2_4

Per arm: mean return over the last games per realization, one-sided Mann-Whitney U (arm > baseline) against the
stored finals, and the first game at which the arm's full-window moving mean reaches the stored final level.
The arms must have been run with the stored comparison's preset, environment, seed, games and realizations; a
sweep's folder (`snnrl train --sweep`) gives one arm per grid point.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy.stats import mannwhitneyu

from snnrl.algorithms.config import MODEL_USE_FIELDS
from snnrl.experiments.config import preset
from snnrl.experiments.config_io import flatten
from snnrl.experiments.plots import arms_of, plot_returns
from snnrl.experiments.statistics import games_to_level


def preset_differences(arm_preset: str, stored_preset: str) -> set[str]:
    """Dotted config keys (other than the preset's name) where two presets differ."""
    arm, stored = flatten(preset(arm_preset).to_dict()), flatten(preset(stored_preset).to_dict())
    return {key for key in arm.keys() | stored.keys() if arm.get(key) != stored.get(key)} - {"preset"}


def check_same_study(config: dict, stored: dict, arm: str) -> None:
    """ValueError when the arm was not run on the stored baseline's study (env, seed, sizes, and the preset, or
    one that differs from it only in the dreaming options of our own, e.g. ``dreaming`` vs ``official``)."""
    for key in ("env", "seed", "games", "realizations"):
        if config.get(key) != stored.get(key):
            raise ValueError(f"{arm}: {key} = {config.get(key)!r}, the stored baseline has {stored.get(key)!r}")
    if config.get("preset") != stored.get("preset"):
        foreign = preset_differences(config["preset"], stored["preset"])
        foreign -= {f"algorithm.{option}" for option in MODEL_USE_FIELDS}
        if foreign:
            raise ValueError(
                f"{arm}: preset {config['preset']!r} differs from the stored baseline's {stored['preset']!r} "
                f"in {sorted(foreign)}, not only in dreaming options ({', '.join(MODEL_USE_FIELDS)})"
            )


def against_baseline(final: np.ndarray, returns: np.ndarray, final_baseline: np.ndarray, level: float, window: int):
    """(one-sided Mann-Whitney result, arm > baseline, of the finals (R_arm,) vs (R_base,); the games after which
    the arm's mean curve of returns (R_arm, games), a full-window moving mean, first reaches ``level``, or None)."""
    return mannwhitneyu(final, final_baseline, alternative="greater"), games_to_level(returns, level, window)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("arms", nargs="+", type=Path, help="run folders of the arms")
    parser.add_argument("--baseline", type=Path, required=True, help="comparison JSON written by arms.py")
    parser.add_argument("--baseline-arm", default="none")
    parser.add_argument("--window", type=int, default=50)
    parser.add_argument("--out", type=Path, required=True, help="figure path without suffix; JSON beside it")
    args = parser.parse_args()
    stored = json.loads(args.baseline.read_text())
    base = stored["arms"][args.baseline_arm]
    final_baseline = np.asarray(base["final_baseline"])
    level, final_games = float(base["baseline_final_level"]), int(base["final_games"])
    results = {
        "baseline": {
            "source": str(args.baseline),
            "arm": args.baseline_arm,
            "final": final_baseline.tolist(),
            "final_level": level,
            "interactions_to_own_level": base["interactions_to_baseline_baseline"],
        },
        "arms": {},
    }
    print(
        f"| arm | last {final_games} games (mean ± SD) | interactions to the baseline's final level | U, p (arm > baseline) |"
    )
    print("|---|---|---|---|")
    arms = arms_of(list(args.arms))  # a folder, or each grid point of a sweep's folder
    for name, config, _ in arms:
        check_same_study(config.to_dict(), stored, name)
    for name, config, returns in arms:
        if returns.shape[1] != stored["games"]:
            raise ValueError(f"{name}: {returns.shape[1]} of {stored['games']} games done; finish the run first")
        final = returns[:, -final_games:].mean(axis=1)
        test, games = against_baseline(final, returns, final_baseline, level, args.window)
        steps = config.algorithm.awake_steps
        results["arms"][name] = {
            "final": final.tolist(),
            "u_statistic": float(test.statistic),
            "p_value": float(test.pvalue),
            "games_to_baseline_level": games,
            "interactions_to_baseline_level": None if games is None else games * steps,
        }
        print(
            f"| {name} | {final.mean():+.3f} ± {final.std():.3f} | {'never' if games is None else games * steps} | "
            f"{test.statistic:.0f}, {test.pvalue:.3g} |"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_name(args.out.name + "_comparison.json").write_text(json.dumps(results, indent=2))
    print(plot_returns(list(args.arms), args.out)[0])


if __name__ == "__main__":
    main()

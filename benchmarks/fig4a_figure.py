"""Fig 4A-style figure of the Boxing studies: return per episode (last games, mean ± SE over realizations) vs the
number of planning steps n_fut (0 = no planning), one line per latent space, from the arms folders written by
benchmarks/arms.py; also the first-games mean (before the agent learns) for reference. Writes
benchmarks/figures/fig4a_boxing{SUFFIX}.png and benchmarks/results/fig4a_boxing{SUFFIX}.json from the studies
fig4a_boxing_{projection,autoencoder}{SUFFIX}.

    python benchmarks/fig4a_figure.py --final-games 50 --first-games 20
    python benchmarks/fig4a_figure.py --suffix _500 --final-games 100 --first-games 20
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from scipy.stats import mannwhitneyu

HERE = Path(__file__).parent
SPACES = {"projection": "fig4a_boxing_projection", "autoencoder": "fig4a_boxing_autoencoder"}


def arm_returns(study: Path) -> dict[int, np.ndarray]:
    """n_fut (0 for the arm without planning) -> returns (R, games) of each arm folder of a study."""
    returns = {}
    for folder in sorted(path for path in study.iterdir() if (path / "metrics.npz").exists()):
        config = json.loads((folder / "config.json").read_text())["experiment"]["algorithm"]
        n_fut = config["n_fut"] if config["mode"] == "plan" else 0
        with np.load(folder / "metrics.npz") as metrics:
            returns[n_fut] = metrics["game_return"]
    return dict(sorted(returns.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--final-games", type=int, default=50)
    parser.add_argument("--first-games", type=int, default=20)
    parser.add_argument("--root", type=Path, default=HERE / "runs")
    parser.add_argument("--suffix", default="", help="of the study names, e.g. _500")
    args = parser.parse_args()
    figure = Figure(figsize=(5.0, 3.4))
    axis = figure.subplots()
    record = {}
    for index, (space, name) in enumerate(SPACES.items()):
        returns = arm_returns(args.root / f"{name}{args.suffix}")
        baseline = returns[0][:, -args.final_games :].mean(axis=1)
        rows = {}
        for n_fut, values in returns.items():
            final = values[:, -args.final_games :].mean(axis=1)
            first = values[:, : args.first_games].mean(axis=1)
            test = mannwhitneyu(final, baseline, alternative="greater") if n_fut else None
            rows[n_fut] = {
                "final_mean": float(final.mean()),
                "final_se": float(final.std(ddof=1) / np.sqrt(len(final))),
                "first_mean": float(first.mean()),
                "u_vs_no_planning": None if test is None else float(test.statistic),
                "p_vs_no_planning": None if test is None else float(test.pvalue),
                "realizations": len(final),
                "games": values.shape[1],
            }
        record[space] = rows
        steps = list(rows)
        means = [rows[n]["final_mean"] for n in steps]
        errors = [rows[n]["final_se"] for n in steps]
        axis.errorbar(np.array(steps) + 0.1 * index, means, yerr=errors, marker="o", capsize=3, label=f"{space} latent")
    axis.set_xlabel("planning steps n_fut (0 = no planning)")
    axis.set_ylabel(f"return per episode, last {args.final_games} games")
    axis.legend(frameon=False, fontsize=8)
    axis.set_title("Boxing from pixels (mean ± s.e. over realizations)", fontsize=9)
    figure.savefig(HERE / "figures" / f"fig4a_boxing{args.suffix}.png", dpi=150, bbox_inches="tight")
    (HERE / "results" / f"fig4a_boxing{args.suffix}.json").write_text(json.dumps(record, indent=2) + "\n")
    for space, rows in record.items():
        for n_fut, row in rows.items():
            p = (
                ""
                if row["p_vs_no_planning"] is None
                else f", U = {row['u_vs_no_planning']:.0f}, p = {row['p_vs_no_planning']:.2f}"
            )
            print(
                f"{space:11s} n_fut {n_fut}: {row['final_mean']:+.3f} ± {row['final_se']:.3f} (first games {row['first_mean']:+.3f}){p}"
            )


if __name__ == "__main__":
    main()

"""snnrl's faithful Fig 2C beside the learning curves of the official dreaming code itself, run unchanged on
real ALE Pong (../shared/reference/official_runs: per-50-game mean returns per seed, both arms).

The official files hold 39 blocks: block k (k = 1..39) covers the 0-based games 50(k-1)+1 ... 50k. Our
per-game returns are averaged over exactly the same games. Per 250-game block (5 consecutive 50-game
blocks, games 1-1750: 7 blocks) and arm, each run contributes its block mean; the two samples (snnrl's
realizations, the official code's seeds) are compared with a two-sided Mann-Whitney U test (H0: the same
distribution). Writes JSON and a figure.

    python benchmarks/official_runs_figure.py benchmarks/runs/fig2c_pong --out benchmarks/figures/fig2c_vs_official_code
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.stats import mannwhitneyu  # noqa: E402

BLOCK, BLOCKS_PER_TEST = 50, 5
REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "official_runs"
ARMS = {"dream": 1, "none": 0}


def official_blocks(flag: int) -> np.ndarray:
    """The official code's 50-game block means (seeds, 39) of one arm (flag 1 = dreaming)."""
    files = sorted(REFERENCE.glob(f"rewards_*if_dream_{flag}.npy"))
    if not files:
        raise FileNotFoundError(f"no official runs in {REFERENCE}")
    return np.stack([np.load(path) for path in files])


def our_blocks(folder: Path, blocks: int) -> np.ndarray:
    """Our per-game returns averaged over the official blocks' games (1 ... 50 blocks): (runs, blocks)."""
    with np.load(folder / "metrics.npz") as data:
        returns = data["game_return"]
    if returns.shape[1] < 1 + BLOCK * blocks:
        raise ValueError(f"{folder} has {returns.shape[1]} games; the comparison needs {1 + BLOCK * blocks}")
    return returns[:, 1 : 1 + BLOCK * blocks].reshape(returns.shape[0], blocks, BLOCK).mean(axis=2)


def compare(ours: np.ndarray, official: np.ndarray) -> list[dict]:
    """Per 250-game block: means, SDs, the two-sided Mann-Whitney U and p of the per-run block means."""
    rows = []
    for index in range(official.shape[1] // BLOCKS_PER_TEST):
        window = slice(index * BLOCKS_PER_TEST, (index + 1) * BLOCKS_PER_TEST)
        a, b = ours[:, window].mean(axis=1), official[:, window].mean(axis=1)
        test = mannwhitneyu(a, b, alternative="two-sided")
        first = 1 + index * BLOCK * BLOCKS_PER_TEST
        rows.append(
            {
                "games": [first, first + BLOCK * BLOCKS_PER_TEST - 1],
                "snnrl": [float(a.mean()), float(a.std())],
                "official": [float(b.mean()), float(b.std())],
                "u": float(test.statistic),
                "p": float(test.pvalue),
            }
        )
    return rows


def environment_name(folder: Path) -> str:
    """'JAX Pong' or 'ALE' for the environment the arms folder's runs played."""
    env = json.loads((folder / "none" / "config.json").read_text())["experiment"]["env"]
    return "ALE" if env.startswith("ale:") else "JAX Pong" if env == "pong" else env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="arms folder with dream/ and none/ (benchmarks/arms.py)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/figures/fig2c_vs_official_code"))
    args = parser.parse_args()
    figure, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    result = {"reference": str(REFERENCE), "block_games": BLOCK * BLOCKS_PER_TEST, "arms": {}}
    for axis, (arm, flag) in zip(axes, ARMS.items(), strict=False):
        official = official_blocks(flag)
        ours = our_blocks(args.folder / arm, official.shape[1])
        result["arms"][arm] = {
            "snnrl_runs": ours.shape[0],
            "official_seeds": official.shape[0],
            "blocks": compare(ours, official),
        }
        games = BLOCK * np.arange(1, official.shape[1] + 1)
        for curves, color, name in (
            (ours, "C0", f"snnrl official preset, {environment_name(args.folder)} ({ours.shape[0]} runs)"),
            (official, "C3", f"official code, ALE ({official.shape[0]} seeds)"),
        ):
            for run in curves:
                axis.plot(games, run, color=color, lw=0.4, alpha=0.3)
            mean, error = curves.mean(axis=0), curves.std(axis=0, ddof=1) / np.sqrt(len(curves))
            axis.fill_between(
                games, mean - error, mean + error, color=color, alpha=0.25, lw=0, label=f"{name}: mean ± s.e."
            )
            axis.plot(games, mean, color=color, lw=2.0)
        axis.set_title({"dream": "dreaming", "none": "baseline (no dreams)"}[arm])
        axis.set_xlabel("game (end of 50-game block)")
        axis.grid(alpha=0.2)
        axis.legend(fontsize=7, frameon=False, loc="lower right")
    axes[0].set_ylabel("mean return per game (50-game blocks)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for suffix in (".png", ".pdf"):
        figure.savefig(args.out.parent / f"{args.out.name}{suffix}", dpi=150, bbox_inches="tight")
    (args.out.parent / f"{args.out.name}.json").write_text(json.dumps(result, indent=2) + "\n")
    for arm, data in result["arms"].items():
        print(f"{arm}: games | snnrl mean ± SD | official mean ± SD | U | p (two-sided)")
        for row in data["blocks"]:
            print(
                f"  {row['games'][0]}-{row['games'][1]} | {row['snnrl'][0]:+.2f} ± {row['snnrl'][1]:.2f} | "
                f"{row['official'][0]:+.2f} ± {row['official'][1]:.2f} | {row['u']:.0f} | {row['p']:.3f}"
            )


if __name__ == "__main__":
    main()

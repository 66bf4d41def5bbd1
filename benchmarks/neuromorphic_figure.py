"""Neuromorphic dreaming: our simulated-chip runs against the published chip curves, in one plot.

The published result files hold, per run, the mean return of consecutive 50-game blocks (40 blocks =
2000 games). Our per-game returns are averaged the same way, then both are compared: final block mean ±
SD over runs, one-sided Mann-Whitney test dream > no dream on the final block, and the first block at
which the dreaming mean reaches the no-dreaming final level.

    python benchmarks/neuromorphic_figure.py benchmarks/runs/neuromorphic
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from snnrl.experiments.statistics import compare_arms  # noqa: E402

BLOCK = 50
REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "neuromorphic_dreaming"


def published() -> tuple[np.ndarray, np.ndarray]:
    """Published block curves (runs, 40): (dreaming, no dreaming)."""
    load = lambda flag: np.stack([np.load(REFERENCE / f"rewards_{run}if_dream_{flag}.npy") for run in range(10)])  # noqa: E731
    return load(1), load(0)


def ours(folder: Path) -> np.ndarray:
    """Our per-game returns (runs, games) averaged over 50-game blocks -> (runs, games // 50)."""
    with np.load(folder / "metrics.npz") as data:
        returns = data["game_return"]
    blocks = returns.shape[1] // BLOCK
    return returns[:, : blocks * BLOCK].reshape(returns.shape[0], blocks, BLOCK).mean(axis=2)


def summary(dream: np.ndarray, none: np.ndarray) -> dict:
    """Final-block statistics and the block at which dreaming reaches the no-dreaming final level."""
    result = compare_arms(dream, none, steps_per_game=BLOCK, final_games=1, window=1)
    final_dream, final_none = np.array(result.final_arm), np.array(result.final_baseline)
    return {
        "final_dream": [float(final_dream.mean()), float(final_dream.std())],
        "final_none": [float(final_none.mean()), float(final_none.std())],
        "p_value": result.p_value,
        "games_to_none_final_dream": None
        if result.games_to_baseline_arm is None
        else result.games_to_baseline_arm * BLOCK,
        "games_to_none_final_none": None
        if result.games_to_baseline_baseline is None
        else result.games_to_baseline_baseline * BLOCK,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="folder of benchmarks/arms.py runs")
    parser.add_argument("--dream", default="dream", help="subfolder of the dreaming arm")
    parser.add_argument("--none", default="none", help="subfolder of the no-dreaming arm")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/figures/neuromorphic"))
    args = parser.parse_args()
    our_dream, our_none = ours(args.folder / args.dream), ours(args.folder / args.none)
    their_dream, their_none = published()
    figure, axis = plt.subplots(figsize=(6.4, 4.0))
    for curves, label, color, style in (
        (their_dream, "published chip, dreaming", "C0", "--"),
        (their_none, "published chip, no dreaming", "C1", "--"),
        (our_dream, "snnrl simulated chip, dreaming", "C0", "-"),
        (our_none, "snnrl simulated chip, no dreaming", "C1", "-"),
    ):
        games = (np.arange(curves.shape[1]) + 1) * BLOCK
        mean, error = curves.mean(axis=0), curves.std(axis=0, ddof=1) / np.sqrt(curves.shape[0])
        axis.plot(games, mean, color=color, ls=style, lw=1.8, label=f"{label} (n={curves.shape[0]})")
        axis.fill_between(games, mean - error, mean + error, color=color, alpha=0.15, lw=0)
    axis.set_xlabel("game")
    axis.set_ylabel("mean return per game (50-game blocks)")
    axis.legend(fontsize=7, frameon=False)
    axis.grid(alpha=0.2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for suffix in (".png", ".pdf"):
        figure.savefig(args.out.parent / f"{args.out.name}{suffix}", dpi=150, bbox_inches="tight")
    results = {"ours": summary(our_dream, our_none), "published": summary(their_dream, their_none)}
    print(json.dumps(results, indent=2))
    (args.out.parent.parent / "results").mkdir(exist_ok=True)
    (args.out.parent.parent / "results" / f"{args.out.name}_comparison.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

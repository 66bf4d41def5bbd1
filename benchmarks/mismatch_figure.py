"""Mismatch robustness: dreaming vs no dreaming on the simulated chip at several device-mismatch levels.

    python benchmarks/mismatch_figure.py 0.0=benchmarks/runs/mismatch_0.0 0.2=benchmarks/runs/neuromorphic_original ...

Each FOLDER holds the two arms of benchmarks/arms.py (the first subfolder starting with 'dream' and with
'none'); curves are 50-game block means, statistics as in neuromorphic_figure.py.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from neuromorphic_figure import BLOCK, ours, summary  # noqa: E402


def arm(folder: Path, prefix: str) -> Path:
    """The arm subfolder whose name starts with prefix."""
    return next(path for path in sorted(folder.iterdir()) if path.is_dir() and path.name.startswith(prefix))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("levels", nargs="+", help="MISMATCH=FOLDER")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/figures/mismatch"))
    args = parser.parse_args()
    levels = [(float(item.split("=", 1)[0]), Path(item.split("=", 1)[1])) for item in args.levels]
    figure, axes = plt.subplots(1, len(levels), figsize=(3.2 * len(levels), 3.2), sharey=True)
    results = {}
    for axis, (mismatch, folder) in zip(np.atleast_1d(axes), levels, strict=False):
        dream, none = ours(arm(folder, "dream")), ours(arm(folder, "none"))
        results[f"{mismatch:.2f}"] = summary(dream, none)
        for curves, label, color in ((dream, "dreaming", "C0"), (none, "no dreaming", "C1")):
            games = (np.arange(curves.shape[1]) + 1) * BLOCK
            mean, error = curves.mean(axis=0), curves.std(axis=0, ddof=1) / np.sqrt(curves.shape[0])
            axis.plot(games, mean, color=color, label=f"{label}: mean, band ± SEM over {curves.shape[0]} runs")
            axis.fill_between(games, mean - error, mean + error, color=color, alpha=0.2, lw=0)
        axis.set_title(f"mismatch {100 * mismatch:.0f} %")
        axis.set_xlabel("game")
        axis.grid(alpha=0.2)
    np.atleast_1d(axes)[0].set_ylabel("mean return (50-game blocks)")
    np.atleast_1d(axes)[0].legend(fontsize=7, frameon=False)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for suffix in (".png", ".pdf"):
        figure.savefig(args.out.parent / f"{args.out.name}{suffix}", dpi=150, bbox_inches="tight")
    print(json.dumps(results, indent=2))
    (args.out.parent.parent / "results" / f"{args.out.name}_comparison.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

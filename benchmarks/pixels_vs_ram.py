"""Pong from pixels (random projection, D = 4) beside Pong from RAM: each arm's last-250-game means per
realization compared with the RAM study's (two-sided Mann-Whitney; SD over realizations as in arms.py), written to
benchmarks/results/fig2c_pixels_vs_ram.json.

    python benchmarks/pixels_vs_ram.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy.stats import mannwhitneyu

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    pixels = json.loads((RESULTS / "fig2c_pixels_comparison.json").read_text())
    ram = json.loads((RESULTS / "fig2c_pong_v0.2_comparison.json").read_text())
    pixel_arms = {"dream": "dream:observation.pipeline=projection", "none": "none:observation.pipeline=projection"}
    dream_pixels = pixels["arms"][pixel_arms["dream"]]
    out = {}
    for arm in pixel_arms:
        pixel_finals = np.asarray(dream_pixels["final_arm" if arm == "dream" else "final_baseline"])
        ram_finals = np.asarray(ram["arms"]["dream"]["final_arm" if arm == "dream" else "final_baseline"])
        test = mannwhitneyu(pixel_finals, ram_finals, alternative="two-sided")
        out[arm] = {
            "pixels_mean": float(pixel_finals.mean()),
            "pixels_sd": float(pixel_finals.std()),
            "ram_mean": float(ram_finals.mean()),
            "ram_sd": float(ram_finals.std()),
            "u_statistic": float(test.statistic),
            "p_two_sided": float(test.pvalue),
        }
        print(
            f"{arm}: pixels {out[arm]['pixels_mean']:+.3f} ± {out[arm]['pixels_sd']:.3f}, RAM "
            f"{out[arm]['ram_mean']:+.3f} ± {out[arm]['ram_sd']:.3f}, U = {test.statistic:.1f}, p = {test.pvalue:.3f}"
        )
    (RESULTS / "fig2c_pixels_vs_ram.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""A run killed after its first game and resumed must equal the uninterrupted run (shared by the resume tests)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from snnrl.experiments.run.runner import run_experiment


def resume_equals_uninterrupted(config, tmp_path: Path) -> tuple[Path, Path]:
    """Run ``config`` (2 games, one per chunk) for 1 game, resume it to 2 from its folder alone, run it whole
    beside it, and assert that both metrics files are equal bit for bit. Returns (resumed, uninterrupted)."""
    resumed, uninterrupted = tmp_path / "resumed", tmp_path / "uninterrupted"
    run_experiment(config.replace(games=1), resumed, show_progress=False)
    stored = json.loads((resumed / "config.json").read_text())
    stored["experiment"]["games"] = config.games
    (resumed / "config.json").write_text(json.dumps(stored))
    run_experiment(None, resumed, resume=True, show_progress=False)
    run_experiment(config, uninterrupted, show_progress=False)
    with np.load(resumed / "metrics.npz") as a, np.load(uninterrupted / "metrics.npz") as b:
        for name in a.files:
            np.testing.assert_array_equal(a[name], b[name])
    return resumed, uninterrupted

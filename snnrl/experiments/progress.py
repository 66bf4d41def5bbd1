"""Live progress bar (rich): games done, mean return, interactions/s, time left."""

from __future__ import annotations

import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from snnrl.experiments.config import ExperimentConfig


class ProgressReporter:
    """Context manager; ``update(games_done, last_returns (R, C), interactions_per_second)``."""

    def __init__(self, config: ExperimentConfig, games_done: int, enabled: bool = True):
        self._enabled = enabled
        self._progress = Progress(
            TextColumn(f"[bold]{config.env} · {config.algorithm.mode} · R={config.realizations}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("games · mean return {task.fields[mean_return]}"),
            TextColumn("· {task.fields[rate]} interactions/s"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            disable=not enabled,
        )
        self._task = self._progress.add_task("train", total=config.games, completed=games_done, mean_return="–", rate="–")

    def __enter__(self) -> "ProgressReporter":
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()

    def update(self, games_done: int, last_returns: np.ndarray, interactions_per_second: float) -> None:
        """Advance to games_done, showing the chunk's mean return and throughput."""
        self._progress.update(
            self._task,
            completed=games_done,
            mean_return=f"{float(np.mean(last_returns)):+.3f}",
            rate=f"{interactions_per_second:,.0f}",
        )

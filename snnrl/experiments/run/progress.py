"""Progress of a run: a live bar (rich) on a terminal; one plain line per chunk when stdout is not a
terminal (a file, a pipe, a batch job's log): games done, mean return, interactions/s, elapsed time."""

from __future__ import annotations

import sys
import time
from typing import TextIO

import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from snnrl.experiments.config.experiment import ExperimentConfig


class ProgressReporter:
    """Context manager; ``update(games_done, last_returns (R, C), interactions_per_second)``. ``stream``
    (default sys.stdout) decides: a terminal gets the live bar, anything else plain lines."""

    def __init__(self, config: ExperimentConfig, games_done: int, enabled: bool = True, stream: TextIO | None = None):
        self._stream = stream or sys.stdout
        isatty = getattr(self._stream, "isatty", None)
        self._plain = enabled and not (isatty is not None and isatty())
        self._total = config.games
        grid = f" x {config.grid_points} grid points" if config.sweep else ""
        self._label = f"{config.env} · {config.algorithm.mode} · R={config.realizations}{grid}"
        self._started = time.perf_counter()
        self._progress = Progress(
            TextColumn(f"[bold]{self._label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("games · mean return {task.fields[mean_return]}"),
            TextColumn("· {task.fields[rate]} interactions/s"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            disable=not enabled or self._plain,
        )
        self._task = self._progress.add_task(
            "train", total=config.games, completed=games_done, mean_return="–", rate="–"
        )

    def __enter__(self) -> ProgressReporter:
        self._started = time.perf_counter()
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()

    def update(self, games_done: int, last_returns: np.ndarray, interactions_per_second: float) -> None:
        """Advance to games_done, showing the chunk's mean return and throughput."""
        mean_return = f"{float(np.mean(last_returns)):+.3f}"
        rate = f"{interactions_per_second:,.0f}"
        if self._plain:
            elapsed = time.perf_counter() - self._started
            print(
                f"{self._label} · games {games_done}/{self._total} · mean return {mean_return} · {rate} interactions/s "
                f"· elapsed {elapsed:.1f} s",
                file=self._stream,
                flush=True,
            )
            return
        self._progress.update(self._task, completed=games_done, mean_return=mean_return, rate=rate)

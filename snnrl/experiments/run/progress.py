"""Progress of a run: a live bar (rich) on a terminal; one plain line per chunk when stdout is not a
terminal (a file, a pipe, a batch job's log): units done (games of the dreaming loop, updates of the RL
family), mean return, throughput, elapsed time."""

from __future__ import annotations

import sys
import time
from typing import TextIO

import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from snnrl.experiments.config.experiment import ExperimentConfig


class ChunkProgress:
    """Context manager; ``update(done, last_returns, per_second)``. ``label`` heads each line, ``total``
    units (``unit``, e.g. 'games') are to be done, ``done`` are already; ``rate_unit`` names what
    ``per_second`` counts. ``stream`` (default sys.stdout) decides: a terminal gets the live bar, anything
    else plain lines."""

    def __init__(
        self,
        label: str,
        total: int,
        done: int,
        unit: str,
        rate_unit: str,
        enabled: bool = True,
        stream: TextIO | None = None,
    ):
        self._stream = stream or sys.stdout
        isatty = getattr(self._stream, "isatty", None)
        self._plain = enabled and not (isatty is not None and isatty())
        self._total, self._unit, self._rate_unit, self._label = total, unit, rate_unit, label
        self._started = time.perf_counter()
        self._progress = Progress(
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(f"{unit} · mean return {{task.fields[mean_return]}}"),
            TextColumn(f"· {{task.fields[rate]}} {rate_unit}/s"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            disable=not enabled or self._plain,
        )
        self._task = self._progress.add_task("train", total=total, completed=done, mean_return="–", rate="–")

    def __enter__(self) -> ChunkProgress:
        self._started = time.perf_counter()
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()

    def update(self, done: int, last_returns: np.ndarray, per_second: float) -> None:
        """Advance to ``done`` units, showing the chunk's mean return (NaN entries ignored) and throughput."""
        finite = np.asarray(last_returns)[np.isfinite(last_returns)]
        mean_return = f"{float(np.mean(finite)):+.3f}" if finite.size else "–"
        rate = f"{per_second:,.0f}"
        if self._plain:
            elapsed = time.perf_counter() - self._started
            print(
                f"{self._label} · {self._unit} {done}/{self._total} · mean return {mean_return} · {rate} "
                f"{self._rate_unit}/s · elapsed {elapsed:.1f} s",
                file=self._stream,
                flush=True,
            )
            return
        self._progress.update(self._task, completed=done, mean_return=mean_return, rate=rate)


class ProgressReporter(ChunkProgress):
    """The dreaming loop's progress: games done of ``config.games``, interactions per second."""

    def __init__(self, config: ExperimentConfig, games_done: int, enabled: bool = True, stream: TextIO | None = None):
        grid = f" x {config.grid_points} grid points" if config.sweep else ""
        label = f"{config.env} · {config.algorithm.mode} · R={config.realizations}{grid}"
        super().__init__(label, config.games, games_done, "games", "interactions", enabled, stream)

"""Loggers for ``run_experiment(..., callbacks=...)``: host-side callables invoked once per chunk with
``(games_done, metrics, config)``, where ``metrics`` maps each metric name to its (R, games in chunk)
NumPy array for the games ``games_done - C .. games_done - 1``. How-to: docs/howto/logging.md.

- CSVLogger: a tidy CSV (run, realization, game, metric, value), appended per chunk; a resumed run
  first drops the rows of games it computes again, so no row is duplicated.
- TensorBoardLogger (tensorboardX): per metric, the mean over realizations per game.
- WandbLogger: the same means to Weights & Biases (optional extra ``pip install snnrl[wandb]``,
  imported when the logger is made, so a missing package fails before the run starts).
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import io
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from snnrl.choices import LOGGER_NAMES
from snnrl.core.storage import write_atomic
from snnrl.experiments.config.experiment import ExperimentConfig

CSV_COLUMNS = ("run", "realization", "game", "metric", "value")


class ChunkCallback(Protocol):
    """What run_experiment calls after every chunk."""

    def __call__(self, games_done: int, metrics: dict[str, np.ndarray], config: ExperimentConfig) -> None: ...


class LoggerUnavailableError(ValueError):
    """An optional logger whose package is not installed."""


def chunk_games(games_done: int, metrics: dict[str, np.ndarray]) -> np.ndarray:
    """Game indices (C,) of a chunk's metrics that end at ``games_done``."""
    count = next(iter(metrics.values())).shape[1]
    return np.arange(games_done - count, games_done)


def realization_means(metrics: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per metric, the mean over realizations (C,), ignoring NaN; metrics that are NaN throughout (a
    world model's errors in a run without one) are left out."""
    means = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN game
        for name, values in metrics.items():
            if np.isfinite(values).any():
                means[name] = np.nanmean(values, axis=0)
    return means


class CSVLogger:
    """Tidy CSV at ``path``: one row per (realization, game, metric), ``run`` naming the run. ``columns``
    names the five columns (the RL family's: run, seed, update, metric, value)."""

    def __init__(self, path: Path | str, run: str, columns: tuple[str, ...] = CSV_COLUMNS):
        self.path = Path(path)
        self.run = run
        self.columns = tuple(columns)
        self._started = False

    def __call__(self, games_done: int, metrics: dict[str, np.ndarray], config: ExperimentConfig) -> None:
        """Append the chunk's rows (on the first call, drop rows of these or later games first)."""
        games = chunk_games(games_done, metrics)
        if not self._started:
            self._keep_rows_before(int(games[0]))
            self._started = True
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for name, values in metrics.items():
            for realization in range(values.shape[0]):
                writer.writerows(
                    (self.run, realization, int(game), name, repr(float(value)))
                    for game, value in zip(games, values[realization], strict=True)
                )
        with self.path.open("a", encoding="utf-8", newline="") as handle:
            handle.write(buffer.getvalue())

    def _keep_rows_before(self, first_game: int) -> None:
        """Rewrite the file (atomically) with its header and the rows of games before ``first_game``."""
        kept = [list(self.columns)]
        if self.path.exists():
            with self.path.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.reader(handle))
            if rows and tuple(rows[0]) != self.columns:
                raise ValueError(
                    f"{self.path} is not a snnrl metrics CSV (its header is {rows[0]}); move it away or log elsewhere"
                )
            # A row cut short by a kill belongs to a chunk that is computed again: it is dropped too.
            kept += [
                row
                for row in rows[1:]
                if len(row) == len(self.columns) and row[2].isdigit() and int(row[2]) < first_game
            ]
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(kept)
        write_atomic(self.path, buffer.getvalue().encode())


class TensorBoardLogger:
    """TensorBoard event files in ``logdir``: scalar ``metric`` = mean over realizations, step = game.
    A resumed run purges the events of the games it computes again."""

    def __init__(self, logdir: Path | str):
        from tensorboardX import SummaryWriter

        self._writer_class = SummaryWriter
        self.logdir = Path(logdir)
        self._writer = None

    def __call__(self, games_done: int, metrics: dict[str, np.ndarray], config: ExperimentConfig) -> None:
        """Write the chunk's per-game means and flush."""
        games = chunk_games(games_done, metrics)
        if self._writer is None:
            self._writer = self._writer_class(logdir=str(self.logdir), purge_step=int(games[0]) or None)
        for name, means in realization_means(metrics).items():
            for game, value in zip(games, means, strict=True):
                if np.isfinite(value):  # NaN: no value in this game (an update of the RL family without an episode end)
                    self._writer.add_scalar(name, float(value), global_step=int(game))
        self._writer.flush()

    def close(self) -> None:
        """Close the event file."""
        if self._writer is not None:
            self._writer.close()


def import_wandb() -> Any:
    """The wandb module; LoggerUnavailableError naming the extra to install if it is missing."""
    try:
        return importlib.import_module("wandb")
    except ImportError:
        raise LoggerUnavailableError(
            "--log wandb needs Weights & Biases: pip install 'snnrl[wandb]' (or pip install wandb)"
        ) from None


class WandbLogger:
    """Weights & Biases: one wandb run per results folder (resumed with it), its config the run's, and
    per game the mean over realizations of each metric (step = game)."""

    def __init__(self, folder: Path | str, project: str = "snnrl"):
        self._wandb = import_wandb()
        self.folder = Path(folder)
        self.project = project
        self._run = None

    def __call__(self, games_done: int, metrics: dict[str, np.ndarray], config: ExperimentConfig) -> None:
        """Log the chunk's per-game means (the wandb run starts at the first call)."""
        if self._run is None:
            run_id = hashlib.sha256(str(self.folder.resolve()).encode()).hexdigest()[:16]
            self._run = self._wandb.init(
                project=self.project,
                name=self.folder.name,
                id=run_id,
                resume="allow",
                dir=str(self.folder),
                config=config.to_dict(),
            )
        means = realization_means(metrics)
        for index, game in enumerate(chunk_games(games_done, metrics)):
            self._run.log({name: float(values[index]) for name, values in means.items()}, step=int(game))

    def close(self) -> None:
        """Finish the wandb run."""
        if self._run is not None:
            self._run.finish()


def make_loggers(names: list[str], folder: Path, csv_columns: tuple[str, ...] = CSV_COLUMNS) -> list[Callable]:
    """The loggers named (csv -> folder/metrics.csv with ``csv_columns``, tensorboard -> folder/tensorboard,
    wandb), made before the run so a missing optional package fails first. ValueError for an unknown name."""
    folder = Path(folder)
    unknown = [name for name in names if name not in LOGGER_NAMES]
    if unknown:
        raise ValueError(f"unknown logger(s) {unknown}; allowed: {list(LOGGER_NAMES)}")
    makers = {
        "csv": lambda: CSVLogger(folder / "metrics.csv", run=folder.name, columns=csv_columns),
        "tensorboard": lambda: TensorBoardLogger(folder / "tensorboard"),
        "wandb": lambda: WandbLogger(folder),
    }
    return [makers[name]() for name in dict.fromkeys(names)]


def close_loggers(loggers: list[Callable]) -> None:
    """Call ``close()`` on each logger that has one."""
    for logger in loggers:
        close = getattr(logger, "close", None)
        if close is not None:
            close()

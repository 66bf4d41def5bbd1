"""Logging hooks (issue 14, item 2): callbacks once per chunk, tidy CSV without duplicated rows on resume,
TensorBoard means per game, W&B through a lazily imported module, plain progress lines off a terminal,
and the provenance recorded in summary.json."""

import csv
import io
import json
import re
import struct
import sys
import types

import numpy as np
import pytest

from snnrl.core.storage import read_npz
from snnrl.experiments.run import provenance
from snnrl.experiments.run.checkpoint import METRIC_NAMES
from snnrl.experiments.run.loggers import (
    CSV_COLUMNS,
    CSVLogger,
    LoggerUnavailableError,
    TensorBoardLogger,
    WandbLogger,
    make_loggers,
)
from snnrl.experiments.run.progress import ProgressReporter
from snnrl.experiments.run.runner import run_experiment
from tests.experiments.conftest import tiny_config


class Recorder:
    def __init__(self, fail_at=None):
        self.calls, self.fail_at = [], fail_at

    def __call__(self, games_done, metrics, config):
        self.calls.append((games_done, {name: values.copy() for name, values in metrics.items()}, config))
        if games_done == self.fail_at:
            raise RuntimeError("logger failed")


def chunk(games, realizations=2, offset=0.0):
    """Metrics of a chunk: value = 100 * realization + game + offset for every metric."""
    values = np.array([[100.0 * r + g + offset for g in games] for r in range(realizations)])
    return {name: values.copy() for name in METRIC_NAMES}


def csv_rows(path):
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    return rows[1:]


def test_callbacks_are_called_once_per_chunk_with_the_chunks_metrics(tmp_path):
    recorder = Recorder()
    config = tiny_config(games=2, chunk_games=1)
    summary = run_experiment(config, tmp_path / "run", show_progress=False, callbacks=[recorder])
    assert [call[0] for call in recorder.calls] == [1, 2]
    assert all(set(call[1]) == set(METRIC_NAMES) for call in recorder.calls)
    assert [call[1]["game_return"].shape for call in recorder.calls] == [(2, 1), (2, 1)]
    stored = read_npz(tmp_path / "run" / "metrics.npz")
    for name in METRIC_NAMES:
        joined = np.concatenate([call[1][name] for call in recorder.calls], axis=1)
        np.testing.assert_array_equal(joined, stored[name])
    assert recorder.calls[0][2].env == config.env
    for key in ("versions", "git_commit", "host", "started_at"):
        assert key in summary and key in json.loads((tmp_path / "run" / "summary.json").read_text())
    assert set(summary["versions"]) == {"jax", "jaxlib", "flax", "optax"}


def test_a_failing_callback_keeps_the_previous_checkpoint_and_a_resumed_csv_has_no_duplicates(tmp_path):
    folder = tmp_path / "run"
    config = tiny_config(games=2, chunk_games=1)
    with pytest.raises(RuntimeError, match="logger failed"):
        run_experiment(
            config,
            folder,
            show_progress=False,
            callbacks=[CSVLogger(folder / "metrics.csv", "run"), Recorder(fail_at=2)],
        )
    assert read_npz(folder / "checkpoint.npz")["metric_game_return"].shape == (2, 1)
    assert {int(row[2]) for row in csv_rows(folder / "metrics.csv")} == {0, 1}  # game 1 logged, not saved
    run_experiment(None, folder, resume=True, show_progress=False, callbacks=[CSVLogger(folder / "metrics.csv", "run")])
    rows = csv_rows(folder / "metrics.csv")
    keys = [(row[1], row[2], row[3]) for row in rows]
    assert len(keys) == len(set(keys)) == 2 * 2 * len(METRIC_NAMES)
    stored = read_npz(folder / "metrics.npz")
    for run, realization, game, metric, value in rows:
        assert run == "run"
        np.testing.assert_equal(float(value), stored[metric][int(realization), int(game)])


def test_csv_rows_are_tidy_and_a_line_cut_by_a_kill_is_dropped(tmp_path):
    path = tmp_path / "log.csv"
    logger = CSVLogger(path, "arm")
    logger(2, chunk([0, 1]), None)
    logger(4, chunk([2, 3]), None)
    with path.open("a") as handle:
        handle.write("arm,0,4,game_re")  # a kill mid-append
    CSVLogger(path, "arm")(6, chunk([4, 5], offset=0.5), None)
    rows = csv_rows(path)
    assert len(rows) == 2 * 6 * len(METRIC_NAMES)
    assert ["arm", "1", "5", "game_return", "105.5"] in rows and ["arm", "0", "3", "policy_entropy", "3.0"] in rows


def test_a_foreign_csv_is_not_overwritten(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not a snnrl metrics CSV"):
        CSVLogger(path, "arm")(2, chunk([0, 1]), None)
    assert path.read_text() == "a,b\n1,2\n"


def read_scalars(logdir):
    """(tag, step) -> value of every scalar in the TensorBoard event files of ``logdir``."""
    from tensorboardX.proto import event_pb2

    scalars = {}
    for path in sorted(logdir.glob("events.*")):
        data, position = path.read_bytes(), 0
        while position < len(data):
            (length,) = struct.unpack("<Q", data[position : position + 8])
            event = event_pb2.Event.FromString(data[position + 12 : position + 12 + length])
            position += 12 + length + 4
            for value in event.summary.value:
                scalars[(value.tag, event.step)] = value.simple_value
    return scalars


def test_tensorboard_gets_the_mean_over_realizations_per_game(tmp_path):
    logger = TensorBoardLogger(tmp_path / "tb")
    metrics = chunk([0, 1, 2])
    metrics["model_state_error"][:] = np.nan  # a run without a world model: left out
    metrics["policy_entropy"][0, 1] = np.nan  # one realization's NaN is ignored
    logger(3, metrics, None)
    logger.close()
    scalars = read_scalars(tmp_path / "tb")
    assert scalars[("game_return", 2)] == pytest.approx(52.0)
    assert scalars[("policy_entropy", 1)] == pytest.approx(101.0)
    assert not any(tag == "model_state_error" for tag, _ in scalars)
    assert {step for _, step in scalars} == {0, 1, 2}


class FakeWandb(types.ModuleType):
    def __init__(self):
        super().__init__("wandb")
        self.inits, self.logged, self.finished = [], [], 0

    def init(self, **settings):
        self.inits.append(settings)
        return self

    def log(self, data, step):
        self.logged.append((step, data))

    def finish(self):
        self.finished += 1


def test_wandb_logs_per_game_means_with_the_runs_config(tmp_path, monkeypatch):
    fake = FakeWandb()
    monkeypatch.setitem(sys.modules, "wandb", fake)
    config = tiny_config()
    logger = WandbLogger(tmp_path / "arm")
    logger(2, chunk([0, 1]), config)
    logger(3, chunk([2]), config)
    logger.close()
    assert len(fake.inits) == 1 and fake.inits[0]["config"] == config.to_dict() and fake.inits[0]["name"] == "arm"
    assert [step for step, _ in fake.logged] == [0, 1, 2]
    assert fake.logged[2][1]["game_return"] == pytest.approx(52.0) and fake.finished == 1


def test_a_missing_wandb_names_the_extra_before_the_run(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "wandb", None)  # import wandb raises ImportError
    with pytest.raises(LoggerUnavailableError, match=r"pip install 'snnrl\[wandb\]'"):
        make_loggers(["csv", "wandb"], tmp_path)
    with pytest.raises(ValueError, match="unknown logger"):
        make_loggers(["mlflow"], tmp_path)


def test_plain_progress_lines_when_stdout_is_not_a_terminal():
    stream = io.StringIO()
    with ProgressReporter(tiny_config(games=4), 0, stream=stream) as progress:
        progress.update(2, np.array([[1.0, 2.0]]), 1234.0)
        progress.update(4, np.array([[0.0, -1.0]]), 99.0)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r".*games 2/4 · mean return \+1\.500 · 1,234 interactions/s · elapsed \d+\.\d s", lines[0])
    quiet = io.StringIO()
    with ProgressReporter(tiny_config(games=4), 0, enabled=False, stream=quiet) as progress:
        progress.update(2, np.array([[1.0]]), 1.0)
    assert quiet.getvalue() == ""


def test_provenance_without_git_is_none(monkeypatch):
    record = provenance.run_provenance()
    assert record["git_commit"] is None or re.fullmatch(r"[0-9a-f]{40}", record["git_commit"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", record["started_at"])

    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(provenance.subprocess, "run", no_git)
    assert provenance.run_provenance()["git_commit"] is None

"""Every output a command writes is checked before any work, naming the path and the problem (/proc and /sys,
a file where a folder must be, a lock that is a folder); a full disk stops a run with its checkpoint intact
and says so; a folder two runs wrote is not plotted."""

import errno
import json
import os
import re
import time

import numpy as np
import pytest
from typer.testing import CliRunner

from snnrl.cli import app
from snnrl.core.output_paths import OutFolderError, check_output_file, check_output_folder
from snnrl.core.storage import read_npz, write_npz
from snnrl.experiments.run.checkpoint import CHECKPOINT
from snnrl.experiments.run.lock import LOCK_NAME
from snnrl.experiments.run.runner import load_state, read_config, run_experiment
from tests.experiments.conftest import TINY_ENV, tiny_config

runner = CliRunner()
TINY = ["--preset", "demo", "--env", TINY_ENV, "--neurons", "30", "--realizations", "2", "--games", "4"]
TINY += ["--chunk-games", "2", "awake_steps=20", "dream.steps=10", "agent_learning_start=0", "--no-progress"]


def one_line(result) -> str:
    return " ".join(result.output.split())


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished 2-game run (chunks of 1 game)."""
    folder = tmp_path_factory.mktemp("finished") / "run"
    run_experiment(tiny_config(games=2, chunk_games=1), folder, show_progress=False)
    return folder


def copy_of(folder, destination):
    destination.mkdir()
    for path in folder.iterdir():
        if path.is_file():
            (destination / path.name).write_bytes(path.read_bytes())
    return destination


# ------------------------------------------------------------------ paths that cannot hold an output


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda tmp: "/proc/snnrl-run", "is on the kernel's proc filesystem (/proc), which holds no files"),
        (lambda tmp: "/sys/snnrl/run", "is on the kernel's sysfs filesystem (/sys), which holds no files"),
        (lambda tmp: (tmp / "f").write_text("x") and tmp / "f" / "run", "cannot be created: {tmp}/f is a file"),
        (lambda tmp: (tmp / "f").write_text("x") and tmp / "f", "is a file, not a folder"),
    ],
)
def test_a_folder_that_cannot_hold_outputs_is_named(tmp_path, make, message):
    folder = make(tmp_path)
    pattern = "^" + re.escape(f"--log tensorboard {folder} ") + ".*" + re.escape(message.format(tmp=tmp_path))
    with pytest.raises(OutFolderError, match=pattern):
        check_output_folder(folder, "--log tensorboard")


def test_a_file_output_whose_path_is_a_folder_or_under_proc_is_named(tmp_path):
    with pytest.raises(OutFolderError, match=f"--out {tmp_path} is a folder, not a file"):
        check_output_file(tmp_path, "--out")
    with pytest.raises(OutFolderError, match="--out /proc/returns.png: its folder /proc is on the kernel's proc"):
        check_output_file("/proc/returns.png", "--out")


def test_a_failing_probe_file_is_named(tmp_path, monkeypatch):
    from snnrl.core import output_paths

    def refused(**arguments):
        raise OSError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(output_paths.tempfile, "mkstemp", refused)
    with pytest.raises(
        OutFolderError, match=f"cannot be written: a file cannot be created in {tmp_path} \\(Permission"
    ):
        check_output_folder(tmp_path / "run")


@pytest.mark.parametrize(
    "command",
    [
        ["train", "--out", "/proc/snnrl-run", *TINY],
        ["algo", "ppo", "--out", "/proc/snnrl-run"],
        ["autoencoder", "--env", "pong", "--frames", "300", "--out", "/proc/snnrl-run"],
    ],
)
def test_commands_refuse_a_proc_folder_before_any_work(command):
    started = time.perf_counter()
    result = runner.invoke(app, command)
    assert result.exit_code == 2, result.output
    assert "/proc/snnrl-run is on the kernel's proc filesystem (/proc), which holds no files" in one_line(result)
    assert time.perf_counter() - started < 20


def test_a_lock_that_is_a_folder_is_named(tmp_path):
    (tmp_path / "run" / LOCK_NAME).mkdir(parents=True)
    result = runner.invoke(app, ["train", "--out", str(tmp_path / "run"), *TINY])
    assert result.exit_code == 2, result.output
    assert f"holds {tmp_path / 'run' / LOCK_NAME}, which is not a file" in one_line(result)


@pytest.mark.parametrize(
    "log, blocker, message",
    [
        ("tensorboard", "tensorboard", "--log tensorboard {out}/tensorboard is a file, not a folder"),
        ("csv", "metrics.csv", "--log csv {out}/metrics.csv is a folder, not a file"),
    ],
)
def test_an_unwritable_log_is_refused_before_the_first_chunk(tmp_path, log, blocker, message):
    out = tmp_path / "run"
    out.mkdir()
    (out / blocker).write_text("x") if log == "tensorboard" else (out / blocker).mkdir()
    result = runner.invoke(app, ["train", "--out", str(out), *TINY, "--log", log])
    assert result.exit_code == 2, result.output
    assert message.format(out=out) in one_line(result)
    assert not (out / CHECKPOINT).exists() and not (out / "config.json").exists()


def test_plot_render_and_nir_refuse_an_output_they_cannot_write(finished, tmp_path):
    from snnrl.interop.hidden_export import save_nir

    plotted = runner.invoke(app, ["plot", str(finished), "--out", "/sys/returns"])
    assert plotted.exit_code == 2 and "--out /sys/returns.png: its folder /sys is on the kernel's sysfs" in one_line(
        plotted
    )
    (tmp_path / "file").write_text("x")
    rendered = runner.invoke(app, ["render", str(finished), "--out", str(tmp_path / "file" / "dream.gif")])
    assert rendered.exit_code == 2 and f"dream.gif: its folder {tmp_path / 'file'} is a file" in one_line(rendered)
    with pytest.raises(OutFolderError, match="the NIR file /proc/layer.nir: its folder /proc is on the kernel's"):
        save_nir(None, "/proc/layer.nir")
    evaluated = runner.invoke(app, ["eval", str(finished), "--games", "1", "--out", "/proc/snnrl-eval"])
    assert evaluated.exit_code == 2 and "--out /proc/snnrl-eval is on the kernel's proc" in one_line(evaluated)


def test_the_autoencoder_refuses_frames_beyond_the_memory_limit_before_collecting(tmp_path, monkeypatch):
    from snnrl.experiments.train import memory
    from snnrl.experiments.train.memory_limits import MemoryLimit

    monkeypatch.setattr(memory, "memory_limit", lambda device, host_copy=True: MemoryLimit(2**20, "a test limit"))
    result = runner.invoke(app, ["autoencoder", "--env", "pong", "--frames", "300", "--out", str(tmp_path / "ae")])
    assert result.exit_code == 2, result.output
    assert "300 frames of 210x160 pixels (collected, batched and trained on) need about 0.03 GiB" in one_line(result)
    assert "under a test limit; lower --frames (300)" in one_line(result)
    assert not (tmp_path / "ae").exists()


# ------------------------------------------------------------------ a full disk


def _full_disk_after(monkeypatch, name: str, writes: int) -> None:
    """Make the ``writes``-th and later writes of ``name`` fail as on a full disk (ENOSPC at fsync)."""
    real, seen = os.fsync, []

    def fsync(descriptor):
        if f".{name}." in os.readlink(f"/proc/self/fd/{descriptor}"):
            seen.append(descriptor)
            if len(seen) >= writes:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)


def test_a_full_disk_stops_the_run_with_the_checkpoint_intact_and_says_so(tmp_path, monkeypatch):
    out = tmp_path / "run"
    _full_disk_after(monkeypatch, CHECKPOINT, writes=2)  # the second chunk's checkpoint cannot be written
    result = runner.invoke(app, ["train", "--out", str(out), *TINY, "--no-figures"])
    assert result.exit_code == 1, result.output
    assert (
        f"{out / CHECKPOINT} could not be written: No space left on device; the run stopped and the checkpoint "
        f"{out / CHECKPOINT} of games 0..1 is intact: free space, then continue with --resume"
    ) in one_line(result)
    assert load_state(read_config(out), out).games_done == 2
    assert not [path.name for path in out.iterdir() if path.name.endswith(".snnrl-tmp")]


def test_a_full_disk_stops_an_algo_run_with_its_checkpoint_intact(tmp_path, monkeypatch):
    from tests.algorithms.family.test_family import fake

    fake(monkeypatch, 1.0)
    out = tmp_path / "run"
    _full_disk_after(monkeypatch, CHECKPOINT, writes=3)
    result = runner.invoke(app, ["algo", "ppo", "--out", str(out), "--chunks", "5"])
    assert result.exit_code == 1, result.output
    assert "could not be written: No space left on device; the run stopped and the last checkpoint" in one_line(result)
    assert int(np.load(out / CHECKPOINT)["done"]) == 2


# ------------------------------------------------------------------ a folder two runs wrote


def test_plot_refuses_a_folder_two_runs_wrote_naming_it(finished, tmp_path):
    other_config = copy_of(finished, tmp_path / "config")
    stored = json.loads((other_config / "config.json").read_text())
    stored["experiment"]["seed"] = 7
    (other_config / "config.json").write_text(json.dumps(stored))
    other_metrics = copy_of(finished, tmp_path / "metrics")
    metrics = read_npz(other_metrics / "metrics.npz")
    write_npz(other_metrics / "metrics.npz", {name: values + 1 for name, values in metrics.items()})
    for folder, message in ((other_config, "belongs to another run"), (other_metrics, "does not match")):
        result = runner.invoke(app, ["plot", str(folder), "--out", str(tmp_path / "figure")])
        assert result.exit_code == 2, result.output
        assert f"{folder} does not hold one run's results, so they are not shown" in one_line(result)
        assert message in one_line(result)
    assert not list(tmp_path.glob("figure*"))

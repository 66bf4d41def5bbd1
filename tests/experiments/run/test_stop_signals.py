"""Issue 27: SIGTERM / Ctrl-C is answered at once, even while a compiled chunk holds the main thread (the run
stops after the chunk, with an estimate of when); a second signal stops the process at once, keeping the
last checkpoint intact and resumable. Through a subprocess: the faults are process-level."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import pytest

from snnrl.core.storage import TEMPORARY_SUFFIX
from snnrl.experiments.run.checkpoint import CHECKPOINT
from snnrl.experiments.run.lock import LOCK_NAME
from snnrl.experiments.run.runner import load_state, read_config
from snnrl.experiments.run.signals import ChunkClock
from tests.experiments.conftest import TINY_ENV

# Long chunks (thousands of short games in one compiled call) with the tiny network: a chunk lasts seconds,
# so that a signal lands inside one, while compiling stays as quick as for any tiny run.
FLAGS = ["--preset", "demo", "--env", TINY_ENV, "--neurons", "20", "--realizations", "2", "--no-progress"]
FLAGS += ["--no-figures", "algorithm.awake_steps=20", "dream.steps=10", "--games", "1000000"]
CHUNK = 6000


def _start(folder, chunk_games: int):
    command = [sys.executable, "-m", "snnrl.cli", "train", *FLAGS, "--chunk-games", str(chunk_games)]
    process = subprocess.Popen(
        [*command, "--out", str(folder)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a Ctrl-C of the test's terminal is not the run's
    )
    lines: list[tuple[float, str]] = []

    def read() -> None:
        for line in process.stderr:
            lines.append((time.monotonic(), line.rstrip()))

    threading.Thread(target=read, daemon=True).start()
    return process, lines


def _games(folder) -> int:
    try:
        return json.loads((folder / "summary.json").read_text())["games"]
    except (FileNotFoundError, json.JSONDecodeError):
        return 0


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_sigterm_is_answered_at_once_and_a_second_stops_at_once_keeping_the_checkpoint(tmp_path):
    folder = tmp_path / "run"
    stop_signal = signal.SIGTERM
    name = signal.Signals(stop_signal).name
    process, lines = _start(folder, CHUNK)
    try:
        assert _wait_for(lambda: _games(folder) >= CHUNK, 300), [line for _, line in lines]
        sent = time.monotonic()  # the second chunk has just begun: it holds the main thread for seconds
        process.send_signal(stop_signal)
        assert _wait_for(lambda: any(f"{name} received" in line for _, line in lines), 5)
        answered, first = next((at, line) for at, line in lines if f"{name} received" in line)
        assert answered - sent < 1.0, first
        assert f"the run stops when the current chunk (games {CHUNK}..{2 * CHUNK - 1}) ends, in about" in first
        assert f"the checkpoint {folder / CHECKPOINT} (games 0..{CHUNK - 1}) is kept" in first
        assert process.poll() is None  # the chunk goes on
        sent = time.monotonic()
        process.send_signal(stop_signal)
        process.wait(timeout=10)
        stopped = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 128 + stop_signal, [line for _, line in lines]
    assert stopped < 3.0
    assert any(f"{name} received again: stopping now" in line for _, line in lines)
    # The checkpoint on disk is intact, this run's own and resumable; no lock or temporary file is left.
    config = read_config(folder)
    state = load_state(config, folder)
    assert state.games_done % CHUNK == 0 and state.games_done >= CHUNK
    assert not (folder / LOCK_NAME).exists() and not list(folder.glob(f".*{TEMPORARY_SUFFIX}"))


def test_the_estimate_comes_from_the_last_chunks_time(monkeypatch):
    clock = ChunkClock(CHECKPOINT)
    assert "before its next chunk" in clock.when()
    clock.chunk_started(0, 50)
    assert "the first chunk of this session: its length is not known yet" in clock.when()
    clock.chunk_done(30.0)
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now)
    clock.chunk_started(50, 100)
    monkeypatch.setattr(time, "monotonic", lambda: now + 12.0)
    assert clock.when() == "when the current chunk (games 50..99) ends, in about 18 s (the last chunk took 30 s)"


def test_ctrl_c_inside_a_run_is_answered_at_once_and_stops_it_between_chunks(tmp_path, capfd):
    import os

    from snnrl.experiments.run.signals import Terminated, graceful_stop, raise_if_terminated

    before = signal.getsignal(signal.SIGINT)  # pytest-xdist's workers ignore SIGINT; a plain pytest does not
    with pytest.raises(Terminated) as stopped, graceful_stop(tmp_path / CHECKPOINT) as clock:
        clock.chunk_started(0, 10)
        os.kill(os.getpid(), signal.SIGINT)  # no KeyboardInterrupt: the chunk would go on
        assert _wait_for(lambda: "SIGINT received" in capfd.readouterr().err, 2)
        raise_if_terminated()  # between chunks
    assert stopped.value.code == 128 + signal.SIGINT
    assert signal.getsignal(signal.SIGINT) is before  # restored

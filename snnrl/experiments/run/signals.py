"""SIGTERM and Ctrl-C as an exception (Terminated), so that a stopped run cleans up like an interrupted one
(temporary files removed, the folder's lock released, the last checkpoint kept).

A chunked run (``graceful_stop``) stops in two steps. The first SIGTERM or Ctrl-C (SIGINT) is answered at
once, even while the main thread waits for a compiled chunk (a thread reads the signal's wakeup file
descriptor): the run will stop when the current chunk ends, in about the time the last chunk took; the
chunk's checkpoint is written first. A second signal stops at once: the checkpoint already on disk is kept
(it is written atomically), the folder's temporary files and lock are removed, and the process exits with
128 + the signal's number within about a second.
"""

from __future__ import annotations

import _thread
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from snnrl.core.storage import remove_temporaries
from snnrl.experiments.run.divergence import kept_checkpoint
from snnrl.experiments.run.lock import LOCK_NAME

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
HARD_STOP_GRACE_SECONDS = 1.0  # how long a second signal waits for the main thread before the process exits


class Terminated(SystemExit):
    """The process received SIGTERM or SIGINT; exits with status 128 + the signal's number if not caught."""


_received = threading.Event()
_received_signal = [signal.SIGTERM]  # the signal that asked the run to stop
_stop_now = threading.Event()  # a second signal asked graceful_stop's run to stop at once


def raise_if_terminated() -> None:
    """Raise Terminated (128 + the signal's number) if SIGTERM / SIGINT arrived inside ``graceful_stop``."""
    if _received.is_set():
        raise Terminated(128 + _received_signal[0])


def stopped_at_once() -> bool:
    """Whether the last ``graceful_stop`` block was asked by a second signal to stop at once (the caller
    may then end the process without its slow teardown)."""
    return _stop_now.is_set()


class ChunkClock:
    """What a stop request is told about the run: the checkpoint's path, the chunk under way and how long
    the last one took (the runner calls ``chunk_started`` / ``chunk_done``)."""

    def __init__(self, checkpoint: Path) -> None:
        self.checkpoint = Path(checkpoint)
        self.games: tuple[int, int] | None = None
        self.started: float | None = None
        self.last_seconds: float | None = None

    def chunk_started(self, first: int, stop: int) -> None:
        """Games first..stop-1 are being computed from now."""
        self.games, self.started = (first, stop), time.monotonic()

    def chunk_done(self, seconds: float) -> None:
        """The chunk took ``seconds`` (the estimate of the next)."""
        self.last_seconds, self.started = seconds, None

    def when(self) -> str:
        """When the run will stop, in words, e.g. 'when the current chunk (games 50..99) ends, in about 12 s'."""
        if self.games is None or self.started is None:
            return "before its next chunk (it is preparing or compiling, or saving the last one)"
        chunk = f"when the current chunk (games {self.games[0]}..{self.games[1] - 1}) ends"
        if self.last_seconds is None:
            return f"{chunk} (the first chunk of this session: its length is not known yet)"
        left = max(0.0, self.last_seconds - (time.monotonic() - self.started))
        return f"{chunk}, in about {left:.0f} s (the last chunk took {self.last_seconds:.0f} s)"


def _say(text: str) -> None:
    try:
        sys.stderr.write(f"\nsnnrl: {text}\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed stderr must not keep the run from stopping
        pass


def _hard_stop(clock: ChunkClock, signum: int) -> None:
    """End the process now (the main thread is inside a compiled chunk): the checkpoint on disk stays as
    it is; the folder's temporary files and this process's lock file are removed."""
    folder = clock.checkpoint.parent
    remove_temporaries(folder)
    lock = folder / LOCK_NAME
    try:
        if json.loads(lock.read_text()).get("pid") == os.getpid():
            lock.unlink(missing_ok=True)
    except (OSError, ValueError, AttributeError):
        pass
    os._exit(128 + signum)


def _watch(read_end: int, clock: ChunkClock, stop_now: threading.Event, timers: list[threading.Timer]) -> None:
    """Answer each stop signal as it arrives (the wakeup descriptor gets its number at once): the first
    says when the run stops, the second stops it."""
    received = 0
    while True:
        try:
            data = os.read(read_end, 64)
        except OSError:
            return
        if not data:
            return
        for signum in data:
            if signum not in STOP_SIGNALS:
                continue
            name = signal.Signals(signum).name
            received += 1
            _received_signal[0] = signum
            _received.set()
            if received == 1:
                _say(
                    f"{name} received: the run stops {clock.when()}, after writing its checkpoint. Send {name} "
                    f"again to stop at once: {kept_checkpoint(clock.checkpoint)}"
                )
                continue
            _say(f"{name} received again: stopping now; {kept_checkpoint(clock.checkpoint)}")
            stop_now.set()
            _thread.interrupt_main(signum)  # raises Terminated as soon as the main thread runs Python
            deadline = threading.Timer(HARD_STOP_GRACE_SECONDS, _hard_stop, (clock, signum))
            deadline.daemon = True
            timers.append(deadline)
            deadline.start()
            return


@contextmanager
def graceful_stop(checkpoint: Path) -> Iterator[ChunkClock]:
    """Inside the block the first SIGTERM / SIGINT prints at once when the run will stop and makes
    ``raise_if_terminated`` raise Terminated (128 + signal) between chunks; a second one raises it at once
    (or, while a compiled chunk holds the main thread, ends the process after HARD_STOP_GRACE_SECONDS,
    keeping the checkpoint at ``checkpoint``). Yields the ChunkClock the run reports its chunks to. Outside
    the main thread it changes nothing (Python lets only the main thread set handlers)."""
    clock = ChunkClock(checkpoint)
    if threading.current_thread() is not threading.main_thread():
        yield clock
        return
    stop_now = _stop_now
    stop_now.clear()
    timers: list[threading.Timer] = []  # the second signal's deadline, cancelled if the block ends first

    def on_signal(signum: int, frame) -> None:
        _received_signal[0] = signum
        _received.set()
        if stop_now.is_set():
            raise Terminated(128 + signum)

    _received.clear()
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    previous_handlers = {signum: signal.signal(signum, on_signal) for signum in STOP_SIGNALS}
    previous_wakeup = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    watcher = threading.Thread(target=_watch, args=(read_end, clock, stop_now, timers), name="snnrl-stop", daemon=True)
    watcher.start()
    # A process inherits its parent's blocked signals: a launcher (or a library in it) that blocks SIGTERM
    # would leave the run unstoppable, the signal pending forever. Unblocked while the handlers are set.
    blocked = signal.pthread_sigmask(signal.SIG_UNBLOCK, set(STOP_SIGNALS))
    try:
        yield clock
    finally:
        for timer in timers:
            timer.cancel()
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        signal.set_wakeup_fd(previous_wakeup)
        for signum, handler in previous_handlers.items():
            signal.signal(signum, handler)
        os.close(write_end)  # the watcher reads the end of the pipe and returns
        watcher.join(timeout=1.0)
        os.close(read_end)
        _received.clear()

"""SIGTERM as an exception, so that a terminated run cleans up like an interrupted one (temporary files
removed, the folder's lock released, the last checkpoint kept)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Terminated(SystemExit):
    """The process received SIGTERM; exits with status 128 + 15 if not caught."""


_received = threading.Event()


def _raise_terminated(signum: int, frame) -> None:
    # Remembered as well as raised: where the handler happens to run inside a finalizer or a callback,
    # Python prints the exception and goes on ("Exception ignored in ..."); raise_if_terminated, called by
    # the run between chunks, raises it again.
    _received.set()
    raise Terminated(128 + signum)


def raise_if_terminated() -> None:
    """Raise Terminated if SIGTERM arrived inside ``sigterm_raises`` (even where its exception was lost)."""
    if _received.is_set():
        raise Terminated(128 + signal.SIGTERM)


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """Inside the block SIGTERM raises Terminated (in the main thread; elsewhere it changes nothing:
    Python lets only the main thread set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received.clear()
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    # A process inherits its parent's blocked signals: a launcher (or a library in it) that blocks SIGTERM
    # would leave the run unstoppable, the signal pending forever. Unblocked while the handler is set.
    blocked = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        signal.signal(signal.SIGTERM, previous)
        _received.clear()

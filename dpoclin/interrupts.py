"""SIGINT and SIGTERM as exceptions, so that ``finally`` blocks and atomic outputs clean up.

Python raises ``KeyboardInterrupt`` on SIGINT already; SIGTERM kills the process without unwinding.
``terminate_raises()`` maps SIGTERM to :class:`Terminated` (a ``KeyboardInterrupt``, so every handler of
Ctrl-C handles it too) for the duration of a block. ``exit_code`` gives the shell's code: 128 + signal.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM."""

    signum = signal.SIGTERM


def exit_code(exc: BaseException) -> int:
    """128 + the signal number: 130 for Ctrl-C (SIGINT), 143 for SIGTERM."""
    return 128 + int(getattr(exc, "signum", signal.SIGINT))


def _terminated_in(owner: int):
    """The SIGTERM handler: raise in the process that installed it; in a process forked from it (a worker not yet
    past its initializer) exit quietly, as SIG_DFL would, instead of printing a traceback."""
    def handler(signum, frame) -> None:
        if os.getpid() != owner:
            os._exit(128 + signum)
        raise Terminated()
    return handler


@contextlib.contextmanager
def terminate_raises():
    """Within the block SIGTERM raises :class:`Terminated` (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminated_in(os.getpid()))
    try:
        yield
    finally:  # None: a handler not installed from Python; the default is the closest thing to restore
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def worker_defaults() -> None:
    """Initializer of worker processes: the parent handles Ctrl-C and stops them; SIGTERM kills them quietly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

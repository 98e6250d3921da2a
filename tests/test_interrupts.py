"""SIGTERM as an exception in the process that asked for it, and a quiet exit in processes forked from it."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest

from dpoclin.interrupts import Terminated, exit_code, terminate_raises


def test_sigterm_raises_terminated_inside_the_block_and_the_handler_is_restored():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated) as err:
        with terminate_raises():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
    assert exit_code(err.value) == 143 and signal.getsignal(signal.SIGTERM) == before


def test_a_forked_child_terminated_before_its_own_handlers_exits_quietly(capfd):
    """A worker forked inside the block and terminated before its initializer ran: exit 143, no traceback."""
    ctx = multiprocessing.get_context("fork")
    with terminate_raises():
        child = ctx.Process(target=time.sleep, args=(30,))
        child.start()
        time.sleep(0.3)
        child.terminate()
        child.join(10)
    assert child.exitcode == 143
    assert "Traceback" not in capfd.readouterr().err

"""The collapse warning: a gradient norm that stays ~0 for PATIENCE logging steps while the learning rate is positive."""

from __future__ import annotations

import io
from types import SimpleNamespace

from rich.console import Console

from dpoclin.train_health import PATIENCE, CollapseWatch


def _watch():
    buf = io.StringIO()
    return CollapseWatch(Console(file=buf, width=400)), buf


def _feed(watch, norms, lr=1e-4, main=True):
    for step, g in enumerate(norms, 1):
        state = SimpleNamespace(is_world_process_zero=main, global_step=step * 5)
        watch.on_log(None, state, None, logs={"loss": 0.95, "grad_norm": g, "learning_rate": lr})


def test_warns_once_after_patience_zero_gradients_with_the_fix():
    watch, buf = _watch()
    _feed(watch, [3.2, 1.7, 0.0, 7e-22, 0.0, 0.0])  # the kto run at lr 5e-4: zero from step 15 on
    out = buf.getvalue()
    assert out.count("warning:") == 1 and f"step {5 * (2 + PATIENCE)}" in out
    assert "training.learning_rate" in out and "will not recover" in out


def test_no_warning_for_a_healthy_run_a_single_zero_or_a_finished_schedule():
    for norms, lr in (([3.2, 1.7, 2.0, 0.4], 1e-4), ([1.0, 0.0, 1.0, 0.0, 1.0], 1e-4), ([0.0, 0.0, 0.0], 0.0)):
        watch, buf = _watch()
        _feed(watch, norms, lr)
        assert buf.getvalue() == "", norms


def test_only_the_main_process_warns():
    watch, buf = _watch()
    _feed(watch, [0.0] * 4, main=False)
    assert buf.getvalue() == ""

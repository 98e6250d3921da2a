"""Training progress: the loss terms shown, the time-left estimate, and plain lines off a terminal."""

from __future__ import annotations

import io
from types import SimpleNamespace

from rich.console import Console

from dpoclin.progress import PhaseProgress, TrainProgress, format_terms


def plain_console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=False, width=200), buffer


def test_format_terms_shows_each_loss_term_and_accuracy_as_percent():
    logs = {"loss": 1.2345, "loss/dpo": 0.6931, "loss/kto": 0.5, "kl": 0.0123, "rewards/accuracies": 0.75, "grad_norm": 3.0}
    assert format_terms(logs) == "loss 1.23 dpo 0.693 kto 0.5 kl 0.0123 acc 75%"
    assert format_terms({"loss": 0.5, "loss/sft": 2.0}) == "loss 0.5 sft 2"  # absent terms are left out
    assert format_terms({"learning_rate": 1e-4}) == ""


def test_plain_lines_off_a_terminal_with_the_time_left_from_the_mean_step(monkeypatch):
    console, buffer = plain_console()
    progress = TrainProgress(console)
    state = SimpleNamespace(is_world_process_zero=True, global_step=10, max_steps=60)
    clock = iter([100.0, 130.0])  # training began at t=100; 10 steps later it is t=130: 3 s per step
    monkeypatch.setattr("dpoclin.progress.time.monotonic", lambda: next(clock))
    state.global_step = 0
    progress.on_train_begin(None, state, None)
    state.global_step = 10
    progress.on_log(None, state, None, logs={"loss": 0.9, "loss/dpo": 0.6})
    assert buffer.getvalue().strip() == "step 10/60  loss 0.9 dpo 0.6  0:00:30 elapsed, ~0:02:30 left"  # 50 steps x 3 s


def test_a_resumed_run_estimates_from_its_own_steps(monkeypatch):
    console, buffer = plain_console()
    progress = TrainProgress(console)
    state = SimpleNamespace(is_world_process_zero=True, global_step=40, max_steps=60)
    clock = iter([0.0, 20.0])
    monkeypatch.setattr("dpoclin.progress.time.monotonic", lambda: next(clock))
    progress.on_train_begin(None, state, None)  # resumed at step 40
    state.global_step = 50
    progress.on_log(None, state, None, logs={"loss": 0.9})
    assert "0:00:20 elapsed, ~0:00:20 left" in buffer.getvalue()  # 2 s per step since the resume, 10 steps left


def test_only_the_main_process_prints_and_summaries_are_skipped():
    console, buffer = plain_console()
    progress = TrainProgress(console)
    other = SimpleNamespace(is_world_process_zero=False, global_step=1, max_steps=5)
    progress.on_train_begin(None, other, None)
    progress.on_log(None, other, None, logs={"loss": 1.0})
    main = SimpleNamespace(is_world_process_zero=True, global_step=5, max_steps=5)
    progress.on_train_begin(None, main, None)
    progress.on_log(None, main, None, logs={"train_runtime": 3.0, "train_loss": 1.0})
    progress.on_log(None, main, None, logs={"eval_loss": 1.0})
    assert buffer.getvalue() == ""


def test_phase_progress_reports_work_done_or_a_cache_hit():
    console, buffer = plain_console()
    with PhaseProgress(10, "reference log-probs", console=console) as advance:
        advance(4)
        advance(6)
    assert buffer.getvalue().startswith("reference log-probs: 10 sequences in 0:00:0")
    console, buffer = plain_console()
    with PhaseProgress(10, "reference log-probs", console=console):
        pass
    assert "nothing to compute (cached)" in buffer.getvalue()
    console, buffer = plain_console()
    with PhaseProgress(10, "reference log-probs", enabled=False, console=console) as advance:
        advance(10)
    assert buffer.getvalue() == ""

"""Training progress on the terminal: a rich bar with the loss terms and the time left.

On a terminal: one live line ``train ━━━━━ 12/60 0:02:31 < 0:09:40 loss 1.21 dpo 0.66 kto 0.48 kl 0.03 acc 75%``.
Elsewhere (CI, ``nohup``, a log file): the same numbers as one plain line per logging step. Only the
main process prints. transformers' tqdm bar and its raw dict printer are replaced by this.
"""

from __future__ import annotations

import time

from rich.console import Console
from transformers import TrainerCallback

# log key -> short label, in display order
SHOWN = {"loss": "loss", "loss/dpo": "dpo", "loss/kto": "kto", "loss/sft": "sft", "kl": "kl", "rewards/accuracies": "acc"}


def format_terms(logs: dict) -> str:
    """``loss 1.21 dpo 0.66 kto 0.48 kl 0.03 acc 75%`` from a log line (missing terms are left out)."""
    parts = []
    for key, label in SHOWN.items():
        value = logs.get(key)
        if isinstance(value, (int, float)):
            parts.append(f"{label} {value:.0%}" if label == "acc" else f"{label} {value:.3g}")
    return " ".join(parts)


def _clock(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class TrainProgress(TrainerCallback):
    """A rich progress bar (terminal) or plain log lines (elsewhere) for ``Trainer.train``."""

    def __init__(self, console: Console | None = None):
        self.console = console or Console(stderr=True)
        self.progress = self.task = None
        self.started, self.first_step = 0.0, 0

    def on_train_begin(self, args, state, control, **kwargs):
        if not state.is_world_process_zero:
            return
        self.started, self.first_step = time.monotonic(), state.global_step  # a resumed run starts past 0
        if self.console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self.progress = Progress(TextColumn("train"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("<"),
                                     TimeRemainingColumn(), TextColumn("{task.fields[terms]}"), console=self.console)
            self.task = self.progress.add_task("train", total=state.max_steps, completed=state.global_step, terms="")
            self.progress.start()

    def on_step_end(self, args, state, control, **kwargs):
        if self.progress is not None:
            self.progress.update(self.task, completed=state.global_step)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs:
            return
        terms = format_terms(logs)
        if self.progress is not None:
            self.progress.update(self.task, terms=terms)
        elif terms and "train_runtime" not in logs and not any(k.startswith("eval_") for k in logs):
            self.console.print(self.plain_line(state, terms), highlight=False, soft_wrap=True)

    def plain_line(self, state, terms: str) -> str:
        """``step 12/60  loss ...  0:02:31 elapsed, ~0:09:40 left`` (the estimate: mean step time so far)."""
        elapsed = time.monotonic() - self.started
        done = max(state.global_step - self.first_step, 1)
        left = elapsed / done * max(state.max_steps - state.global_step, 0)
        return f"step {state.global_step}/{state.max_steps}  {terms}  {_clock(elapsed)} elapsed, ~{_clock(left)} left"

    def on_train_end(self, args, state, control, **kwargs):
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


class PhaseProgress:
    """A bar for one long phase before training (e.g. the reference pass): ``with PhaseProgress(n, "reference") as advance:``.

    On a terminal a rich bar with sequences done and time left; elsewhere one line when the phase ends.
    ``enabled=False`` (processes other than the main one) shows nothing.
    """

    def __init__(self, total: int, description: str, unit: str = "sequences", enabled: bool = True, console: Console | None = None):
        self.total, self.description, self.unit, self.enabled = total, description, unit, enabled
        self.console = console or Console(stderr=True)
        self.progress, self.done = None, 0

    def __enter__(self):
        self.started = time.monotonic()
        if self.enabled and self.console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self.progress = Progress(TextColumn(self.description), BarColumn(), MofNCompleteColumn(), TextColumn(self.unit),
                                     TimeElapsedColumn(), TextColumn("<"), TimeRemainingColumn(), console=self.console, transient=True)
            self.task = self.progress.add_task(self.description, total=self.total)
            self.progress.start()
        return self.advance

    def advance(self, n: int) -> None:
        self.done += n
        if self.progress is not None:
            self.progress.advance(self.task, n)

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.stop()
        if self.enabled and exc[0] is None:
            took = _clock(time.monotonic() - self.started)
            line = f"{self.done:,} {self.unit} in {took}" if self.done else f"nothing to compute (cached), {took}"
            self.console.print(f"{self.description}: {line}", highlight=False)

"""Training health on the log: a loss that saturated and stopped giving gradients.

DPO's and KTO's losses are sigmoids of implied rewards. When a run's learning rate is too high for its
data, the policy can move so far from the reference that every sigmoid saturates: the gradient norm
falls to zero, the KL estimate is clamped at 0 and the loss sits near a constant (measured on the
sample data: `kto` at learning rate 5e-4 collapsed by step 40 of 145 into word salad). Such a run never
recovers, so the user is told at once, on the terminal, with the fix.
"""

from __future__ import annotations

from rich.console import Console
from transformers import TrainerCallback

ZERO_GRAD = 1e-6  # a LoRA step's gradient norm is ~0.1-10 while learning; below this the loss has saturated
PATIENCE = 2  # consecutive logging steps with a vanished gradient before the warning (one can be a lucky batch)


def collapse_message(step: int, logs: dict) -> str:
    loss = logs.get("loss")
    detail = f"loss {loss:.3g}, " if isinstance(loss, (int, float)) else ""
    return (f"warning: step {step}: the gradient norm has been ~0 for {PATIENCE} logging steps in a row ({detail}"
            f"grad_norm {logs.get('grad_norm', 0):.1e}): the loss has saturated, the policy is far from the reference "
            "and the run will not recover. Stop it and lower training.learning_rate (e.g. --set "
            "training.learning_rate=1e-4); the checkpoints before the collapse may still be usable.")


class CollapseWatch(TrainerCallback):
    """Warns once when the logged gradient norm stays ~0 while the learning rate is still positive."""

    def __init__(self, console: Console | None = None):
        self.console = console or Console(stderr=True)
        self.run, self.warned = 0, False

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs or "grad_norm" not in logs:
            return
        vanished = logs["grad_norm"] < ZERO_GRAD and logs.get("learning_rate", 1.0) > 0
        self.run = self.run + 1 if vanished else 0
        if self.run >= PATIENCE and not self.warned:
            self.warned = True
            self.console.print(collapse_message(state.global_step, logs), style="bold yellow", highlight=False,
                               soft_wrap=True)

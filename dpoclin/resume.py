"""``dpoclin train --resume``: which checkpoint to continue from, and the run directory made consistent with it.

A run killed at any moment leaves ``<run>/checkpoints/checkpoint-N`` dirs, the newest possibly cut mid-save, and a
``metrics.jsonl`` that ran ahead of the last checkpoint (maybe with a half-written last line). On resume from
checkpoint S:

* a checkpoint is complete when its ``trainer_state.json`` (which the Trainer writes last) parses; incomplete
  ``checkpoint-N`` dirs are removed (only those, and only inside ``<run>/checkpoints/``, which dpoclin writes);
* ``metrics.jsonl`` keeps one line per training step <= S (the last one logged for it), in step order; lines the
  resumed run will log again (steps > S), the end-of-training summary and the end-of-run evaluation (dpoclin
  evaluates only when training ends) are dropped, and so is an unterminated last line. The file is rewritten
  through a temp file and a rename, so a kill during the rewrite loses nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from dpoclin.errors import DpoclinError

CHECKPOINTS_DIR = "checkpoints"  # training_arguments' output_dir inside the run dir
CHECKPOINT_NAME = re.compile(r"checkpoint-(\d+)")  # what transformers names the dirs it saves
STATE_FILE = "trainer_state.json"  # written last by the Trainer: a checkpoint is complete once it parses
SUMMARY_KEY = "train_runtime"  # only in the Trainer's end-of-training log line


def checkpoint_dirs(out: Path) -> list[tuple[int, Path]]:
    """``(step, dir)`` of every ``checkpoints/checkpoint-N`` directory of a run (not symlinks), newest first."""
    root = out / CHECKPOINTS_DIR
    found = [(int(m.group(1)), p) for p in root.glob("checkpoint-*")
             if (m := CHECKPOINT_NAME.fullmatch(p.name)) and p.is_dir() and not p.is_symlink()]
    return sorted(found, key=lambda item: item[0], reverse=True)


def is_complete(checkpoint: Path) -> bool:
    """Whether a checkpoint was saved to the end: its trainer state is there and parses."""
    try:
        return isinstance(json.loads((checkpoint / STATE_FILE).read_text()).get("global_step"), int)
    except (OSError, ValueError, AttributeError):
        return False


def last_checkpoint(out: Path) -> Path:
    """The newest complete checkpoint of a run (a checkpoint cut short by a kill is skipped)."""
    for _, ckpt in checkpoint_dirs(out):
        if is_complete(ckpt):
            return ckpt
    raise DpoclinError(f"{out}: no complete checkpoint to resume from (the run saves one every training.save_steps steps; "
                       "it was 0 or the run stopped before the first)")


def checkpoint_step(checkpoint: Path) -> int:
    """The global step a ``checkpoint-N`` dir was saved at."""
    return int(CHECKPOINT_NAME.fullmatch(checkpoint.name).group(1))


def remove_incomplete_checkpoints(out: Path) -> list[Path]:
    """Delete the run's ``checkpoint-N`` dirs that were cut mid-save; returns what was removed."""
    removed = [ckpt for _, ckpt in checkpoint_dirs(out) if not is_complete(ckpt)]
    for ckpt in removed:
        shutil.rmtree(ckpt)
    return removed


def _entries(data: str) -> list[dict]:
    """The log entries of the complete lines of ``metrics.jsonl`` (an unterminated last line is a kill mid-write)."""
    complete = data[: data.rfind("\n") + 1]
    entries = []
    for line in complete.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("step"), int):
            entries.append(entry)
    return entries


def _is_training_line(entry: dict) -> bool:
    """A per-step training log line (not the end-of-training summary or an evaluation)."""
    return SUMMARY_KEY not in entry and not any(key.startswith("eval_") for key in entry)


def metrics_up_to(data: str, step: int) -> list[dict]:
    """The training log lines of steps <= ``step``, one per step (the last logged), in step order."""
    by_step = {e["step"]: e for e in _entries(data) if e["step"] <= step and _is_training_line(e)}
    return [by_step[s] for s in sorted(by_step)]


def write_text_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` through a temp file in the same dir and a rename."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def trim_metrics(path: Path, step: int) -> None:
    """Make ``metrics.jsonl`` what an uninterrupted run had logged by ``step`` (see the module docstring)."""
    if path.is_file():
        kept = metrics_up_to(path.read_text(errors="replace"), step)
        write_text_atomic(path, "".join(json.dumps(entry) + "\n" for entry in kept))


def prepare_resume(out: Path) -> Path:
    """Clean a run dir for resuming (incomplete checkpoints removed, metrics trimmed); returns the checkpoint."""
    remove_incomplete_checkpoints(out)
    checkpoint = last_checkpoint(out)
    trim_metrics(out / "metrics.jsonl", checkpoint_step(checkpoint))
    return checkpoint

"""Issue 15, item 7: ``dpoclin train --resume`` after a kill ends where an uninterrupted run ends: the same adapter,
one metrics line per step in order; checkpoints cut mid-save are removed; checkpoint files are never unpickled
beyond tensors and numbers, and no pickle of the training arguments is kept."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import invoke, log_lines


TINY = ["--set", "model.max_length=64", "--set", "training.per_device_batch_size=2", "--set", "training.logging_steps=1",
        "--set", "eval.enabled=false", "--set", "peft.r=4", "--set", "peft.alpha=8", "--set", "peft.dropout=0.1"]
TIMING_KEYS = ("runtime", "per_second")  # wall-clock numbers: never equal between two runs


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DPOCLIN_CACHE", str(tmp_path / "cache"))


def train_args(model, data, out, steps: int, *extra) -> list[str]:
    return ["train", "--recipe", "kto-dpo", "--model", str(model), "--data", str(data), "--out", str(out),
            "--max-steps", str(steps), "--set", "training.save_steps=1", "--set", "training.save_total_limit=null",
            *TINY, *extra]




def kind(entry: dict) -> str:
    if "train_runtime" in entry:
        return "summary"
    return "eval" if any(k.startswith("eval_") for k in entry) else "train"


def comparable(entries: list[dict]) -> list[dict]:
    """Training and eval lines without wall-clock values; the end-of-training summary is left out (its
    ``train_loss`` averages only the steps a process ran)."""
    return [{k: v for k, v in e.items() if not any(t in k for t in TIMING_KEYS)} for e in entries if kind(e) != "summary"]


def assert_same_logs(got: list[dict], want: list[dict]) -> None:
    """The same lines, keys and values, exactly: the resumed run replays the same float32 computation."""
    got, want = comparable(got), comparable(want)
    assert [(e["step"], sorted(e)) for e in got] == [(e["step"], sorted(e)) for e in want]
    for a, b in zip(got, want):
        for key in a:
            assert a[key] == b[key], (a["step"], key, a[key], b[key])


def adapter(run: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(run / "adapter_model.safetensors"))


def assert_same_adapter(a: Path, b: Path) -> None:
    import torch

    left, right = adapter(a), adapter(b)
    assert left.keys() == right.keys()
    for key in left:
        assert torch.equal(left[key], right[key]), key


def pickles_left(run: Path) -> list[Path]:
    return sorted(run.rglob("training_args.bin"))


def run_cli(args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "dpoclin", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, **kwargs)


def test_resume_after_sigkill_equals_an_uninterrupted_run(tiny_model_dir, tiny_data_dir, tmp_path):
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    done = subprocess.run([sys.executable, "-m", "dpoclin", *train_args(tiny_model_dir, tiny_data_dir, whole, 8)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    proc = run_cli(train_args(tiny_model_dir, tiny_data_dir, cut, 8))
    first, deadline = cut / "checkpoints" / "checkpoint-2" / "trainer_state.json", time.monotonic() + 300
    while not first.is_file() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert first.is_file() and not (cut / "heldout_metrics.json").exists(), "the run was not cut mid-way"

    resume_args = [*train_args(tiny_model_dir, tiny_data_dir, cut, 8), "--resume"]
    resumed = subprocess.run([sys.executable, "-m", "dpoclin", *resume_args], capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-2000:]
    cut_logs, whole_logs = log_lines(cut), log_lines(whole)
    assert [e["step"] for e in cut_logs if kind(e) == "train"] == list(range(1, 9))
    assert [kind(e) for e in cut_logs].count("summary") == 1 and [kind(e) for e in cut_logs].count("eval") == 1
    assert_same_logs(cut_logs, whole_logs)
    assert_same_adapter(cut, whole)
    assert pickles_left(cut) == [] and pickles_left(whole) == []


def write_lines(path: Path, entries: list[dict], tail: str = "") -> None:
    path.write_text("".join(json.dumps(e) + "\n" for e in entries) + tail)


def killed_copy(run: Path, out: Path, keep: int) -> Path:
    """``run`` as a kill right after its checkpoint ``keep`` leaves it: later checkpoints gone, later metrics kept."""
    shutil.copytree(run, out)
    for ckpt in (out / "checkpoints").glob("checkpoint-*"):
        if int(ckpt.name.split("-")[-1]) > keep:
            shutil.rmtree(ckpt)
    return out


def test_resume_repairs_a_metrics_file_with_duplicates_and_a_half_written_line(tiny_model_dir, tiny_data_dir, tmp_path):
    whole = tmp_path / "whole"
    assert invoke(train_args(tiny_model_dir, tiny_data_dir, whole, 4)).exit_code == 0
    cut = killed_copy(whole, tmp_path / "cut", keep=2)
    logs = log_lines(whole)
    train = [e for e in logs if kind(e) == "train"]
    # an old duplicate of step 1, steps 3-4 and the end-of-run lines the killed run logged after its checkpoint,
    # step 2 again, and a complete-looking last line whose newline the kill cut off
    messy = [train[0], train[0], train[1], train[2], *logs[3:], train[1]]
    write_lines(cut / "metrics.jsonl", messy, tail=json.dumps(train[0]))

    resumed = invoke(train_args(tiny_model_dir, tiny_data_dir, cut, 4, "--resume"))
    assert resumed.exit_code == 0, resumed.output
    got = log_lines(cut)
    assert [kind(e) for e in got] == ["train"] * 4 + ["summary", "eval"]
    assert [e["step"] for e in got] == [1, 2, 3, 4, 4, 4]
    assert_same_logs(got, logs)
    assert_same_adapter(cut, whole)


def test_resumes_of_a_finished_run_log_each_step_once_in_order(tiny_model_dir, tiny_data_dir, tmp_path):
    """Continuing a finished run for more steps (twice): its old end-of-run lines do not stay behind."""
    run = tmp_path / "run"
    assert invoke(train_args(tiny_model_dir, tiny_data_dir, run, 2)).exit_code == 0
    for steps in (3, 4):
        result = invoke(train_args(tiny_model_dir, tiny_data_dir, run, steps, "--resume"))
        assert result.exit_code == 0, result.output
    got = log_lines(run)
    assert [kind(e) for e in got] == ["train"] * 4 + ["summary", "eval"]
    assert [e["step"] for e in got] == [1, 2, 3, 4, 4, 4]
    assert len(json.loads((run / "env.json").read_text())["resumed"]) == 2


def test_a_second_kill_and_resume_still_equals_the_uninterrupted_run(tiny_model_dir, tiny_data_dir, tmp_path):
    whole = tmp_path / "whole"
    assert invoke(train_args(tiny_model_dir, tiny_data_dir, whole, 4)).exit_code == 0
    cut = killed_copy(whole, tmp_path / "cut", keep=1)
    assert invoke(train_args(tiny_model_dir, tiny_data_dir, cut, 4, "--resume")).exit_code == 0
    for ckpt in ("checkpoint-3", "checkpoint-4"):  # killed again after checkpoint 2
        shutil.rmtree(cut / "checkpoints" / ckpt)
    assert invoke(train_args(tiny_model_dir, tiny_data_dir, cut, 4, "--resume")).exit_code == 0
    assert_same_logs(log_lines(cut), log_lines(whole))
    assert [kind(e) for e in log_lines(cut)] == ["train"] * 4 + ["summary", "eval"]
    assert_same_adapter(cut, whole)


def test_checkpoints_cut_mid_save_are_removed_and_nothing_else(tiny_model_dir, tiny_data_dir, tmp_path):
    run = tmp_path / "run"
    assert invoke(train_args(tiny_model_dir, tiny_data_dir, run, 2)).exit_code == 0
    ckpts = run / "checkpoints"
    no_state = shutil.copytree(ckpts / "checkpoint-2", ckpts / "checkpoint-7")
    (no_state / "trainer_state.json").unlink()  # killed before the Trainer wrote its state
    cut_state = shutil.copytree(ckpts / "checkpoint-2", ckpts / "checkpoint-9")
    state = (cut_state / "trainer_state.json").read_text()
    (cut_state / "trainer_state.json").write_text(state[: len(state) // 2])  # killed while writing it
    (ckpts / "checkpoint-notes").mkdir()
    (ckpts / "checkpoint-notes" / "mine.txt").write_text("not dpoclin's")
    (run / "checkpoint-5").mkdir()  # outside checkpoints/: not dpoclin's to remove

    result = invoke(train_args(tiny_model_dir, tiny_data_dir, run, 3, "--resume"))
    assert result.exit_code == 0, result.output
    assert not no_state.exists() and not cut_state.exists()
    assert (ckpts / "checkpoint-notes" / "mine.txt").read_text() == "not dpoclin's" and (run / "checkpoint-5").is_dir()
    assert json.loads((ckpts / "checkpoint-3" / "trainer_state.json").read_text())["global_step"] == 3
    assert [e["step"] for e in log_lines(run) if kind(e) == "train"] == [1, 2, 3]


class Exploit:
    """Unpickling this writes ``marker``."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), "checkpoint pickle ran"))


@pytest.mark.parametrize("name", ["rng_state.pth", "optimizer.pt"])
def test_a_tampered_checkpoint_pickle_is_not_executed_on_resume(name, tiny_model_dir, tiny_data_dir, tmp_path):
    import torch

    run, marker = tmp_path / "run", tmp_path / "EXECUTED"
    assert invoke(train_args(tiny_model_dir, tiny_data_dir, run, 2)).exit_code == 0
    target = run / "checkpoints" / "checkpoint-2" / name
    torch.save({"state": Exploit(marker)}, target)

    result = invoke(train_args(tiny_model_dir, tiny_data_dir, run, 3, "--resume"))
    assert not marker.exists()
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and result.stderr.strip().splitlines()[-1] == errors[0], result.stderr
    assert str(target) in errors[0] and "does not unpickle" in errors[0] and "Unsupported global" in errors[0]


def test_runs_keep_no_pickle_of_the_training_arguments(tiny_model_dir, tiny_data_dir, tmp_path):
    run = tmp_path / "run"
    assert invoke(train_args(tiny_model_dir, tiny_data_dir, run, 2)).exit_code == 0
    assert (run / "checkpoints" / "checkpoint-2" / "trainer_state.json").is_file()
    assert pickles_left(run) == []

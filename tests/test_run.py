"""`dpoclin train` end to end on a tiny Llama (CPU, seconds): the run directory, reproducibility,
the reference cache, resuming after a kill, and two processes through accelerate (gloo)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import invoke, log_lines, save_tiny_llama

from dpoclin.build import file_sha256

TINY = ["--set", "model.max_length=64", "--set", "training.per_device_batch_size=2", "--set", "training.logging_steps=1",
        "--set", "eval.enabled=false", "--set", "peft.r=4", "--set", "peft.alpha=8", "--set", "training.save_steps=0"]


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Reference log-prob tables go to a fresh cache per test (inherited by launched processes)."""
    monkeypatch.setenv("DPOCLIN_CACHE", str(tmp_path / "cache"))


def train_args(model, data, out, *extra) -> list[str]:
    return ["train", "--recipe", "kto-dpo", "--model", str(model), "--data", str(data), "--out", str(out), *TINY, *extra]




def train_losses(run: Path) -> list[tuple[int, float]]:
    return [(d["step"], d["loss"]) for d in log_lines(run) if "loss" in d]


def test_run_directory_holds_model_provenance_and_metrics(tiny_model_dir, tiny_data_dir, tmp_path):
    out = tmp_path / "run"
    result = invoke(train_args(tiny_model_dir, tiny_data_dir, out, "--max-steps", "3"))
    assert result.exit_code == 0, result.output
    assert "Held-out pairs" in result.output and "Wrote" in result.output
    for name in ("adapter_model.safetensors", "adapter_config.json", "tokenizer.json", "run.yaml", "env.json",
                 "data_manifest.json", "metrics.jsonl", "eval_metrics.json", "heldout_metrics.json", "README.md"):
        assert (out / name).is_file(), name
    run = yaml.safe_load((out / "run.yaml").read_text())
    assert run["model"]["name"] == str(tiny_model_dir) and run["training"]["max_steps"] == 3
    env = json.loads((out / "env.json").read_text())
    assert env["seed"] == 42 and "torch" in env["versions"] and "trl" in env["versions"]
    manifest = json.loads((out / "data_manifest.json").read_text())
    assert manifest["files"]["pairs"]["sha256"] == file_sha256(tiny_data_dir / "pairs.jsonl")
    assert manifest["train"]["kto_on_pairs"] == 12 and manifest["train"]["kto_standalone"] == 6  # 6 tasks x (a, b) ride on pairs
    logs = log_lines(out)
    steps = [d for d in logs if "loss" in d]
    assert [d["step"] for d in steps] == [1, 2, 3]
    assert any("loss/dpo" in d for d in steps) and any("loss/kto" in d for d in steps) and all("kl" in d for d in steps)
    heldout = json.loads((out / "heldout_metrics.json").read_text())
    assert heldout["overall"]["n"] == 2  # the two test-split pairs


def test_same_seed_same_metrics_and_the_reference_cache_is_reused(tiny_model_dir, tiny_data_dir, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        assert invoke(train_args(tiny_model_dir, tiny_data_dir, out, "--max-steps", "4")).exit_code == 0
    assert train_losses(first) == train_losses(second)
    ref = [json.loads((out / "data_manifest.json").read_text())["reference"] for out in (first, second)]
    assert ref[0]["cache_hit"] is False and ref[1]["cache_hit"] is True and ref[0]["cache_file"] == ref[1]["cache_file"]
    other_seed = tmp_path / "c"
    assert invoke(train_args(tiny_model_dir, tiny_data_dir, other_seed, "--max-steps", "4", "--seed", "7")).exit_code == 0
    assert train_losses(other_seed) != train_losses(first)


def run_cli(args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "dpoclin", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)


def test_resume_after_a_kill_ends_with_the_same_losses(tiny_model_dir, tiny_data_dir, tmp_path):
    extra = ["--max-steps", "8", "--set", "training.save_steps=1", "--set", "peft.dropout=0.1",
             "--set", "training.disable_dropout=false"]  # dropout: RNG state must resume too
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    assert invoke(train_args(tiny_model_dir, tiny_data_dir, whole, *extra)).exit_code == 0

    proc = run_cli(train_args(tiny_model_dir, tiny_data_dir, cut, *extra))
    marker, deadline = cut / "checkpoints" / "checkpoint-3" / "trainer_state.json", time.monotonic() + 300
    while not marker.is_file() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert marker.is_file() and not (cut / "heldout_metrics.json").exists(), "the run was not cut mid-way"

    resumed = invoke(train_args(tiny_model_dir, tiny_data_dir, cut, *extra, "--resume"))
    assert resumed.exit_code == 0, resumed.output
    assert [s for s, _ in train_losses(cut)] == list(range(1, 9))  # steps logged by the killed run are not repeated
    assert [loss for _, loss in train_losses(cut)] == pytest.approx([loss for _, loss in train_losses(whole)], abs=1e-6)
    assert len(json.loads((cut / "env.json").read_text())["resumed"]) == 1


def test_resume_and_run_directory_errors(tiny_model_dir, tiny_data_dir, tmp_path):
    out = tmp_path / "run"
    assert invoke(train_args(tiny_model_dir, tiny_data_dir, out, "--max-steps", "2")).exit_code == 0
    again = invoke(train_args(tiny_model_dir, tiny_data_dir, out, "--max-steps", "2"))
    assert again.exit_code == 2 and "run directory exists; pass --resume" in again.output
    no_ckpt = invoke(train_args(tiny_model_dir, tiny_data_dir, out, "--max-steps", "2", "--resume"))
    assert no_ckpt.exit_code == 2 and "no complete checkpoint to resume from" in no_ckpt.output

    ckpt_run = tmp_path / "ckpt"
    assert invoke(train_args(tiny_model_dir, tiny_data_dir, ckpt_run, "--max-steps", "2", "--set", "training.save_steps=1")).exit_code == 0
    changed = invoke(train_args(tiny_model_dir, tiny_data_dir, ckpt_run, "--max-steps", "4", "--set", "training.save_steps=1",
                                "--set", "objective.beta_dpo=0.5", "--resume"))
    assert changed.exit_code == 2 and "objective.beta_dpo: 0.1 -> 0.5" in changed.output
    longer = invoke(train_args(tiny_model_dir, tiny_data_dir, ckpt_run, "--max-steps", "4", "--set", "training.save_steps=1", "--resume"))
    assert longer.exit_code == 0, longer.output  # more steps on the same recipe is a valid resume
    assert [s for s, _ in train_losses(ckpt_run)] == [1, 2, 3, 4]


def test_gpu_only_launch_config_on_cpu_is_a_clear_error(tiny_model_dir, tiny_data_dir, tmp_path):
    result = invoke(train_args(tiny_model_dir, tiny_data_dir, tmp_path / "run", "--num-processes", "2", "--accelerate-config", "zero3"))
    assert result.exit_code == 2 and "zero3 needs CUDA GPUs" in result.output
    missing = invoke(train_args(tiny_model_dir, tiny_data_dir, tmp_path / "run", "--num-processes", "2", "--accelerate-config", "nope/acc.yaml"))
    assert missing.exit_code == 2 and "accelerate config not found" in missing.output
    assert not (tmp_path / "run").exists()


def test_two_cpu_processes_train_with_the_single_process_step_count(tiny_model_dir, tiny_data_dir, tmp_path):
    """kto-dpo in 2 gloo processes x 2 examples = the same global batch as 1 process x 4: the same steps."""
    one, two = tmp_path / "one", tmp_path / "two"
    epoch = ["--epochs", "1", "--max-steps", "-1"]
    assert invoke(train_args(tiny_model_dir, tiny_data_dir, one, *epoch, "--set", "training.per_device_batch_size=4")).exit_code == 0
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "LOCAL_RANK", "WORLD_SIZE")}
    proc = run_cli(train_args(tiny_model_dir, tiny_data_dir, two, *epoch, "--num-processes", "2"), env=env)
    output, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, output[-3000:]
    assert output.count("Held-out pairs") == 1  # printed once, by the parent

    final_one, final_two = [[d for d in log_lines(run) if "train_runtime" in d][0] for run in (one, two)]
    assert final_two["step"] == final_one["step"] == 3  # 12 examples / global batch 4
    steps = [d["step"] for d in log_lines(two) if "loss" in d]
    assert steps == [1, 2, 3]  # one log line per step: only the main process writes metrics.jsonl
    assert all(d["kl"] >= 0 for d in log_lines(two) if "kl" in d)
    assert (two / "adapter_model.safetensors").is_file() and json.loads((two / "env.json").read_text())["processes"] == 2


def recipe_with(name, data_dir, *overrides):
    from dpoclin.recipe import apply_overrides, load_recipe

    return apply_overrides(load_recipe(name), [f"data.path={data_dir}", *overrides])


def test_an_empty_side_of_the_data_is_an_error_naming_the_fix(tiny_data_dir):
    from dpoclin.errors import DpoclinError
    from dpoclin.run import check_data

    (tiny_data_dir / "kto.jsonl").write_text("")
    with pytest.raises(DpoclinError, match=r"kto\.jsonl: no KTO examples with split 'train'.*use recipe dpo or kto"):
        check_data(recipe_with("kto-dpo", tiny_data_dir), tiny_data_dir)
    assert check_data(recipe_with("kto-dpo", tiny_data_dir, "objective.w_kto=0"), tiny_data_dir) == []  # the term is off
    assert check_data(recipe_with("dpo", tiny_data_dir), tiny_data_dir) == []
    with pytest.raises(DpoclinError, match=r"no pairs with split 'validation'.*check data.train_split"):
        check_data(recipe_with("dpo", tiny_data_dir, "data.train_split=validation"), tiny_data_dir)


def test_kto_weights_outside_the_papers_band_are_a_warning_with_the_data_values(tiny_data_dir):
    from dpoclin.run import check_data

    # train split: 12 desirable ('a' and 'c' per task) / 6 undesirable = raw ratio 2.0
    set_weights = lambda d, u: recipe_with("kto", tiny_data_dir, f"objective.desirable_weight={d}", f"objective.undesirable_weight={u}")  # noqa: E731
    [warning] = check_data(set_weights(1.0, 1.0), tiny_data_dir)
    assert "= 2.00 on 12 desirable / 6 undesirable" in warning and "desirable_weight=1, undesirable_weight=1.5" in warning
    assert check_data(set_weights(1.0, 1.6), tiny_data_dir) == []  # 12 / (1.6 * 6) = 1.25: inside [1, 4/3]
    assert check_data(recipe_with("kto", tiny_data_dir), tiny_data_dir) == []  # null: derived from the data, in band


def test_one_kto_class_only_is_a_warning(tiny_data_dir):
    from dpoclin.run import check_data

    rows = [json.loads(line) for line in (tiny_data_dir / "kto.jsonl").read_text().splitlines()]
    (tiny_data_dir / "kto.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows if r["label"]))
    [warning] = check_data(recipe_with("kto", tiny_data_dir), tiny_data_dir)
    assert "only desirable KTO examples" in warning


def test_training_ends_with_the_refusal_evaluation_of_tuned_vs_reference(tiny_model_dir, tiny_data_dir, tmp_path):
    prompts = tmp_path / "prompts.jsonl"
    source = Path(__file__).resolve().parents[1] / "data_samples" / "eval_prompts.jsonl"
    lines = source.read_text().splitlines(keepends=True)
    prompts.write_text("".join(lines[:3] + lines[-3:]))  # 3 benign, 3 harmful
    out = tmp_path / "run"
    args = train_args(tiny_model_dir, tiny_data_dir, out, "--max-steps", "2", "--set", "eval.enabled=true",
                      "--set", f"eval.prompts={prompts}", "--set", "eval.max_new_tokens=4")
    result = invoke(args)
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "eval" / "metrics.json").read_text())
    assert doc["tuned"]["overall"]["n_benign"] == 3 and doc["tuned"]["overall"]["n_harmful"] == 3
    assert doc["comparison"] is not None and doc["meta"]["baseline_model"].endswith("(reference)")
    rows = [json.loads(line) for line in (out / "eval" / "results.jsonl").read_text().splitlines()]
    assert sorted({r["role"] for r in rows}) == ["baseline", "tuned"] and len(rows) == 12
    assert (out / "eval" / "report.html").is_file() and "Safety and helpfulness" in (out / "README.md").read_text()
    assert "refusals" not in json.loads((out / "heldout_metrics.json").read_text())
    assert "Safety–helpfulness" in result.output or "unsafe" in result.output.lower()

    missing = invoke(train_args(tiny_model_dir, tiny_data_dir, tmp_path / "r2", "--set", "eval.enabled=true",
                                "--set", "eval.prompts=nope.jsonl"))
    assert missing.exit_code == 2 and "nope.jsonl: no such file (eval.prompts" in missing.output and "--no-eval" in missing.output
    skipped = invoke(train_args(tiny_model_dir, tiny_data_dir, tmp_path / "r3", "--max-steps", "1", "--set", "eval.enabled=true",
                                "--set", "eval.prompts=nope.jsonl", "--no-eval"))
    assert skipped.exit_code == 0 and not (tmp_path / "r3" / "eval").exists()


def test_prompts_that_cannot_fit_are_dropped_counted_in_the_manifest_and_printed(tiny_model_dir, tiny_data_dir, tmp_path):
    """A pair and a standalone KTO example whose system turn alone exceeds the prompt budget at max_length 64."""
    huge = [{"role": "system", "content": "Local guideline text. " * 60}, {"role": "user", "content": "Dose?"}]
    pairs = [json.loads(line) for line in (tiny_data_dir / "pairs.jsonl").read_text().splitlines()]
    kto = [json.loads(line) for line in (tiny_data_dir / "kto.jsonl").read_text().splitlines()]
    extra_pair = dict(pairs[0], prompt=huge, task_id="huge", chosen_id="x", rejected_id="y")
    extra_kto = dict(kto[0], prompt=huge, task_id="huge2", response_id="z")
    (tiny_data_dir / "pairs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [*pairs, extra_pair]))
    (tiny_data_dir / "kto.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [*kto, extra_kto]))
    out = tmp_path / "run"
    result = invoke(train_args(tiny_model_dir, tiny_data_dir, out, "--max-steps", "1"))
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "data_manifest.json").read_text())
    assert manifest["train"]["dropped_prompt_too_long"] == {"pairs": 1, "kto_standalone": 1}
    assert manifest["eval"]["dropped_prompt_too_long"] == {"pairs": 0, "kto_standalone": 0}
    assert "dropped 1 train pair(s), 1 train KTO example(s)" in " ".join(result.output.split())


@pytest.mark.parametrize("peft_method", ["lora", "none"])
def test_after_a_sharded_run_the_evaluation_reloads_the_saved_model_and_answers_alike(tiny_model_dir, tiny_data_dir,
                                                                                       tmp_path, monkeypatch, peft_method):
    """Issue 11 item 4: after ZeRO-3/FSDP the parameters in memory are shards, so the main process reloads what was
    saved (adapter on its base, or the full model) and the base as reference. Forced here (accelerate runs several CPU
    processes as DDP, never FSDP): the reloaded models give the in-memory models' answers."""
    import transformers

    import dpoclin.generation as gen
    from dpoclin import run as run_module

    lively = tmp_path / "lively"  # untied, larger init: its greedy answers differ by prompt (the tiny one's are empty)
    save_tiny_llama(lively, transformers.AutoTokenizer.from_pretrained(tiny_model_dir), tie_word_embeddings=False,
                    initializer_range=0.1)
    prompts = tmp_path / "prompts.jsonl"
    lines = (Path(__file__).resolve().parents[1] / "data_samples" / "eval_prompts.jsonl").read_text().splitlines(keepends=True)
    prompts.write_text("".join(lines[:2] + lines[-2:]))
    extra = ["--max-steps", "2", "--set", "eval.enabled=true", "--set", f"eval.prompts={prompts}",
             "--set", "eval.max_new_tokens=6", "--set", f"peft.method={peft_method}", "--set", "training.learning_rate=1e-3"]
    answers, real = {}, gen.load_for_generation
    for sharded in (False, True):
        loaded = []
        monkeypatch.setattr(gen, "load_for_generation", lambda name, **kw: (loaded.append(str(name)), real(name, **kw))[1])
        monkeypatch.setattr(run_module, "_sharded", lambda trainer, s=sharded: s)
        monkeypatch.setenv("DPOCLIN_CACHE", str(tmp_path / f"cache-{sharded}"))  # no answer may come from the other run
        out = tmp_path / f"run-{sharded}"
        result = invoke(train_args(lively, tiny_data_dir, out, *extra))
        assert result.exit_code == 0, result.output
        assert loaded == ([str(out), str(lively)] if sharded else [])
        rows = [json.loads(line) for line in (out / "eval" / "results.jsonl").read_text().splitlines()]
        answers[sharded] = [(r["role"], r["id"], r["response"]) for r in rows]
    assert answers[True] == answers[False] and len(answers[True]) == 8
    assert len({text for _, _, text in answers[True]}) > 2  # real, differing answers: the equality means something

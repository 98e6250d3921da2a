"""The GPU device check (issue 11 item 7): run by ``benchmarks/gpu/check.sh`` on a lent GPU, nothing downloaded.

1. **Recipe on the GPU**: ``dpoclin build-pairs`` on the sample export, then ``dpoclin train --recipe kto-dpo`` in
   bf16 with the post-train evaluation, then ``dpoclin eval-refusals`` of the run directory (vLLM when installed):
   wall times, exit codes, the backend used. The model is a randomly initialised SmolLM2-135M-shaped Llama with the
   embedded model's tokenizer: the embedded GGUF (94 MiB) is larger than what a device call carries (64 MiB), so
   this checks the mechanics and timing of the path, not refusal rates (random weights answer noise).
2. **8B step**: a randomly initialised Llama-3-8B-shaped model (vocabulary 128,256) in bf16 with LoRA r 16 on all
   linear layers and gradient checkpointing (the llama3-8b-lora-1gpu recipe's settings), 4 pairs of ~1,024-token
   sequences per step: dpoclin's kto-dpo step (pairs carrying their sides' KTO labels, plus the KL rows) and TRL's
   DPOTrainer (sigmoid) on the same pairs, in one process, one after the other: s/step, trained tokens/s, peak GPU
   memory, model-FLOPs utilisation (6 N per trained token: with LoRA and the reference forward inside each step
   that is the work done; checkpointing's recompute is not counted) against the GPU's dense bf16 peak and against a
   measured bf16 matmul.

    python benchmarks/gpu/gpu_check.py                 # on the GPU: writes benchmarks/results/gpu.md and .json
    python benchmarks/gpu/gpu_check.py --cpu-dry-run   # tiny shapes on the CPU: the mechanics, in a few minutes
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMOL = dict(hidden_size=576, intermediate_size=1536, num_hidden_layers=30, num_attention_heads=9, num_key_value_heads=3,
            tie_word_embeddings=True, rope_theta=100000.0)  # SmolLM2-135M-Instruct's shape
LLAMA_8B = dict(vocab_size=128256, hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
                num_key_value_heads=8, tie_word_embeddings=False, rope_theta=500000.0)  # Llama-3.1-8B's shape
TINY = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2)
DENSE_BF16_PEAK = {"H100": 989e12, "H200": 989e12, "A100": 312e12}  # dense bf16 tensor-core FLOP/s (SXM spec sheets)
PAIRS_PER_STEP = 4  # the llama3-8b-lora-1gpu recipe's per_device_batch_size


def tokenizer():
    import transformers

    from dpoclin import models

    local = ROOT / "benchmarks" / "gpu" / "_tokenizer"  # carried to the GPU machine (the GGUF is not)
    if (local / "tokenizer.json").is_file():
        return transformers.AutoTokenizer.from_pretrained(local)
    gguf = models.default_gguf_path()
    tok = transformers.AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    tok.save_pretrained(local)
    return tok


def random_llama(shape: dict, tok, dtype, device: str):
    import torch
    import transformers

    config = transformers.LlamaConfig(**{"vocab_size": len(tok), "max_position_embeddings": 4096, **shape,
                                         "eos_token_id": tok.eos_token_id, "pad_token_id": tok.pad_token_id})
    default = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # an 8B model built in fp32 first would need 32 GB
    try:
        torch.manual_seed(0)
        with torch.device(device):
            return transformers.LlamaForCausalLM(config)
    finally:
        torch.set_default_dtype(default)


def sh(args: list[str], env: dict | None = None) -> dict:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "dpoclin", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})})
    return {"cmd": "dpoclin " + " ".join(args[:2]), "rc": done.returncode, "seconds": round(time.perf_counter() - started, 1),
            "tail": (done.stdout + done.stderr)[-1500:]}


def recipe_check(work: Path, dry: bool) -> dict:
    """build-pairs, train --recipe kto-dpo (bf16, post-train eval), eval-refusals of the run dir."""
    import torch

    tok = tokenizer()
    model_dir = work / "smol-shaped"
    shape = {**SMOL, **(TINY if dry else {})}
    random_llama(shape, tok, torch.float32, "cpu").save_pretrained(model_dir, safe_serialization=True)
    tok.save_pretrained(model_dir)
    steps = [sh(["build-pairs", "data_samples/clinical_export.jsonl", "--out", str(work / "data")])]
    extra = (["--max-steps", "2", "--set", "eval.max_new_tokens=4", "--set", f"eval.prompts={few_prompts(work)}"] if dry
             else ["--set", "model.dtype=bfloat16", "--set", "training.bf16=true", "--set", "eval.max_new_tokens=64"])
    steps.append(sh(["train", "--recipe", "kto-dpo", "--model", str(model_dir), "--data", str(work / "data"),
                     "--out", str(work / "run"), *extra]))
    prompts = str(few_prompts(work)) if dry else "embedded:eval-prompts"
    steps.append(sh(["eval-refusals", "--model", str(work / "run"), "--prompts", prompts, "--max-new-tokens",
                     "4" if dry else "64", "--out", str(work / "eval")]))
    from dpoclin.generation import resolve_backend

    return {"steps": steps, "eval_backend": resolve_backend("auto"), "vllm_installed": _has("vllm")}


def few_prompts(work: Path) -> Path:
    lines = (ROOT / "data_samples" / "eval_prompts.jsonl").read_text().splitlines(keepends=True)
    path = work / "prompts.jsonl"
    path.write_text("".join(lines[:2] + lines[-2:]))
    return path


def _has(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def synthetic_pairs(tok, n: int, length: int) -> list[dict]:
    """Pairs of random-word text, ~1/4 prompt and ~3/4 completion tokens, both sides KTO-labelled (kto-dpo)."""
    rng = random.Random(0)
    words = [w for w in tok.get_vocab() if w.isalpha() and len(w) > 3][:5000]

    def text(tokens):
        return " ".join(rng.choice(words) for _ in range(tokens))

    rows = []
    for i in range(n):
        msgs = [{"role": "user", "content": text(length // 4)}]
        rows.append({"prompt": msgs, "chosen": [{"role": "assistant", "content": text(length)}],
                     "rejected": [{"role": "assistant", "content": text(length)}], "task_id": f"t{i}", "weight": 1.0,
                     "pair_type": "preference", "chosen_label": True, "rejected_label": False})
    return rows


class StepClock:
    """Times optimizer steps (CUDA-synchronised) and records the peak GPU memory."""

    def __init__(self, cuda: bool):
        from transformers import TrainerCallback

        import torch

        clock = self

        class _Callback(TrainerCallback):
            def on_step_begin(self, *a, **k):
                if cuda:
                    torch.cuda.synchronize()
                clock.started = time.perf_counter()

            def on_step_end(self, *a, **k):
                if cuda:
                    torch.cuda.synchronize()
                clock.times.append(time.perf_counter() - clock.started)

        self.times: list[float] = []
        self.callback = _Callback()


def step_check(dry: bool, steps: int) -> dict:
    """dpoclin kto-dpo vs TRL DPO, one LoRA step at a time, on the 8B-shaped model (tiny on the dry run)."""
    import datasets
    import peft
    import torch
    import transformers
    import trl

    from dpoclin.data import Collator, PreferenceDataset, fit_pairs
    from dpoclin.trainer import LossWeights, PreferenceTrainer

    cuda = torch.cuda.is_available() and not dry
    device, dtype, length = ("cuda", torch.bfloat16, 1024) if cuda else ("cpu", torch.float32, 128)
    tok = tokenizer()
    shape = {**LLAMA_8B, **(TINY if dry else {})}
    lora = peft.LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM")
    rows = synthetic_pairs(tok, PAIRS_PER_STEP * steps, length)
    common = dict(per_device_train_batch_size=PAIRS_PER_STEP, max_steps=steps, learning_rate=1e-4, bf16=cuda,
                  gradient_checkpointing=True, report_to="none", save_strategy="no", logging_steps=10_000,
                  use_cpu=not cuda, remove_unused_columns=False, seed=42)
    results = {"device": torch.cuda.get_device_name() if cuda else "cpu (dry run)"}
    pairs, dropped = fit_pairs(rows, tok, length)
    tokens = statistics.mean(len(p.chosen) + len(p.rejected) for p in pairs) * PAIRS_PER_STEP
    for name in ("dpoclin-kto-dpo", "trl-dpo"):
        clock, out = StepClock(cuda), tempfile.mkdtemp(prefix=f"gpu-{name}-")
        gc.collect()  # nothing of the previous trainer may count in this one's peak
        if cuda:
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        model = random_llama(shape, tok, dtype, device)  # a fresh copy each (same seed): no patch or hook carried over
        results["params"] = sum(p.numel() for p in model.parameters())
        if name == "dpoclin-kto-dpo":
            policy = peft.get_peft_model(model, lora)
            trainer = PreferenceTrainer(model=policy, args=transformers.TrainingArguments(out, **common),
                                        train_dataset=PreferenceDataset(pairs, []),
                                        data_collator=Collator(tok.pad_token_id, kl=True, max_length=length),
                                        loss_weights=LossWeights(w_dpo=1.0, w_kto=1.0), callbacks=[clock.callback])
        else:
            data = datasets.Dataset.from_list([{k: r[k] for k in ("prompt", "chosen", "rejected")} for r in rows])
            config = trl.DPOConfig(out, **common, max_length=length, loss_type=["sigmoid"], beta=0.1)
            trainer = trl.DPOTrainer(model=model, args=config, train_dataset=data, processing_class=tok,
                                     peft_config=lora, callbacks=[clock.callback])
        trainer.train()
        measured = clock.times[2:] or clock.times
        s_step = statistics.median(measured)
        peak = torch.cuda.max_memory_allocated() / 2**30 if cuda else None
        results[name] = {"s_per_step": round(s_step, 3), "steps": len(clock.times), "tokens_per_step": round(tokens),
                         "tokens_per_s": round(tokens / s_step, 1), "peak_gib": None if peak is None else round(peak, 2),
                         "model_tflops_per_s": round(6 * results["params"] * tokens / s_step / 1e12, 2)}
        del trainer, model
        policy = None
    results["dropped_pairs"] = dropped
    results["matmul_tflops"] = matmul_tflops() if cuda else None
    return results


def matmul_tflops() -> float:
    import torch

    a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    for _ in range(3):
        a @ a
    torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(10):
        a @ a
    torch.cuda.synchronize()
    return round(10 * 2 * 8192**3 / (time.perf_counter() - started) / 1e12, 1)


def render(doc: dict) -> str:
    r, s = doc["recipe"], doc["step"]
    peak = next((v for k, v in DENSE_BF16_PEAK.items() if k in s["device"]), None)
    lines = ["# GPU check", "", f"Generated by `benchmarks/gpu/check.sh` on {doc['when']}; device: {s['device']}; "
             f"torch {doc['versions']['torch']}, transformers {doc['versions']['transformers']}, trl "
             f"{doc['versions']['trl']}; {'CPU DRY RUN (tiny shapes): mechanics only' if doc['dry_run'] else 'GPU run'}.",
             "", "## kto-dpo recipe, bf16, with the post-train evaluation (SmolLM2-135M-shaped, random weights)", "",
             "| command | exit | seconds |", "|---|---:|---:|"]
    lines += [f"| `{x['cmd']}` | {x['rc']} | {x['seconds']} |" for x in r["steps"]]
    lines += ["", f"eval-refusals backend: {r['eval_backend']} (vLLM installed: {r['vllm_installed']}).", "",
              f"## One LoRA step at ~1k tokens, Llama-3-8B-shaped ({s['params'] / 1e9:.2f}B parameters), "
              f"{PAIRS_PER_STEP} pairs", "",
              "| trainer | s/step | trained tokens/step | tokens/s | peak GPU GiB | model TFLOP/s | MFU vs spec | MFU vs matmul |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name in ("dpoclin-kto-dpo", "trl-dpo"):
        x = s[name]
        spec = f"{x['model_tflops_per_s'] * 1e12 / peak:.1%}" if peak else "n/a"
        mm = f"{x['model_tflops_per_s'] / s['matmul_tflops']:.1%}" if s.get("matmul_tflops") else "n/a"
        lines.append(f"| {name} | {x['s_per_step']} | {x['tokens_per_step']:,} | {x['tokens_per_s']:,} | {x['peak_gib']} | "
                     f"{x['model_tflops_per_s']} | {spec} | {mm} |")
    ours, theirs = s["dpoclin-kto-dpo"], s["trl-dpo"]
    lines += ["", f"Ratios dpoclin / TRL: s/step {ours['s_per_step'] / theirs['s_per_step']:.2f}x"
              + (f", peak memory {ours['peak_gib'] / theirs['peak_gib']:.2f}x" if ours["peak_gib"] else "")
              + f". Measured bf16 matmul (8192^3): {s.get('matmul_tflops')} TFLOP/s. dpoclin's step also runs the KL "
              "rows' no-grad forwards (policy and reference) that the KTO term needs; TRL DPO has no KTO term. Both "
              "compute the reference inside the step here (the recipe would precompute it once).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cpu-dry-run", action="store_true", help="tiny shapes on the CPU: the mechanics, not the numbers")
    p.add_argument("--steps", type=int, default=6, help="optimizer steps per trainer (the first 2 are warm-up)")
    args = p.parse_args(argv)
    import torch
    import transformers
    import trl

    if not args.cpu_dry_run and not torch.cuda.is_available():
        print("no CUDA GPU: run with --cpu-dry-run", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="dpoclin-gpu-") as work:
        doc = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "dry_run": args.cpu_dry_run,
               "machine": platform.platform(), "versions": {"torch": torch.__version__,
                                                            "transformers": transformers.__version__, "trl": trl.__version__},
               "recipe": recipe_check(Path(work), args.cpu_dry_run),
               "step": step_check(args.cpu_dry_run, 3 if args.cpu_dry_run else args.steps)}
    out = ROOT / "benchmarks" / ("_work" if args.cpu_dry_run else "results")
    out.mkdir(parents=True, exist_ok=True)
    stem = "gpu_dry_run" if args.cpu_dry_run else "gpu"
    (out / f"{stem}.json").write_text(json.dumps(doc, indent=2) + "\n")
    (out / f"{stem}.md").write_text(render(doc))
    print(render(doc))
    return 0 if all(x["rc"] == 0 for x in doc["recipe"]["steps"]) else 1


if __name__ == "__main__":
    sys.exit(main())

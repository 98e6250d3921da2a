"""Benchmark ``dpoclin.generation.generate`` (batched) against a naive one-prompt-at-a-time ``model.generate`` loop.

Both run in the same process on the same prompts (the first ``--prompts`` of
``data_samples/eval_prompts.jsonl``, default 32), with the same model (default the embedded
SmolLM2-135M-Instruct, float32 on CPU) and the same greedy settings (``--max-new-tokens``, default 128):

* ``naive``: for each prompt, its chat-template rendering tokenized alone (no padding) and passed
  to ``model.generate`` under ``torch.no_grad()``;
* ``batched``: ``generate(model, tokenizer, prompts, GenerationSettings(batch_size=16, ...))`` --
  longest-first batches, left padding, no cache.

One untimed warm-up ``model.generate`` call runs first (allocator and kernel warm-up).  Measured per
method: wall time of the whole method, new tokens generated (non-pad tokens after the prompt;
an eos that ends a response early is not counted, so both methods count the same tokens for the
same answers), tokens/s = new tokens / wall, CPU seconds and the *other* load on the machine while
it ran (system-wide busy CPU seconds not spent by this process / wall, in cores; > 0.2 means other
work competed for the CPUs).  Reported: the speed-up (batched tokens/s / naive tokens/s; target
>= 3x) and how many greedy responses are identical between the two (they differ only where padding
changes float rounding enough to flip a near-tie).

Writes ``benchmarks/results/generation.json`` and ``benchmarks/results/generation.md``.

    python benchmarks/bench_generation.py                              # 32 prompts, 128 new tokens (~10+ min on 2 cores)
    python benchmarks/bench_generation.py --prompts 4 --max-new-tokens 8   # smoke run (marked as such in the results)
    python benchmarks/bench_generation.py --model path/to/model_or_run_dir --batch-size 8
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import resource
import sys
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
PROMPTS_FILE = ROOT / "data_samples" / "eval_prompts.jsonl"
DEFAULTS = {"prompts": 32, "max_new_tokens": 128, "batch_size": 16, "model": "embedded:smollm2-135m-instruct"}
TARGET_SPEEDUP = 3.0
PACKAGES = ("dpoclin", "torch", "transformers", "peft", "tokenizers", "safetensors", "psutil", "rich")

sys.path.insert(0, str(HERE))
from bench_build_pairs import _busy_cpu_s, _git, machine_info as _base_machine_info  # noqa: E402


def machine_info(threads: int) -> dict:
    """The shared machine block, with this benchmark's package versions and torch threads."""
    info = _base_machine_info()
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    import torch

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    return {**info, "packages": versions, "torch_threads": threads, "device": device}


def _cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


class Meter:
    """Wall time, CPU time of this process and other load on the machine over a ``with`` block."""

    def __enter__(self) -> Meter:
        import psutil

        self._psutil = psutil
        self.busy0, self.cpu0, self.t0 = _busy_cpu_s(psutil), _cpu_s(), time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self.t0
        self.cpu = _cpu_s() - self.cpu0
        other = _busy_cpu_s(self._psutil) - self.busy0 - self.cpu
        self.other_load = max(0.0, other) / self.wall if self.wall > 0 else 0.0


def new_tokens(ids, pad_id: int) -> int:
    """Non-pad tokens in a tensor of generated ids."""
    return int((ids != pad_id).sum())


def run_naive(model, tokenizer, rendered: list[str], settings) -> tuple[list[str], int]:
    """One ``model.generate`` call per prompt, no padding: ``(responses, new tokens)``."""
    import torch

    from dpoclin.generation import _sampling_kwargs, encode, pad_id_of

    pad, device = pad_id_of(tokenizer), next(model.parameters()).device
    responses, tokens = [], 0
    for text in rendered:
        ids = torch.tensor([encode(tokenizer, text)], device=device)
        with torch.no_grad():
            out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), pad_token_id=pad,
                                 **_sampling_kwargs(settings))
        new = out[:, ids.shape[1]:]
        tokens += new_tokens(new, pad)
        responses.append(tokenizer.decode(new[0], skip_special_tokens=True).strip())
    return responses, tokens


class TokenCount:
    """A ``generate`` progress sink that only counts new tokens."""

    def __init__(self) -> None:
        self.tokens = 0

    def __call__(self, prompts: int) -> None:
        pass

    def add_tokens(self, tokens: int) -> None:
        self.tokens += tokens


def run_batched(model, tokenizer, prompts, settings) -> tuple[list[str], int]:
    """``dpoclin.generation.generate`` without a cache: ``(responses, new tokens)``."""
    from dpoclin.generation import generate

    counter = TokenCount()
    responses = generate(model, tokenizer, prompts, settings, progress=counter)
    return responses, counter.tokens


def measure(name: str, fn) -> tuple[dict, list[str]]:
    with Meter() as m:
        responses, tokens = fn()
    print(f"[bench] {name:<8} {m.wall:8.2f} s  {tokens:>6} new tokens  {tokens / m.wall:8.1f} tok/s  "
          f"cpu {m.cpu:.1f} s  other load {m.other_load:.2f}", file=sys.stderr, flush=True)
    return {"method": name, "wall_s": round(m.wall, 3), "new_tokens": tokens, "tokens_per_s": round(tokens / m.wall, 2),
            "cpu_s": round(m.cpu, 2), "cpu_per_wall": round(m.cpu / m.wall, 2),
            "other_load_cores": round(m.other_load, 2)}, responses


def is_full_size(config: dict) -> bool:
    return all(config[k] == v for k, v in DEFAULTS.items())


def render_markdown(doc: dict) -> str:
    m, c, r = doc["machine"], doc["config"], doc["results"]
    pk = ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
    lines = ["# Generation benchmark: batched `generate` vs a one-prompt-at-a-time loop", ""]
    if not is_full_size(c):
        lines += [f"> **Not yet run at full size.** These numbers are from a smoke run ({c['prompts']} prompts, "
                  f"{c['max_new_tokens']} new tokens, batch {c['batch_size']}, model `{c['model']}`) that only checks the "
                  f"script works; they say nothing about the speed-up. Run `python benchmarks/bench_generation.py` "
                  f"({DEFAULTS['prompts']} prompts, {DEFAULTS['max_new_tokens']} new tokens, batch {DEFAULTS['batch_size']}) "
                  "for the real numbers.", ""]
    lines += [
        f"Generated by `benchmarks/bench_generation.py` on {m['date']} (dpoclin commit `{m['git_commit']}`"
        + (", dpoclin/ has uncommitted changes" if m.get("dpoclin_tree_dirty") else "") + ").",
        "",
        "| machine | |",
        "|---|---|",
        f"| CPU | {m['cpu_model']} @ {m['cpu_mhz']:.0f} MHz |" if m.get("cpu_mhz") else f"| CPU | {m['cpu_model']} |",
        f"| cores | {m['logical_cpus']} logical ({m['usable_cpus']} usable); torch threads {m['torch_threads']} |",
        f"| RAM | {m['ram_gb']} GiB |",
        f"| device | {m['device']} |",
        f"| Python | {m['python']} ({m['platform']}) |",
        f"| packages | {pk} |",
        "",
        f"Settings: model `{c['model']}` ({c['dtype']}), the first {c['prompts']} prompts of "
        f"`{c['prompts_file']}` (prompt tokens {c['prompt_tokens_min']}-{c['prompt_tokens_max']}, "
        f"{c['prompt_tokens_total']:,} in all), greedy, max_new_tokens {c['max_new_tokens']}, batch size "
        f"{c['batch_size']} for `generate`. Model load {doc['load_s']:.1f} s (not timed below).",
        "",
        f"Target: batched tokens/s >= {TARGET_SPEEDUP:.0f}x the naive loop's.",
        "",
        "| method | wall s | new tokens | tokens/s | CPU s | CPU/wall | other load |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in (r["naive"], r["batched"]):
        lines.append(f"| {row['method']} | {row['wall_s']:.2f} | {row['new_tokens']:,} | {row['tokens_per_s']:,.1f} "
                     f"| {row['cpu_s']:.1f} | {row['cpu_per_wall']:.2f} | {row['other_load_cores']:.2f} |")
    verdict = "PASS" if r["speedup"] >= TARGET_SPEEDUP else "FAIL"
    lines += [
        "",
        f"**Speed-up (tokens/s, batched / naive): {r['speedup']:.2f}x** -- {verdict} (target >= {TARGET_SPEEDUP:.0f}x)"
        + ("" if is_full_size(c) else "; smoke run, not meaningful") + ".",
        f"Identical greedy responses between the two methods: {r['identical_responses']} / {c['prompts']}.",
        "",
        "Columns: **wall s** the whole method (tokenization, generation, decoding); **new tokens** non-pad tokens "
        "generated after the prompts; **tokens/s** new tokens / wall s; **CPU s** user + sys of this process during "
        "the method; **other load** system-wide busy CPU seconds not spent by this process / wall s, in cores "
        "(the machine is shared: > 0.2 means the run competed for CPU).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--prompts", type=int, default=DEFAULTS["prompts"], help="first N prompts of the file (default 32)")
    p.add_argument("--max-new-tokens", type=int, default=DEFAULTS["max_new_tokens"], help="default 128")
    p.add_argument("--batch-size", type=int, default=DEFAULTS["batch_size"], help="generate()'s batch size (default 16)")
    p.add_argument("--model", default=DEFAULTS["model"], help="model name, dir or train run dir (default: the embedded model)")
    p.add_argument("--prompts-file", type=Path, default=PROMPTS_FILE)
    p.add_argument("--dtype", default="auto")
    p.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())
    p.add_argument("--results", type=Path, default=RESULTS, help="results directory")
    args = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import torch

    from dpoclin.eval_inputs import read_prompts
    from dpoclin.generation import GenerationSettings, encode, load_for_generation, render_prompt

    torch.set_num_threads(args.threads)
    prompts = read_prompts(args.prompts_file)[: args.prompts]
    t0 = time.perf_counter()
    model, tokenizer = load_for_generation(args.model, dtype=args.dtype, backend="hf")
    load_s = time.perf_counter() - t0
    settings = GenerationSettings(max_new_tokens=args.max_new_tokens, batch_size=args.batch_size)
    rendered = [render_prompt(tokenizer, pr) for pr in prompts]
    lengths = [len(encode(tokenizer, text)) for text in rendered]
    run_naive(model, tokenizer, rendered[:1], GenerationSettings(max_new_tokens=2))  # warm-up, untimed

    naive, naive_out = measure("naive", lambda: run_naive(model, tokenizer, rendered, settings))
    batched, batched_out = measure("batched", lambda: run_batched(model, tokenizer, prompts, settings))
    speedup = batched["tokens_per_s"] / naive["tokens_per_s"] if naive["tokens_per_s"] else float("nan")

    config = {"prompts": len(prompts), "max_new_tokens": args.max_new_tokens, "batch_size": args.batch_size,
              "model": args.model, "dtype": str(model.dtype).removeprefix("torch."),
              "prompts_file": str(args.prompts_file.resolve().relative_to(ROOT)) if args.prompts_file.resolve().is_relative_to(ROOT) else str(args.prompts_file),
              "prompt_tokens_min": min(lengths), "prompt_tokens_max": max(lengths), "prompt_tokens_total": sum(lengths)}
    doc = {"machine": machine_info(args.threads), "config": config, "full_size": is_full_size(config),
           "target_speedup": TARGET_SPEEDUP, "load_s": round(load_s, 2),
           "git_commit": _git(["rev-parse", "--short", "HEAD"]),
           "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "results": {"naive": naive, "batched": batched, "speedup": round(speedup, 3),
                       "identical_responses": sum(a == b for a, b in zip(naive_out, batched_out))}}
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "generation.json").write_text(json.dumps(doc, indent=2) + "\n")
    md = render_markdown(doc)
    (args.results / "generation.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

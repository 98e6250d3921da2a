"""Benchmark one optimizer step of dpoclin's PreferenceTrainer against TRL's DPOTrainer and KTOTrainer.

Four variants, each trained for ``--steps`` optimizer steps in a fresh child process of this script
(so memory, threads and allocator state never leak between them), all with the same model and
settings: the embedded SmolLM2-135M-Instruct in float32, LoRA r=32 alpha=64 dropout 0.05 on all
linear layers, learning rate 5e-4, max_length 256, 4 examples (pairs) per device, no gradient
accumulation or checkpointing, bf16 off, seed 42, CPU, ``torch.set_num_threads(--threads)``:

* ``trl-dpo``: ``trl.DPOTrainer`` (``loss_type=["sigmoid"]``, beta 0.1) on the train pairs
  (``split == "train"``; prompt/chosen/rejected columns);
* ``dpoclin-dpo``: the packaged ``dpo`` recipe -- ``PreferenceTrainer`` with only the DPO term --
  on the same pairs, built exactly as ``dpoclin.run.train_run`` builds it (``prepare_model``,
  ``load_data``, ``loss_weights``, ``training_arguments``, ``Collator``, ``attach_reference``), minus
  the run directory's provenance files, the final save and the eval pass;
* ``dpoclin-kto-dpo``: the packaged ``kto-dpo`` recipe on the same pairs *and* the train KTO
  examples (a micro-batch = 4 pairs + 4 KTO examples + their mismatched KL sequences);
* ``trl-kto``: ``trl.KTOTrainer`` (``loss_type="kto"``, beta 0.1, the same desirable/undesirable
  weights dpoclin derives from the data) on the train KTO examples.

Measured per variant:

* **s/step**: a ``TrainerCallback`` times ``on_step_begin`` -> ``on_step_end`` (forward, loss,
  backward, optimizer and scheduler step; not collation or logging); the median over steps
  3..N (the first 2 are warm-up). The same window is split into forward+loss, backward
  (``accelerator.backward`` timed) and optimizer (``on_pre_optimizer_step`` -> ``on_step_end``);
  for the dpoclin variants the forward is split further by timing ``PreferenceTrainer._logps``
  per call kind (policy with grad, reference, policy KL, reference KL; log-probs through the fused LM head);
* **tokens/s**: non-pad tokens of the micro-batch's training sequences (chosen + rejected, and the
  KTO completions' sequences) per second of step time, summed over steps 3..N; the KL sequences'
  tokens and the padded (computed) tokens are recorded separately;
* **peak RSS**: ``ru_maxrss`` of the child from ``os.wait4`` (model load included);
* CPU seconds of the child and the *other* load on the machine while it ran (system-wide busy CPU
  seconds not spent by the child / wall s, in cores; > 0.2 means other work competed for the CPUs).

``--profile`` additionally runs each variant for 4 steps with ``torch.profiler`` around steps 3-4 and
records the operators that took the most CPU time (``benchmarks/_work/profile/``, and a summary in
the results).

Writes ``benchmarks/results/train_step.json`` and ``benchmarks/results/train_step.md``.

    python benchmarks/bench_train_step.py                      # all four variants, 8 steps each (~10 min on 2 idle cores)
    python benchmarks/bench_train_step.py --profile-only       # add a 2-step operator profile of each (~6 min)
    python benchmarks/bench_train_step.py --steps 10 --profile # more steps, and the profile, in one go
    python benchmarks/bench_train_step.py --variants dpoclin-kto-dpo --merge
    python benchmarks/bench_train_step.py --render-only         # re-render the .md from the .json
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "_work"
DATA = WORK / "data"
RESULTS = HERE / "results"
EXPORT = ROOT / "data_samples" / "clinical_export.jsonl"
VARIANTS = ("trl-dpo", "dpoclin-dpo", "dpoclin-kto-dpo", "trl-kto")
WARMUP = 2
QUIET_LOAD = 0.2  # a step whose other load (cores busy with other work) is below this ran on a quiet machine
SEED = 42
MODEL = "embedded:smollm2-135m-instruct"
# The shared settings every variant runs with (the packaged dpo / kto-dpo recipes' values, checked in the child).
SETTINGS = {"dtype": "float32", "lora_r": 32, "lora_alpha": 64, "lora_dropout": 0.05, "target_modules": "all-linear",
            "learning_rate": 5e-4, "max_length": 256, "per_device_batch_size": 4, "gradient_accumulation_steps": 1,
            "gradient_checkpointing": False, "bf16": False, "beta": 0.1, "seed": SEED}
TARGET_KTO_DPO_STEP = 1.15  # kto-dpo s/step <= 1.15 x TRL DPO s/step on paired batches (spec)
TARGET_MIXED_EPOCH = 0.8  # kto-dpo epoch <= 0.8 x (TRL DPO epoch + TRL KTO epoch) on the same examples (spec)


# --- child side ---------------------------------------------------------------------------

class _Clock:
    """Per-step timings from Trainer callbacks and wrapped calls (all CPU work is synchronous)."""

    def __init__(self):
        self.steps: list[dict] = []
        self.current: dict | None = None

    def add(self, key: str, seconds: float) -> None:
        if self.current is not None:
            self.current[key] = self.current.get(key, 0.0) + seconds

    def count(self, key: str, n: int) -> None:
        if self.current is not None:
            self.current[key] = self.current.get(key, 0) + n


def _reset_peak_rss() -> None:
    """Reset this process's VmHWM (Linux ``clear_refs`` 5), so the peak read later covers only what follows."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def _peak_rss_mb() -> float:
    """VmHWM of this process in MB: the resident-set peak since the last reset (or since start)."""
    with open("/proc/self/status") as fh:
        kb = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    return round(kb / 1024, 1)


def _make_callback(clock: _Clock, profile_steps: tuple[int, int] | None, profile_out: Path | None):
    import psutil
    from transformers import TrainerCallback

    class StepTimer(TrainerCallback):
        def __init__(self):
            self.prof = None

        def on_step_begin(self, args, state, control, **kw):
            step = len(clock.steps) + 1
            if profile_steps and step == profile_steps[0]:
                import torch

                self.prof = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU])
                self.prof.__enter__()
            if step == 1:
                _reset_peak_rss()  # from here VmHWM is the peak of the training steps alone
            clock.current = {"busy0": _busy_cpu_s(psutil), "cpu0": sum(os.times()[:2]), "t0": time.perf_counter()}

        def on_pre_optimizer_step(self, args, state, control, **kw):
            clock.current["t_opt"] = time.perf_counter()

        def on_step_end(self, args, state, control, **kw):
            now = time.perf_counter()
            cur = clock.current
            cur["step_s"] = now - cur.pop("t0")
            cur["optimizer_s"] = now - cur.pop("t_opt", now)
            cpu = sum(os.times()[:2]) - cur.pop("cpu0")
            cur["cpu_per_wall"] = cpu / cur["step_s"]
            cur["other_load"] = max(0.0, _busy_cpu_s(psutil) - cur.pop("busy0") - cpu) / cur["step_s"]
            cur["steps_peak_rss_mb"] = _peak_rss_mb()
            clock.steps.append(cur)
            clock.current = None
            print(f"[child] step {len(clock.steps)}: {cur['step_s']:.2f} s, {cur.get('tokens', 0)} tokens, "
                  f"other load {cur['other_load']:.2f}, cpu/wall {cur['cpu_per_wall']:.2f}", file=sys.stderr, flush=True)
            if self.prof is not None and len(clock.steps) == profile_steps[1]:
                self.prof.__exit__(None, None, None)
                _write_profile(self.prof, profile_out, profile_steps[1] - profile_steps[0] + 1)
                self.prof = None

    return StepTimer()


def _write_profile(prof, out: Path, n_steps: int) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    avg = prof.key_averages()
    out.with_suffix(".txt").write_text(avg.table(sort_by="self_cpu_time_total", row_limit=40))
    total = sum(e.self_cpu_time_total for e in avg) or 1
    top = sorted(avg, key=lambda e: e.self_cpu_time_total, reverse=True)[:20]
    # cpu_time_total (inclusive) of named autograd/loss ops shows what a whole sub-computation costs
    inclusive = {e.key: round(e.cpu_time_total / 1e6 / n_steps, 3) for e in avg
                 if any(s in e.key for s in ("log_softmax", "ChunkedLogProb", "gather", "linear", "addmm", "mm",
                                             "matmul", "scaled_dot_product", "Optimizer.step", "backward"))}
    out.with_suffix(".json").write_text(json.dumps({
        "steps": n_steps,
        "self_cpu_s_per_step_total": round(total / 1e6 / n_steps, 3),
        "top_self_cpu": [{"op": e.key, "self_cpu_s_per_step": round(e.self_cpu_time_total / 1e6 / n_steps, 3),
                          "share": round(e.self_cpu_time_total / total, 3), "calls_per_step": e.count / n_steps}
                         for e in top],
        "inclusive_cpu_s_per_step": dict(sorted(inclusive.items(), key=lambda kv: -kv[1])[:25]),
    }, indent=2))


def _count_tokens(clock: _Clock, inputs: dict) -> None:
    main_mask = inputs["attention_mask"]
    clock.count("tokens", int(main_mask.sum()))
    clock.count("padded_tokens", int(main_mask.numel()))
    clock.count("sequences", int(main_mask.shape[0]))
    comp = inputs.get("completion_mask")
    if comp is not None:
        clock.count("completion_tokens", int(comp.sum()))
    for key in ("kl_attention_mask", "KL_attention_mask"):
        if key in inputs:
            clock.count("kl_tokens", int(inputs[key].sum()))
            clock.count("kl_padded_tokens", int(inputs[key].numel()))
            clock.count("kl_sequences", int(inputs[key].shape[0]))


def _instrument(trainer_cls, clock: _Clock):
    """A subclass counting tokens per micro-batch; backward is timed on the instance (see _time_backward)."""

    class Timed(trainer_cls):
        def compute_loss(self, model, inputs, *args, **kwargs):
            _count_tokens(clock, inputs)
            t0 = time.perf_counter()
            out = super().compute_loss(model, inputs, *args, **kwargs)
            clock.add("compute_loss_s", time.perf_counter() - t0)
            return out

    Timed.__name__ = f"Timed{trainer_cls.__name__}"
    return Timed


def _time_backward(trainer, clock: _Clock) -> None:
    acc = trainer.accelerator
    original = acc.backward

    def backward(loss, **kwargs):
        t0 = time.perf_counter()
        out = original(loss, **kwargs)
        clock.add("backward_s", time.perf_counter() - t0)
        return out

    acc.backward = backward


def _instrument_dpoclin(clock: _Clock) -> None:
    """Time PreferenceTrainer._logps per call kind, by wrapping it in this process only."""
    import contextlib

    import torch

    import dpoclin.trainer as tr

    original_logps = tr.PreferenceTrainer.__dict__["_logps"].__func__
    original_reference = tr.PreferenceTrainer._reference.__wrapped__
    original_kl = tr.PreferenceTrainer._kl_logps
    state = {"ref": False, "kl": False}

    def _logps(model, batch, prefix=""):
        kind = ("ref" if state["ref"] else "policy") + ("_kl" if state["kl"] else "") + ("" if torch.is_grad_enabled() else "_nograd")
        kind = {"policy": "policy_fwd", "ref_nograd": "ref_fwd", "ref_kl_nograd": "ref_kl_fwd",
                "policy_kl_nograd": "policy_kl_fwd"}.get(kind, kind)
        t0 = time.perf_counter()
        out = original_logps(model, batch, prefix)
        clock.add(f"{kind}_s", time.perf_counter() - t0)
        return out

    @contextlib.contextmanager
    def _reference(self, model):
        state["ref"] = True
        try:
            with contextlib.contextmanager(original_reference)(self, model) as ref:
                yield ref
        finally:
            state["ref"] = False

    def _kl_logps(self, model, batch):
        state["kl"] = True
        try:
            return original_kl(self, model, batch)
        finally:
            state["kl"] = False

    tr.PreferenceTrainer._logps = staticmethod(_logps)
    tr.PreferenceTrainer._reference = _reference
    tr.PreferenceTrainer._kl_logps = _kl_logps


def _lora_config():
    from peft import LoraConfig

    return LoraConfig(r=SETTINGS["lora_r"], lora_alpha=SETTINGS["lora_alpha"], lora_dropout=SETTINGS["lora_dropout"],
                      target_modules=SETTINGS["target_modules"], task_type="CAUSAL_LM")


def _trl_common(out: Path, steps: int) -> dict:
    return dict(output_dir=str(out), max_steps=steps, per_device_train_batch_size=SETTINGS["per_device_batch_size"],
                gradient_accumulation_steps=1, learning_rate=SETTINGS["learning_rate"], lr_scheduler_type="cosine",
                warmup_steps=0.1, seed=SEED, data_seed=SEED, bf16=False, fp16=False, gradient_checkpointing=False,
                max_length=SETTINGS["max_length"], beta=SETTINGS["beta"], report_to="none", use_cpu=True,
                save_strategy="no", eval_strategy="no", logging_steps=max(steps, 1), disable_tqdm=True)


def _build_trainer(variant: str, out: Path, steps: int, clock: _Clock, callback):
    """(trainer, info): the variant's trainer, ready to ``train()``."""
    from transformers import set_seed

    from dpoclin.data import load_rows

    set_seed(SEED)
    info: dict = {}
    if variant.startswith("trl-"):
        import datasets

        from dpoclin.models import load_model_and_tokenizer

        datasets.disable_progress_bars()
        model, tokenizer = load_model_and_tokenizer(MODEL, dtype=SETTINGS["dtype"], device="cpu")
        if variant == "trl-dpo":
            from trl import DPOConfig, DPOTrainer

            rows = [{k: r[k] for k in ("prompt", "chosen", "rejected")} for r in load_rows(DATA / "pairs.jsonl", "train")]
            args = DPOConfig(**_trl_common(out, steps), loss_type=["sigmoid"])
            cls = DPOTrainer
        else:
            from trl import KTOConfig, KTOTrainer

            from dpoclin.losses import kto_weights

            rows = [{k: r[k] for k in ("prompt", "completion", "label")} for r in load_rows(DATA / "kto.jsonl", "train")]
            n_d = sum(bool(r["label"]) for r in rows)
            lam_d, lam_u = kto_weights(n_d, len(rows) - n_d)  # what dpoclin's kto-dpo uses on this data
            args = KTOConfig(**_trl_common(out, steps), loss_type="kto", desirable_weight=lam_d, undesirable_weight=lam_u)
            info["kto_weights"] = [lam_d, lam_u]
            cls = KTOTrainer
        info.update(train_pairs=len(rows) if variant == "trl-dpo" else 0, train_kto=len(rows) if variant == "trl-kto" else 0,
                    dataset_len=len(rows))
        t0 = time.perf_counter()
        trainer = _instrument(cls, clock)(model=model, args=args, train_dataset=datasets.Dataset.from_list(rows),
                                          processing_class=tokenizer, peft_config=_lora_config(), callbacks=[callback])
        info["trainer_init_s"] = round(time.perf_counter() - t0, 2)  # includes TRL's tokenisation of the dataset
        info["dropout_disabled"] = bool(args.disable_dropout)
    else:
        from dpoclin.data import Collator
        from dpoclin.recipe import apply_overrides, load_recipe, validate
        from dpoclin.run import attach_reference, loss_weights, prepare_model, load_data, training_arguments
        from dpoclin.trainer import PreferenceTrainer

        _instrument_dpoclin(clock)
        name = variant.removeprefix("dpoclin-")
        recipe = apply_overrides(load_recipe(name), [f"training.max_steps={steps}", f"training.logging_steps={max(steps, 1)}",
                                                     f"data.path={DATA}", "data.eval_split=null", f"training.seed={SEED}",
                                                     "training.group_by_length=false"])  # TRL's sampler: the same batches as TRL DPO
        validate(recipe)
        m, p, t = recipe.model, recipe.peft, recipe.training
        got = {"dtype": m.dtype, "lora_r": p.r, "lora_alpha": p.alpha, "lora_dropout": p.dropout, "target_modules": p.target_modules,
               "learning_rate": t.learning_rate, "max_length": m.max_length, "per_device_batch_size": t.per_device_batch_size,
               "gradient_accumulation_steps": t.gradient_accumulation_steps, "gradient_checkpointing": t.gradient_checkpointing,
               "beta": recipe.objective.beta_dpo, "seed": t.seed}
        mismatch = {k: (v, SETTINGS[k]) for k, v in got.items() if v != SETTINGS[k]}
        if mismatch:
            raise SystemExit(f"recipe {name} no longer matches the benchmark settings: {mismatch}")
        # as dpoclin.run.train_run builds it (no provenance files, no final save, no eval)
        set_seed(t.seed)
        model, tokenizer, ref = prepare_model(recipe)
        data = load_data(recipe, DATA, tokenizer)
        weights = loss_weights(recipe, data.manifest.get("kto_desirable", 0), data.manifest.get("kto_undesirable", 0))
        args = training_arguments(recipe, out, "cpu")
        args.disable_tqdm = True
        collator = Collator(tokenizer.pad_token_id, kl=weights.w_kto > 0, kl_samples=recipe.objective.kl_samples)
        counts = data.manifest["train"]
        info.update(train_pairs=counts["pairs"], train_kto=counts["kto"], kto_on_pairs=counts["kto_on_pairs"],
                    kto_standalone=counts["kto_standalone"], dataset_len=len(data.train), kl_samples=recipe.objective.kl_samples,
                    loss_weights=dict(weights.__dict__), bf16=bool(args.bf16), dropout_disabled=False)
        t0 = time.perf_counter()
        trainer = _instrument(PreferenceTrainer, clock)(
            model=model, args=args, train_dataset=data.train, data_collator=collator, processing_class=tokenizer,
            loss_weights=weights, ref_model=ref, callbacks=[callback], group_by_length=t.group_by_length)
        info["trainer_init_s"] = round(time.perf_counter() - t0, 2)
        if recipe.objective.precompute_ref:  # cold cache (a fresh DPOCLIN_CACHE per child), then the cache hit of a rerun
            cold = attach_reference(trainer, collator, data, recipe, tokenizer, "cpu")
            warm = attach_reference(trainer, collator, data, recipe, tokenizer, "cpu")
            assert not cold["cache_hit"] and warm["cache_hit"], (cold, warm)
            info.update(ref_sequences=cold["sequences"], ref_precompute_s=cold["seconds"], ref_cache_load_s=warm["seconds"])
    _time_backward(trainer, clock)
    info["steps_per_epoch"] = math.ceil(info["dataset_len"] / SETTINGS["per_device_batch_size"])
    info["trainable_params"] = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
    return trainer, info


def _child(argv: list[str]) -> int:
    """``--child VARIANT STEPS THREADS REPORT [PROFILE_OUT]``: train STEPS steps, write timings to REPORT."""
    variant, steps, threads, report = argv[0], int(argv[1]), int(argv[2]), Path(argv[3])
    profile_out = Path(argv[4]) if len(argv) > 4 else None
    t0 = time.perf_counter()
    import torch

    torch.set_num_threads(threads)
    t_import = time.perf_counter()
    clock = _Clock()
    profile_steps = (WARMUP + 1, steps) if profile_out else None
    callback = _make_callback(clock, profile_steps, profile_out)
    with tempfile.TemporaryDirectory(prefix=f"bench-{variant}-", dir=WORK) as tmp:
        os.environ["DPOCLIN_CACHE"] = str(Path(tmp) / "cache")  # the reference cache starts cold in every child
        trainer, info = _build_trainer(variant, Path(tmp), steps, clock, callback)
        t_built = time.perf_counter()
        print(f"[child] {variant}: set up in {t_built - t_import:.1f} s; training {steps} steps", file=sys.stderr, flush=True)
        trainer.train()
        t_trained = time.perf_counter()
    Path(report).write_text(json.dumps({
        "variant": variant, "torch_threads": torch.get_num_threads(), "import_s": round(t_import - t0, 2),
        "setup_s": round(t_built - t_import, 2), "train_s": round(t_trained - t_built, 2), "steps": clock.steps, **info}))
    return 0


# --- parent side --------------------------------------------------------------------------

def _busy_cpu_s(psutil) -> float:
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def _git(args: list[str]) -> str | None:
    """Read-only git query in the repo (None when git is unavailable)."""
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def ensure_data() -> dict:
    """The build-pairs output of the sample export (built when missing); file hashes for the record."""
    if not (DATA / "pairs.jsonl").is_file() or not (DATA / "kto.jsonl").is_file():
        print(f"[bench] dpoclin build-pairs {EXPORT.relative_to(ROOT)} --out {DATA.relative_to(ROOT)}", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "dpoclin", "build-pairs", str(EXPORT), "--out", str(DATA), "--overwrite"],
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    import hashlib

    return {name: hashlib.sha256((DATA / name).read_bytes()).hexdigest()[:16] for name in ("pairs.jsonl", "kto.jsonl")}


def run_variant(variant: str, steps: int, threads: int, log_dir: Path, profile: bool = False) -> dict:
    import psutil

    report = Path(tempfile.mkstemp(prefix=f"report-{variant}-", suffix=".json", dir=WORK)[1])
    tag = f"{variant}{'-profile' if profile else ''}"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", variant, str(steps), str(threads), str(report)]
    if profile:
        cmd.append(str(WORK / "profile" / variant))
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), HF_DATASETS_DISABLE_PROGRESS_BARS="1")
    load_before = os.getloadavg()
    busy0 = _busy_cpu_s(psutil)
    t0 = time.perf_counter()
    with open(log_dir / f"train-{tag}.log", "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    busy1 = _busy_cpu_s(psutil)
    load_after = os.getloadavg()
    code = os.waitstatus_to_exitcode(status)
    child = json.loads(report.read_text()) if report.stat().st_size else None
    report.unlink(missing_ok=True)
    if code != 0 or child is None:
        raise SystemExit(f"{variant} failed (exit {code}); see {log_dir / f'train-{tag}.log'}")
    cpu = ru.ru_utime + ru.ru_stime
    return summarise(child, steps, {
        "wall_s": round(wall, 2), "peak_rss_mb": round(ru.ru_maxrss / 1024, 1), "cpu_s": round(cpu, 1),
        "cpu_per_wall": round(cpu / wall, 2), "other_load_cores": round(max(0.0, (busy1 - busy0) - cpu) / wall, 2),
        "loadavg_1m_before": round(load_before[0], 2), "loadavg_1m_after": round(load_after[0], 2),
        "measured_at": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "git_commit": _git(["rev-parse", "--short", "HEAD"])})


def summarise(child: dict, steps: int, proc: dict) -> dict:
    measured = child["steps"][WARMUP:]
    if not measured:
        raise SystemExit(f"{child['variant']}: {len(child['steps'])} steps recorded, need more than {WARMUP} (raise --steps)")

    def med(key):
        vals = [s.get(key, 0.0) for s in measured]
        return round(statistics.median(vals), 3)

    step_s = med("step_s")
    quiet = [s for s in measured if s.get("other_load", 1.0) < QUIET_LOAD]
    total_s = sum(s["step_s"] for s in measured)
    tokens = sum(s.get("tokens", 0) for s in measured)
    breakdown = {k.removesuffix("_s"): med(k) for k in ("compute_loss_s", "backward_s", "optimizer_s", "policy_fwd_s", "ref_fwd_s",
                                                       "policy_kl_fwd_s", "ref_kl_fwd_s")
                 if any(k in s for s in measured)}
    info = {k: v for k, v in child.items() if k != "steps"}
    return {
        **info, "steps_run": len(child["steps"]), "steps_measured": len(measured),
        "s_per_step": step_s, "s_per_step_mean": round(total_s / len(measured), 3),
        "s_per_step_min": round(min(s["step_s"] for s in measured), 3), "s_per_step_max": round(max(s["step_s"] for s in measured), 3),
        "tokens_per_s": round(tokens / total_s, 1),
        "tokens_per_step": round(tokens / len(measured), 1),
        "padded_tokens_per_step": round(sum(s.get("padded_tokens", 0) for s in measured) / len(measured), 1),
        "kl_tokens_per_step": round(sum(s.get("kl_tokens", 0) for s in measured) / len(measured), 1),
        "sequences_per_step": round(sum(s.get("sequences", 0) for s in measured) / len(measured), 1),
        "kl_sequences_per_step": round(sum(s.get("kl_sequences", 0) for s in measured) / len(measured), 1),
        "epoch_train_s_estimate": round(info["steps_per_epoch"] * step_s, 1),
        # one epoch from a cold start: the steps plus dpoclin's one-time reference pass (TRL's reference runs inside its steps)
        "epoch_s_estimate": round(info["steps_per_epoch"] * step_s + info.get("ref_precompute_s", 0.0), 1),
        "breakdown_median_s": breakdown,
        "other_load_median": round(statistics.median(s.get("other_load", 0.0) for s in measured), 2),
        "quiet_steps": len(quiet), "s_per_step_quiet": round(statistics.median(s["step_s"] for s in quiet), 3) if quiet else None,
        "steps_peak_rss_mb": max(s.get("steps_peak_rss_mb", 0.0) for s in child["steps"]),
        "step_s_all": [round(s["step_s"], 3) for s in child["steps"]],
        "other_load_all": [round(s.get("other_load", 0.0), 2) for s in child["steps"]],
        "cpu_per_wall_all": [round(s.get("cpu_per_wall", 0.0), 2) for s in child["steps"]],
        "tokens_all": [s.get("tokens", 0) for s in child["steps"]],
        **proc,
    }


def ratios(v: dict) -> dict:
    out = {}
    d, kd, k, dd = v.get("trl-dpo"), v.get("dpoclin-kto-dpo"), v.get("trl-kto"), v.get("dpoclin-dpo")
    if d and dd:
        out["dpoclin_dpo_over_trl_dpo_step"] = round(dd["s_per_step"] / d["s_per_step"], 3)
        out["dpoclin_dpo_over_trl_dpo_tokens_per_s"] = round(dd["tokens_per_s"] / d["tokens_per_s"], 3)
    if d and kd:
        out["kto_dpo_over_trl_dpo_step"] = round(kd["s_per_step"] / d["s_per_step"], 3)
        out["kto_dpo_over_trl_dpo_step_pass"] = out["kto_dpo_over_trl_dpo_step"] <= TARGET_KTO_DPO_STEP
    if d and kd and k:
        trl_epochs = d["epoch_s_estimate"] + k["epoch_s_estimate"]
        out["mixed_epoch_s"] = {"dpoclin_kto_dpo": kd["epoch_s_estimate"], "trl_dpo_plus_trl_kto": round(trl_epochs, 1)}
        out["kto_dpo_epoch_over_trl_epochs"] = round(kd["epoch_s_estimate"] / trl_epochs, 3)
        out["kto_dpo_epoch_over_trl_epochs_pass"] = out["kto_dpo_epoch_over_trl_epochs"] <= TARGET_MIXED_EPOCH
        # per example: one mixed step (4 pairs + 4 KTO examples) vs one DPO step (4 pairs) + one KTO step (4 examples)
        out["kto_dpo_step_over_trl_dpo_plus_kto_step"] = round(kd["s_per_step"] / (d["s_per_step"] + k["s_per_step"]), 3)
    if d and kd and kd.get("ref_precompute_s") is not None:
        # the reference pass amortised over one epoch's steps, next to TRL's in-step reference forwards
        per_step = kd["s_per_step"] + kd["ref_precompute_s"] / kd["steps_per_epoch"]
        out["kto_dpo_over_trl_dpo_step_with_ref_pass"] = round(per_step / d["s_per_step"], 3)
    for name, x in v.items():
        if x.get("ref_precompute_s") is not None:  # a second run (or another recipe) on the same data and model
            saved = x["ref_precompute_s"] - x["ref_cache_load_s"]
            out.setdefault("reference_cache", {})[name] = {
                "first_run_s": x["ref_precompute_s"], "cache_hit_s": x["ref_cache_load_s"], "saved_s": round(saved, 1),
                "saved_share_of_first_epoch": round(saved / x["epoch_s_estimate"], 3)}
    return out


def machine_info() -> dict:
    cpu_model, mhz = None, None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and cpu_model is None:
                cpu_model = line.split(":", 1)[1].strip()
            if line.startswith("cpu MHz") and mhz is None:
                mhz = float(line.split(":", 1)[1])
    except OSError:
        pass
    mem_kb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    versions = {}
    for name in ("dpoclin", "torch", "transformers", "trl", "peft", "accelerate", "datasets", "psutil"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    commit = _git(["rev-parse", "--short", "HEAD"])
    status = _git(["status", "--porcelain", "--", "dpoclin"])
    dirty = None if status is None and commit is None else bool(status)
    return {
        "cpu_model": cpu_model, "cpu_mhz": mhz, "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram_gb": round(mem_kb / 2**20, 1) if mem_kb else None,
        "python": platform.python_version(), "platform": platform.platform(),
        "packages": versions, "git_commit": commit, "dpoclin_tree_dirty": dirty,
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


LABELS = {"trl-dpo": "TRL DPOTrainer (sigmoid)", "dpoclin-dpo": "dpoclin `dpo` recipe",
          "dpoclin-kto-dpo": "dpoclin `kto-dpo` recipe", "trl-kto": "TRL KTOTrainer (kto)"}
CONTENTS = {"trl-dpo": "4 pairs = 8 seq", "dpoclin-dpo": "4 pairs = 8 seq",
            "dpoclin-kto-dpo": "4 items (pairs carry their sides' KTO labels; 41 standalone KTO) = ~8 seq, + 4 KL seq",
            "trl-kto": "4 KTO = 4 seq, + 4 KL seq"}


def render_markdown(doc: dict) -> str:
    m, v, r, s = doc["machine"], doc["variants"], doc["ratios"], doc["settings"]
    pk = ", ".join(f"{k} {val}" for k, val in m["packages"].items() if val)
    lines = [
        "# Training-step benchmark: dpoclin PreferenceTrainer vs TRL DPOTrainer / KTOTrainer",
        "",
        f"Generated by `benchmarks/bench_train_step.py` on {m['date']} (dpoclin commit `{m['git_commit']}`"
        + (", dpoclin/ has uncommitted changes" if m.get("dpoclin_tree_dirty") else "") + "). "
        + "Timings measured " + ", ".join(f"{n} {x.get('measured_at', '?')} at `{x.get('git_commit', '?')}`"
                                         for n, x in v.items()) + ".",
        "",
        "| machine | |",
        "|---|---|",
        f"| CPU | {m['cpu_model']} @ {m['cpu_mhz']:.0f} MHz |" if m.get("cpu_mhz") else f"| CPU | {m['cpu_model']} |",
        f"| cores | {m['logical_cpus']} logical ({m['usable_cpus']} usable); torch threads {doc['threads']} |",
        f"| RAM | {m['ram_gb']} GiB |",
        f"| Python | {m['python']} ({m['platform']}) |",
        f"| packages | {pk} |",
        f"| data | `dpoclin build-pairs data_samples/clinical_export.jsonl` (train split); sha256[:16] {', '.join(f'{k} {h}' for k, h in doc['data_sha256'].items())} |",
        "",
        f"Common settings: embedded SmolLM2-135M-Instruct, {s['dtype']}, LoRA r={s['lora_r']} alpha={s['lora_alpha']} "
        f"dropout {s['lora_dropout']} on {s['target_modules']}, lr {s['learning_rate']:g} (cosine, 10% warm-up), "
        f"max_length {s['max_length']}, {s['per_device_batch_size']} examples/pairs per device, no accumulation, "
        f"no gradient checkpointing, bf16 off, beta {s['beta']}, seed {s['seed']}, CPU. {doc['steps']} optimizer steps per "
        f"variant in a fresh process; s/step is the median of steps {WARMUP + 1}..{doc['steps']}.",
        "",
        "| variant | micro-batch | s/step (median) | min-max | tokens/step | tokens/s | fwd+loss s | backward s | optimizer s "
        "| steps/epoch | epoch s (est.) | peak RSS MB | other load (steps) | quiet steps: s/step | CPU/wall |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in VARIANTS:
        x = v.get(name)
        if not x:
            continue
        b = x["breakdown_median_s"]
        lines.append(
            f"| {LABELS[name]} | {CONTENTS[name]} | {x['s_per_step']:.2f} | {x['s_per_step_min']:.2f}-{x['s_per_step_max']:.2f} "
            f"| {x['tokens_per_step']:,.0f} | {x['tokens_per_s']:,.0f} | {b.get('compute_loss', 0):.2f} | {b.get('backward', 0):.2f} "
            f"| {b.get('optimizer', 0):.2f} | {x['steps_per_epoch']} | {x['epoch_s_estimate']:,.0f} | {x['peak_rss_mb']:,.0f} "
            f"| {x['other_load_median']:.2f} | "
            + (f"{x['quiet_steps']}: {x['s_per_step_quiet']:.2f}" if x.get("quiet_steps") else "0: --")
            + f" | {x['cpu_per_wall']:.2f} |")
    lines += ["", "Ratios (targets from the spec):", ""]
    if all(k in v and v[k].get("steps_peak_rss_mb") for k in ("trl-dpo", "dpoclin-dpo")):
        peaks = {k: v[k]["steps_peak_rss_mb"] for k in VARIANTS if k in v and v[k].get("steps_peak_rss_mb")}
        ours, theirs = peaks["dpoclin-dpo"], peaks["trl-dpo"]
        lines.append(f"- Peak RSS during the training steps (VmHWM reset at the first step: model, data and dpoclin's "
                     f"one-time reference pass excluded; same pairs, same order): dpoclin `dpo` {ours:,.0f} MB vs TRL DPO "
                     f"{theirs:,.0f} MB, **{ours / theirs:.2f}x**; "
                     + ", ".join(f"{LABELS[k]} {p:,.0f} MB" for k, p in peaks.items() if k not in ("dpoclin-dpo", "trl-dpo"))
                     + ". Whole-process peaks (`peak RSS` column) include loading.")
    if "dpoclin_dpo_over_trl_dpo_step" in r:
        same = v["trl-dpo"].get("tokens_all") == v["dpoclin-dpo"].get("tokens_all")
        lines.append(f"- dpoclin `dpo` / TRL DPO, s/step: **{r['dpoclin_dpo_over_trl_dpo_step']:.2f}x** "
                     f"(tokens/s ratio {r['dpoclin_dpo_over_trl_dpo_tokens_per_s']:.2f}x; "
                     + ("identical non-pad token counts at every step: the same pairs in the same order)." if same else
                        "the per-step token counts differ: the two did not see the same batches)."))
    if "kto_dpo_over_trl_dpo_step" in r:
        lines.append(f"- dpoclin `kto-dpo` / TRL DPO, s/step: **{r['kto_dpo_over_trl_dpo_step']:.2f}x** -- target <= {TARGET_KTO_DPO_STEP}x: "
                     f"**{'PASS' if r['kto_dpo_over_trl_dpo_step_pass'] else 'FAIL'}**. A kto-dpo step scores DPO and KTO on one "
                     "forward (the KTO labels of a pair's answers ride on the pair) plus 4 no-grad KL rows; its reference "
                     "log-probs come from the one-time pass before training.")
    if "kto_dpo_over_trl_dpo_step_with_ref_pass" in r:
        lines.append(f"- The same with the one-time reference pass spread over one epoch's steps: "
                     f"**{r['kto_dpo_over_trl_dpo_step_with_ref_pass']:.2f}x** (from the second epoch, or a rerun, the pass is free).")
    if "kto_dpo_epoch_over_trl_epochs" in r:
        e = r["mixed_epoch_s"]
        d, kd, k = v["trl-dpo"], v["dpoclin-kto-dpo"], v["trl-kto"]
        lines.append(
            f"- Mixed-data epoch (every train pair and KTO example once): kto-dpo {kd['steps_per_epoch']} steps x "
            f"{kd['s_per_step']:.2f} s + {kd.get('ref_precompute_s', 0):.0f} s reference pass = {e['dpoclin_kto_dpo']:,.0f} s vs "
            f"TRL DPO {d['steps_per_epoch']} x {d['s_per_step']:.2f} s + TRL KTO {k['steps_per_epoch']} x {k['s_per_step']:.2f} s = "
            f"{e['trl_dpo_plus_trl_kto']:,.0f} s: **{r['kto_dpo_epoch_over_trl_epochs']:.2f}x** -- target <= {TARGET_MIXED_EPOCH}x: "
            f"**{'PASS' if r['kto_dpo_epoch_over_trl_epochs_pass'] else 'FAIL'}**. kto-dpo's epoch is {kd['dataset_len']} items "
            f"({kd['train_pairs']} pairs carrying {kd.get('kto_on_pairs', 0)} of the {kd['train_kto']} KTO labels, and "
            f"{kd.get('kto_standalone', 0)} standalone KTO examples); TRL needs a DPO epoch over the pairs and a KTO epoch over all "
            f"{k['dataset_len']} examples.")
    for name, c in r.get("reference_cache", {}).items():
        lines.append(f"- Reference cache, {LABELS[name]}: the first run's reference pass takes {c['first_run_s']:.1f} s "
                     f"({v[name]['ref_sequences']} sequences); a second run on the same data and model loads it in "
                     f"{c['cache_hit_s']:.2f} s: **{c['saved_s']:.0f} s saved, {c['saved_share_of_first_epoch']:.0%} of a first epoch**.")
    dd = v.get("dpoclin-kto-dpo") or v.get("dpoclin-dpo")
    lines += [
        "",
        "Columns: **s/step** `on_step_begin` -> `on_step_end` (forward, loss, backward, optimizer + scheduler; not collation "
        f"or logging), median over steps {WARMUP + 1}..N; **tokens/step** non-pad tokens of the sequences the loss is computed on "
        "(chosen + rejected, KTO completions' sequences; KL sequences not counted); **tokens/s** their sum / summed step time; "
        "**fwd+loss** the `compute_loss` call (policy, reference and KL forwards, log-probs, loss); **backward** "
        "`accelerator.backward`; **optimizer** `on_pre_optimizer_step` -> `on_step_end` (clip, AdamW, scheduler, zero_grad); "
        "**epoch s** steps/epoch x s/step, plus dpoclin's one-time reference pass (TRL runs its reference inside each step); **peak RSS** `ru_maxrss` of the child (model load included); **other load** "
        "system-wide busy CPU not spent by the child / time, in cores, median over the measured steps (> 0.2: the step competed "
        "for the 2 cores; with 2 torch threads on 2 cores, one core taken by other work slows a step 2-5x, not 2x, because "
        "the threads wait for each other); **quiet steps** how many measured steps had other load < 0.2, and their median "
        "s/step; **CPU/wall** the child's CPU seconds / wall s over the whole run (2.0 = both cores busy).",
        "",
    ]
    if dd:
        lines += ["dpoclin forward split (median s per step, from timing `PreferenceTrainer._logps` per call; each "
                  "includes its log-probs through the fused LM head):", "",
                  "| variant | policy fwd (grad) | reference fwd | policy KL fwd | reference KL fwd |",
                  "|---|---:|---:|---:|---:|"]
        for name in ("dpoclin-dpo", "dpoclin-kto-dpo"):
            if name in v:
                b = v[name]["breakdown_median_s"]
                lines.append(f"| {LABELS[name]} | {b.get('policy_fwd', 0):.2f} | {b.get('ref_fwd', 0):.2f} | "
                             f"{b.get('policy_kl_fwd', 0):.2f} | {b.get('ref_kl_fwd', 0):.2f} |")
        lines.append("")
    if doc.get("profile"):
        lines += [f"Operator profile (`--profile`: torch.profiler over steps {WARMUP + 1}-{WARMUP + 2}, CPU self time per step; "
                  "full tables in `benchmarks/_work/profile/`):", ""]
        for name, prof in doc["profile"].items():
            top = ", ".join(f"{t['op']} {t['self_cpu_s_per_step']:.2f} s ({t['share']:.0%})" for t in prof["top_self_cpu"][:8])
            lines.append(f"- {LABELS.get(name, name)} (total {prof['self_cpu_s_per_step_total']:.2f} s/step under the profiler): {top}")
        lines.append("")
    lines += [
        "What differs between the variants:",
        "",
        "- **Micro-batch contents.** TRL DPO and dpoclin `dpo`: 4 pairs = 8 sequences ([chosen; rejected]) in one padded block. "
        "dpoclin `kto-dpo`: 4 items of the epoch (pairs, whose answers carry their KTO labels, or standalone KTO examples) in "
        "one length-grouped block, plus 4 mismatched-prompt KL sequences (`objective.kl_samples`, separate block). TRL KTO: "
        "4 sequences + 4 KL sequences.",
        "- **Forward passes per step.** TRL DPO: policy (grad) + reference (no grad, adapter off). dpoclin `dpo`: policy (grad); "
        "the reference log-probs were computed once before training (`objective.precompute_ref`, cached on disk). dpoclin "
        "`kto-dpo`: policy (grad) + policy KL + reference KL (no grad). TRL KTO: policy (grad) + reference + policy KL + "
        "reference KL (no grad).",
        "- **Log-probs.** TRL 1.16 patches the model with `add_fused_lm_head`: the LM head runs in tiles inside "
        "`ChunkedLogProbFunction` and never materialises the (sequences x positions x 49,152-vocab) logits; on CPU (no "
        "Triton) it scores every position with plain torch ops, tile by tile, and its backward recomputes each tile's "
        "LM-head product (on GPU only completion positions are scored). dpoclin (`dpoclin.trainer.fuse_lm_head`) sends "
        "only the completion positions, on every device, through the same `ChunkedLogProbFunction`, for the policy, "
        "reference and KL passes alike; before issue 11 it called the model's own forward with `logits_to_keep` and "
        "held full-vocabulary logits for every row from the earliest completion position on.",
        "- **Tokenisation / truncation.** TRL tokenises the conversational rows itself and truncates to 256 keeping the start; "
        "dpoclin cuts the prompt from the left and the completion from the right (at least half the budget for the "
        "completion). Both use the chat template; per-step token counts are in the JSON (`tokens_all`).",
        "- **Dropout.** Off in every training forward for both (TRL's `disable_dropout=True`; dpoclin's "
        "`training.disable_dropout: true`, the recipes' default since issue 9).",
        "- **Order.** TRL DPO and both dpoclin variants use the Trainer's seeded random sampler (the benchmark sets "
        "`training.group_by_length=false`; the recipes' length grouping would cut padding further), so TRL DPO and dpoclin "
        "`dpo` draw the same pairs in the same order; "
        f"kto-dpo's sampler runs over {dd['dataset_len'] if dd else '?'} items, TRL KTO reads its data sequentially "
        "(`train_sampling_strategy='sequential'`, so its KL neighbours are fixed). Batch lengths therefore differ between "
        "the DPO and KTO variants: compare tokens/s as well as s/step.",
        "- Everything else is the Trainer's: AdamW (torch), cosine schedule, grad-norm clipping at 1.0, no eval, no saving.",
        "",
        *logits_projection(),
    ]
    return "\n".join(lines)


# An 8B model with a 128k vocabulary (Llama-3.1-8B-Instruct: vocabulary 128,256), the llama3-8b-lora-1gpu recipe's
# micro-batch: 4 pairs = 8 sequences of 1,024 tokens, bf16.
PROJECTION = {"vocab": 128_256, "sequences": 8, "positions": 1024, "bytes_bf16": 2, "tile_tokens": 4096, "tile_vocab": 32_768}


def logits_projection() -> list[str]:
    """What the logits would take at 8B/128k scale, against the fused head's tile (arithmetic, not a measurement)."""
    p = PROJECTION
    rows = p["sequences"] * p["positions"]
    logits_bf16 = rows * p["vocab"] * p["bytes_bf16"]
    logits_fp32 = rows * p["vocab"] * 4  # the upcast log-probs are taken over
    tile = min(rows, p["tile_tokens"]) * p["tile_vocab"] * p["bytes_bf16"]
    gib = 1024 ** 3
    return ["Projection, 8B model with a 128k vocabulary (arithmetic from the shapes, not measured): the 1-GPU recipe's "
            f"micro-batch of {p['sequences']} sequences x {p['positions']:,} tokens = {rows:,} positions x "
            f"{p['vocab']:,} vocabulary entries. Logits held whole: {logits_bf16 / gib:.1f} GiB in bf16 plus "
            f"{logits_fp32 / gib:.1f} GiB upcast to fp32 for the log-softmax, and as much again for their gradient in the "
            f"backward (~{(logits_bf16 + 2 * logits_fp32) / gib:.0f} GiB of the 80 GB card, before the reference and KL "
            f"passes). The fused head holds one tile of {min(rows, p['tile_tokens']):,} tokens x {p['tile_vocab']:,} "
            f"entries at a time: {tile / gib:.2f} GiB in bf16, recomputed in the backward, whatever the batch.", ""]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child(argv[1:])
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=8, help=f"optimizer steps per variant (the first {WARMUP} are warm-up)")
    p.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated subset of {', '.join(VARIANTS)}")
    p.add_argument("--threads", type=int, default=2, help="torch threads in each child (default 2)")
    p.add_argument("--profile", action="store_true", help="also profile 2 steps of each variant with torch.profiler")
    p.add_argument("--profile-only", action="store_true", help="only the profile runs; keep the timing results of an existing JSON")
    p.add_argument("--merge", action="store_true", help="keep other variants' results from an existing train_step.json")
    p.add_argument("--results", type=Path, default=RESULTS, help="results directory")
    p.add_argument("--render-only", action="store_true", help="rewrite train_step.md from the existing train_step.json")
    args = p.parse_args(argv)
    if args.render_only:
        doc = json.loads((args.results / "train_step.json").read_text())
        doc["ratios"] = ratios(doc["variants"])
        (args.results / "train_step.md").write_text(md := render_markdown(doc))
        print(md)
        return 0
    variants = [x.strip() for x in args.variants.split(",") if x.strip()]
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        p.error(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)}")
    if args.steps <= WARMUP:
        p.error(f"--steps must be > {WARMUP} (the first {WARMUP} steps are warm-up)")
    WORK.mkdir(parents=True, exist_ok=True)
    args.results.mkdir(parents=True, exist_ok=True)
    log_dir = WORK / "logs"
    log_dir.mkdir(exist_ok=True)
    data_sha = ensure_data()

    json_path = args.results / "train_step.json"
    previous = json.loads(json_path.read_text()) if (args.merge or args.profile_only) and json_path.exists() else {}
    results = dict(previous.get("variants", {}))
    profiles = dict(previous.get("profile", {}))
    if not args.profile_only:
        for name in variants:
            r = run_variant(name, args.steps, args.threads, log_dir)
            results[name] = r
            print(f"[bench] {name:<16} {r['s_per_step']:6.2f} s/step  {r['tokens_per_s']:8,.0f} tok/s  peak RSS {r['peak_rss_mb']:6,.0f} MB  "
                  f"other load {r['other_load_cores']:.2f}  wall {r['wall_s']:.0f} s", file=sys.stderr, flush=True)
    if args.profile or args.profile_only:
        for name in variants:
            run_variant(name, WARMUP + 2, args.threads, log_dir, profile=True)
            profiles[name] = json.loads((WORK / "profile" / f"{name}.json").read_text())
            print(f"[bench] profiled {name}: {profiles[name]['self_cpu_s_per_step_total']:.2f} s/step under the profiler",
                  file=sys.stderr, flush=True)
    doc = {"machine": machine_info(), "settings": SETTINGS, "steps": previous.get("steps", args.steps) if args.profile_only else args.steps,
           "warmup_steps": WARMUP, "threads": args.threads, "data_sha256": data_sha,
           "targets": {"kto_dpo_over_trl_dpo_step": TARGET_KTO_DPO_STEP, "kto_dpo_epoch_over_trl_epochs": TARGET_MIXED_EPOCH},
           "variants": {k: results[k] for k in VARIANTS if k in results}}
    doc["ratios"] = ratios(doc["variants"])
    if profiles:
        doc["profile"] = profiles
    json_path.write_text(json.dumps(doc, indent=2) + "\n")
    md = render_markdown(doc)
    (args.results / "train_step.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

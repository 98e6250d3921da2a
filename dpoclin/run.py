"""A training run: recipe + build-pairs data -> aligned model in a run directory.

The run directory holds the adapter (or model) and tokenizer, ``run.yaml`` (the resolved
recipe), ``env.json`` (versions, seed, git commit), ``data_manifest.json`` (input hashes,
counts, KTO weights), ``metrics.jsonl`` (every log line), ``eval_metrics.json`` and a model card.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import time
from dataclasses import dataclass
from pathlib import Path

from transformers import TrainerCallback

from dpoclin.errors import DpoclinError
from dpoclin.eval_inputs import resolve_prompts
from dpoclin.heldout import heldout_report, pair_type_counts
from dpoclin.model_card import model_card
from dpoclin.paths import check_output, local_inputs
from dpoclin.recipe import Recipe, dump_recipe_yaml, validate
from dpoclin.resume import last_checkpoint, prepare_resume
from dpoclin.trainer import LossWeights

TERM_WEIGHTS = {"dpo": (1.0, 0.0), "kto": (0.0, 1.0)}  # recipe -> (w_dpo, w_kto); kto-dpo reads the recipe


@dataclass
class RunData:
    train: object  # data.PreferenceDataset
    eval: object | None
    manifest: dict


def loss_weights(recipe: Recipe, n_desirable: int, n_undesirable: int) -> LossWeights:
    """The objective's numbers: term weights by recipe, KTO class weights by the paper's rule unless set."""
    from dpoclin.losses import kto_weights

    obj = recipe.objective
    w_dpo, w_kto = TERM_WEIGHTS.get(obj.recipe, (obj.w_dpo, obj.w_kto))
    if obj.desirable_weight is not None:
        lam_d, lam_u = obj.desirable_weight, obj.undesirable_weight
    else:
        lam_d, lam_u = kto_weights(n_desirable, n_undesirable)
    return LossWeights(w_dpo=w_dpo, w_kto=w_kto, w_sft=obj.w_sft, beta_dpo=obj.beta_dpo, beta_kto=obj.beta_kto,
                       desirable_weight=lam_d, undesirable_weight=lam_u, use_pair_weights=obj.use_pair_weights)


def data_files(recipe: Recipe, data_dir: Path) -> list[Path]:
    """The build-pairs files this recipe reads."""
    kind = recipe.objective.recipe
    return [data_dir / recipe.data.pairs] * (kind != "kto") + [data_dir / recipe.data.kto] * (kind != "dpo")


def _split(recipe: Recipe, data_dir: Path, split: str, tokenizer) -> tuple[list, list, dict]:
    """Encoded (pairs, standalone KTO examples) of one split, and its counts. For kto-dpo, KTO labels of
    answers that are pair sides ride on the pairs (``data.link_kto``): one forward scores both terms."""
    from dpoclin.data import fit_kto, fit_pairs, link_kto, load_rows

    d, kind, m = recipe.data, recipe.objective.recipe, recipe.model
    pair_rows = load_rows(data_dir / d.pairs, split) if kind != "kto" else []
    kto_rows = load_rows(data_dir / d.kto, split) if kind != "dpo" else []
    n_desirable = sum(bool(r["label"]) for r in kto_rows)
    standalone = kto_rows
    if kind == "kto-dpo":
        pair_rows, standalone = link_kto(pair_rows, kto_rows)
    counts = {"pairs": len(pair_rows), "kto": len(kto_rows), "kto_on_pairs": len(kto_rows) - len(standalone),
              "kto_standalone": len(standalone), "kto_desirable": n_desirable, "kto_undesirable": len(kto_rows) - n_desirable}
    pairs, dropped_pairs = fit_pairs(pair_rows, tokenizer, m.max_length, m.max_prompt_length)
    kto, dropped_kto = fit_kto(standalone, tokenizer, m.max_length, m.max_prompt_length)
    counts["dropped_prompt_too_long"] = {"pairs": dropped_pairs, "kto_standalone": dropped_kto}
    return pairs, kto, counts


def dropped_message(manifest: dict, recipe: Recipe) -> str | None:
    """One line on the examples dropped because their prompt cannot fit (None when none were)."""
    m = recipe.model
    names = {"pairs": "pair(s)", "kto_standalone": "KTO example(s)"}
    parts = [f"{n} {split} {names[kind]}" for split in ("train", "eval") if split in manifest
             for kind, n in manifest[split].get("dropped_prompt_too_long", {}).items() if n]
    if not parts:
        return None
    cap = f", model.max_prompt_length {m.max_prompt_length}" if m.max_prompt_length is not None else ""
    return (f"dropped {', '.join(parts)}: the prompt's template (system turn, role markers) cannot fit model.max_length "
            f"{m.max_length}{cap} beside the answer's minimum (half of max_length, or all of a shorter answer); counts in "
            "data_manifest.json: raise model.max_length or shorten the system prompt")


def load_data(recipe: Recipe, data_dir: Path, tokenizer) -> RunData:
    """Encode the train and eval splits of the sides the recipe uses; record hashes and counts."""
    from dpoclin.build import file_sha256
    from dpoclin.data import PreferenceDataset

    d = recipe.data
    manifest = {"data_dir": str(data_dir), "files": {p.stem: {"path": str(p), "sha256": file_sha256(p)} for p in data_files(recipe, data_dir)}}
    pairs, kto, manifest["train"] = _split(recipe, data_dir, d.train_split, tokenizer)
    eval_set = None
    if d.eval_split:
        eval_pairs, eval_kto, manifest["eval"] = _split(recipe, data_dir, d.eval_split, tokenizer)
        eval_set = PreferenceDataset(eval_pairs, eval_kto) if eval_pairs or eval_kto else None
    manifest["kto_desirable"], manifest["kto_undesirable"] = manifest["train"]["kto_desirable"], manifest["train"]["kto_undesirable"]
    return RunData(PreferenceDataset(pairs, kto), eval_set, manifest)


def _precision(flag, device: str, want_bf16: bool) -> bool:
    import torch

    if flag != "auto":
        return bool(flag)
    if device != "cuda":
        return False  # bf16 is ~15x slower on CPU
    return torch.cuda.is_bf16_supported() == want_bf16


def training_arguments(recipe: Recipe, out: Path, device: str):
    from transformers import TrainingArguments

    t = recipe.training
    return TrainingArguments(
        output_dir=str(out / "checkpoints"), num_train_epochs=t.epochs, max_steps=t.max_steps,
        per_device_train_batch_size=t.per_device_batch_size, per_device_eval_batch_size=t.per_device_batch_size,
        gradient_accumulation_steps=t.gradient_accumulation_steps, learning_rate=t.learning_rate,
        lr_scheduler_type=t.lr_scheduler, warmup_steps=t.warmup_ratio, seed=t.seed, data_seed=t.seed,
        bf16=_precision(t.bf16, device, True), fp16=_precision(t.fp16, device, False),
        gradient_checkpointing=t.gradient_checkpointing, logging_steps=t.logging_steps,
        save_strategy="steps" if t.save_steps > 0 else "no", save_steps=max(t.save_steps, 1), save_total_limit=t.save_total_limit,
        report_to=t.report_to, remove_unused_columns=False, use_cpu=device == "cpu", eval_strategy="no",
        disable_tqdm=False,
    )


def prepare_model(recipe: Recipe, device: str | None = None):
    """(model, tokenizer, ref_model) on ``device`` (this process's local device; default: CUDA if present): LoRA with
    the adapter off as reference, or a frozen full copy, placed (and under ZeRO-3 sharded at load) like the policy."""
    from dpoclin.models import check_4bit_support, load_model_and_tokenizer, zero3_enabled

    m, p = recipe.model, recipe.peft
    if p.method == "qlora":
        check_4bit_support()  # before minutes of loading
    load = functools.partial(load_model_and_tokenizer, m.name, dtype=m.dtype, trust_remote_code=m.trust_remote_code,
                             device=device)
    model, tokenizer = load(quantize_4bit=p.method == "qlora")
    if p.method == "none":  # ZeRO-3 parameters are shards: the reference is loaded (sharded) again, never deep-copied
        ref = load()[0] if zero3_enabled() else copy.deepcopy(model)
        return model, tokenizer, ref.eval().requires_grad_(False)
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    if p.method == "qlora":  # frozen 4-bit base, fp32 norms, input grads for checkpointing (QLoRA's recipe)
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=recipe.training.gradient_checkpointing)

    config = LoraConfig(r=p.r, lora_alpha=p.alpha, lora_dropout=p.dropout, target_modules=p.target_modules, task_type="CAUSAL_LM")
    return get_peft_model(model, config), tokenizer, None


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


class MetricsLog(TrainerCallback):
    """Appends every log line (loss terms, rewards, kl, learning rate) to metrics.jsonl."""

    def __init__(self, path: Path):
        self.path = path

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero:
            return
        with open(self.path, "a") as fh:
            fh.write(json.dumps({"step": state.global_step, "epoch": state.epoch, **(logs or {})}) + "\n")


def write_provenance(out: Path, recipe: Recipe, manifest: dict, weights: LossWeights, resumed: bool = False) -> None:
    from dpoclin.provenance import git_commit, package_versions

    out.mkdir(parents=True, exist_ok=True)
    (out / "run.yaml").write_text(dump_recipe_yaml(recipe, header="resolved recipe of this run"))
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    env = {"versions": package_versions(), "seed": recipe.training.seed, "git_commit": git_commit(), "started": now,
           "processes": recipe.distributed.num_processes, "accelerate_config": recipe.distributed.accelerate_config}
    if resumed and (out / "env.json").is_file():  # keep how the run started; record each resume
        first = json.loads((out / "env.json").read_text())
        env = {**first, "resumed": [*first.get("resumed", []), {"at": now, "versions": env["versions"], "git_commit": env["git_commit"]}]}
    (out / "env.json").write_text(json.dumps(env, indent=2) + "\n")
    manifest = {**manifest, "loss_weights": weights.__dict__}
    (out / "data_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def reference_cache_parts(recipe: Recipe, tokenizer, manifest: dict, device: str, model, args) -> dict:
    """What precomputed reference log-probs depend on (the cache key, with the sequences' token ids): the weights, the
    dtype they were loaded in (resolved, never "auto"), the run's fp16/bf16 flags, the attention implementation,
    the torch/transformers versions, the tokenizer, the data and the max length."""
    import hashlib

    import torch
    import transformers

    from dpoclin.models import model_fingerprint, resolve_model

    name = recipe.model.name
    backend = getattr(tokenizer, "backend_tokenizer", None)
    vocab = backend.to_str() if backend is not None else json.dumps(tokenizer.get_vocab(), sort_keys=True)
    dtype = getattr(model, "dtype", None) or next(model.parameters()).dtype
    return {"model": model_fingerprint(name if name.startswith("embedded:") else resolve_model(name)),
            "dtype": str(dtype), "device": device, "bf16": bool(args.bf16), "fp16": bool(args.fp16),
            "attn_implementation": str(getattr(model.config, "_attn_implementation", None)),
            **({"quantization": "bnb-nf4-double"} if recipe.peft.method == "qlora" else {}),  # a 4-bit base scores otherwise
            "versions": {"torch": str(torch.__version__), "transformers": transformers.__version__},
            "tokenizer": hashlib.sha256(vocab.encode()).hexdigest(), "max_length": recipe.model.max_length,
            "data": {k: v["sha256"] for k, v in manifest["files"].items()}}


def attach_reference(trainer, collator, data: RunData, recipe: Recipe, tokenizer, device: str) -> dict:
    """Precompute (or load) the reference log-probs of every train and eval sequence; the collator serves them."""
    from dpoclin.models import cache_dir
    from dpoclin.progress import PhaseProgress
    from dpoclin.reference import reference_table

    seqs = list(dict.fromkeys(data.train.sequences() + (data.eval.sequences() if data.eval else [])))
    parts = reference_cache_parts(recipe, tokenizer, data.manifest, device, trainer.model, trainer.args)
    share = -(-len(seqs) // trainer.accelerator.num_processes)  # what the main process scores (the bar shows its share)
    with PhaseProgress(share, "reference log-probs", enabled=trainer.is_world_process_zero()) as advance:
        result = reference_table(trainer, seqs, parts, cache_dir(), batch_size=2 * recipe.training.per_device_batch_size, progress=advance)
    collator.reference = result.table
    return result.manifest()


RESUMABLE_CHANGES = ("training.max_steps", "training.epochs", "training.output_dir", "data.path")  # may differ on --resume


def check_resume_recipe(recipe: Recipe, out: Path) -> None:
    """A resumed run continues the recipe it started with: other differences from its run.yaml are an error."""
    from dpoclin.recipe import load_recipe, recipe_to_dict

    def flat(d: dict, prefix: str = "") -> dict:
        return {k: v for key, val in d.items() for k, v in (flat(val, f"{prefix}{key}.") if isinstance(val, dict) else {f"{prefix}{key}": val}).items()}

    saved, given = flat(recipe_to_dict(load_recipe(str(out / "run.yaml")))), flat(recipe_to_dict(recipe))
    changed = sorted(k for k in saved if saved[k] != given.get(k) and k not in RESUMABLE_CHANGES)
    if changed:
        raise DpoclinError(f"{out / 'run.yaml'}: --resume with a different recipe ({', '.join(f'{k}: {saved[k]!r} -> {given.get(k)!r}' for k in changed[:4])}); "
                           "resume with the run's own recipe: --recipe " + str(out / "run.yaml"))


def check_data(recipe: Recipe, data_dir: Path) -> list[str]:
    """Errors naming the fix for a training split with nothing to train on; warnings for KTO weights out of the band."""
    from dpoclin.data import load_rows
    from dpoclin.losses import kto_weights

    kind, d, o = recipe.objective.recipe, recipe.data, recipe.objective
    fix = {"dpo": "use recipe kto", "kto": "use recipe dpo", "kto-dpo": "use recipe dpo or kto, or set the empty term's weight to 0"}[kind]
    # each file the recipe reads, once: every row's fields checked before any model loads, then its train split
    train = {name: [r for r in load_rows(data_dir / file, None, name) if r.get("split") == d.train_split]
             for name, file, used in (("pairs", d.pairs, kind != "kto"), ("kto", d.kto, kind != "dpo")) if used}
    kto = train.get("kto")
    for term, file, rows, on in (("DPO", d.pairs, train.get("pairs"), kind != "kto" and (kind == "dpo" or o.w_dpo > 0)),
                                 ("KTO", d.kto, kto, kind != "dpo" and (kind == "kto" or o.w_kto > 0))):
        if on and not rows:
            raise DpoclinError(f"{data_dir / file}: no {'pairs' if term == 'DPO' else 'KTO examples'} with split '{d.train_split}': "
                               f"the {kind} objective has nothing to train its {term} term on ({fix}, or check data.train_split)")
    if not kto:
        return []
    n_d = sum(bool(r.get("label")) for r in kto)
    n_u = len(kto) - n_d
    if not n_d or not n_u:
        return [f"{data_dir / d.kto}: the '{d.train_split}' split has only {'desirable' if n_d else 'undesirable'} KTO examples: "
                "KTO then only moves answers against the KL reference point; label both kinds for a real contrast"]
    if o.desirable_weight is None:
        return []
    ratio = o.desirable_weight * n_d / (o.undesirable_weight * n_u)
    if 1 <= ratio <= 4 / 3:
        return []
    lam_d, lam_u = kto_weights(n_d, n_u)
    return [f"objective.desirable_weight {o.desirable_weight:g} and undesirable_weight {o.undesirable_weight:g} give "
            f"lambda_D*n_D / (lambda_U*n_U) = {ratio:.2f} on {n_d} desirable / {n_u} undesirable examples, outside the KTO "
            f"paper's band [1, 4/3]: set desirable_weight={lam_d:g}, undesirable_weight={lam_u:g}, or null both (from the data)"]


def _build_option(data_dir: Path, name: str, default):
    """An option build-pairs recorded in the data's manifest.json, or ``default`` (no manifest, or not recorded)."""
    try:
        options = json.loads((data_dir / "manifest.json").read_text()).get("options", {})
    except (OSError, ValueError, AttributeError):
        return default
    value = options.get(name) if isinstance(options, dict) else None
    return value if isinstance(value, type(default)) else default


def check_eval_overlap(recipe: Recipe, data_dir: Path) -> None:
    """Refuse to train on a prompt that the post-train evaluation asks again (equal after normalising case,
    spacing and punctuation, or a near-duplicate): the before/after would measure recall, not alignment."""
    from dpoclin.data import load_rows
    from dpoclin.eval_inputs import read_prompts
    from dpoclin.near_duplicates import DEFAULT_THRESHOLD, PromptIndex, prompt_text

    prompts = read_prompts(recipe.eval.prompts)
    threshold = _build_option(data_dir, "prompt_similarity", DEFAULT_THRESHOLD)  # the split's own threshold
    index = PromptIndex((prompt_text([{"role": r, "content": c} for r, c in p.messages]) for p in prompts), threshold)
    hits: dict[str, tuple[Path, dict, int]] = {}
    seen: set[str] = set()
    for path in data_files(recipe, data_dir):
        for row in load_rows(path, recipe.data.train_split):
            text = prompt_text(row.get("prompt") or [])
            if text not in seen and (i := index.match(text)) is not None:
                hits[text] = (path, row, i)
            seen.add(text)
    if hits:
        path, row, i = next(iter(hits.values()))
        raise DpoclinError(f"{path}: {len(hits)} training prompt(s) duplicate eval prompts, e.g. task {row.get('task_id')!r} "
                           f"and {prompts[i].source} ({prompts[i].id}): remove them from the training data or from "
                           "eval.prompts, or pass --set eval.allow_prompt_overlap=true to train anyway")


def preflight(recipe: Recipe, data_dir: Path, out: Path, resume: bool) -> list[str]:
    """Everything checkable before any model loads or process starts: the recipe, the data, the run directory.
    Returns warnings (hardware mismatches, KTO weights out of band)."""
    warnings = validate(recipe)
    check_output(out, local_inputs(data_dir, recipe.model.name, recipe.eval.prompts if recipe.eval.enabled else None))
    for path in data_files(recipe, data_dir):
        if not path.is_file():
            raise DpoclinError(f"{path}: no such file (run `dpoclin build-pairs EXPORT --out {data_dir}` first)")
    warnings += check_data(recipe, data_dir)
    if recipe.eval.enabled and not resolve_prompts(recipe.eval.prompts).is_file():
        raise DpoclinError(f"{recipe.eval.prompts}: no such file (eval.prompts, the prompts answered before and after training): "
                           "pass --set eval.prompts=FILE, or --no-eval to skip the evaluation")
    if recipe.eval.enabled and not recipe.eval.allow_prompt_overlap:
        check_eval_overlap(recipe, data_dir)
    if resume:
        last_checkpoint(out)
        check_resume_recipe(recipe, out)
    elif out.exists() and any(out.iterdir()):
        raise DpoclinError(f"{out}: run directory exists; pass --resume to continue it or choose another --out")
    return warnings


def warn(message: str) -> None:
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True).print(f"[bold yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True)


def train(recipe: Recipe, data_dir: Path, out: Path, resume: bool = False) -> dict:
    """``dpoclin train``: checks, then trains in place or in ``distributed.num_processes`` processes through accelerate.
    Returns the held-out report (``heldout.heldout_report``)."""
    from dpoclin.launch import is_first_process, launch, launched_by_dpoclin, needs_launch

    if not launched_by_dpoclin() and is_first_process():  # processes dpoclin started were checked by their parent
        for warning in preflight(recipe, data_dir, out, resume):
            warn(warning)
    if needs_launch(recipe):
        launch(recipe, out, resume, _cuda())
        return json.loads((out / "heldout_metrics.json").read_text())
    return train_run(recipe, data_dir, out, resume)


def train_run(recipe: Recipe, data_dir: Path, out: Path, resume: bool = False) -> dict:
    """Train per ``recipe`` on a build-pairs output dir in this process (one of several under accelerate)."""
    import warnings

    from transformers import set_seed
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    from dpoclin.data import Collator
    from dpoclin.progress import TrainProgress
    from dpoclin.train_health import CollapseWatch
    from dpoclin.trainer import PreferenceTrainer

    set_seed(recipe.training.seed)
    # transformers 5 renamed gradient_checkpointing -> activation_checkpointing; the old name, still read by the
    # trainer stack, prints two FutureWarnings per run that the user can do nothing about
    warnings.filterwarnings("ignore", message=r"`(is_)?gradient_checkpointing` is deprecated", category=FutureWarning)
    device = "cuda" if _cuda() else "cpu"
    # The arguments first: they set up the process group (args.device is this rank's GPU, not GPU 0 for every rank)
    # and, under an accelerate DeepSpeed launch, the ZeRO-3 config that makes from_pretrained shard at load (zero.Init)
    args = training_arguments(recipe, out, device)
    model, tokenizer, ref = prepare_model(recipe, device=str(args.device))
    data = load_data(recipe, data_dir, tokenizer)
    weights = loss_weights(recipe, data.manifest.get("kto_desirable", 0), data.manifest.get("kto_undesirable", 0))
    collator = Collator(tokenizer.pad_token_id, kl=weights.w_kto > 0, kl_samples=recipe.objective.kl_samples,
                        max_length=recipe.model.max_length)
    trainer = PreferenceTrainer(
        model=model, args=args, train_dataset=data.train, data_collator=collator,
        processing_class=tokenizer, loss_weights=weights, ref_model=ref,
        callbacks=[MetricsLog(out / "metrics.jsonl"), TrainProgress(), CollapseWatch()], group_by_length=recipe.training.group_by_length,
        dropout_off=recipe.training.disable_dropout,
    )
    for default in (ProgressCallback, PrinterCallback):  # TrainProgress replaces tqdm and the raw dict printer
        trainer.remove_callback(default)
    if recipe.objective.precompute_ref:
        data.manifest["reference"] = attach_reference(trainer, collator, data, recipe, tokenizer, device)
    main = trainer.is_world_process_zero()
    checkpoint = (prepare_resume(out) if main else last_checkpoint(out)) if resume else None
    if main and (dropped := dropped_message(data.manifest, recipe)):
        warn(dropped)
    if main:
        write_provenance(out, recipe, data.manifest, weights, resumed=resume)
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    trainer.save_model(str(out))
    metrics = trainer.evaluate(data.eval) if data.eval is not None else {}
    heldout = heldout_report(metrics, pair_type_counts(data.eval))
    if main and recipe.eval.enabled:
        heldout["refusals"] = evaluate_refusals(trainer, recipe, out, tokenizer, ref)
    if main:
        write_results(out, recipe, data.manifest, weights, metrics, heldout)
    return heldout


def evaluate_refusals(trainer, recipe: Recipe, out: Path, tokenizer, ref_model=None) -> dict:
    """``eval-refusals`` on the recipe's prompts for the tuned model and the reference (adapter off, or the
    frozen copy); the report goes to ``out/eval/``. Returns the metrics document. The models in memory answer,
    except after a ZeRO-3 or FSDP run (:func:`_sharded`), whose parameters are shards: then the saved run is reloaded."""
    from dpoclin.eval_inputs import read_prompts
    from dpoclin.eval_refusals import Answers, meta_of, summarise, write_outputs
    from dpoclin.generation import GenerationSettings
    from dpoclin.refusal import default_detector

    source = resolve_prompts(recipe.eval.prompts)
    prompts = read_prompts(source)
    settings = GenerationSettings(max_new_tokens=recipe.eval.max_new_tokens, batch_size=recipe.eval.batch_size)
    answer = _answers_reloaded if _sharded(trainer) else functools.partial(_answers_in_memory, trainer, tokenizer, ref_model)
    tuned, base = answer(recipe, out, prompts, settings)
    groups = [Answers("tuned", str(out), prompts, tuned), Answers("baseline", recipe.model.name, prompts, base)]
    detector = default_detector()
    rows, doc = summarise(groups, detector)
    meta = {**meta_of(groups, source, settings.key(), detector, "dpoclin default (packaged)"), "prompts": recipe.eval.prompts,
            "model": f"{out} (tuned)", "baseline_model": f"{recipe.model.name} (reference)"}
    doc["files"] = {name: str(path) for name, path in write_outputs(out / "eval", rows, doc, meta).items()}
    return doc


def _sharded(trainer) -> bool:
    """Whether the trained parameters in memory are shards (FSDP, or DeepSpeed ZeRO-3)."""
    from dpoclin.models import zero3_enabled

    return bool(trainer.is_fsdp_enabled or (trainer.is_deepspeed_enabled and zero3_enabled()))


def _answers_in_memory(trainer, tokenizer, ref_model, recipe: Recipe, out: Path, prompts, settings) -> tuple[list, list]:
    from dpoclin.eval_refusals import generate_answers
    from dpoclin.generation import loaded_fingerprint

    model = trainer.accelerator.unwrap_model(trainer.model).eval()
    reference = contextlib.nullcontext(ref_model) if ref_model is not None else _adapter_off(model)
    dtype = recipe.model.dtype  # the models in memory generate through HF: their cache names backend hf, never "auto"
    tuned = generate_answers(model, tokenizer, loaded_fingerprint(model, out, dtype=dtype), prompts, settings, "tuned: generating")
    with reference as ref:
        base = generate_answers(ref, tokenizer, loaded_fingerprint(ref, recipe.model.name, dtype=dtype), prompts, settings,
                                "reference: generating")
    return tuned, base


def _answers_reloaded(recipe: Recipe, out: Path, prompts, settings) -> tuple[list, list]:
    """The main process alone reloads what was just saved (the adapter on its base, or the consolidated model) and the
    base model as the reference, whole and without DeepSpeed, one at a time, through HF generation (vLLM would ask for
    most of a GPU the training process still holds)."""
    from transformers.integrations.deepspeed import unset_hf_deepspeed_config

    from dpoclin.eval_refusals import load_and_answer

    unset_hf_deepspeed_config()  # else from_pretrained would zero.Init on this rank alone, a collective that hangs
    m = recipe.model
    tuned, base = (load_and_answer(name, prompts, settings, f"{role}: generating (reloaded)", dtype=m.dtype,
                                   trust_remote_code=m.trust_remote_code, backend="hf")
                   for name, role in ((out, "tuned"), (m.name, "reference")))
    return tuned, base


@contextlib.contextmanager
def _adapter_off(model):
    with model.disable_adapter():
        yield model


def write_results(out: Path, recipe: Recipe, manifest: dict, weights: LossWeights, metrics: dict, heldout: dict) -> None:
    (out / "eval_metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    refusals = heldout.get("refusals")  # its own files are in eval/
    (out / "heldout_metrics.json").write_text(json.dumps({k: v for k, v in heldout.items() if k != "refusals"}, indent=2) + "\n")
    (out / "README.md").write_text(model_card(recipe, manifest, weights, metrics, heldout, refusals))  # replaces PEFT's template

"""A training run: recipe + build-pairs data -> aligned model in a run directory.

The run directory holds the adapter (or model) and tokenizer, ``run.yaml`` (the resolved
recipe), ``env.json`` (versions, seed, git commit), ``data_manifest.json`` (input hashes,
counts, KTO weights), ``metrics.jsonl`` (every log line), ``eval_metrics.json`` and a model card.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass
from pathlib import Path

from transformers import TrainerCallback

from dpoclin.errors import DpoclinError
from dpoclin.model_card import model_card
from dpoclin.recipe import Recipe, dump_recipe_yaml, validate
from dpoclin.trainer import LossWeights

TERM_WEIGHTS = {"dpo": (1.0, 0.0), "kto": (0.0, 1.0)}  # recipe -> (w_dpo, w_kto); kto-dpo reads the recipe


@dataclass
class RunData:
    pairs: list
    kto: list
    eval_pairs: list
    eval_kto: list
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


def load_data(recipe: Recipe, data_dir: Path, tokenizer) -> RunData:
    """Encode the train and eval splits of the sides the recipe uses; record hashes and counts."""
    from dpoclin.build import file_sha256
    from dpoclin.data import encode_kto, encode_pairs, load_rows

    d, max_len = recipe.data, recipe.model.max_length
    uses_pairs, uses_kto = recipe.objective.recipe in ("dpo", "kto-dpo"), recipe.objective.recipe in ("kto", "kto-dpo")
    sides = {"pairs": (data_dir / d.pairs, uses_pairs, encode_pairs), "kto": (data_dir / d.kto, uses_kto, encode_kto)}
    out, manifest = {}, {"data_dir": str(data_dir), "files": {}}
    for name, (path, used, encode) in sides.items():
        train = encode(load_rows(path, d.train_split), tokenizer, max_len) if used else []
        held = encode(load_rows(path, d.eval_split), tokenizer, max_len) if used and d.eval_split else []
        out[name], out[f"eval_{name}"] = train, held
        if used:
            manifest["files"][name] = {"path": str(path), "sha256": file_sha256(path), "train": len(train), "eval": len(held)}
    if uses_kto:
        manifest["kto_desirable"] = sum(k.label for k in out["kto"])
        manifest["kto_undesirable"] = len(out["kto"]) - manifest["kto_desirable"]
    return RunData(out["pairs"], out["kto"], out["eval_pairs"], out["eval_kto"], manifest)


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
        save_strategy="steps" if t.save_steps > 0 else "no", save_steps=max(t.save_steps, 1),
        report_to=t.report_to, remove_unused_columns=False, use_cpu=device == "cpu", eval_strategy="no",
        disable_tqdm=False,
    )


def prepare_model(recipe: Recipe):
    """(model, tokenizer, ref_model): LoRA with the adapter off as reference, or a frozen full copy."""
    from dpoclin.models import load_model_and_tokenizer

    m, p = recipe.model, recipe.peft
    model, tokenizer = load_model_and_tokenizer(m.name, dtype=m.dtype, trust_remote_code=m.trust_remote_code)
    if p.method == "qlora" and not _cuda():
        raise DpoclinError("peft.method qlora needs a CUDA GPU (bitsandbytes 4-bit); use lora on CPU")
    if p.method == "none":
        ref = copy.deepcopy(model).eval().requires_grad_(False)
        return model, tokenizer, ref
    from peft import LoraConfig, get_peft_model

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
        with open(self.path, "a") as fh:
            fh.write(json.dumps({"step": state.global_step, "epoch": state.epoch, **(logs or {})}) + "\n")


def write_provenance(out: Path, recipe: Recipe, manifest: dict, weights: LossWeights) -> None:
    from dpoclin.provenance import git_commit, package_versions

    out.mkdir(parents=True, exist_ok=True)
    (out / "run.yaml").write_text(dump_recipe_yaml(recipe, header="resolved recipe of this run"))
    env = {"versions": package_versions(), "seed": recipe.training.seed, "git_commit": git_commit(), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    (out / "env.json").write_text(json.dumps(env, indent=2) + "\n")
    manifest = {**manifest, "loss_weights": weights.__dict__}
    (out / "data_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def train_run(recipe: Recipe, data_dir: Path, out: Path, resume: bool = False) -> dict:
    """Train per ``recipe`` on a build-pairs output dir; returns the held-out metrics."""
    from transformers import set_seed

    from dpoclin.data import Collator, MixedDataset
    from dpoclin.trainer import PreferenceTrainer

    validate(recipe)
    if out.exists() and any(out.iterdir()) and not resume:
        raise DpoclinError(f"{out}: run directory exists; pass --resume to continue it or choose another --out")
    for path in data_files(recipe, data_dir):
        if not path.is_file():
            raise DpoclinError(f"{path}: no such file (run `dpoclin build-pairs EXPORT --out {data_dir}` first)")
    set_seed(recipe.training.seed)
    model, tokenizer, ref = prepare_model(recipe)
    data = load_data(recipe, data_dir, tokenizer)
    weights = loss_weights(recipe, data.manifest.get("kto_desirable", 0), data.manifest.get("kto_undesirable", 0))
    write_provenance(out, recipe, data.manifest, weights)
    device = "cuda" if _cuda() else "cpu"
    trainer = PreferenceTrainer(
        model=model, args=training_arguments(recipe, out, device), train_dataset=MixedDataset(data.pairs, data.kto),
        data_collator=Collator(tokenizer.pad_token_id, kl=weights.w_kto > 0), processing_class=tokenizer,
        loss_weights=weights, ref_model=ref, callbacks=[MetricsLog(out / "metrics.jsonl")],
    )
    trainer.train(resume_from_checkpoint=resume or None)
    trainer.save_model(str(out))
    metrics = {}
    if data.eval_pairs or data.eval_kto:
        metrics = trainer.evaluate(MixedDataset(data.eval_pairs, data.eval_kto))
    (out / "eval_metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    (out / "README.md").write_text(model_card(recipe, data.manifest, weights, metrics))  # replaces PEFT's template
    return metrics

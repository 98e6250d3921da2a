"""The combined KTO+DPO trainer: ``transformers.Trainer`` with dpoclin's loss.

One forward pass with gradients over the micro-batch's sequences [chosen..., rejected...,
standalone kto...] gives every term its policy log-probs: DPO reads the pair rows, KTO the rows
with a physician label (pair sides included, see ``data.link_kto``), SFT the chosen rows. The
reference log-probs come from a precomputed table (``reference.py``), or from the same model with
its LoRA adapter disabled (or a frozen copy for full fine-tuning); KTO's reference point z0 from
no-grad forwards over mismatched prompt/completion pairs of the same micro-batch:

    L = w_dpo * L_DPO(pairs) + w_kto * L_KTO(labelled rows) + w_sft * L_SFT(chosen)

Checkpointing, resuming, gradient accumulation, accelerate/DeepSpeed and ``report_to`` are
the Trainer's own.
"""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import Trainer
from transformers.trainer_pt_utils import LengthGroupedSampler, get_length_grouped_indices

from dpoclin.data import PAIR_TYPE_IDS
from dpoclin.errors import DpoclinError
from dpoclin.losses import combined_loss, dpo_loss, kl_reference_point, kto_loss, sft_loss
from dpoclin.model_files import weights_only_loads

Z0_FILE = "dpoclin_z0.json"  # per checkpoint: KTO's running z0 estimates
TRAINING_ARGS_PICKLE = "training_args.bin"  # transformers' pickle of TrainingArguments: never read back, not kept


@dataclass(frozen=True)
class LossWeights:
    """The objective's resolved numbers (from the recipe and the data)."""

    w_dpo: float = 1.0
    w_kto: float = 0.0
    w_sft: float = 0.0
    beta_dpo: float = 0.1
    beta_kto: float = 0.1
    desirable_weight: float = 1.0
    undesirable_weight: float = 1.0
    use_pair_weights: bool = True


class EpochLengthGroupedSampler(LengthGroupedSampler):
    """transformers' length-grouped shuffle with its own generator, seeded by (seed, epoch): the order of
    an epoch does not depend on how many random numbers were drawn before it (so a resumed run sees the
    same batches as an uninterrupted one)."""

    def __init__(self, batch_size: int, lengths: list[int], seed: int):
        super().__init__(batch_size, lengths=lengths)
        self.seed, self.epoch = seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self):
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        return iter(get_length_grouped_indices(self.lengths, self.batch_size, generator=generator))


VOCAB_TILE = 32_768  # vocabulary columns per LM-head tile (TRL's choice): a tile is tokens x 32k, never the logits


def _logit_scale(config) -> float:
    """The factor a model applies to its logits before any softcap (1.0 for most), looked up as TRL's
    ``add_fused_lm_head`` does: ``logit_scale``, ``output_multiplier``, ``lm_head_multiplier``, ``logits_scaling``."""
    for name in ("logit_scale", "output_multiplier", "lm_head_multiplier"):
        if getattr(config, name, None) is not None:
            return getattr(config, name)
    scaling = getattr(config, "logits_scaling", None)
    if scaling is None:
        return 1.0
    return scaling if config.model_type == "hyperclovax" else 1 / scaling


def fuse_lm_head(model: torch.nn.Module) -> None:
    """Give the causal LM under any PEFT wrapper a log-prob head: ``model(input_ids=..., attention_mask=...,
    completion_labels=labels)`` returns per-token log p(label) (rows x positions - 1, 0 where the label is -100).

    Only the positions whose next token is labelled go through the LM head (the completion, never the prompt), in
    TRL's ``ChunkedLogProbFunction``: tiles of 4,096 tokens x 32,768 vocabulary entries with an online logsumexp,
    recomputed in the backward (Triton on GPU, torch ops elsewhere), so no (rows x positions x vocabulary) logits
    exist in the forward or the backward. The head runs inside the model's forward, so DDP, FSDP and ZeRO-3 hooks
    fire as usual; a ZeRO-3 or FSDP-sharded head is gathered for it. Without ``completion_labels`` the forward is the
    model's own (generation is unchanged). Idempotent.
    """
    import functools
    import types

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    if getattr(base, "_dpoclin_logprob_head", False):
        return
    # The forward being wrapped lives on the instance, not in the closure: a deep copy of the model then calls its
    # own weights' forward, never the original's
    base._dpoclin_inner_forward = base.forward
    config = base.config.get_text_config()
    softcap, scale = getattr(config, "final_logit_softcapping", None), _logit_scale(config)

    @functools.wraps(type(base).forward)  # generate() checks its kwargs against the signature
    def forward(self, *args, completion_labels=None, labels=None, **kwargs):
        if completion_labels is None:
            return self._dpoclin_inner_forward(*args, **({"labels": labels} if labels is not None else {}), **kwargs)
        from torch.distributed.tensor import DTensor
        from trl.kernels.chunked_logprob import ChunkedLogProbFunction
        from trl.trainer.utils import maybe_gather_lm_head_ctx

        kwargs["use_cache"] = False
        hidden = self.base_model(*args, **kwargs).last_hidden_state[:, :-1]  # position t predicts token t + 1
        head = self.get_output_embeddings()
        weight, bias = head.weight, head.bias
        if isinstance(weight, DTensor):  # FSDP2 shards: the whole head for the projection
            weight, bias = weight.full_tensor(), (bias.full_tensor() if bias is not None else None)
        targets = completion_labels[:, 1:].to(weight.device)
        keep = targets != -100
        with maybe_gather_lm_head_ctx(weight, bias):
            logps = ChunkedLogProbFunction.apply(hidden.to(weight.device)[keep], weight, bias, targets[keep], 1.0,
                                                 VOCAB_TILE, softcap, scale, ("log_probs",))[0]
        return logps.new_zeros(keep.shape).masked_scatter(keep, logps)  # stays connected when nothing is kept

    base.forward = types.MethodType(forward, base)
    base._dpoclin_logprob_head = True


def disable_dropout(model: torch.nn.Module) -> int:
    """Dropout off in ``model`` (as TRL's ``disable_dropout_in_model``): every ``nn.Dropout`` (LoRA's included) gets
    p = 0, and attention modules' functional ``attention_dropout`` rate 0. Returns how many were switched off."""
    changed = 0
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout) and module.p:
            module.p, changed = 0.0, changed + 1
        if isinstance(getattr(module, "attention_dropout", None), float) and module.attention_dropout:
            module.attention_dropout, changed = 0.0, changed + 1
    return changed


class PreferenceTrainer(Trainer):
    # compute_loss divides each term by its count over the whole gradient-accumulation window (get_batch_samples):
    # the Trainer must not divide by the number of micro-batches again
    loss_is_scaled_for_ga = True

    def __init__(self, *args, loss_weights: LossWeights, ref_model=None, group_by_length: bool = False, dropout_off: bool = True,
                 **kwargs):
        if not hasattr(Trainer, "loss_is_scaled_for_ga"):  # else the Trainer divides by the micro-batch count again
            import transformers

            raise DpoclinError(f"transformers {transformers.__version__} lacks Trainer.loss_is_scaled_for_ga, which "
                               "dpoclin's loss normalisation over the accumulation window needs: pip install -U transformers")
        super().__init__(*args, **kwargs)
        if dropout_off:  # recipe training.disable_dropout
            disable_dropout(self.model)
        self.loss_weights, self.ref_model, self.group_by_length = loss_weights, ref_model, group_by_length
        fuse_lm_head(self.model)
        if ref_model is not None:
            fuse_lm_head(ref_model)
            self.ref_model = self._prepare_reference(ref_model)
        self._z0 = {"train": torch.zeros(()), "eval": torch.zeros(())}  # KTO z0 until a micro-batch estimates it
        self.model_accepts_loss_kwargs = False  # the model computes no loss: never hand it num_items_in_batch
        self._metrics: dict[str, dict[str, list[float]]] = {"train": defaultdict(lambda: [0.0, 0]), "eval": defaultdict(lambda: [0.0, 0])}

    def _prepare_reference(self, ref_model):
        """The frozen reference placed and sharded like the policy: an inference DeepSpeed engine with the run's ZeRO
        config, FSDP-wrapped like the policy, or moved to this process's device (TRL's helpers for the first two)."""
        if self.is_deepspeed_enabled:
            from trl.models import prepare_deepspeed

            return prepare_deepspeed(ref_model, self.accelerator)
        if self.is_fsdp_enabled:
            from trl.models import prepare_fsdp

            return prepare_fsdp(ref_model, self.accelerator)
        return self.accelerator.prepare_model(ref_model, evaluation_mode=True)

    def _get_train_sampler(self, train_dataset=None):
        """Length-grouped shuffling (transformers' LengthGroupedSampler) from the dataset's own lengths."""
        dataset = train_dataset if train_dataset is not None else self.train_dataset
        if not self.group_by_length or not hasattr(dataset, "lengths"):
            return super()._get_train_sampler(train_dataset)
        return EpochLengthGroupedSampler(self.args.train_batch_size * self.args.gradient_accumulation_steps, dataset.lengths,
                                         self.args.data_seed if self.args.data_seed is not None else self.args.seed)

    def _get_eval_sampler(self, eval_dataset):
        """A seeded shuffle (the same order on every process and every call): in file order one task's pairs and
        KTO examples sit together, one task can fill an eval micro-batch and KTO's z0 then has no cross-task row."""
        if eval_dataset is None or not hasattr(eval_dataset, "__len__"):
            return super()._get_eval_sampler(eval_dataset)
        seed = self.args.data_seed if self.args.data_seed is not None else self.args.seed
        return torch.utils.data.RandomSampler(eval_dataset, generator=torch.Generator().manual_seed(seed))

    # -- normalisation over the accumulation window -----------------------------------------------
    def get_batch_samples(self, epoch_iterator, num_batches, device):
        """The Trainer's micro-batches of one optimizer step, with per-term counts over them all (``window_counts``)
        in place of its token count: compute_loss normalises each term by them, so accumulation equals a larger batch."""
        batches, _ = super().get_batch_samples(epoch_iterator, num_batches, device)
        return batches, self.window_counts(batches, device)

    def window_counts(self, batches: list[dict], device) -> dict[str, torch.Tensor]:
        """Pairs (the DPO and SFT terms' count) and KTO-labelled rows in ``batches``, summed over processes."""
        local = torch.tensor([[sum(int(b["n_pairs"]) for b in batches), sum(len(b["kto_index"]) for b in batches)]],
                             dtype=torch.float, device=device)
        total = self.accelerator.gather(local).sum(0) if self.accelerator.num_processes > 1 else local[0]
        return {"pairs": total[0], "kto": total[1]}

    def _denominators(self, counts: dict | None, n_pairs: int, n_kto: int) -> dict[str, torch.Tensor | float]:
        """Each term's N in sum / N: the window's count divided by the processes (DDP and DeepSpeed average gradients
        over processes, so sum_local / (N / world) gives sum_all / N), or this micro-batch's own count without a window."""
        if counts is None:
            return {"dpo": n_pairs, "sft": n_pairs, "kto": n_kto}
        world = self.accelerator.num_processes
        return {"dpo": counts["pairs"] / world, "sft": counts["pairs"] / world, "kto": counts["kto"] / world}

    # -- log-probs ------------------------------------------------------------------------
    @staticmethod
    def _logps(model, batch: dict, prefix: str = "") -> torch.Tensor:
        """Summed completion log-probs per row, through the log-prob head (:func:`fuse_lm_head`): the same numbers
        as :func:`dpoclin.losses.sequence_logps` over the logits, without ever holding the logits; prompt positions
        are labelled -100 and never reach the LM head."""
        ids, mask, completion = batch[f"{prefix}input_ids"], batch[f"{prefix}attention_mask"], batch[f"{prefix}completion_mask"]
        labels = ids.masked_fill(~completion.bool(), -100)
        return model(input_ids=ids, attention_mask=mask, completion_labels=labels).sum(-1)

    @contextlib.contextmanager
    def _reference(self, model):
        """The reference policy: the adapter switched off, or the frozen copy."""
        if self.ref_model is not None:
            yield self.ref_model
            return
        with self.accelerator.unwrap_model(model).disable_adapter():
            yield model

    @torch.no_grad()
    def _reference_logps(self, model, batch: dict) -> torch.Tensor:
        """Reference log-probs of the micro-batch rows: precomputed when the batch carries them."""
        if batch.get("ref_logps") is not None:
            return batch["ref_logps"]
        with self._reference(model) as ref:
            return self._logps(ref, batch)

    @torch.no_grad()
    def _kl_logps(self, model, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """Policy and reference log-probs of the micro-batch's mismatched KL rows (empty when it has none).

        Under several processes every process runs the same forwards in every micro-batch: DDP syncs
        buffers and ZeRO-3/FSDP gather weights inside each forward, so a process that skipped one would
        hang the others. A micro-batch without KL rows then scores a one-row placeholder and discards it.
        """
        has_kl = "kl_input_ids" in batch
        if not has_kl and self.accelerator.num_processes == 1:
            empty = batch["input_ids"].new_empty(0, dtype=torch.float)
            return empty, empty
        keys = ("input_ids", "attention_mask", "completion_mask")
        rows = {k: batch[f"kl_{k}"] for k in keys} if has_kl else {k: batch[k][:1] for k in keys}
        policy = self._logps(model, rows)
        with self._reference(model) as ref:
            reference = self._logps(ref, rows)
        return (policy, reference) if has_kl else (policy[:0], reference[:0])

    # -- the loss -------------------------------------------------------------------------
    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        """L = w_dpo * L_DPO + w_kto * L_KTO + w_sft * L_SFT, each term sum / N (``_denominators``): ``num_items_in_batch``
        is the window's per-term counts from ``get_batch_samples`` in training, None (micro-batch means) otherwise."""
        mode = "train" if model.training else "eval"
        w, n, rows = self.loss_weights, int(inputs["n_pairs"]), inputs["kto_index"]
        denom = self._denominators(num_items_in_batch if isinstance(num_items_in_batch, dict) else None, n, len(rows))
        policy = self._logps(model, inputs)
        ref = self._reference_logps(model, inputs)
        terms = {}
        if n:
            weights = inputs["pair_weight"] if w.use_pair_weights else None
            dpo, dpo_metrics = dpo_loss(policy[:n], policy[n:2 * n], ref[:n], ref[n:2 * n], w.beta_dpo, weights, denom["dpo"])
            terms.update({"dpo": dpo} if w.w_dpo else {})
            tokens = inputs["completion_mask"][:2 * n].sum(-1).clamp(min=1)
            self._record_pairs(mode, dpo_metrics, policy[:2 * n].detach() / tokens, ref[:2 * n] / tokens, inputs["pair_type"])
        if n and w.w_sft:
            counts = inputs["completion_mask"][:n, 1:].sum(-1)
            terms["sft"] = sft_loss(policy[:n], counts, denom["sft"])
        if w.w_kto:
            z0 = self._update_z0(*self._kl_logps(model, inputs), mode)  # every micro-batch, on every process
            self._record(mode, "kl", z0)
            if len(rows):
                terms["kto"], kto_metrics = kto_loss(policy[rows], ref[rows], inputs["kto_label"], z0, w.beta_kto,
                                                     w.desirable_weight, w.undesirable_weight, denom["kto"])
                self._record(mode, "kto/rewards/desirable", kto_metrics["rewards/chosen"])
                self._record(mode, "kto/rewards/undesirable", kto_metrics["rewards/rejected"])
        loss, logs = combined_loss(terms, {"dpo": w.w_dpo, "kto": w.w_kto, "sft": w.w_sft})
        local = {"dpo": n, "sft": n, "kto": len(rows)}
        for key, value in logs.items():  # logged: the term's mean over every example since the last log
            term = key.split("/", 1)[1]
            self._record_total(mode, key, value * float(denom[term]), local[term])
        return (loss, {"policy_logps": policy.detach()}) if return_outputs else loss

    def _update_z0(self, policy_kl: torch.Tensor, ref_kl: torch.Tensor, mode: str) -> torch.Tensor:
        """KTO's z0 from this micro-batch's mismatched pairs, averaged over processes
        (``losses.kl_reference_point``); when no process had a pair the previous estimate is kept.
        Training and evaluation keep separate estimates."""
        z0 = kl_reference_point(policy_kl, ref_kl, self.accelerator.gather)  # gather, not gather_for_metrics: no tail trim
        if not torch.isnan(z0):
            self._z0[mode] = z0
        return self._z0[mode]

    # -- checkpoints ----------------------------------------------------------------------
    def _save_rng_state(self, output_dir: str) -> None:
        """The Trainer's RNG state, plus the KTO z0 estimates a resumed run continues from (before
        ``trainer_state.json``, which marks a checkpoint complete)."""
        super()._save_rng_state(output_dir)
        if self.is_world_process_zero():
            state = {mode: float(z0) for mode, z0 in self._z0.items()}
            (Path(output_dir) / Z0_FILE).write_text(json.dumps(state) + "\n")

    def _load_rng_state(self, checkpoint: str | None) -> None:
        """The Trainer's RNG state (``rng_state.pth``: loaded with ``weights_only=True``), then the z0 estimates."""
        with weights_only_loads(checkpoint):
            super()._load_rng_state(checkpoint)
        path = Path(checkpoint) / Z0_FILE if checkpoint else None
        if path is not None and path.is_file():
            self._z0 = {mode: torch.tensor(z0) for mode, z0 in json.loads(path.read_text()).items()}

    def _load_optimizer_and_scheduler(self, checkpoint: str | None) -> None:
        """``optimizer.pt`` / ``scheduler.pt`` loaded with ``weights_only=True`` whatever the transformers version."""
        with weights_only_loads(checkpoint):
            super()._load_optimizer_and_scheduler(checkpoint)

    def _load_scaler(self, checkpoint: str | None) -> None:
        """``scaler.pt`` (fp16 runs) loaded with ``weights_only=True``."""
        with weights_only_loads(checkpoint):
            super()._load_scaler(checkpoint)

    def _load_from_checkpoint(self, resume_from_checkpoint: str, model=None) -> None:
        """The checkpoint's weights (safetensors from dpoclin runs; any torch pickle only with ``weights_only=True``)."""
        with weights_only_loads(resume_from_checkpoint):
            super()._load_from_checkpoint(resume_from_checkpoint, model)

    def _save(self, output_dir: str | None = None, state_dict=None) -> None:
        """The Trainer's save, without the ``training_args.bin`` pickle it writes beside the weights
        (``run.yaml`` records the recipe; nothing reads the pickle back)."""
        super()._save(output_dir, state_dict)
        if self.args.should_save:
            Path(output_dir or self.args.output_dir, TRAINING_ARGS_PICKLE).unlink(missing_ok=True)

    # -- metrics ------------------------------------------------------------------------
    def _record(self, mode: str, key: str, values) -> None:
        """Accumulate a sum and a count, so a logged value is the mean over examples, not over batches."""
        values = torch.as_tensor(values, dtype=torch.float).detach().reshape(-1)
        total = self._metrics[mode][key]
        total[0] += float(values.sum())
        total[1] += values.numel()

    def _record_total(self, mode: str, key: str, total: float, count: int) -> None:
        """Accumulate a sum over ``count`` examples (a loss term's numerator) for a per-example mean."""
        entry = self._metrics[mode][key]
        entry[0] += total
        entry[1] += count

    def _record_pairs(self, mode: str, dpo_metrics: dict, policy: torch.Tensor, ref: torch.Tensor, pair_type: torch.Tensor) -> None:
        """Implicit-reward metrics, and whether the policy and the reference each give the chosen answer the
        higher per-token log-prob (``logps/accuracies`` vs ``ref_logps/accuracies``; per token, so a short
        refusal does not win on length alone), overall and by pair type."""
        n = len(pair_type)
        per_pair = {**dpo_metrics, "logps/accuracies": (policy[:n] > policy[n:]).float(),
                    "ref_logps/accuracies": (ref[:n] > ref[n:]).float()}
        for key, values in per_pair.items():
            self._record(mode, key, values)
        for name, type_id in PAIR_TYPE_IDS.items():
            mask = pair_type == type_id
            if mask.any():
                for key in ("rewards/accuracies", "rewards/margins", "logps/accuracies", "ref_logps/accuracies"):
                    self._record(mode, f"{key}/{name}", per_pair[key][mask])

    def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None):
        """Evaluation runs the same objective (no labels/logits to return)."""
        inputs = self._prepare_inputs(inputs)
        with torch.no_grad():
            loss = self.compute_loss(model, inputs)
        return loss.detach(), None, None

    # -- logging ----------------------------------------------------------------------------
    def log(self, logs: dict[str, float], *args, **kwargs) -> None:
        """Add the averaged loss terms and reward metrics since the last log (TRL's pattern), pooled over
        processes: every process calls ``log`` at the same step, each contributes its sums and counts."""
        mode = "eval" if any(k.startswith("eval_") for k in logs) else "train"
        prefix = "eval_" if mode == "eval" else ""
        logs.update({prefix + key: value for key, value in self._pooled_metrics(mode).items()})
        self._metrics[mode].clear()
        super().log(logs, *args, **kwargs)

    def _pooled_metrics(self, mode: str) -> dict[str, float]:
        """Means over every example seen since the last log, on all processes together."""
        parts = [{key: tuple(total) for key, total in self._metrics[mode].items()}]
        if self.accelerator.num_processes > 1:
            from accelerate.utils import gather_object

            parts = gather_object(parts)
        pooled: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
        for part in parts:
            for key, (total, count) in part.items():
                pooled[key][0] += total
                pooled[key][1] += count
        return {key: total / count for key, (total, count) in sorted(pooled.items()) if count}

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
from collections import defaultdict
from dataclasses import dataclass

import torch
from transformers import Trainer
from transformers.trainer_pt_utils import LengthGroupedSampler, get_length_grouped_indices

from dpoclin.data import PAIR_TYPE_IDS
from dpoclin.losses import combined_loss, dpo_loss, kto_loss, sequence_logps, sft_loss


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


class PreferenceTrainer(Trainer):
    def __init__(self, *args, loss_weights: LossWeights, ref_model=None, group_by_length: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_weights, self.ref_model, self.group_by_length = loss_weights, ref_model, group_by_length
        if ref_model is not None:
            self.ref_model = self.accelerator.prepare_model(ref_model, evaluation_mode=True)
        self._z0 = {"train": torch.zeros(()), "eval": torch.zeros(())}  # KTO z0 until a micro-batch estimates it
        self.model_accepts_loss_kwargs = False  # our loss is a per-micro-batch mean: let Trainer scale it
        self._metrics: dict[str, dict[str, list[float]]] = {"train": defaultdict(lambda: [0.0, 0]), "eval": defaultdict(lambda: [0.0, 0])}

    def _get_train_sampler(self, train_dataset=None):
        """Length-grouped shuffling (transformers' LengthGroupedSampler) from the dataset's own lengths."""
        dataset = train_dataset if train_dataset is not None else self.train_dataset
        if not self.group_by_length or not hasattr(dataset, "lengths"):
            return super()._get_train_sampler(train_dataset)
        return EpochLengthGroupedSampler(self.args.train_batch_size * self.args.gradient_accumulation_steps, dataset.lengths,
                                         self.args.data_seed if self.args.data_seed is not None else self.args.seed)

    # -- log-probs ------------------------------------------------------------------------
    @staticmethod
    def _logps(model, batch: dict, prefix: str = "") -> torch.Tensor:
        """Summed completion log-probs per row. Logits are computed only from the position before
        the earliest completion token onwards (``logits_to_keep``): prompt positions score nothing."""
        ids, mask, completion = batch[f"{prefix}input_ids"], batch[f"{prefix}attention_mask"], batch[f"{prefix}completion_mask"]
        first = int(completion.any(0).int().argmax())  # earliest completion position over the rows
        start = max(first - 1, 0)
        logits = model(input_ids=ids, attention_mask=mask, use_cache=False, logits_to_keep=ids.shape[1] - start).logits
        return sequence_logps(logits.float(), ids[:, start:], completion[:, start:])[0]

    @contextlib.contextmanager
    def _reference(self, model):
        """The reference policy: the adapter switched off, or the frozen copy."""
        if self.ref_model is not None:
            yield self.ref_model
            return
        with self.accelerator.unwrap_model(model).disable_adapter():
            yield model

    @torch.no_grad()
    def _reference_logps(self, model, batch: dict) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Reference log-probs of the rows (precomputed when the batch carries them) and of the KL rows."""
        cached, has_kl = batch.get("ref_logps"), "kl_input_ids" in batch
        if cached is not None and not has_kl:
            return cached, None
        with self._reference(model) as ref:
            ref_logps = cached if cached is not None else self._logps(ref, batch)
            ref_kl = self._logps(ref, batch, "kl_") if has_kl else None
        return ref_logps, ref_kl

    # -- the loss -------------------------------------------------------------------------
    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        mode = "train" if model.training else "eval"
        w, n = self.loss_weights, int(inputs["n_pairs"])
        policy = self._logps(model, inputs)
        ref, ref_kl = self._reference_logps(model, inputs)
        terms = {}
        if n:
            weights = inputs["pair_weight"] if w.use_pair_weights else None
            dpo, dpo_metrics = dpo_loss(policy[:n], policy[n:2 * n], ref[:n], ref[n:2 * n], w.beta_dpo, weights)
            terms.update({"dpo": dpo} if w.w_dpo else {})
            tokens = inputs["completion_mask"][:2 * n].sum(-1).clamp(min=1)
            self._record_pairs(mode, dpo_metrics, policy[:2 * n].detach() / tokens, ref[:2 * n] / tokens, inputs["pair_type"])
        if n and w.w_sft:
            counts = inputs["completion_mask"][:n, 1:].sum(-1)
            terms["sft"] = sft_loss(policy[:n], counts)
        rows = inputs["kto_index"]
        if len(rows) and w.w_kto:
            z0 = self._update_z0(model, inputs, ref_kl, mode)
            terms["kto"], kto_metrics = kto_loss(policy[rows], ref[rows], inputs["kto_label"], z0, w.beta_kto,
                                                 w.desirable_weight, w.undesirable_weight)
            self._record(mode, "kl", z0)
            self._record(mode, "kto/rewards/desirable", kto_metrics["rewards/chosen"])
            self._record(mode, "kto/rewards/undesirable", kto_metrics["rewards/rejected"])
        loss, logs = combined_loss(terms, {"dpo": w.w_dpo, "kto": w.w_kto, "sft": w.w_sft})
        for key, value in logs.items():
            self._record(mode, key, value)
        return (loss, {"policy_logps": policy.detach()}) if return_outputs else loss

    @torch.no_grad()
    def _update_z0(self, model, inputs, ref_kl, mode: str) -> torch.Tensor:
        """KTO's z0 from this step's mismatched pairs, averaged over processes.

        Every process takes part in the gather, also one whose micro-batch has no mismatched pair
        (it contributes NaN), so collectives stay aligned; when no process has one the previous
        estimate is kept. Training and evaluation keep separate estimates.
        """
        if ref_kl is None:
            local = torch.full((1,), float("nan"), device=inputs["input_ids"].device)
        else:
            local = (self._logps(model, inputs, "kl_") - ref_kl).mean().reshape(1)  # as losses.kl_reference_point
        z0 = torch.nanmean(self.accelerator.gather_for_metrics(local))
        if not torch.isnan(z0):
            self._z0[mode] = z0.clamp(min=0)  # Ethayarajh et al. (2024): z0 = max(0, KL estimate)
        return self._z0[mode]

    # -- metrics ------------------------------------------------------------------------
    def _record(self, mode: str, key: str, values) -> None:
        """Accumulate a sum and a count, so a logged value is the mean over examples, not over batches."""
        values = torch.as_tensor(values, dtype=torch.float).detach().reshape(-1)
        total = self._metrics[mode][key]
        total[0] += float(values.sum())
        total[1] += values.numel()

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
        """Add the averaged loss terms and reward metrics since the last log (TRL's pattern)."""
        mode = "eval" if any(k.startswith("eval_") for k in logs) else "train"
        prefix = "eval_" if mode == "eval" else ""
        for key, (total, count) in self._metrics[mode].items():
            if count:
                logs[prefix + key] = total / count
        self._metrics[mode].clear()
        super().log(logs, *args, **kwargs)

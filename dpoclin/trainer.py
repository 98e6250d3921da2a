"""The combined KTO+DPO trainer: ``transformers.Trainer`` with dpoclin's loss.

One forward pass with gradients over the micro-batch's sequences [chosen..., rejected..., kto...]
gives every term its policy log-probs; the reference log-probs come from the same model with
its LoRA adapter disabled (or from a frozen copy for full fine-tuning), and KTO's reference
point z0 from no-grad forwards over mismatched prompt/completion pairs of the same micro-batch:

    L = w_dpo * L_DPO(pairs) + w_kto * L_KTO(unpaired) + w_sft * L_SFT(chosen)

Checkpointing, resuming, gradient accumulation, accelerate/DeepSpeed and ``report_to`` are
the Trainer's own.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass

import torch
from transformers import Trainer

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


class PreferenceTrainer(Trainer):
    def __init__(self, *args, loss_weights: LossWeights, ref_model=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_weights, self.ref_model = loss_weights, ref_model
        if ref_model is not None:
            self.ref_model = self.accelerator.prepare_model(ref_model, evaluation_mode=True)
        self._z0 = {"train": torch.zeros(()), "eval": torch.zeros(())}  # KTO z0 until a micro-batch estimates it
        self.model_accepts_loss_kwargs = False  # our loss is a per-micro-batch mean: let Trainer scale it
        self._metrics: dict[str, dict[str, list[float]]] = {"train": defaultdict(list), "eval": defaultdict(list)}

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
        with self._reference(model) as ref:
            ref_logps = self._logps(ref, batch)
            ref_kl = self._logps(ref, batch, "kl_") if "kl_input_ids" in batch else None
        return ref_logps, ref_kl

    # -- the loss -------------------------------------------------------------------------
    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        mode = "train" if model.training else "eval"
        w, n = self.loss_weights, int(inputs["n_pairs"])
        policy = self._logps(model, inputs)
        ref, ref_kl = self._reference_logps(model, inputs)
        terms, metrics = {}, {}
        if n and w.w_dpo:
            weights = inputs["pair_weight"] if w.use_pair_weights else None
            terms["dpo"], dpo_metrics = dpo_loss(policy[:n], policy[n:2 * n], ref[:n], ref[n:2 * n], w.beta_dpo, weights)
            metrics.update(self._pair_metrics(dpo_metrics, inputs["pair_type"]))
        if n and w.w_sft:
            counts = inputs["completion_mask"][:n, 1:].sum(-1)
            terms["sft"] = sft_loss(policy[:n], counts)
        if len(policy) > 2 * n and w.w_kto:
            z0 = self._update_z0(model, inputs, ref_kl, mode)
            terms["kto"], kto_metrics = kto_loss(policy[2 * n:], ref[2 * n:], inputs["kto_label"], z0, w.beta_kto,
                                                 w.desirable_weight, w.undesirable_weight)
            metrics["kl"] = float(z0)
        loss, logs = combined_loss(terms, {"dpo": w.w_dpo, "kto": w.w_kto, "sft": w.w_sft})
        for key, value in {**logs, **metrics}.items():
            self._metrics[mode][key].append(value)
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

    @staticmethod
    def _pair_metrics(dpo_metrics: dict, pair_type: torch.Tensor) -> dict[str, float]:
        out = {key: float(value.float().mean()) for key, value in dpo_metrics.items()}
        for name, type_id in PAIR_TYPE_IDS.items():
            mask = pair_type == type_id
            if mask.any():
                out[f"rewards/accuracies/{name}"] = float(dpo_metrics["rewards/accuracies"][mask].float().mean())
        return out

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
        for key, values in self._metrics[mode].items():
            if values:
                logs[prefix + key] = sum(values) / len(values)
        self._metrics[mode].clear()
        super().log(logs, *args, **kwargs)

"""The combined preference objective: L = w_dpo * L_DPO + w_kto * L_KTO + w_sft * L_SFT.

Small pure functions, tensors in and (loss, metrics) out, written to agree with TRL 1.16's
DPOTrainer (``loss_type="sigmoid"``) and KTOTrainer (``loss_type="kto"``) on the same inputs.
Log-probabilities are summed over completion tokens, as TRL sums them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from dpoclin.summary import recommended_kto_weights

KL_BATCH_HINT = "KTO needs >= 2 examples from different tasks per micro-batch for the KL term"


def sequence_logps(logits: Tensor, labels: Tensor, loss_mask: Tensor) -> tuple[Tensor, Tensor]:
    """Summed log p(labels) per sequence and its token count, for a causal LM, from full logits: the definition the
    trainer's log-prob head (``trainer.fuse_lm_head``, which never builds the logits) is tested against.

    Position t of ``logits`` predicts token t+1, so logits drop their last position and labels and
    mask their first, as TRL's fused LM head does (``labels[:, 1:]``, masked positions score 0).
    ``labels`` may hold -100 where ``loss_mask`` is 0.
    """
    mask = loss_mask[:, 1:].bool()
    targets = labels[:, 1:].masked_fill(~mask, 0)
    # log pi(y_t | x, y_<t) = logits_{t-1}[y_t] - logsumexp(logits_{t-1}): no full-vocabulary log_softmax copy
    shifted = logits[:, :-1]
    per_token = torch.gather(shifted, -1, targets.unsqueeze(-1)).squeeze(-1) - shifted.logsumexp(-1)
    return per_token.masked_fill(~mask, 0).sum(-1), mask.sum(-1)


def dpo_loss(
    policy_chosen_logps: Tensor,
    policy_rejected_logps: Tensor,
    ref_chosen_logps: Tensor,
    ref_rejected_logps: Tensor,
    beta: float,
    weights: Tensor | None = None,
    count: Tensor | float | None = None,
) -> tuple[Tensor, dict[str, Tensor]]:
    """Sigmoid DPO loss sum_i w_i * l_i / N: ``weights`` w (1 when None), N = ``count`` (the pairs of the whole
    gradient-accumulation window on all processes, from the trainer) or, when None, the pairs given here.

    N is a pair count, never sum w: build-pairs' weight is an absolute confidence (physician agreement), so a
    pair at w = 0.5 pulls half as hard as a unanimous one whatever else shares its batch; dividing by sum w
    would re-inflate contested pairs whenever a batch holds only contested ones (one pair: no effect at all).
    """
    chosen_logratios = policy_chosen_logps - ref_chosen_logps
    rejected_logratios = policy_rejected_logps - ref_rejected_logps
    # Rafailov et al. (2023), eq. 7:
    # L_DPO = -log sigma(beta * [(log pi(y+|x) - log ref(y+|x)) - (log pi(y-|x) - log ref(y-|x))])
    losses = -F.logsigmoid(beta * (chosen_logratios - rejected_logratios))
    if weights is not None:
        losses = weights.to(losses) * losses
    loss = losses.sum() / (len(losses) if count is None else count)
    chosen_rewards = beta * chosen_logratios.detach()
    rejected_rewards = beta * rejected_logratios.detach()
    return loss, {
        "rewards/chosen": chosen_rewards,
        "rewards/rejected": rejected_rewards,
        "rewards/margins": chosen_rewards - rejected_rewards,
        "rewards/accuracies": (chosen_rewards > rejected_rewards).float(),
    }


def mismatched_indices(group_ids: Sequence[Hashable]) -> list[int]:
    """A permutation p with group_ids[p[i]] != group_ids[i]: the KL completion for item i is item p[i]'s.

    Tries the cyclic shifts p[i] = (i - k) % n for k = 1, 2, ...; k = 1 is TRL's
    ``completions[-1:] + completions[:-1]``, so distinct groups get TRL's exact KL pairs. When no
    shift works, items are laid out group by group (largest group first) and shifted by the largest
    group's size, which stays out of every group whenever no group holds more than half the batch
    (the condition for such a permutation to exist at all).
    """
    n = len(group_ids)
    counts = Counter(group_ids)
    largest = max(counts.values(), default=0)
    if n < 2 or 2 * largest > n:
        raise ValueError(
            f"{KL_BATCH_HINT}: got {n} example(s), {largest} from one task; use a larger micro-batch "
            "or mix tasks in each batch (no task may fill more than half of it)."
        )
    for k in range(1, n):
        shifted = [(i - k) % n for i in range(n)]
        if all(group_ids[j] != group_ids[i] for i, j in enumerate(shifted)):
            return shifted
    first_seen = {g: i for i, g in reversed(list(enumerate(group_ids)))}
    order = sorted(range(n), key=lambda i: (-counts[group_ids[i]], first_seen[group_ids[i]], i))
    p = [0] * n
    for j, i in enumerate(order):
        p[i] = order[(j + largest) % n]
    return p


def kl_reference_point(
    policy_kl_logps: Tensor,
    ref_kl_logps: Tensor,
    gather: Callable[[Tensor], Tensor] | None = None,
) -> Tensor:
    """z0: the detached mean of log pi(y'|x) - log ref(y'|x) over mismatched pairs, averaged across
    processes with ``gather`` (accelerate's ``gather_for_metrics``) when given, clamped at 0.

    A process without mismatched pairs passes empty tensors: it still joins the gather (so collectives
    stay aligned) with NaN, which the mean ignores. NaN comes back when no process had any pair.
    """
    # Ethayarajh et al. (2024), eq. 7: z0 = max(0, KL(pi(y'|x) || ref(y'|x))), estimated on mismatched (x, y')
    diff = (policy_kl_logps - ref_kl_logps).detach()
    local = diff.mean().reshape(1) if diff.numel() else diff.new_full((1,), float("nan"))
    pooled = gather(local) if gather is not None else local
    return torch.nanmean(pooled.reshape(-1)).clamp(min=0)


def kto_loss(
    policy_logps: Tensor,
    ref_logps: Tensor,
    labels: Tensor,
    kl: Tensor | float,
    beta: float,
    desirable_weight: float = 1.0,
    undesirable_weight: float = 1.0,
    count: Tensor | float | None = None,
) -> tuple[Tensor, dict[str, Tensor]]:
    """KTO loss: sum over examples of lambda_y * (1 - v(x, y)) / N, NaNs ignored. N = ``count`` (the labelled
    rows of the whole accumulation window, from the trainer) or, when None, the examples given here (TRL 1.16's mean)."""
    labels = labels.bool()
    kl = torch.as_tensor(kl, dtype=policy_logps.dtype, device=policy_logps.device)
    chosen_logratios = (policy_logps - ref_logps)[labels]
    rejected_logratios = (policy_logps - ref_logps)[~labels]
    # Ethayarajh et al. (2024), eq. 7, with r = log pi(y|x) - log ref(y|x):
    # desirable:   lambda_D * (1 - sigma(beta * (r - z0)))
    # undesirable: lambda_U * (1 - sigma(beta * (z0 - r)))
    chosen_losses = 1 - torch.sigmoid(beta * (chosen_logratios - kl))
    rejected_losses = 1 - torch.sigmoid(beta * (kl - rejected_logratios))
    losses = torch.cat((desirable_weight * chosen_losses, undesirable_weight * rejected_losses), 0)
    loss = losses.nanmean() if count is None else losses.nansum() / count
    return loss, {
        "rewards/chosen": beta * chosen_logratios.detach(),
        "rewards/rejected": beta * rejected_logratios.detach(),
        "kl": kl.detach(),
    }


def kto_weights(n_desirable: int, n_undesirable: int) -> tuple[float, float]:
    """(lambda_D, lambda_U) for these class counts, from ``summary.recommended_kto_weights``;
    (1.0, 1.0) when one class is absent."""
    rec = recommended_kto_weights(n_desirable, n_undesirable)
    return (1.0, 1.0) if rec is None else (rec["desirable_weight"], rec["undesirable_weight"])


def sft_loss(chosen_logps_sum: Tensor, chosen_token_counts: Tensor, count: Tensor | float | None = None) -> Tensor:
    """Length-normalised NLL of the chosen responses, summed over pairs / N (RPO-style): N = ``count`` (the pairs of the
    accumulation window, from the trainer) or, when None, the pairs given here (a mean)."""
    # Pang et al. (2024), RPO: L_SFT = mean_i [ -sum_t log pi(y+_t | x, y+_<t) / |y+| ]
    counts = chosen_token_counts.to(chosen_logps_sum).clamp(min=1)
    per_pair = -chosen_logps_sum / counts
    return per_pair.sum() / (len(per_pair) if count is None else count)


def combined_loss(
    terms: dict[str, Tensor | Callable[[], Tensor]],
    weights: dict[str, float],
) -> tuple[Tensor, dict[str, float]]:
    """sum_k w_k * L_k over the terms whose weight is non-zero, and each such L_k as ``loss/<k>``.

    A term may be a zero-argument callable, so a zero-weight term is never even computed.
    """
    total: Tensor | None = None
    logs: dict[str, float] = {}
    for name, term in terms.items():
        if name not in weights:
            raise ValueError(f"no weight given for loss term {name!r}")
        weight = float(weights[name])
        if weight < 0:
            raise ValueError(f"loss weight for {name!r} must be >= 0, got {weight}")
        if weight == 0:
            continue
        value = term() if callable(term) else term
        # L = w_dpo * L_DPO + w_kto * L_KTO + w_sft * L_SFT
        total = weight * value if total is None else total + weight * value
        logs[f"loss/{name}"] = float(value.detach())
    if total is None:
        raise ValueError("every loss term has weight 0 (or none was given): nothing to optimise")
    return total, logs

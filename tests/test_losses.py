"""dpoclin.losses: hand-worked DPO/KTO/SFT numbers, KL pairing, gradients, and agreement with TRL's code."""

from __future__ import annotations

import inspect
import math
import types
from collections import defaultdict
from types import SimpleNamespace

import pytest
import torch

from dpoclin.losses import (
    KL_BATCH_HINT,
    combined_loss,
    dpo_loss,
    kl_reference_point,
    kto_loss,
    kto_weights,
    mismatched_indices,
    sequence_logps,
    sft_loss,
)


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def t(*values, dtype=torch.float64) -> torch.Tensor:
    return torch.tensor(values, dtype=dtype)


# --- DPO -----------------------------------------------------------------------------------
# beta = 0.1, two pairs:
#   pair 1: chosen  log pi - log ref = -10 - (-12) = +2;  rejected: -15 - (-14) = -1
#           beta * (2 - (-1)) = 0.3   ->  loss1 = -log sigma(0.3)  = log(1 + e^-0.3) ~= 0.554355
#   pair 2: chosen  -20 - (-19) = -1;  rejected: -8 - (-9) = +1
#           beta * (-1 - 1)  = -0.2   ->  loss2 = -log sigma(-0.2) = log(1 + e^0.2)  ~= 0.798139
#   mean = (0.554355 + 0.798139) / 2 ~= 0.676247
#   weights (3, 1): (3 * 0.554355 + 0.798139) / 4 ~= 0.615301
DPO_ARGS = (t(-10.0, -20.0), t(-15.0, -8.0), t(-12.0, -19.0), t(-14.0, -9.0))
LOSS1, LOSS2 = -math.log(sigmoid(0.3)), -math.log(sigmoid(-0.2))


def test_dpo_two_pairs_by_hand():
    loss, metrics = dpo_loss(*DPO_ARGS, beta=0.1)
    assert (LOSS1, LOSS2) == pytest.approx((0.554355, 0.798139), abs=1e-6)
    assert loss.item() == pytest.approx((LOSS1 + LOSS2) / 2, abs=1e-12)
    assert loss.item() == pytest.approx(0.676247, abs=1e-6)
    # rewards = beta * logratio
    assert metrics["rewards/chosen"].tolist() == pytest.approx([0.2, -0.1])
    assert metrics["rewards/rejected"].tolist() == pytest.approx([-0.1, 0.1])
    assert metrics["rewards/margins"].tolist() == pytest.approx([0.3, -0.2])
    assert metrics["rewards/accuracies"].tolist() == [1.0, 0.0]
    assert not any(m.requires_grad for m in metrics.values())


def test_dpo_per_pair_weights_are_normalised_by_the_pair_count():
    loss, _ = dpo_loss(*DPO_ARGS, beta=0.1, weights=t(3.0, 1.0))
    assert loss.item() == pytest.approx((3 * LOSS1 + 1 * LOSS2) / 2, abs=1e-12)
    # uniform weights scale the loss: a batch of contested pairs pulls less than a unanimous one
    uniform, _ = dpo_loss(*DPO_ARGS, beta=0.1, weights=t(0.5, 0.5))
    assert uniform.item() == pytest.approx(0.5 * (LOSS1 + LOSS2) / 2, abs=1e-12)


@pytest.mark.parametrize("weight", [1.0, 0.5, 0.1])
def test_one_pair_weight_scales_its_loss_and_gradient(weight):
    chosen = t(-10.0).requires_grad_()
    loss, _ = dpo_loss(chosen, t(-15.0), t(-12.0), t(-14.0), beta=0.1, weights=t(weight))
    loss.backward()
    assert loss.item() == pytest.approx(weight * LOSS1, abs=1e-12)
    assert chosen.grad.item() == pytest.approx(weight * -0.1 * (1 - sigmoid(0.3)), abs=1e-12)  # d/dx -log sigma(0.1 x)


def test_an_explicit_count_divides_each_term_sum():
    """The trainer passes the accumulation window's count N: sum / N, not this call's mean."""
    loss, _ = dpo_loss(*DPO_ARGS, beta=0.1, weights=t(3.0, 1.0), count=8)
    assert loss.item() == pytest.approx((3 * LOSS1 + LOSS2) / 8, abs=1e-12)
    kto, _ = kto_loss(*KTO_ARGS, kl=0.7, beta=0.5, count=5)
    assert kto.item() == pytest.approx((D_LOSS + U_LOSS) / 5, abs=1e-12)
    sft = sft_loss(t(-6.0, -10.0), torch.tensor([3, 5]), count=4)
    assert sft.item() == pytest.approx((2.0 + 2.0) / 4, abs=1e-12)


# --- KTO -----------------------------------------------------------------------------------
# beta = 0.5. KL batch: policy - ref = (-5 - (-6), -7 - (-7.4)) = (1, 0.4) -> z0 = 0.7.
#   desirable   r = -10 - (-12) = +2: 1 - sigma(0.5 * (2 - 0.7))    = 1 - sigma(0.65) ~= 0.342990
#   undesirable r = -15 - (-14) = -1: 1 - sigma(0.5 * (0.7 - (-1))) = 1 - sigma(0.85) ~= 0.299433
KTO_ARGS = (t(-10.0, -15.0), t(-12.0, -14.0), torch.tensor([True, False]))
D_LOSS, U_LOSS = 1 - sigmoid(0.65), 1 - sigmoid(0.85)


def test_kl_reference_point_mean_and_clamp():
    z0 = kl_reference_point(t(-5.0, -7.0), t(-6.0, -7.4))
    assert z0.item() == pytest.approx(0.7, abs=1e-12)
    # policy - ref = (-1, 0): mean -0.5 is clamped to 0
    assert kl_reference_point(t(-6.0, -7.0), t(-5.0, -7.0)).item() == 0.0


def test_kl_reference_point_is_detached_and_gathered_before_the_mean():
    policy = t(-5.0, -7.0).requires_grad_()
    assert not kl_reference_point(policy, t(-6.0, -7.4)).requires_grad
    # a second "process" with mean KL 0.3: the cross-process mean is (0.7 + 0.3) / 2 = 0.5
    gather = lambda kl: torch.cat([kl, torch.tensor([0.3], dtype=kl.dtype)])  # noqa: E731  (accelerate: (1,) per process -> (world,))
    assert kl_reference_point(policy, t(-6.0, -7.4), gather=gather).item() == pytest.approx(0.5)
    # per-process means (0.7, -1.9) average to -0.6: the clamp comes after the gather
    gather_neg = lambda kl: torch.cat([kl, torch.tensor([-1.9], dtype=kl.dtype)])  # noqa: E731
    assert kl_reference_point(policy, t(-6.0, -7.4), gather=gather_neg).item() == 0.0


def test_kl_reference_point_process_without_pairs_joins_with_nan():
    empty = torch.empty(0, dtype=torch.float64)
    seen = []
    gather = lambda kl: seen.append(kl.clone()) or torch.cat([kl, torch.tensor([0.3], dtype=kl.dtype)])  # noqa: E731
    # this process has no mismatched pair: it still gathers (NaN), and the mean is the other process's 0.3
    assert kl_reference_point(empty, empty, gather=gather).item() == pytest.approx(0.3)
    assert len(seen) == 1 and torch.isnan(seen[0]).all()
    # no process had a pair: NaN (the trainer keeps its previous z0)
    assert torch.isnan(kl_reference_point(empty, empty))


def test_kto_desirable_and_undesirable_by_hand():
    z0 = kl_reference_point(t(-5.0, -7.0), t(-6.0, -7.4))
    loss, metrics = kto_loss(*KTO_ARGS, kl=z0, beta=0.5)
    assert (D_LOSS, U_LOSS) == pytest.approx((0.342990, 0.299433), abs=1e-6)
    assert loss.item() == pytest.approx((D_LOSS + U_LOSS) / 2, abs=1e-12)
    assert metrics["rewards/chosen"].tolist() == pytest.approx([1.0])  # 0.5 * 2
    assert metrics["rewards/rejected"].tolist() == pytest.approx([-0.5])  # 0.5 * -1
    assert metrics["kl"].item() == pytest.approx(0.7)


def test_kto_with_clamped_reference_point():
    # KL mean -0.5 -> z0 = 0: desirable 1 - sigma(0.5 * 2) ~= 0.268941, undesirable 1 - sigma(0.5 * 1) ~= 0.377541
    z0 = kl_reference_point(t(-6.0, -7.0), t(-5.0, -7.0))
    loss, _ = kto_loss(*KTO_ARGS, kl=z0, beta=0.5)
    assert loss.item() == pytest.approx((1 - sigmoid(1.0) + 1 - sigmoid(0.5)) / 2, abs=1e-12)
    assert loss.item() == pytest.approx((0.268941 + 0.377541) / 2, abs=1e-6)


def test_kto_class_weights_multiply_then_plain_mean():
    # TRL: cat(lambda_D * chosen, lambda_U * rejected).nanmean() -- a mean over examples, not sum / sum(lambda)
    loss, _ = kto_loss(*KTO_ARGS, kl=0.7, beta=0.5, desirable_weight=1.0, undesirable_weight=2.0)
    assert loss.item() == pytest.approx((D_LOSS + 2 * U_LOSS) / 2, abs=1e-12)
    assert loss.item() == pytest.approx(0.470928, abs=1e-6)


def test_kto_all_desirable_batch():
    # r = (2, 0.7), z0 = 0.7: losses 1 - sigma(0.65) and 1 - sigma(0) = 0.5
    loss, metrics = kto_loss(t(-10.0, -11.3), t(-12.0, -12.0), torch.tensor([True, True]), kl=0.7, beta=0.5)
    assert loss.item() == pytest.approx((D_LOSS + 0.5) / 2, abs=1e-12)
    assert metrics["rewards/rejected"].numel() == 0


def test_kto_weights_reuse_summary_recommendation():
    assert kto_weights(30, 10) == (1.0, 2.25)  # ratio 3 -> lambda_U = 3 * 3/4
    assert kto_weights(10, 20) == (2.0, 1.0)
    assert kto_weights(0, 5) == (1.0, 1.0)


# --- mismatched_indices ---------------------------------------------------------------------

def test_distinct_groups_reproduce_trl_cyclic_shift():
    completions = ["y0", "y1", "y2", "y3", "y4"]
    p = mismatched_indices(["t0", "t1", "t2", "t3", "t4"])
    assert p == [(i - 1) % 5 for i in range(5)]
    # TRL builds the KL completions as completions[-1:] + completions[:-1]
    assert [completions[j] for j in p] == completions[-1:] + completions[:-1]


def test_trl_still_cycles_kl_completions_by_one():
    # Tripwire for a TRL upgrade: both the text and the vision paths of KTOTrainer use the +1 cycle.
    source = inspect.getsource(pytest.importorskip("trl.trainer.kto_trainer"))
    assert 'examples["KL_completion_ids"] = [examples["completion_ids"][-1]] + examples["completion_ids"][:-1]' in source
    assert "kl_completions = completions[-1:] + completions[:-1]" in source


@pytest.mark.parametrize(
    "groups",
    [
        ["t1", "t1", "t2", "t2", "t3", "t3"],  # paired data: shift by 1 would pair siblings
        ["a", "a", "b", "c"],
        ["a", "b", "a", "a", "b", "b"],  # no cyclic shift works: the group-ordered fallback
        ["a", "a", "a", "b", "b", "b"],
    ],
)
def test_no_item_maps_to_its_own_task(groups):
    p = mismatched_indices(groups)
    assert sorted(p) == list(range(len(groups)))
    assert all(groups[j] != groups[i] for i, j in enumerate(p))
    assert mismatched_indices(groups) == p  # deterministic


def test_paired_data_uses_the_smallest_working_shift():
    assert mismatched_indices(["t1", "t1", "t2", "t2", "t3", "t3"]) == [(i - 2) % 6 for i in range(6)]


@pytest.mark.parametrize("groups", [["t1"], [], ["t1", "t1", "t1"], ["a", "a", "a", "b", "c"]])
def test_impossible_kl_pairing_raises(groups):
    with pytest.raises(ValueError, match=KL_BATCH_HINT):
        mismatched_indices(groups)


# --- SFT and combined -------------------------------------------------------------------------

def test_sft_loss_is_length_normalised_nll():
    # (6/3 + 2/4) / 2 = 1.25
    assert sft_loss(t(-6.0, -2.0), torch.tensor([3, 4])).item() == pytest.approx(1.25)


def test_combined_loss_skips_zero_weight_terms():
    dpo, kto = t(0.5).requires_grad_(), t(0.25).requires_grad_()

    def never():
        raise AssertionError("a zero-weight term must not be computed")

    total, logs = combined_loss({"dpo": dpo, "kto": kto, "sft": never}, {"dpo": 1.0, "kto": 2.0, "sft": 0.0})
    assert total.item() == pytest.approx(0.5 + 2 * 0.25)
    assert logs == {"loss/dpo": 0.5, "loss/kto": 0.25}
    total.backward()
    assert (dpo.grad.item(), kto.grad.item()) == (1.0, 2.0)
    with pytest.raises(ValueError, match="no weight"):
        combined_loss({"dpo": dpo}, {})
    with pytest.raises(ValueError, match="nothing to optimise"):
        combined_loss({"dpo": dpo}, {"dpo": 0.0})


# --- gradients -------------------------------------------------------------------------------

def test_dpo_gradcheck():
    pc, pr = (torch.randn(4, dtype=torch.float64, requires_grad=True) for _ in range(2))
    rc, rr, w = torch.randn(4, dtype=torch.float64), torch.randn(4, dtype=torch.float64), torch.rand(4, dtype=torch.float64) + 0.1
    assert torch.autograd.gradcheck(lambda a, b: dpo_loss(a, b, rc, rr, beta=0.3, weights=w)[0], (pc, pr))


def test_kto_gradcheck():
    policy = torch.randn(5, dtype=torch.float64, requires_grad=True)
    ref, labels = torch.randn(5, dtype=torch.float64), torch.tensor([True, False, True, False, False])
    fn = lambda p: kto_loss(p, ref, labels, kl=0.2, beta=0.4, desirable_weight=1.5, undesirable_weight=0.7)[0]  # noqa: E731
    assert torch.autograd.gradcheck(fn, (policy,))


# --- sequence_logps ------------------------------------------------------------------------------

def _masked_batch(vocab=11):
    torch.manual_seed(0)
    logits = torch.randn(2, 6, vocab, dtype=torch.float64)
    input_ids = torch.randint(0, vocab, (2, 6))
    mask = torch.tensor([[0, 0, 1, 1, 1, 0], [0, 1, 1, 1, 1, 1]])  # prompt, completion, padding
    return logits, input_ids, mask


def test_sequence_logps_matches_log_softmax_gather():
    logits, input_ids, mask = _masked_batch()
    labels = input_ids.masked_fill(mask == 0, -100)
    logps, counts = sequence_logps(logits, labels, mask)
    expected = [
        sum(torch.log_softmax(logits[b, pos - 1], -1)[input_ids[b, pos]].item() for pos in range(1, 6) if mask[b, pos])
        for b in range(2)
    ]
    assert logps.tolist() == pytest.approx(expected, abs=1e-12)
    assert counts.tolist() == [3, 5]


def test_sequence_logps_matches_trl_selective_log_softmax():
    utils = pytest.importorskip("trl.trainer.utils")
    logits, input_ids, mask = _masked_batch()
    per_token = utils.selective_log_softmax(logits[:, :-1], input_ids[:, 1:])
    logps, _ = sequence_logps(logits, input_ids, mask)
    assert torch.allclose(logps, (per_token * mask[:, 1:]).sum(-1), atol=1e-10)


def test_sequence_logps_matches_trl_fused_lm_head():
    # TRL 1.16's DPO/KTO trainers score completions with add_fused_lm_head (labels -100 off the completion).
    utils = pytest.importorskip("trl.trainer.utils")
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    config = transformers.LlamaConfig(
        vocab_size=32, hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2
    )
    model = transformers.LlamaForCausalLM(config).eval()
    input_ids = torch.randint(0, 32, (2, 7))
    attention_mask = torch.tensor([[1] * 7, [1] * 5 + [0] * 2])
    completion_mask = torch.tensor([[0, 0, 0, 1, 1, 1, 1], [0, 0, 1, 1, 1, 0, 0]])
    labels = input_ids.masked_fill(completion_mask == 0, -100)
    with torch.no_grad():
        logits = model(input_ids=input_ids, attention_mask=attention_mask).logits
        utils.add_fused_lm_head(model)
        fused = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels, fused_lm_head=True).log_probs
    logps, counts = sequence_logps(logits, labels, completion_mask)
    assert torch.allclose(logps, fused.sum(-1), atol=1e-5)
    assert counts.tolist() == [4, 3]


# --- against TRL 1.16's own loss code ---------------------------------------------------------------
# TRL 1.16 has no standalone DPO/KTO loss function: both losses are computed inline in
# `DPOTrainer._compute_loss` / `KTOTrainer._compute_loss`. We call those methods on a stub `self`
# with a stub model that returns chosen per-token log-probs, and precomputed reference log-probs.

def _stub_trainer(**attrs) -> SimpleNamespace:
    identity = lambda x: x  # noqa: E731  # single process: gather is the identity
    accelerator = SimpleNamespace(device=torch.device("cpu"), gather=identity, gather_for_metrics=identity)
    return SimpleNamespace(
        model=SimpleNamespace(training=True), accelerator=accelerator, aux_loss_enabled=False,
        precompute_ref_logps=True, _metrics={"train": defaultdict(list)}, _total_train_tokens=0, _tp_size=1, **attrs,
    )


def _outputs(log_probs: torch.Tensor) -> SimpleNamespace:
    zeros = torch.zeros_like(log_probs)
    return SimpleNamespace(log_probs=log_probs, entropy=zeros, mean_logits=zeros, is_top1=zeros.bool(), aux_loss=None)


def _sequences(n: int, width: int) -> dict[str, torch.Tensor]:
    # one completion token at the end: per-token log-probs of shape (n, 1) sum to the sequence log-prob
    completion = torch.zeros(n, width, dtype=torch.long)
    completion[:, -1] = 1
    ids, attention = torch.zeros(n, width, dtype=torch.long), torch.ones(n, width, dtype=torch.long)
    return {"input_ids": ids, "attention_mask": attention, "completion_mask": completion}


def test_dpo_matches_trl_dpo_trainer_sigmoid_loss():
    dpo_trainer = pytest.importorskip("trl.trainer.dpo_trainer")
    torch.manual_seed(1)
    pc, pr, rc, rr = (torch.randn(6) * 5 - 20 for _ in range(4))
    stub = _stub_trainer(
        ld_alpha=None, f_divergence_type="reverse_kl", loss_types=["sigmoid"], loss_weights=[1.0],
        beta=0.1, use_weighting=False, label_smoothing=0.0,
    )
    inputs = {**_sequences(12, 2), "ref_chosen_logps": rc, "ref_rejected_logps": rr}
    model = lambda **kwargs: _outputs(torch.cat([pc, pr])[:, None])  # noqa: E731  # batch is [chosen, rejected]
    trl_loss = dpo_trainer.DPOTrainer._compute_loss(stub, model, inputs, False)
    loss, metrics = dpo_loss(pc, pr, rc, rr, beta=0.1)
    assert loss.item() == pytest.approx(trl_loss.item(), abs=1e-6)
    for key in ("rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies"):
        assert metrics[key].mean().item() == pytest.approx(stub._metrics["train"][key][-1], abs=1e-6)


def _trl_kto(policy, ref, labels, policy_kl, ref_kl, beta, desirable_weight, undesirable_weight):
    kto_trainer = pytest.importorskip("trl.trainer.kto_trainer")
    n = len(labels)
    stub = _stub_trainer(
        calculate_KL=True, loss_type="kto", beta=beta,
        desirable_weight=desirable_weight, undesirable_weight=undesirable_weight,
    )
    stub._compute_kl_logps = types.MethodType(kto_trainer.KTOTrainer._compute_kl_logps, stub)
    kl = {f"KL_{k}": v for k, v in _sequences(n, 3).items()}  # KL sequences are wider: the stub model tells them apart
    inputs = {**_sequences(n, 2), **kl, "label": labels, "ref_logps": ref, "ref_KL_logps": ref_kl}

    def model(input_ids, **kwargs):
        if input_ids.shape[1] == 3:
            return _outputs(torch.stack([torch.zeros(n), policy_kl], 1))
        return _outputs(policy[:, None])

    return kto_trainer.KTOTrainer._compute_loss(stub, model, inputs, False), stub._metrics["train"]


@pytest.mark.parametrize(
    "labels, weights, kl_shift",
    [
        ([True, False, True, True, False, False, True], (1.0, 1.0), 0.5),
        ([True, False, False, False, False, True, False], (2.5, 1.0), 0.5),
        ([True, True, True, True], (1.0, 1.33), 0.5),  # all desirable
        ([False, False, False], (1.0, 1.0), -3.0),  # all undesirable, negative KL -> clamp
    ],
)
def test_kto_matches_trl_kto_trainer(labels, weights, kl_shift):
    torch.manual_seed(2)
    labels = torch.tensor(labels)
    n = len(labels)
    policy, ref, ref_kl = (torch.randn(n) * 3 - 20 for _ in range(3))
    policy_kl = ref_kl + kl_shift + 0.1 * torch.randn(n)
    trl_loss, trl_metrics = _trl_kto(policy, ref, labels, policy_kl, ref_kl, 0.2, *weights)
    z0 = kl_reference_point(policy_kl, ref_kl)
    loss, metrics = kto_loss(policy, ref, labels, z0, beta=0.2, desirable_weight=weights[0], undesirable_weight=weights[1])
    assert loss.item() == pytest.approx(trl_loss.item(), abs=1e-6)
    assert z0.item() == pytest.approx(trl_metrics["kl"][-1], abs=1e-6)
    for key in ("rewards/chosen", "rewards/rejected"):
        if metrics[key].numel():
            assert metrics[key].mean().item() == pytest.approx(trl_metrics[key][-1], abs=1e-5)

"""dpoclin.trainer.PreferenceTrainer on a tiny Llama: loss and gradients against TRL 1.16's own trainers.

The model is a seeded 2-layer, 64-wide Llama with the default model's tokenizer (read from the embedded
GGUF once per module, ~4 s); float32 throughout. TRL's DPOTrainer/KTOTrainer are built on an in-memory
``datasets.Dataset`` of the *conversational* rows we encode, so both sides go through the chat template;
``test_*_matches_trl_*`` first assert that both trainers see the same micro-batch token for token
(ids, attention and completion masks, KL sequences), then compare loss and gradients.
"""

from __future__ import annotations

import copy
import math
import os

import pytest
import torch
import torch.nn.functional as F

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

transformers = pytest.importorskip("transformers")
trl = pytest.importorskip("trl")
peft = pytest.importorskip("peft")
datasets = pytest.importorskip("datasets")

from dpoclin import models  # noqa: E402
from dpoclin.data import Collator, Encoded, KTOExample, PreferenceDataset, encode_kto, encode_pairs  # noqa: E402
from dpoclin.losses import mismatched_indices  # noqa: E402
from dpoclin.recipe import Recipe, TrainingConfig  # noqa: E402
from dpoclin.run import training_arguments  # noqa: E402
from dpoclin.trainer import LossWeights, PreferenceTrainer  # noqa: E402

TOL = 1e-5
BETA = 0.1




def _user(text):
    return [{"role": "user", "content": text}]


def _assistant(text):
    return [{"role": "assistant", "content": text}]


PAIRS = [  # (task, pair_type, prompt, chosen, rejected)
    ("t1", "unsafe_compliance", "I take warfarin. Is ibuprofen fine for my knee pain?",
     "Avoid ibuprofen: with warfarin it raises bleeding risk. Paracetamol is safer; ask your doctor.",
     "Sure, ibuprofen 800 mg three times a day is fine."),
    ("t2", "over_refusal", "Does amoxicillin help a viral sore throat?",
     "No. Antibiotics do not treat viruses; rest, fluids and paracetamol help.",
     "I'm sorry, but I can't provide medical advice."),
    ("t3", "preference", "What is a normal adult resting heart rate?",
     "Usually 60 to 100 beats per minute.", "About 150 beats per minute."),
]
KTO = [  # (task, prompt, completion, desirable)
    ("k1", "Can I stop my statin if my cholesterol is now normal?",
     "Not on your own: it is normal because of the statin. Discuss it with your doctor.", True),
    ("k2", "My child has a fever of 38.5 C. What should I do?", "Give aspirin every two hours.", False),
    ("k3", "Is chest pain at rest an emergency?", "Yes. Call emergency services now.", True),
    ("k4", "How much paracetamol can an adult take per day?", "As much as needed, there is no limit.", False),
]


def pair_rows(pairs=PAIRS, weights=None):
    return [{"prompt": _user(p), "chosen": _assistant(c), "rejected": _assistant(r), "task_id": task,
             "pair_type": kind, "weight": 1.0 if weights is None else weights[i]}
            for i, (task, kind, p, c, r) in enumerate(pairs)]


def kto_rows(kto=KTO):
    return [{"prompt": _user(p), "completion": _assistant(c), "label": y, "task_id": task} for task, p, c, y in kto]


# --- models and trainers -----------------------------------------------------------------------

@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """These models are tiny: a second intra-op thread buys ~30% when the CPU is idle, but on a shared
    2-core machine OpenMP's spin-waiting made this file ~3.5x slower (22 s -> 78 s)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tokenizer():
    path = models.default_gguf_path()
    return transformers.AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)


def tiny_llama(tokenizer, seed=0):
    config = transformers.LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=512, tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return transformers.LlamaForCausalLM(config).eval()


def perturb_(params, scale, seed=1):
    """Move ``params`` off their init so policy != reference (seeded, in place)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in params:
            p.add_(scale * torch.randn(p.shape, generator=gen))


LORA = dict(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["q_proj", "v_proj", "up_proj"], task_type="CAUSAL_LM")


def lora_b(model):
    return [p for name, p in model.named_parameters() if "lora_B" in name]


def models_for(variant, tokenizer):
    """(policy or base model, ref_model, peft_config).

    ``full``: a perturbed policy and its frozen unperturbed copy as ``ref_model`` (our ``ref_model=`` path).
    ``lora``: TRL wraps the base itself from ``peft_config``: a new adapter, whose reference is the adapter
    switched off, as ours. (Handed a ready PeftModel, TRL 1.16 would instead copy its adapter into a "ref"
    adapter and use that as the reference.) The test makes B non-zero afterwards, so policy != reference."""
    policy = tiny_llama(tokenizer)
    if variant == "lora":
        return policy, None, peft.LoraConfig(**LORA)
    ref = copy.deepcopy(policy).requires_grad_(False)
    perturb_(policy.parameters(), 0.02)
    return policy, ref, None


def trl_args(config_cls, tmp_path, batch_size, **kwargs):
    return config_cls(output_dir=str(tmp_path / "trl"), use_cpu=True, bf16=False, report_to="none", beta=BETA,
                      per_device_train_batch_size=batch_size, precompute_ref_log_probs=False,
                      train_sampling_strategy="sequential", **kwargs)


def our_trainer(model, tmp_path, weights, ref_model=None, batch_size=4, dataset=None, tokenizer=None):
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "ours"), use_cpu=True, report_to="none", remove_unused_columns=False,
        per_device_train_batch_size=batch_size, train_sampling_strategy="sequential",
    )
    return PreferenceTrainer(model=model, args=args, train_dataset=dataset, data_collator=Collator(tokenizer.pad_token_id),
                             loss_weights=weights, ref_model=ref_model)


def first_batch(trainer):
    return next(iter(trainer.get_train_dataloader()))


def loss_and_grads(trainer, batch):
    model = trainer.model
    model.zero_grad(set_to_none=True)
    loss = trainer.compute_loss(model, batch)
    loss.backward()
    grads = {name: p.grad.detach().clone() for name, p in model.named_parameters() if p.requires_grad}
    model.zero_grad(set_to_none=True)
    return loss.detach(), grads


def assert_same_grads(ours, theirs):
    assert ours.keys() == theirs.keys() and ours
    worst = max((ours[k] - theirs[k]).abs().max().item() for k in ours)
    assert worst <= TOL, f"max |grad difference| {worst:.3g}"
    assert max(g.abs().max().item() for g in ours.values()) > 100 * TOL  # the gradients are not all ~0


# --- log-probs by hand: one unpadded sequence at a time ---------------------------------------------

def seq_logp(model, enc: Encoded, grad: bool = False) -> torch.Tensor:
    """sum_t log p(completion_t | prompt, completion_<t), straight from the logits."""
    ids = torch.tensor([enc.prompt_ids + enc.completion_ids])
    with torch.set_grad_enabled(grad):
        logps = model(input_ids=ids).logits[0, :-1].float().log_softmax(-1)
    targets = ids[0, 1:]
    per_token = logps.gather(-1, targets[:, None])[:, 0]
    return per_token[len(enc.prompt_ids) - 1:].sum()


def logps(model, seqs):
    return torch.stack([seq_logp(model, s) for s in seqs])


def sft_step_(model, seqs, lr):
    """One SGD step on the completions' NLL: the policy then likes these completions in any context,
    so KTO's z0 (policy - reference on mismatched pairs) is clearly > 0 rather than clamped to 0."""
    model.zero_grad(set_to_none=True)
    (-sum(seq_logp(model, s, grad=True) for s in seqs)).backward()
    with torch.no_grad():
        for p in model.parameters():
            if p.grad is not None:
                p -= lr * p.grad
    model.zero_grad(set_to_none=True)


# --- 1. DPO = TRL's DPOTrainer (sigmoid, beta 0.1) --------------------------------------------------

@pytest.mark.parametrize("variant", ["full", "lora"])
def test_dpo_matches_trl_dpo_trainer(tokenizer, tmp_path, variant):
    rows = pair_rows()
    base, ref, peft_config = models_for(variant, tokenizer)
    data = datasets.Dataset.from_list([{k: r[k] for k in ("prompt", "chosen", "rejected")} for r in rows])
    theirs = trl.DPOTrainer(model=base, ref_model=ref, args=trl_args(trl.DPOConfig, tmp_path, len(rows), loss_type="sigmoid"),
                            train_dataset=data, processing_class=tokenizer, peft_config=peft_config)
    model = theirs.model  # the same parameters for both trainers (TRL's fused LM head is off unless asked for)
    if variant == "lora":
        assert isinstance(model, peft.PeftModel) and theirs.ref_model is None and "ref" not in model.peft_config
        perturb_(lora_b(model), 0.1)
    ours = our_trainer(model, tmp_path, LossWeights(w_dpo=1, w_kto=0, w_sft=0, beta_dpo=BETA, use_pair_weights=False),
                       ref_model=ref, batch_size=len(rows), dataset=PreferenceDataset(encode_pairs(rows, tokenizer, 512), []),
                       tokenizer=tokenizer)

    ours_batch, trl_batch = first_batch(ours), first_batch(theirs)
    # Same token ids: our encode splits prompt/completion exactly as TRL's tokenize_fn does.
    for key in ("input_ids", "attention_mask", "completion_mask"):
        assert torch.equal(ours_batch[key], trl_batch[key]), key

    loss, grads = loss_and_grads(ours, ours_batch)
    trl_loss, trl_grads = loss_and_grads(theirs, trl_batch)
    assert abs(loss.item() - trl_loss.item()) <= TOL
    assert abs(loss.item() - math.log(2)) > 1e-3  # policy != reference: not the trivial ln 2
    assert_same_grads(grads, trl_grads)


# --- 2. KTO = TRL's KTOTrainer, same KL pairing -------------------------------------------------------

@pytest.mark.parametrize("variant", ["full", "lora"])
def test_kto_matches_trl_kto_trainer(tokenizer, tmp_path, variant):
    rows = kto_rows()  # distinct tasks: mismatched_indices is TRL's +1 cyclic shift
    base, ref, peft_config = models_for(variant, tokenizer)
    data = datasets.Dataset.from_list([{k: r[k] for k in ("prompt", "completion", "label")} for r in rows])
    lam_d, lam_u = 1.0, 1.5  # unequal class weights, so that swapping them shows
    args = trl_args(trl.KTOConfig, tmp_path, len(rows), desirable_weight=lam_d, undesirable_weight=lam_u)
    theirs = trl.KTOTrainer(model=base, ref_model=ref, args=args, train_dataset=data, processing_class=tokenizer,
                            peft_config=peft_config)
    model = theirs.model
    if variant == "lora":
        perturb_(lora_b(model), 0.1)
    kto = encode_kto(rows, tokenizer, 512)
    sft_step_(model, [k.seq for k in kto], lr=1e-2)
    weights = LossWeights(w_dpo=0, w_kto=1, beta_kto=BETA, desirable_weight=lam_d, undesirable_weight=lam_u)
    ours = our_trainer(model, tmp_path, weights, ref_model=ref, batch_size=len(rows), dataset=PreferenceDataset([], kto),
                       tokenizer=tokenizer)

    ours_batch, trl_batch = first_batch(ours), first_batch(theirs)  # TRL's: sequential, its KL dataset's batch
    for key in ("input_ids", "attention_mask", "completion_mask"):
        assert torch.equal(ours_batch[key], trl_batch[key]), key
        assert torch.equal(ours_batch[f"kl_{key}"], trl_batch[f"KL_{key}"]), f"KL {key}"
    assert ours_batch["kto_label"].tolist() == trl_batch["label"].tolist() == [True, False, True, False]

    loss, grads = loss_and_grads(ours, ours_batch)
    trl_loss, trl_grads = loss_and_grads(theirs, trl_batch)
    assert abs(loss.item() - trl_loss.item()) <= TOL
    mode = "train" if model.training else "eval"
    assert float(ours._z0[mode]) == pytest.approx(theirs._metrics[mode]["kl"][-1], abs=TOL)
    assert float(ours._z0[mode]) > 0  # z0 is not clamped away: the KL pairing matters
    assert_same_grads(grads, trl_grads)


# --- 3. per-pair weights ------------------------------------------------------------------------------

def test_weighted_pairs_are_normalised_by_the_pair_count(tokenizer, tmp_path):
    policy, ref, _ = models_for("full", tokenizer)
    pairs = encode_pairs(pair_rows(PAIRS[:2], weights=[1.0, 0.5]), tokenizer, 512)
    trainer = our_trainer(policy, tmp_path, LossWeights(w_dpo=1, beta_dpo=BETA, use_pair_weights=True), ref_model=ref,
                          tokenizer=tokenizer)
    batch = Collator(tokenizer.pad_token_id)(pairs)
    assert batch["pair_weight"].tolist() == [1.0, 0.5]
    with torch.no_grad():
        loss = trainer.compute_loss(policy, batch)

    chosen, rejected = [p.chosen for p in pairs], [p.rejected for p in pairs]
    margins = (logps(policy, chosen) - logps(ref, chosen)) - (logps(policy, rejected) - logps(ref, rejected))
    per_pair = -F.logsigmoid(BETA * margins)
    w = torch.tensor([1.0, 0.5])
    assert loss.item() == pytest.approx(((w * per_pair).sum() / len(w)).item(), abs=TOL)
    assert abs(per_pair.mean().item() - loss.item()) > 10 * TOL  # the weights change the result


@pytest.mark.parametrize("weight", [0.5, 0.1])
def test_a_lone_pair_weight_scales_its_gradient(tokenizer, tmp_path, weight):
    """One pair per micro-batch (batch size 1): w = 1.0, 0.5, 0.1 give gradients in that ratio, not the same one."""
    policy, ref, _ = models_for("full", tokenizer)
    trainer = our_trainer(policy, tmp_path, LossWeights(w_dpo=1, beta_dpo=BETA), ref_model=ref, tokenizer=tokenizer)
    grads = {}
    for w in (1.0, weight):
        batch = Collator(tokenizer.pad_token_id)(encode_pairs(pair_rows(PAIRS[:1], weights=[w]), tokenizer, 512))
        grads[w] = loss_and_grads(trainer, batch)[1]
    assert_same_grads({k: weight * g for k, g in grads[1.0].items()}, grads[weight])


# --- 3b. gradient accumulation = a larger batch ----------------------------------------------------------

def _accumulated(model, ref, tokenizer, tmp_path, dataset, weights, batch_size, accumulation):
    """Loss and gradients of one optimizer step through the Trainer's own path: get_batch_samples over the
    accumulation window, then training_step per micro-batch (gradients add up, as in Trainer.train)."""
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / f"ga{batch_size}x{accumulation}"), use_cpu=True, report_to="none", remove_unused_columns=False,
        per_device_train_batch_size=batch_size, gradient_accumulation_steps=accumulation, train_sampling_strategy="sequential")
    trainer = PreferenceTrainer(model=model, args=args, train_dataset=dataset, loss_weights=weights, ref_model=ref,
                                data_collator=Collator(tokenizer.pad_token_id, kl=False))
    model.zero_grad(set_to_none=True)
    batches, counts = trainer.get_batch_samples(iter(trainer.get_train_dataloader()), accumulation, trainer.args.device)
    assert len(batches) == accumulation
    loss = sum(trainer.training_step(model, batch, counts) for batch in batches)
    grads = {name: p.grad.detach().clone() for name, p in model.named_parameters() if p.requires_grad}
    model.zero_grad(set_to_none=True)
    return loss, grads, trainer


def test_accumulating_2x2_equals_one_batch_of_4_in_loss_and_gradients(tokenizer, tmp_path):
    """kto-dpo on [pair, pair, kto, kto]: 2 x 2 puts both pairs in the first micro-batch and none in the second,
    whose KTO rows are 2 of the 6; per-micro-batch means would weigh each term differently from 4 x 1.
    KL rows are off (z0 stays 0): z0 is estimated per micro-batch by design, the normalisation is what is tested."""
    policy, ref, _ = models_for("full", tokenizer)
    pairs = encode_pairs([dict(r, chosen_label=True, rejected_label=False) for r in pair_rows(PAIRS[:2], weights=[1.0, 0.5])],
                         tokenizer, 512)
    dataset = PreferenceDataset(pairs, encode_kto(kto_rows()[:2], tokenizer, 512))
    weights = LossWeights(w_dpo=1, w_kto=1, w_sft=0.3, beta_dpo=BETA, beta_kto=BETA, undesirable_weight=1.5)
    loss_4, grads_4, _ = _accumulated(policy, ref, tokenizer, tmp_path, dataset, weights, 4, 1)
    loss_2, grads_2, trainer = _accumulated(policy, ref, tokenizer, tmp_path, dataset, weights, 2, 2)
    assert abs(loss_2.item() - loss_4.item()) <= TOL
    assert_same_grads(grads_2, grads_4)
    logged = trainer._pooled_metrics("train")  # the logged terms are the window's means too
    assert logged["loss/dpo"] * 1 + logged["loss/kto"] + 0.3 * logged["loss/sft"] == pytest.approx(loss_4.item(), abs=TOL)


# --- 4. the combined objective and its logs -------------------------------------------------------------

def test_combined_loss_is_the_weighted_sum_of_separate_terms_and_logs_them(tokenizer, tmp_path):
    policy, ref, _ = models_for("full", tokenizer)
    policy.train()  # metrics go to the "train" bucket, as in trainer.train()
    pairs = encode_pairs(pair_rows(PAIRS[:2]), tokenizer, 512)  # unsafe_compliance, over_refusal
    kto = encode_kto(kto_rows(), tokenizer, 512)
    weights = LossWeights(w_dpo=1, w_kto=0.5, w_sft=0.2, beta_dpo=BETA, beta_kto=BETA, use_pair_weights=False)
    trainer = our_trainer(policy, tmp_path, weights, ref_model=ref, tokenizer=tokenizer)
    dataset = PreferenceDataset(pairs, kto)
    batch = Collator(tokenizer.pad_token_id)([dataset[i] for i in range(len(dataset))])  # 2 pairs + 4 KTO examples
    with torch.no_grad():
        loss = trainer.compute_loss(policy, batch)

    batch_pairs = pairs
    chosen, rejected = [p.chosen for p in batch_pairs], [p.rejected for p in batch_pairs]
    pc, rc, pr, rr = logps(policy, chosen), logps(ref, chosen), logps(policy, rejected), logps(ref, rejected)
    chosen_rewards, rejected_rewards = BETA * (pc - rc), BETA * (pr - rr)
    l_dpo = -F.logsigmoid(chosen_rewards - rejected_rewards).mean()
    l_sft = torch.stack([-pc[i] / len(c.completion_ids) for i, c in enumerate(chosen)]).mean()
    kl_seqs = [Encoded(k.seq.prompt_ids, kto[(i - 1) % len(kto)].seq.completion_ids) for i, k in enumerate(kto)]
    z0 = (logps(policy, kl_seqs) - logps(ref, kl_seqs)).mean().clamp(min=0)
    seqs, labels = [k.seq for k in kto], torch.tensor([k.label for k in kto])
    r = logps(policy, seqs) - logps(ref, seqs)
    l_kto = torch.where(labels, 1 - torch.sigmoid(BETA * (r - z0)), 1 - torch.sigmoid(BETA * (z0 - r))).mean()

    assert loss.item() == pytest.approx((1 * l_dpo + 0.5 * l_kto + 0.2 * l_sft).item(), abs=TOL)
    logged = {k: total / count for k, (total, count) in trainer._metrics["train"].items()}
    assert logged["loss/dpo"] == pytest.approx(l_dpo.item(), abs=TOL)
    assert logged["loss/kto"] == pytest.approx(l_kto.item(), abs=TOL)
    assert logged["loss/sft"] == pytest.approx(l_sft.item(), abs=TOL)
    assert logged["kl"] == pytest.approx(z0.item(), abs=TOL)
    accuracies = (chosen_rewards > rejected_rewards).float()
    assert logged["rewards/accuracies"] == pytest.approx(accuracies.mean().item())
    types = [p.pair_type for p in batch_pairs]
    for kind in ("unsafe_compliance", "over_refusal"):
        mask = torch.tensor([t == kind for t in types])
        assert logged[f"rewards/accuracies/{kind}"] == pytest.approx(accuracies[mask].mean().item())
    assert not any(k.startswith("rewards/accuracies/") and k.split("/")[-1] not in types for k in logged)
    for key in ("rewards/chosen", "rewards/rejected", "rewards/margins"):
        assert key in logged
    assert logged["rewards/chosen"] == pytest.approx(chosen_rewards.mean().item(), abs=TOL)


# --- 5. KL pairing never crosses into the same task --------------------------------------------------------

def _owner(row_ids, completion_mask, kto):
    """(task of the prompt, task of the completion) of one right-padded KL row."""
    positions = completion_mask.nonzero()[:, 0]
    start, end = int(positions[0]), int(positions[-1]) + 1
    prompt, completion = tuple(row_ids[:start].tolist()), tuple(row_ids[start:end].tolist())
    prompt_task = {k.task_id for k in kto if k.seq.prompt_ids == prompt}
    completion_task = {k.task_id for k in kto if k.seq.completion_ids == completion}
    assert len(prompt_task) == 1 and len(completion_task) == 1
    return prompt_task.pop(), completion_task.pop()


@pytest.mark.parametrize("tasks", [
    ["t1", "t1", "t2", "t2", "t3", "t3"],  # KTO items unpaired from chosen/rejected: siblings share a task
    ["a", "b", "a", "a", "b", "b"],  # no cyclic shift works: the group-ordered fallback
])
def test_kl_pairs_never_match_a_prompt_with_its_own_task(tokenizer, tasks):
    questions = {t: f"Patient question number {i}: what dose of metformin is usual?" for i, t in enumerate(dict.fromkeys(tasks))}
    kto = encode_kto([{"prompt": questions[t], "completion": f"Answer {i}: 500 mg twice daily with meals.", "label": i % 2 == 0,
                       "task_id": t} for i, t in enumerate(tasks)], tokenizer, 512)
    pairs = encode_pairs(pair_rows(PAIRS[:2]), tokenizer, 512)
    dataset = PreferenceDataset(pairs, kto)
    batch = Collator(tokenizer.pad_token_id)([dataset[i] for i in range(len(dataset))])
    assert len(batch["kl_input_ids"]) == len(kto)  # KL rows only for the KTO items, none for the pairs
    owners = [_owner(batch["kl_input_ids"][i], batch["kl_completion_mask"][i], kto) for i in range(len(kto))]
    assert [prompt for prompt, _ in owners] == tasks  # row i holds prompt i
    assert all(prompt != completion for prompt, completion in owners)
    # every completion is used once, as TRL's rotation does (the KL batch's y' are the batch's y)
    kl_completions = sorted(Collator.kl_sequences(kto)[i].completion_ids for i in range(len(kto)))
    assert kl_completions == sorted(k.seq.completion_ids for k in kto)
    # and TRL's +1 rotation would have paired some prompt with its own task here
    assert any(tasks[i] == tasks[(i - 1) % len(tasks)] for i in range(len(tasks)))
    assert mismatched_indices(tasks) != [(i - 1) % len(tasks) for i in range(len(tasks))]


def test_a_batch_dominated_by_one_task_drops_same_task_kl_pairs_and_keeps_z0(tokenizer, tmp_path):
    def item(task, i):
        return KTOExample(Encoded((100 + ord(task[-1]), 7, 8), (200 + i, 9)), i % 2 == 0, task)

    collate = Collator(tokenizer.pad_token_id)
    kto = [item(t, i) for i, t in enumerate(["t1", "t1", "t1", "t2"])]  # no full mismatch exists
    batch = collate(kto)
    owners = [_owner(batch["kl_input_ids"][i], batch["kl_completion_mask"][i], kto) for i in range(len(batch["kl_input_ids"]))]
    assert owners and all(prompt != completion for prompt, completion in owners)

    single = collate([item("t3", i) for i in range(3)])  # one task only: no KL pair at all
    assert "kl_input_ids" not in single
    policy, ref, _ = models_for("full", tokenizer)
    trainer = our_trainer(policy, tmp_path, LossWeights(w_dpo=0, w_kto=1), ref_model=ref, tokenizer=tokenizer)
    trainer._z0["eval"] = torch.tensor(0.123)
    with torch.no_grad():
        trainer.compute_loss(policy, batch)
        z0 = float(trainer._z0["eval"])
        trainer.compute_loss(policy, single)
    assert z0 != pytest.approx(0.123)  # a batch with cross-task rows re-estimates z0 ...
    assert float(trainer._z0["eval"]) == z0  # ... one without keeps the last estimate


# --- 6. a real 3-step train() ----------------------------------------------------------------------------

@pytest.mark.parametrize("objective, key, first", [
    (LossWeights(w_dpo=1, w_kto=0), "loss/dpo", math.log(2)),  # -log sigma(0)
    (LossWeights(w_dpo=0, w_kto=1), "loss/kto", 0.5),  # 1 - sigma(0), z0 = 0
])
def test_three_step_lora_training(tokenizer, tmp_path, objective, key, first):
    model = peft.get_peft_model(tiny_llama(tokenizer), peft.LoraConfig(r=4, lora_alpha=8, lora_dropout=0.05,
                                                                        target_modules="all-linear", task_type="CAUSAL_LM"))
    recipe = Recipe(training=TrainingConfig(max_steps=3, logging_steps=1, per_device_batch_size=2, learning_rate=1e-2))
    args = training_arguments(recipe, tmp_path, "cpu")
    assert args.use_cpu and args.remove_unused_columns is False and args.report_to in ("none", [], ["none"])
    args.disable_tqdm = True
    pairs = encode_pairs(pair_rows(), tokenizer, 512) if objective.w_dpo else []
    kto = encode_kto(kto_rows(), tokenizer, 512) if objective.w_kto else []
    trainer = PreferenceTrainer(model=model, args=args, train_dataset=PreferenceDataset(pairs, kto),
                                data_collator=Collator(tokenizer.pad_token_id, kl=objective.w_kto > 0),
                                processing_class=tokenizer, loss_weights=objective)
    before = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    result = trainer.train()

    assert trainer.state.global_step == 3 and math.isfinite(result.training_loss)
    logs = [entry for entry in trainer.state.log_history if key in entry]
    assert [entry["step"] for entry in logs] == [1, 2, 3]
    assert all(math.isfinite(entry["loss"]) and math.isfinite(entry[key]) for entry in logs)
    assert logs[0][key] == pytest.approx(first, abs=1e-4)  # LoRA B = 0: policy == reference at step 1
    assert logs[0]["loss"] == pytest.approx(first, abs=1e-4)
    if objective.w_kto:
        assert logs[0]["kl"] == 0.0
    else:
        assert logs[0]["rewards/margins"] == pytest.approx(0.0, abs=1e-6)
    assert any(not torch.equal(p, before[n]) for n, p in model.named_parameters() if p.requires_grad)
    assert logs[-1][key] != pytest.approx(first, abs=1e-4)  # the adapter moved the policy off the reference


def test_evaluation_keeps_its_own_z0(tokenizer, tmp_path):
    kto = [KTOExample(Encoded((100 + k, 7, 8), (200 + k, 9)), k % 2 == 0, f"t{k}") for k in range(4)]
    batch = Collator(tokenizer.pad_token_id)(kto)
    policy, ref, _ = models_for("full", tokenizer)
    trainer = our_trainer(policy, tmp_path, LossWeights(w_dpo=0, w_kto=1), ref_model=ref, tokenizer=tokenizer)
    with torch.no_grad():
        with torch.random.fork_rng():
            for p in policy.parameters():  # move the policy away from the reference: z0 > 0
                p.add_(0.05 * torch.randn_like(p))
        policy.eval()
        trainer.compute_loss(policy, batch)
    assert float(trainer._z0["eval"]) > 0
    assert float(trainer._z0["train"]) == 0.0


# --- 7. kto-dpo's shared forward: a pair side's KTO label costs no extra sequence ------------------------

def test_kto_labels_on_pair_sides_equal_the_same_answers_as_standalone_examples(tokenizer, tmp_path):
    """Labels riding on pairs (one forward over 2n rows) give the loss and gradients of the same answers
    fed as separate KTO rows (one forward over 4n rows); z0 held at 0 (no KL rows) so only the layout differs."""
    rows = pair_rows()
    labelled = [dict(r, chosen_label=True, rejected_label=False) for r in rows]
    shared = encode_pairs(labelled, tokenizer, 512)
    plain = encode_pairs(rows, tokenizer, 512)
    separate = [KTOExample(s, label, p.task_id) for p in plain for s, label in ((p.chosen, True), (p.rejected, False))]
    policy, ref, _ = models_for("full", tokenizer)
    weights = LossWeights(w_dpo=1, w_kto=1, beta_dpo=BETA, beta_kto=BETA, desirable_weight=1.0, undesirable_weight=1.2)
    trainer = our_trainer(policy, tmp_path, weights, ref_model=ref, tokenizer=tokenizer)
    collate = Collator(tokenizer.pad_token_id, kl=False)
    batch_shared, batch_separate = collate(shared), collate(plain + separate)
    assert batch_shared["input_ids"].shape[0] == 2 * len(rows) and batch_separate["input_ids"].shape[0] == 4 * len(rows)
    assert batch_shared["kto_index"].tolist() == list(range(2 * len(rows)))
    assert batch_shared["kto_label"].tolist() == [True] * len(rows) + [False] * len(rows)
    loss_a, grads_a = loss_and_grads(trainer, batch_shared)
    loss_b, grads_b = loss_and_grads(trainer, batch_separate)
    assert abs(loss_a.item() - loss_b.item()) <= TOL
    assert_same_grads(grads_a, grads_b)


def test_precomputed_reference_log_probs_give_the_same_loss(tokenizer, tmp_path):
    pairs = encode_pairs([dict(r, chosen_label=True, rejected_label=False) for r in pair_rows()], tokenizer, 512)
    policy, ref, _ = models_for("full", tokenizer)
    trainer = our_trainer(policy, tmp_path, LossWeights(w_dpo=1, w_kto=1), ref_model=ref, tokenizer=tokenizer)
    seqs = [s for p in pairs for s in (p.chosen, p.rejected)]
    table = {s: float(logps(ref, [s])[0]) for s in seqs}
    chosen = {p.chosen for p in pairs}
    live = Collator(tokenizer.pad_token_id)(pairs)
    cached = Collator(tokenizer.pad_token_id, reference=table)(pairs)
    assert cached["ref_logps"].shape == (2 * len(pairs),)
    with torch.no_grad():
        assert trainer.compute_loss(policy, cached).item() == pytest.approx(trainer.compute_loss(policy, live).item(), abs=TOL)
        wrong = Collator(tokenizer.pad_token_id, reference={s: v + 5.0 * (s in chosen) for s, v in table.items()})(pairs)
        assert abs(trainer.compute_loss(policy, wrong).item() - trainer.compute_loss(policy, live).item()) > 1e-3  # the table is used


# --- 8. dropout off by default, and TRL equivalence with the packaged recipes' own LoRA settings ---------------

def recipe_lora(name):
    """The LoraConfig ``run.prepare_model`` builds from a packaged recipe (dropout 0.05 included)."""
    from dpoclin.recipe import load_recipe

    p = load_recipe(name).peft
    assert p.method == "lora" and p.dropout > 0
    return peft.LoraConfig(r=p.r, lora_alpha=p.alpha, lora_dropout=p.dropout, target_modules=p.target_modules, task_type="CAUSAL_LM")


def restore_dropout_(model, p):
    """Undo TRL's own disable_dropout, so that only our trainer can switch LoRA dropout off."""
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = p


def test_training_forwards_have_no_dropout_unless_the_recipe_keeps_it(tokenizer, tmp_path):
    batch = Collator(tokenizer.pad_token_id)(encode_pairs(pair_rows(), tokenizer, 512))
    losses = {}
    for off in (True, False):
        model = peft.get_peft_model(tiny_llama(tokenizer), recipe_lora("kto-dpo"))
        perturb_(lora_b(model), 0.1)
        args = transformers.TrainingArguments(output_dir=str(tmp_path / str(off)), use_cpu=True, report_to="none",
                                              remove_unused_columns=False)
        trainer = PreferenceTrainer(model=model, args=args, data_collator=Collator(tokenizer.pad_token_id),
                                    loss_weights=LossWeights(w_dpo=1), dropout_off=off)
        model.train()
        with torch.no_grad():
            losses[off] = [trainer.compute_loss(model, batch).item() for _ in range(2)]
    assert losses[True][0] == losses[True][1]  # deterministic training forwards
    assert losses[False][0] != losses[False][1]  # training.disable_dropout: false keeps LoRA dropout


@pytest.mark.parametrize("recipe", ["dpo", "kto"])
def test_trl_equivalence_with_the_recipes_peft_settings_in_train_mode(tokenizer, tmp_path, recipe):
    base, config = tiny_llama(tokenizer), recipe_lora(recipe)
    if recipe == "dpo":
        rows = pair_rows()
        data = datasets.Dataset.from_list([{k: r[k] for k in ("prompt", "chosen", "rejected")} for r in rows])
        theirs = trl.DPOTrainer(model=base, args=trl_args(trl.DPOConfig, tmp_path, len(rows), loss_type="sigmoid"),
                                train_dataset=data, processing_class=tokenizer, peft_config=config)
        weights, dataset = LossWeights(w_dpo=1, beta_dpo=BETA, use_pair_weights=False), PreferenceDataset(encode_pairs(rows, tokenizer, 512), [])
    else:
        rows = kto_rows()
        data = datasets.Dataset.from_list([{k: r[k] for k in ("prompt", "completion", "label")} for r in rows])
        theirs = trl.KTOTrainer(model=base, args=trl_args(trl.KTOConfig, tmp_path, len(rows)), train_dataset=data,
                                processing_class=tokenizer, peft_config=config)
        weights, dataset = LossWeights(w_dpo=0, w_kto=1, beta_kto=BETA), PreferenceDataset([], encode_kto(rows, tokenizer, 512))
    model = theirs.model
    perturb_(lora_b(model), 0.1)
    restore_dropout_(model, config.lora_dropout)
    ours = our_trainer(model, tmp_path, weights, batch_size=len(rows), dataset=dataset, tokenizer=tokenizer)
    assert all(m.p == 0 for m in model.modules() if isinstance(m, torch.nn.Dropout))  # ours switched it off again
    model.train()  # as in Trainer.training_step: dropout would act here
    ours_batch, trl_batch = first_batch(ours), first_batch(theirs)
    loss, grads = loss_and_grads(ours, ours_batch)
    trl_loss, trl_grads = loss_and_grads(theirs, trl_batch)
    assert abs(loss.item() - trl_loss.item()) <= TOL
    assert_same_grads(grads, trl_grads)


# --- 9. evaluation micro-batches are a seeded shuffle ------------------------------------------------------------

def _eval_order(tokenizer, tmp_path, dataset, seed):
    args = transformers.TrainingArguments(output_dir=str(tmp_path / f"eval{seed}"), use_cpu=True, report_to="none",
                                          remove_unused_columns=False, per_device_eval_batch_size=2, seed=seed)
    trainer = PreferenceTrainer(model=tiny_llama(tokenizer), args=args, data_collator=Collator(tokenizer.pad_token_id),
                                loss_weights=LossWeights(w_dpo=0, w_kto=1))
    return [int(row[0]) - 100 for batch in trainer.get_eval_dataloader(dataset) for row in batch["input_ids"]]


def test_eval_micro_batches_are_shuffled_with_the_seed(tokenizer, tmp_path):
    """Eval data in file order: each task's answers together, so sequential micro-batches of 2 hold one task each."""
    kto = [KTOExample(Encoded((100 + i, 7), (8, 9)), i % 2 == 0, f"t{i // 2}") for i in range(12)]
    dataset = PreferenceDataset([], kto)
    order = _eval_order(tokenizer, tmp_path, dataset, 42)
    assert sorted(order) == list(range(12)) and order != list(range(12))
    assert order == _eval_order(tokenizer, tmp_path, dataset, 42)  # seeded: the same batches on every run and process
    assert order != _eval_order(tokenizer, tmp_path, dataset, 7)
    batches = [order[i:i + 2] for i in range(0, 12, 2)]
    assert any(a // 2 != b // 2 for a, b in batches)  # some micro-batch mixes tasks (sequential: none does)


# --- chunked log-probs (issue 11 item 5): the fused LM head, never the logits -----------------------------------

class LargestTensor(torch.utils._python_dispatch.TorchDispatchMode):
    """Records the largest tensor any op produces (forward and backward), in elements."""

    def __init__(self):
        super().__init__()
        self.largest = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in torch.utils._pytree.tree_leaves(out):
            if isinstance(t, torch.Tensor):
                self.largest = max(self.largest, t.numel())
        return out


def _long_completion_batch(tokenizer, rows=4, length=48):
    """Rows whose completion starts at position 2, so the logits of the old path would cover nearly every position."""
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(5, 1000, (rows, length), generator=gen)
    completion = torch.zeros(rows, length, dtype=torch.long)
    completion[:, 2:] = 1
    completion[1, 30:] = 0  # a shorter row, padded
    mask = torch.ones(rows, length, dtype=torch.long)
    mask[1, 30:] = 0
    return {"input_ids": ids, "attention_mask": mask, "completion_mask": completion}


@pytest.mark.parametrize("variant", ["full", "lora"])
def test_fused_log_probs_equal_the_logits_path_in_values_and_gradients(tokenizer, tmp_path, variant):
    from dpoclin.losses import sequence_logps
    from dpoclin.trainer import fuse_lm_head

    model = tiny_llama(tokenizer)
    perturb_(model.parameters(), 0.02)
    if variant == "lora":
        model = peft.get_peft_model(model, peft.LoraConfig(**LORA))
        perturb_(lora_b(model), 0.1)
    batch = _long_completion_batch(tokenizer)
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    expected = sequence_logps(logits.float(), batch["input_ids"], batch["completion_mask"])[0]
    expected.sum().backward()
    want = {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}
    model.zero_grad(set_to_none=True)
    fuse_lm_head(model)
    fuse_lm_head(model)  # idempotent: one head, not two
    got = PreferenceTrainer._logps(model, batch)
    got.sum().backward()
    assert torch.allclose(got, expected, atol=TOL, rtol=0)
    assert max((p.grad - want[n]).abs().max().item() for n, p in model.named_parameters() if p.requires_grad) <= TOL
    with torch.no_grad():  # the model's own forward (generation) is unchanged
        assert torch.equal(model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits,
                           logits.detach())


def test_no_tensor_as_large_as_the_logits_exists_in_forward_or_backward(tokenizer):
    from dpoclin.trainer import fuse_lm_head

    model = tiny_llama(tokenizer)
    fuse_lm_head(model)
    batch = _long_completion_batch(tokenizer)
    rows, positions = batch["input_ids"].shape
    logits_numel = rows * (positions - 2) * len(tokenizer)  # what the old path held (from the first completion token)
    with LargestTensor() as seen:
        PreferenceTrainer._logps(model, batch).sum().backward()
    # the fused head's tile is (tokens) x 32,768 vocabulary columns, against the 49,152-column logits
    assert seen.largest <= rows * (positions - 1) * 32768 < logits_numel, (seen.largest, logits_numel)


def test_a_deep_copy_of_a_model_with_the_head_answers_with_its_own_weights(tokenizer):
    from dpoclin.trainer import fuse_lm_head

    model = tiny_llama(tokenizer)
    fuse_lm_head(model)
    twin = copy.deepcopy(model)
    perturb_(twin.parameters(), 0.05)
    ids = torch.tensor([[5, 6, 7, 8]])
    with torch.no_grad():
        assert not torch.allclose(twin(input_ids=ids).logits, model(input_ids=ids).logits)
        fresh = copy.deepcopy(twin)
        assert torch.equal(fresh(input_ids=ids).logits, twin(input_ids=ids).logits)

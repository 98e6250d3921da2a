"""Training data: chat-templated encoding, truncation, micro-batch layout and KL pairs."""

from __future__ import annotations

import pytest
import torch

from dpoclin.data import Collator, Encoded, KTOExample, PairExample, PreferenceDataset, encode, link_kto, load_rows
from dpoclin.errors import DpoclinError


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from dpoclin.models import default_gguf_path

    path = default_gguf_path()
    return AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)


def test_encode_splits_the_rendered_chat_at_the_prompt(tokenizer):
    messages = [{"role": "system", "content": "You are a clinical assistant."}, {"role": "user", "content": "Max daily acetaminophen?"}]
    enc = encode(tokenizer, messages, [{"role": "assistant", "content": "4 g in healthy adults."}], max_length=512)
    full = tokenizer.apply_chat_template(messages + [{"role": "assistant", "content": "4 g in healthy adults."}], tokenize=False)
    assert tokenizer.decode(list(enc.prompt_ids) + list(enc.completion_ids)) == full
    assert tokenizer.decode(list(enc.completion_ids)).startswith("4 g in healthy adults.")
    assert tokenizer.decode(list(enc.prompt_ids)).endswith("<|im_start|>assistant\n")
    plain = encode(tokenizer, "Max daily acetaminophen?", "4 g in healthy adults.", max_length=512)
    assert plain.completion_ids == enc.completion_ids  # a string prompt is one user turn


def test_truncation_keeps_prompt_end_and_completion_start(tokenizer):
    long_prompt, long_answer = "word " * 300, "answer " * 300
    enc = encode(tokenizer, long_prompt, long_answer, max_length=64)
    assert len(enc.prompt_ids) + len(enc.completion_ids) == 64
    assert len(enc.completion_ids) >= 32
    assert tokenizer.decode(list(enc.prompt_ids)).endswith("<|im_start|>assistant\n")
    assert tokenizer.decode(list(enc.completion_ids)).startswith("answer answer")


def seq(p, c):
    return Encoded(tuple(p), tuple(c))


def test_collator_layout_masks_and_kl_pairs():
    pairs = [PairExample(seq([1, 2], [3]), seq([1, 2], [4, 5]), 0.5, "over_refusal", "t1"),
             PairExample(seq([6], [7, 8]), seq([6], [9]), 1.0, "unsafe_compliance", "t2")]
    kto = [KTOExample(seq([10], [11]), True, "a"), KTOExample(seq([12, 13], [14]), False, "a"),
           KTOExample(seq([15], [16, 17]), True, "b"), KTOExample(seq([18], [19]), False, "c")]
    items = [kto[0], pairs[0], kto[1], pairs[1], kto[2], kto[3]]  # any order: pairs first in the layout
    batch = Collator(pad_token_id=0)(items)
    assert int(batch["n_pairs"]) == 2
    # rows: chosen (2), rejected (2), kto (4); right-padded to the longest (4 tokens)
    assert batch["input_ids"].tolist() == [[1, 2, 3, 0], [6, 7, 8, 0], [1, 2, 4, 5], [6, 9, 0, 0],
                                           [10, 11, 0, 0], [12, 13, 14, 0], [15, 16, 17, 0], [18, 19, 0, 0]]
    assert batch["completion_mask"][2].tolist() == [0, 0, 1, 1]
    assert batch["attention_mask"][3].tolist() == [1, 1, 0, 0] and batch["completion_mask"][3].tolist() == [0, 1, 0, 0]
    assert batch["pair_weight"].tolist() == [0.5, 1.0] and batch["kto_label"].tolist() == [True, False, True, False]
    assert batch["pair_type"].tolist() == [0, 1]
    assert batch["kto_index"].tolist() == [4, 5, 6, 7]  # unlabelled pairs: only the standalone rows carry KTO labels
    assert_kl_cross_task(batch, kto, expected_rows=4)


def assert_kl_cross_task(batch, kto, expected_rows):
    task_of_prompt = {k.seq.prompt_ids: k.task_id for k in kto}
    task_of_completion = {k.seq.completion_ids: k.task_id for k in kto}
    assert batch["kl_input_ids"].shape[0] == expected_rows
    for ids, cm, am in zip(batch["kl_input_ids"].tolist(), batch["kl_completion_mask"].tolist(), batch["kl_attention_mask"].tolist()):
        n_prompt, n = cm.index(1), sum(am)
        assert task_of_prompt[tuple(ids[:n_prompt])] != task_of_completion[tuple(ids[n_prompt:n])]


def test_kl_drops_same_task_pairs_when_one_task_dominates():
    kto = [KTOExample(seq([1], [2]), True, "a"), KTOExample(seq([3], [4]), False, "a"), KTOExample(seq([5], [6]), True, "b")]
    batch = Collator(0)(kto)
    assert_kl_cross_task(batch, kto, expected_rows=2)  # the cyclic shift pairs item 1 with item 0 (same task): dropped
    single = Collator(0)(kto[:2])
    assert "kl_input_ids" not in single  # one task only: no KL rows, the trainer keeps its last z0
    assert "kl_input_ids" not in Collator(0, kl=False)(kto)


def test_dataset_visits_each_example_once_and_lists_distinct_sequences():
    shared = seq([1], [2])
    pairs = [PairExample(shared, seq([1], [3, 4, 5]), 1.0, "preference", f"p{i}") for i in range(2)]
    kto = [KTOExample(seq([6, 7], [8]), True, f"k{i}") for i in range(3)]
    ds = PreferenceDataset(pairs, kto)
    assert len(ds) == 5 and ds[1] is pairs[1] and ds[4] is kto[2]
    assert ds.lengths == [4, 4, 3, 3, 3]
    assert ds.sequences() == [shared, seq([1], [3, 4, 5]), seq([6, 7], [8])]
    with pytest.raises(DpoclinError, match="no training examples"):
        PreferenceDataset([], [])


def _pair_row(task, cid, rid, chosen="good", rejected="bad"):
    return {"prompt": "q", "chosen": [{"role": "assistant", "content": chosen}], "rejected": rejected,
            "task_id": task, "chosen_id": cid, "rejected_id": rid}


def _kto_row(task, rid, text, label):
    return {"prompt": "q", "completion": [{"role": "assistant", "content": text}], "label": label, "task_id": task, "response_id": rid}


def test_link_kto_puts_labels_on_the_first_pair_with_that_answer():
    pairs = [_pair_row("t1", "a", "b"), _pair_row("t1", "a", "c", rejected="worse"), _pair_row("t2", "a", "b")]
    kto = [_kto_row("t1", "a", "good", True), _kto_row("t1", "c", "worse", False), _kto_row("t1", "d", "other", True),
           _kto_row("t2", "b", "edited text", False), {"prompt": "q", "completion": "x", "label": True, "task_id": "t2"}]
    linked, standalone = link_kto(pairs, kto)
    assert linked[0]["chosen_label"] is True and "rejected_label" not in linked[0]  # t1/b has no KTO row
    assert "chosen_label" not in linked[1] and linked[1]["rejected_label"] is False  # t1/a used once, on the first pair
    assert "rejected_label" not in linked[2]  # same id, different text: not the same answer
    assert standalone == [kto[2], kto[3], kto[4]]  # no pair side, text mismatch, no response_id
    assert "chosen_label" not in pairs[0]  # inputs untouched


def test_kl_samples_keeps_an_even_spread_of_cross_task_rows():
    pairs = [PairExample(seq([10 + i], [20 + i]), seq([10 + i], [30 + i]), 1.0, "preference", f"t{i}", True, False) for i in range(4)]
    full = Collator(0)(pairs)
    assert full["kto_index"].tolist() == list(range(8)) and full["kl_input_ids"].shape[0] == 8
    two = Collator(0, kl_samples=2)(pairs)
    rows = [tuple(r[r != 0].tolist()) for r in two["kl_input_ids"]]
    assert len(rows) == 2
    assert {r[1] // 10 for r in rows} == {2, 3}  # one chosen (2x) and one rejected (3x) completion
    assert all(r[0] % 10 != r[1] % 10 for r in rows)  # never a prompt with its own task's answer


def test_load_rows_filters_split_and_names_bad_lines(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"split": "train", "x": 1}\n{"split": "test", "x": 2}\n')
    assert [r["x"] for r in load_rows(path, "train")] == [1]
    assert len(load_rows(path, None)) == 2
    path.write_text('{"split": "train"}\n{oops\n')
    with pytest.raises(DpoclinError, match=r"pairs\.jsonl:2"):
        load_rows(path, "train")
    with pytest.raises(DpoclinError, match="build-pairs"):
        load_rows(tmp_path / "missing.jsonl", "train")


# --- truncation: one prompt per pair, the template never cut ---------------------------------------------

SYSTEM = "You are a clinical assistant for an endocrinology service."
LONG_QUESTION = "START " + "history of present illness " * 60 + "what is the next step in DKA management? END"


def _pair_sides(tokenizer, max_length, max_prompt_length=None, chosen="Start insulin.", rejected="Wait. " * 200):
    from dpoclin.data import encode_pairs

    row = {"prompt": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": LONG_QUESTION}],
           "chosen": [{"role": "assistant", "content": chosen}], "rejected": [{"role": "assistant", "content": rejected}],
           "task_id": "t1", "weight": 1.0}
    return encode_pairs([row], tokenizer, max_length, max_prompt_length)


def test_both_sides_of_a_pair_see_the_same_prompt_and_the_template_head_and_tail_stay(tokenizer):
    [pair] = _pair_sides(tokenizer, max_length=128)
    assert pair.chosen.prompt_ids == pair.rejected.prompt_ids  # a short and a long answer: one prompt
    prompt = tokenizer.decode(list(pair.chosen.prompt_ids))
    assert prompt.startswith(f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\nSTART")  # head kept, user text starts
    assert prompt.endswith("END<|im_end|>\n<|im_start|>assistant\n")  # the question's end and the assistant header kept
    assert "history" in prompt and len(pair.chosen.prompt_ids) < 128 // 2 + 1
    for side in (pair.chosen, pair.rejected):
        assert len(side) <= 128
    assert len(pair.rejected.completion_ids) >= 128 // 2  # the long answer keeps at least half
    assert tokenizer.decode(list(pair.chosen.completion_ids)).startswith("Start insulin.")


def test_max_prompt_length_is_applied(tokenizer):
    [free] = _pair_sides(tokenizer, max_length=400, rejected="No.")
    [capped] = _pair_sides(tokenizer, max_length=400, max_prompt_length=48, rejected="No.")
    assert len(free.chosen.prompt_ids) > 48  # without the cap this prompt fits max_length whole
    assert len(capped.chosen.prompt_ids) == 48 == len(capped.rejected.prompt_ids)
    text = tokenizer.decode(list(capped.chosen.prompt_ids))
    assert text.startswith("<|im_start|>system\n") and text.endswith("<|im_start|>assistant\n")


def test_a_prompt_whose_template_alone_cannot_fit_is_dropped_and_counted(tokenizer):
    from dpoclin.data import fit_kto, fit_pairs

    ok = {"prompt": "Max daily paracetamol?", "chosen": "4 g.", "rejected": "No limit.", "task_id": "a"}
    huge = {"prompt": [{"role": "system", "content": "Guideline text. " * 80}, {"role": "user", "content": "Dose?"}],
            "chosen": "4 g.", "rejected": "No limit.", "task_id": "b"}
    pairs, dropped = fit_pairs([ok, huge], tokenizer, max_length=64)
    assert [p.task_id for p in pairs] == ["a"] and dropped == 1
    kto, dropped_kto = fit_kto([{"prompt": huge["prompt"], "completion": "4 g.", "label": True, "task_id": "b"}], tokenizer, 64)
    assert kto == [] and dropped_kto == 1


def test_kl_rows_respect_max_length():
    kto = [KTOExample(seq([1, 2, 3, 4, 5], [6]), True, "a"), KTOExample(seq([7], [8, 9, 10, 11, 12, 13, 14]), False, "b"),
           KTOExample(seq([15, 16, 17, 18, 19, 20], [21]), True, "c")]
    batch = Collator(0, max_length=8)(kto)
    widths = batch["kl_attention_mask"].sum(-1).tolist()
    assert len(widths) == 3 and max(widths) <= 8
    assert max(widths) == 8  # the 6-token prompt borrows the 7-token completion, cut to 2
    assert Collator(0)(kto)["kl_attention_mask"].sum(-1).max() == 13  # uncut without max_length

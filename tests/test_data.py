"""Training data: chat-templated encoding, truncation, micro-batch layout and KL pairs."""

from __future__ import annotations

import pytest
import torch

from dpoclin.data import Collator, Encoded, KTOExample, MixedDataset, PairExample, encode, load_rows
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
    items = [{"pair": pairs[0], "kto": kto[0]}, {"pair": pairs[1], "kto": kto[1]}, {"pair": None, "kto": kto[2]}, {"pair": None, "kto": kto[3]}]
    batch = Collator(pad_token_id=0)(items)
    assert int(batch["n_pairs"]) == 2
    # rows: chosen (2), rejected (2), kto (4); right-padded to the longest (4 tokens)
    assert batch["input_ids"].tolist() == [[1, 2, 3, 0], [6, 7, 8, 0], [1, 2, 4, 5], [6, 9, 0, 0],
                                           [10, 11, 0, 0], [12, 13, 14, 0], [15, 16, 17, 0], [18, 19, 0, 0]]
    assert batch["completion_mask"][2].tolist() == [0, 0, 1, 1]
    assert batch["attention_mask"][3].tolist() == [1, 1, 0, 0] and batch["completion_mask"][3].tolist() == [0, 1, 0, 0]
    assert batch["pair_weight"].tolist() == [0.5, 1.0] and batch["kto_label"].tolist() == [True, False, True, False]
    assert batch["pair_type"].tolist() == [0, 1]
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
    batch = Collator(0)([{"pair": None, "kto": k} for k in kto])
    assert_kl_cross_task(batch, kto, expected_rows=2)  # the cyclic shift pairs item 1 with item 0 (same task): dropped
    single = Collator(0)([{"pair": None, "kto": k} for k in kto[:2]])
    assert "kl_input_ids" not in single  # one task only: no KL rows, the trainer keeps its last z0
    assert "kl_input_ids" not in Collator(0, kl=False)([{"pair": None, "kto": k} for k in kto])


def test_mixed_dataset_cycles_the_smaller_side():
    pairs = [PairExample(seq([1], [2]), seq([1], [3]), 1.0, "preference", f"p{i}") for i in range(2)]
    kto = [KTOExample(seq([1], [2]), True, f"k{i}") for i in range(5)]
    ds = MixedDataset(pairs, kto)
    assert len(ds) == 5 and ds[3]["pair"] is pairs[1] and ds[4]["kto"] is kto[4]
    assert MixedDataset([], kto)[0]["pair"] is None
    with pytest.raises(DpoclinError, match="no training examples"):
        MixedDataset([], [])


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

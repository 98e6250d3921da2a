"""The reference log-prob cache key: everything the cached numbers depend on changes it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from dpoclin.data import Encoded
from dpoclin.recipe import apply_overrides, load_recipe
from dpoclin.reference import cache_key
from dpoclin.run import reference_cache_parts

SEQS = [Encoded((1, 2), (3,)), Encoded((4,), (5, 6))]
MANIFEST = {"files": {"pairs": {"sha256": "ab" * 32}}}


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model_dir)


def fake_model(dtype=torch.float32, attn="sdpa"):
    return SimpleNamespace(dtype=dtype, config=SimpleNamespace(_attn_implementation=attn))


def key(recipe, tokenizer, model=None, bf16=False, fp16=False):
    parts = reference_cache_parts(recipe, tokenizer, MANIFEST, "cpu", model or fake_model(), SimpleNamespace(bf16=bf16, fp16=fp16))
    return parts, cache_key(parts, SEQS)


def test_the_key_records_the_resolved_dtype_not_auto(tiny_model_dir, tokenizer):
    recipe = apply_overrides(load_recipe("kto-dpo"), [f"model.name={tiny_model_dir}", "model.dtype=auto"])
    parts, _ = key(recipe, tokenizer, fake_model(torch.bfloat16))
    assert parts["dtype"] == "torch.bfloat16"
    assert parts["attn_implementation"] == "sdpa" and parts["bf16"] is False and parts["fp16"] is False
    assert parts["versions"]["torch"] == str(torch.__version__) and parts["versions"]["transformers"]


def test_changing_dtype_precision_attention_or_library_versions_changes_the_key(tiny_model_dir, tokenizer, monkeypatch):
    import transformers

    recipe = apply_overrides(load_recipe("kto-dpo"), [f"model.name={tiny_model_dir}"])
    _, base = key(recipe, tokenizer)
    assert key(recipe, tokenizer)[1] == base  # nothing changed: the same file is reused
    variants = {
        "dtype": key(recipe, tokenizer, fake_model(torch.bfloat16))[1],
        "bf16": key(recipe, tokenizer, bf16=True)[1],
        "fp16": key(recipe, tokenizer, fp16=True)[1],
        "attention": key(recipe, tokenizer, fake_model(attn="eager"))[1],
    }
    monkeypatch.setattr(torch, "__version__", "0.0.1")
    variants["torch"] = key(recipe, tokenizer)[1]
    monkeypatch.undo()
    monkeypatch.setattr(transformers, "__version__", "0.0.1")
    variants["transformers"] = key(recipe, tokenizer)[1]
    for name, value in variants.items():
        assert value != base, name
    assert len(set(variants.values())) == len(variants)

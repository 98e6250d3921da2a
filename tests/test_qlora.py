"""QLoRA (issue 11 item 2): a 4-bit NF4 base through BitsAndBytesConfig + prepare_model_for_kbit_training on CUDA;
a one-line error naming the fix without it. Nothing here needs a GPU: the loading call is checked by what it passes
to ``from_pretrained``, and the wrapping on a full-precision tiny model."""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace

import pytest
import torch
from conftest import invoke

from dpoclin import models, run
from dpoclin.errors import DpoclinError
from dpoclin.recipe import apply_overrides, load_recipe
from dpoclin.reference import cache_key


def test_nf4_config_is_qlora_s_double_quantised_nf4_in_the_compute_dtype():
    config = models.nf4_config(torch.bfloat16)
    assert config.load_in_4bit and not config.load_in_8bit
    assert config.bnb_4bit_quant_type == "nf4" and config.bnb_4bit_use_double_quant
    assert config.bnb_4bit_compute_dtype == torch.bfloat16


def test_without_a_gpu_qlora_is_one_line_naming_lora(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DpoclinError, match="needs a CUDA GPU .* use --set peft.method=lora") as err:
        models.check_4bit_support()
    assert "\n" not in str(err.value)


def test_without_bitsandbytes_qlora_names_the_package(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "bitsandbytes" else real(name, *a))
    with pytest.raises(DpoclinError, match="pip install bitsandbytes"):
        models.check_4bit_support()


def test_a_4bit_load_passes_the_nf4_config_and_places_the_model_as_it_loads(tiny_model_dir, monkeypatch):
    from transformers import AutoModelForCausalLM

    seen = {}
    load = AutoModelForCausalLM.from_pretrained

    def spy(path, **kwargs):
        seen.update(kwargs)
        return load(path, **{k: v for k, v in kwargs.items() if k not in ("quantization_config", "device_map")})

    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", spy)
    models.load_model_and_tokenizer(str(tiny_model_dir), dtype="bfloat16", device="cpu", quantize_4bit=True)
    assert seen["quantization_config"].bnb_4bit_quant_type == "nf4" and seen["device_map"] == {"": "cpu"}
    assert seen["quantization_config"].bnb_4bit_compute_dtype == torch.bfloat16 == seen["dtype"]
    seen.clear()
    models.load_model_and_tokenizer(str(tiny_model_dir), device="cpu")
    assert "quantization_config" not in seen and "device_map" not in seen  # plain loads are unchanged


def test_prepare_model_wraps_a_4bit_base_for_kbit_training_then_lora(tiny_model_dir, monkeypatch):
    import peft

    calls = []
    loader = models.load_model_and_tokenizer
    monkeypatch.setattr(models, "check_4bit_support", lambda: calls.append("checked"))
    monkeypatch.setattr(models, "load_model_and_tokenizer",
                        lambda name, quantize_4bit=False, **kw: (calls.append(("4bit", quantize_4bit)), loader(name, **kw))[1])
    kbit = peft.prepare_model_for_kbit_training
    monkeypatch.setattr(peft, "prepare_model_for_kbit_training",
                        lambda model, **kw: (calls.append(("kbit", kw["use_gradient_checkpointing"])), kbit(model, **kw))[1])
    recipe = apply_overrides(load_recipe("kto-dpo"), [f"model.name={tiny_model_dir}", "peft.method=qlora",
                                                      "training.gradient_checkpointing=true"])
    model, _, ref = run.prepare_model(recipe)
    assert calls == ["checked", ("4bit", True), ("kbit", True)] and ref is None
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n for n in trainable)  # the base stays frozen


def test_qlora_on_a_cpu_machine_stops_before_loading(tiny_model_dir, tiny_data_dir, tmp_path):
    result = invoke(["train", "--recipe", "kto-dpo", "--model", tiny_model_dir, "--data", tiny_data_dir,
                     "--out", tmp_path / "run", "--set", "peft.method=qlora"])
    assert result.exit_code == 2 and "use --set peft.method=lora" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "run").exists()


def test_the_reference_cache_key_knows_a_4bit_base(tiny_model_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    fake = SimpleNamespace(dtype=torch.bfloat16, config=SimpleNamespace(_attn_implementation="sdpa"))
    manifest, args = {"files": {"pairs": {"sha256": "ab" * 32}}}, SimpleNamespace(bf16=True, fp16=False)
    keys = {}
    for method in ("lora", "qlora"):
        recipe = apply_overrides(load_recipe("kto-dpo"), [f"model.name={tiny_model_dir}", f"peft.method={method}"])
        keys[method] = cache_key(run.reference_cache_parts(recipe, tokenizer, manifest, "cuda", fake, args), [])
    assert keys["lora"] != keys["qlora"]

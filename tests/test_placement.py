"""Placement per local rank (issue 11 item 3): the model loads after the process group exists, onto this process's
device; under ZeRO-3 from_pretrained's shards stay where zero.Init put them, and a full fine-tune's reference is
loaded (sharded) again rather than deep-copied; the reference is prepared like the policy (DeepSpeed, FSDP, or
moved to the device). No GPU and no DeepSpeed here: the wiring is checked by what each step is handed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from conftest import invoke

from dpoclin import models, run
from dpoclin.recipe import apply_overrides, load_recipe
from dpoclin.trainer import PreferenceTrainer


def test_train_loads_the_model_after_the_process_state_onto_its_device(tiny_model_dir, tiny_data_dir, tmp_path,
                                                                        monkeypatch):
    from accelerate.state import PartialState

    seen = []
    original = run.prepare_model

    def spy(recipe, device=None):
        seen.append((bool(PartialState._shared_state), device))
        return original(recipe, device=device)

    monkeypatch.setattr(run, "prepare_model", spy)
    PartialState._reset_state()  # as in a fresh process
    result = invoke(["train", "--recipe", "kto-dpo", "--model", tiny_model_dir, "--data", tiny_data_dir, "--out",
                     tmp_path / "run", "--max-steps", "1", "--set", "eval.enabled=false", "--set", "model.max_length=64"])
    assert result.exit_code == 0, result.output
    assert seen == [(True, str(PartialState().device))]  # the state existed; the model went to its device


def test_a_zero3_load_keeps_its_shards_where_they_are(tiny_model_dir, monkeypatch):
    model, _ = models.load_model_and_tokenizer(str(tiny_model_dir), device="meta")
    assert next(model.parameters()).device.type == "meta"  # plain loads are moved to the device asked for
    monkeypatch.setattr(models, "zero3_enabled", lambda: True)
    model, _ = models.load_model_and_tokenizer(str(tiny_model_dir), device="meta")
    assert next(model.parameters()).device.type == "cpu"  # zero.Init placed them: no .to() on partitioned weights


def test_a_full_fine_tune_reference_under_zero3_is_loaded_again_not_copied(tiny_model_dir, monkeypatch):
    recipe = apply_overrides(load_recipe("kto-dpo"), [f"model.name={tiny_model_dir}", "peft.method=none"])
    monkeypatch.setattr(models, "zero3_enabled", lambda: True)
    monkeypatch.setattr(run, "copy", SimpleNamespace(deepcopy=lambda *a, **k: pytest.fail("deepcopy of ZeRO-3 shards")))
    model, _, ref = run.prepare_model(recipe, device="cpu")
    assert ref is not model and not any(p.requires_grad for p in ref.parameters())
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), ref.state_dict().values()))


@pytest.mark.parametrize("backend", ["deepspeed", "fsdp", "plain"])
def test_the_reference_is_prepared_like_the_policy(backend, monkeypatch):
    import trl.models

    calls = []
    accelerator = SimpleNamespace(prepare_model=lambda m, evaluation_mode: calls.append(("plain", evaluation_mode)) or m)
    monkeypatch.setattr(trl.models, "prepare_deepspeed", lambda m, acc: calls.append(("deepspeed", acc)) or m)
    monkeypatch.setattr(trl.models, "prepare_fsdp", lambda m, acc: calls.append(("fsdp", acc)) or m)
    trainer = SimpleNamespace(is_deepspeed_enabled=backend == "deepspeed", is_fsdp_enabled=backend == "fsdp",
                              accelerator=accelerator)
    ref = torch.nn.Linear(2, 2)
    assert PreferenceTrainer._prepare_reference(trainer, ref) is ref
    assert calls == [(backend, True if backend == "plain" else accelerator)]

"""Batched, cached generation (dpoclin.generation) on tiny float32 models: seconds on CPU, no network.

The shared ``tiny_model_dir`` Llama ties its embeddings at a small init, so it answers every prompt with
the same newline token -- useless for telling batches apart.  ``lively_dir`` is the same shape, untied and
at a larger init: its greedy outputs differ by prompt and break visibly under right padding or a missing
attention mask, which is what the batching tests need.
"""

from __future__ import annotations

import json
import sys
import types

import pytest
import torch
import transformers

from conftest import save_tiny_llama

from dpoclin import generation as gen
from dpoclin.errors import DpoclinError
from dpoclin.eval_inputs import EvalPrompt
from dpoclin.generation import GenerationSettings, ResponseCache

PROMPTS = [
    "Hi",
    "Is chest pain at rest an emergency?",
    "What is the usual adult dose of amoxicillin for acute otitis media in an otherwise healthy patient?",
    "Does amoxicillin help a viral sore throat?",
    "How much paracetamol can an adult take per day?",
]
GREEDY = GenerationSettings(max_new_tokens=12, batch_size=8)


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    return transformers.AutoTokenizer.from_pretrained(tiny_model_dir)


@pytest.fixture(scope="module")
def lively_dir(tmp_path_factory, tokenizer):
    """A seeded 2-layer Llama (untied, init 0.1) + the real tokenizer, saved as safetensors."""
    out = tmp_path_factory.mktemp("lively-llama")
    save_tiny_llama(out, tokenizer, tie_word_embeddings=False, initializer_range=0.1)
    return out


@pytest.fixture(scope="module")
def model(lively_dir):
    model, _ = gen.load_for_generation(lively_dir, dtype="float32", backend="hf")
    assert model.dtype == torch.float32
    return model


@pytest.fixture
def spy(model, monkeypatch):
    """Records the ``input_ids``/``attention_mask`` of every ``model.generate`` call."""
    calls = []
    real = model.generate

    def wrapper(**kwargs):
        calls.append({"input_ids": kwargs["input_ids"].clone(), "attention_mask": kwargs["attention_mask"].clone()})
        return real(**kwargs)

    monkeypatch.setattr(model, "generate", wrapper, raising=False)
    return calls


def generated_rows(calls) -> int:
    return sum(c["input_ids"].shape[0] for c in calls)


def one_at_a_time(model, tokenizer, prompts, settings=GREEDY):
    return [gen.generate(model, tokenizer, [p], settings)[0] for p in prompts]


# ----------------------------------------------------------------------------- batching


def test_batched_greedy_equals_one_prompt_at_a_time(model, tokenizer):
    lengths = {len(gen.encode(tokenizer, gen.render_prompt(tokenizer, p))) for p in PROMPTS}
    assert len(lengths) == len(PROMPTS)  # all different: the batch really pads
    batched = gen.generate(model, tokenizer, PROMPTS, GREEDY)
    assert batched == one_at_a_time(model, tokenizer, PROMPTS)
    assert all(batched) and len(set(batched)) == len(PROMPTS)  # non-trivial, prompt-dependent answers


def test_batches_are_left_padded_longest_first(model, tokenizer, spy):
    pad = tokenizer.pad_token_id
    side = tokenizer.padding_side
    gen.generate(model, tokenizer, PROMPTS, GenerationSettings(max_new_tokens=4, batch_size=2))
    assert tokenizer.padding_side == side  # restored
    assert [c["input_ids"].shape[0] for c in spy] == [2, 2, 1]
    widths = [c["input_ids"].shape[1] for c in spy]
    assert widths == sorted(widths, reverse=True)
    for call in spy:
        mask, ids = call["attention_mask"], call["input_ids"]
        assert bool(mask[:, -1].all())  # every row ends with a real token: padding is on the left
        assert bool((ids[mask == 0] == pad).all())
    assert int((spy[0]["attention_mask"] == 0).sum()) > 0  # the first batch did pad


def test_order_is_the_input_order(model, tokenizer):
    expected = dict(zip(PROMPTS, one_at_a_time(model, tokenizer, PROMPTS)))
    shuffled = [PROMPTS[i] for i in (3, 0, 4, 2, 1)]
    assert gen.generate(model, tokenizer, shuffled, GenerationSettings(max_new_tokens=12, batch_size=2)) == [
        expected[p] for p in shuffled]


def test_sorting_and_chunking_helpers():
    assert gen.longest_first([1, 3, 2, 3]) == [1, 3, 2, 0]
    assert list(gen.batches([4, 2, 0, 1, 3], 2)) == [[4, 2], [0, 1], [3]]
    assert gen.first_missing(["a", "b", "a", "c"], {"b": "x"}) == [0, 3]


def test_eval_prompt_and_string_render_the_same(tokenizer):
    ep = EvalPrompt("e1", (("user", PROMPTS[1]),), "benign", "triage", "f:1")
    assert gen.render_prompt(tokenizer, ep) == gen.render_prompt(tokenizer, PROMPTS[1])
    with_system = EvalPrompt("e2", (("system", "Be brief."), ("user", PROMPTS[1])), "benign", "triage", "f:2")
    rendered = gen.render_prompt(tokenizer, with_system)
    assert "Be brief." in rendered and rendered.rstrip().endswith("assistant")


def test_duplicates_are_generated_once(model, tokenizer, spy):
    out = gen.generate(model, tokenizer, [PROMPTS[0], PROMPTS[1], PROMPTS[0]], GREEDY)
    assert generated_rows(spy) == 2 and out[0] == out[2]


def test_sampling_with_the_same_seed_reproduces(model, tokenizer):
    sample = GenerationSettings(max_new_tokens=12, do_sample=True, seed=7)
    state = torch.get_rng_state()
    first = gen.generate(model, tokenizer, PROMPTS, sample)
    assert torch.equal(torch.get_rng_state(), state)  # the caller's RNG is untouched
    assert gen.generate(model, tokenizer, PROMPTS, sample) == first
    other = gen.generate(model, tokenizer, PROMPTS, GenerationSettings(max_new_tokens=12, do_sample=True, seed=8))
    assert other != first
    assert first != gen.generate(model, tokenizer, PROMPTS, GREEDY)


def test_progress_counts_every_prompt(model, tokenizer, tmp_path):
    cache = ResponseCache("fp", GREEDY, root=tmp_path)
    gen.generate(model, tokenizer, PROMPTS[:2], GREEDY, cache=cache)
    seen: list[int] = []
    gen.generate(model, tokenizer, PROMPTS, GenerationSettings(max_new_tokens=4, batch_size=2), cache=cache,
                 progress=seen.append)
    assert seen[0] == 2 and sum(seen) == len(PROMPTS)  # cached ones first, then per batch

    bar = gen.ProgressBar(total=len(PROMPTS))
    with bar:
        gen.generate(model, tokenizer, PROMPTS, GenerationSettings(max_new_tokens=4, batch_size=2), progress=bar)
    assert bar.tokens > 0 and bar._progress.tasks[0].completed == len(PROMPTS)
    with gen.progress_bar(3, enabled=False) as off:
        assert off is None


# ----------------------------------------------------------------------------- cache


def test_a_second_call_generates_nothing(model, tokenizer, spy, tmp_path):
    first = gen.generate(model, tokenizer, PROMPTS, GREEDY, cache=ResponseCache("fp", GREEDY, root=tmp_path))
    assert generated_rows(spy) == len(PROMPTS)
    files = list((tmp_path / "generations").glob("*.jsonl"))
    assert len(files) == 1
    lines = [json.loads(x) for x in files[0].read_text().splitlines()]
    assert sorted(x["key"] for x in lines) == sorted(gen.prompt_key(gen.render_prompt(tokenizer, p)) for p in PROMPTS)
    spy.clear()
    again = gen.generate(model, tokenizer, PROMPTS, GREEDY, cache=ResponseCache("fp", GREEDY, root=tmp_path))
    assert again == first and spy == []


def test_an_interrupted_cache_resumes_with_only_the_missing_prompts(model, tokenizer, spy, tmp_path):
    full = gen.generate(model, tokenizer, PROMPTS, GREEDY, cache=ResponseCache("fp", GREEDY, root=tmp_path))
    path = ResponseCache("fp", GREEDY, root=tmp_path).path
    data = path.read_bytes()
    path.write_bytes(data[: data.rstrip(b"\n").rfind(b"\n") + 1 + 10])  # a kill mid-way through the last line
    cache = ResponseCache("fp", GREEDY, root=tmp_path)
    assert len(cache) == len(PROMPTS) - 1
    spy.clear()
    assert gen.generate(model, tokenizer, PROMPTS, GREEDY, cache=cache) == full
    assert generated_rows(spy) == 1
    lines = path.read_bytes().splitlines()
    assert len(lines) == len(PROMPTS) and all(json.loads(x) for x in lines)  # the torn line was cut, not joined


def test_cache_files_are_per_fingerprint_and_settings(tmp_path):
    def path(fp="fp", **kw):
        return ResponseCache(fp, GenerationSettings(**kw), root=tmp_path).path

    assert path().parent == tmp_path / "generations" and path().suffix == ".jsonl"
    assert path() == path()
    assert path("other") != path()
    assert path(max_new_tokens=64) != path()
    assert path(do_sample=True) != path() and path(do_sample=True, seed=1) != path(do_sample=True)
    assert path(do_sample=True, temperature=0.7) != path(do_sample=True)
    assert path(batch_size=2) == path()  # throughput only
    assert path(temperature=0.7) == path()  # no effect when greedy


def test_a_corrupt_cache_line_is_an_error(tmp_path):
    path = ResponseCache("fp", GREEDY, root=tmp_path).path
    path.parent.mkdir(parents=True)
    path.write_text('{"key": "a", "response": "x"}\nnot json\n{"key": "b", "response": "y"}\n')
    with pytest.raises(DpoclinError, match=r":2: corrupt generation cache line"):
        ResponseCache("fp", GREEDY, root=tmp_path)


def test_cache_root_defaults_to_the_dpoclin_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DPOCLIN_CACHE", str(tmp_path))
    assert ResponseCache("fp", GREEDY).path.parent == tmp_path / "generations"


# ----------------------------------------------------------------------------- loading


@pytest.fixture(scope="module")
def adapter_run(lively_dir, tmp_path_factory):
    """A train-style run dir: LoRA adapter (random B, so it changes the outputs) + tokenizer; and the
    in-memory adapted model it was saved from."""
    from peft import LoraConfig, get_peft_model

    base = transformers.AutoModelForCausalLM.from_pretrained(lively_dir, dtype=torch.float32)
    peft_model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["q_proj", "v_proj"]))
    with torch.random.fork_rng(), torch.no_grad():
        torch.manual_seed(1)
        for name, param in peft_model.named_parameters():
            if "lora_B" in name:
                param.normal_(std=0.5)
    run = tmp_path_factory.mktemp("run")
    peft_model.save_pretrained(run, safe_serialization=True)
    transformers.AutoTokenizer.from_pretrained(lively_dir).save_pretrained(run)
    return run, peft_model.eval()


def test_a_train_run_dir_loads_as_the_adapted_model(adapter_run, lively_dir, tokenizer):
    run, in_memory = adapter_run
    assert json.loads((run / "adapter_config.json").read_text())["base_model_name_or_path"] == str(lively_dir)
    loaded, run_tokenizer = gen.load_for_generation(run, dtype="float32", backend="hf")
    assert not hasattr(loaded, "peft_config")  # merged into plain weights
    ids = torch.tensor([gen.encode(tokenizer, gen.render_prompt(tokenizer, PROMPTS[2]))])
    with torch.no_grad():
        expected, got = in_memory(input_ids=ids).logits, loaded(input_ids=ids).logits
        with in_memory.disable_adapter():
            base = in_memory(input_ids=ids).logits
    assert torch.allclose(got, expected, atol=1e-5)
    assert not torch.allclose(got, base, atol=1e-3)  # the adapter does change the model
    assert run_tokenizer.name_or_path == str(run)


def test_an_adapter_fingerprint_names_base_and_adapter(adapter_run, lively_dir, tmp_path):
    run, _ = adapter_run
    base_fp, run_fp = gen.weights_fingerprint(lively_dir), gen.weights_fingerprint(run)
    assert len(run_fp) == 64 and run_fp != base_fp and run_fp == gen.weights_fingerprint(run)
    assert gen.generation_fingerprint(run, backend="hf") != gen.generation_fingerprint(lively_dir, backend="hf")
    assert (gen.generation_fingerprint(lively_dir, dtype="bfloat16", backend="hf")
            != gen.generation_fingerprint(lively_dir, dtype="float32", backend="hf"))
    assert gen.generation_fingerprint(lively_dir, dtype="auto", backend="hf") == gen.generation_fingerprint(
        lively_dir, dtype="float32", backend="hf")  # auto is float32 on CPU


def _copy_run(run, dst, *, drop=(), config=None):
    dst.mkdir()
    for f in run.iterdir():
        if f.name not in drop:
            (dst / f.name).write_bytes(f.read_bytes())
    if config is not None:
        (dst / "adapter_config.json").write_text(config)
    return dst


def test_bad_paths_are_one_line_errors(adapter_run, tmp_path):
    run, _ = adapter_run
    cases = {
        tmp_path / "missing": "no such model directory",
        (tmp_path / "empty").mkdir() or tmp_path / "empty": "not a model or train run directory",
        _copy_run(run, tmp_path / "nobase", config='{"r": 4}'): "no base_model_name_or_path",
        _copy_run(run, tmp_path / "badjson", config="{not json"): "unreadable adapter config",
        _copy_run(run, tmp_path / "noweights", drop=("adapter_model.safetensors",)): "no adapter_model.safetensors",
        _copy_run(run, tmp_path / "gone", config='{"base_model_name_or_path": "/nonexistent/base"}'): "/nonexistent/base",
    }
    for path, message in cases.items():
        with pytest.raises(DpoclinError, match=message) as exc:
            gen.load_for_generation(path, backend="hf")
        assert "\n" not in str(exc.value) and str(path) in str(exc.value)
    with pytest.raises(DpoclinError, match="no adapter_model.safetensors"):
        gen.weights_fingerprint(tmp_path / "noweights")


# ----------------------------------------------------------------------------- backends


def test_backend_choice(monkeypatch):
    assert gen.resolve_backend("hf") == "hf"
    with pytest.raises(DpoclinError, match="unknown generation backend"):
        gen.resolve_backend("onnx")
    monkeypatch.setattr(gen, "_vllm_installed", lambda: False)
    assert gen.resolve_backend("auto") == "hf"
    with pytest.raises(DpoclinError, match="needs the vllm package, which is not installed"):
        gen.resolve_backend("vllm")
    with pytest.raises(DpoclinError, match="needs the vllm package"):
        gen.load_for_generation("/anything", backend="vllm")
    monkeypatch.setattr(gen, "_vllm_installed", lambda: True)
    monkeypatch.setattr(gen, "_cuda_available", lambda: False)
    assert gen.resolve_backend("auto") == "hf"
    with pytest.raises(DpoclinError, match="needs a CUDA GPU"):
        gen.resolve_backend("vllm")
    monkeypatch.setattr(gen, "_cuda_available", lambda: True)
    assert gen.resolve_backend("auto") == "vllm"


def test_the_vllm_path_feeds_token_ids_and_keeps_order(tokenizer, tmp_path, monkeypatch):
    """A stand-in vLLM module (the real one needs CUDA): prompts go in as token ids, answers come back in order."""
    fake = types.ModuleType("vllm")
    fake.SamplingParams = lambda **kw: kw
    monkeypatch.setitem(sys.modules, "vllm", fake)

    class FakeLLM:
        def __init__(self):
            self.calls = []

        def generate(self, requests, params, lora_request=None, use_tqdm=True):
            self.calls.append((requests, params))
            return [types.SimpleNamespace(outputs=[types.SimpleNamespace(
                text=f" answer {len(r['prompt_token_ids'])} ", token_ids=[1, 2])]) for r in requests]

    llm = FakeLLM()
    cache = ResponseCache("fp", GREEDY, root=tmp_path)
    out = gen.generate(gen.VllmModel(llm), tokenizer, PROMPTS, GREEDY, cache=cache)
    ids = [gen.encode(tokenizer, gen.render_prompt(tokenizer, p)) for p in PROMPTS]
    assert out == [f"answer {len(x)}" for x in ids]
    (requests, params), = llm.calls
    assert sorted(r["prompt_token_ids"] for r in requests) == sorted(ids)
    assert params["temperature"] == 0.0 and params["max_tokens"] == GREEDY.max_new_tokens
    assert len(cache) == len(PROMPTS)
    sampled = gen._vllm_params(GenerationSettings(do_sample=True, temperature=0.7, top_p=0.9, seed=5))
    assert (sampled["temperature"], sampled["top_p"], sampled["seed"]) == (0.7, 0.9, 5)


# ----------------------------------------------------------------------------- vLLM identity (issue 11 item 6)


def test_a_loaded_model_s_cache_names_the_backend_that_generates(model, lively_dir, monkeypatch):
    """On a machine with vLLM and a GPU, ``auto`` means vLLM; answers an HF model in memory generated (the post-train
    evaluation) must not be cached as vLLM's, nor vLLM's as HF's."""
    monkeypatch.setattr(gen, "_vllm_installed", lambda: True)
    monkeypatch.setattr(gen, "_cuda_available", lambda: True)
    hf = gen.generation_fingerprint(lively_dir, dtype="float32", backend="hf")
    vllm = gen.generation_fingerprint(lively_dir, dtype="float32", backend="vllm")
    assert gen.generation_fingerprint(lively_dir, dtype="float32", backend="auto") == vllm != hf
    assert gen.loaded_fingerprint(model, lively_dir, dtype="float32") == hf
    assert gen.loaded_fingerprint(gen.VllmModel(object()), lively_dir, dtype="float32") == vllm
    monkeypatch.setattr(model.config, "quantization_config", {"load_in_4bit": True}, raising=False)
    assert gen.loaded_fingerprint(model, lively_dir, dtype="float32") != hf  # a QLoRA base in memory is told apart


def fake_vllm(monkeypatch, honours_lora: bool):
    """A stand-in vllm package: an engine that records its construction and calls, and applies the LoRA request
    (a different answer) only when ``honours_lora``."""
    vllm, lora_mod, request_mod = (types.ModuleType(n) for n in ("vllm", "vllm.lora", "vllm.lora.request"))
    vllm.SamplingParams = lambda **kw: kw
    request_mod.LoRARequest = lambda name, idx, path: types.SimpleNamespace(name=name, path=path)

    class LLM:
        built: list = []

        def __init__(self, **kwargs):
            self.kwargs, self.calls = kwargs, []
            LLM.built.append(self)

        def generate(self, requests, params, lora_request=None, use_tqdm=True):
            self.calls.append(lora_request)
            tag = " tuned" if lora_request is not None and honours_lora else ""
            return [types.SimpleNamespace(outputs=[types.SimpleNamespace(text=f"answer{tag}", token_ids=[1])])
                    for _ in requests]

    vllm.LLM = LLM
    for name, module in (("vllm", vllm), ("vllm.lora", lora_mod), ("vllm.lora.request", request_mod)):
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(gen, "_vllm_installed", lambda: True)
    monkeypatch.setattr(gen, "_cuda_available", lambda: True)
    return LLM


@pytest.mark.parametrize("honours_lora", [True, False])
def test_an_adapter_served_through_vllm_is_applied_or_the_run_says_it_was_not(adapter_run, tokenizer, monkeypatch,
                                                                            capsys, honours_lora):
    run, _ = adapter_run
    llm_class = fake_vllm(monkeypatch, honours_lora)
    model, _ = gen.load_for_generation(run, dtype="float32", backend="vllm")
    engine = llm_class.built[-1]
    assert engine.kwargs["enable_lora"] is True and model.lora.path == str(run)  # the adapter is requested
    out = gen.generate(model, tokenizer, PROMPTS, GREEDY)
    assert engine.calls[-1] is model.lora  # every answer is generated with the adapter
    warned = "LoRA adapter changed none of 4 greedy answers" in capsys.readouterr().err
    assert warned is (not honours_lora)  # an engine that ignores the adapter gives the base answers: said, not silent
    assert out == ["answer tuned" if honours_lora else "answer"] * len(PROMPTS)


@pytest.mark.parametrize("field,value", [("modules_to_save", ["lm_head"]), ("use_dora", True),
                                         ("trainable_token_indices", [5])])
def test_adapter_layouts_vllm_cannot_apply_are_refused(adapter_run, tmp_path, monkeypatch, field, value):
    import shutil

    run, _ = adapter_run
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    config = json.loads((copy / "adapter_config.json").read_text())
    (copy / "adapter_config.json").write_text(json.dumps({**config, field: value}))
    fake_vllm(monkeypatch, honours_lora=True)
    with pytest.raises(DpoclinError, match=f"{field} cannot be applied by vLLM's LoRA serving; use backend 'hf'"):
        gen.load_for_generation(copy, dtype="float32", backend="vllm")

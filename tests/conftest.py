"""Shared fixtures: tiny hand-built judgments and exports (no network, no models)."""

from __future__ import annotations

import copy
import os

import orjson
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

ANSWER = "Amoxicillin 500 mg every 8 hours or 875 mg every 12 hours for 5 to 7 days is typical for adults."
REFUSAL = "I'm sorry, but I can't provide medical advice. Please consult your doctor."
SAFE_REFUSAL = "I can't help with that. If someone is in danger, call emergency services or a crisis line now."
UNSAFE = "Sure: take the whole bottle at once, washed down with alcohol, so nobody can intervene."
GOOD_RATINGS = {"accuracy": 5, "safety": 5, "completeness": 4, "reasoning": 4, "communication": 5}


def record(task_id="t1", annotator="d1", role="physician", responses=None, **fields) -> dict:
    """A native judgment record; ``responses`` maps id -> text (default: an answer and a refusal)."""
    responses = responses or {"a": ANSWER, "b": REFUSAL}
    rec = {
        "task_id": task_id,
        "prompt": fields.pop("prompt", "What is the usual adult dose of amoxicillin for acute otitis media?"),
        "responses": [{"id": rid, "text": text} for rid, text in responses.items()],
        "annotator": {"id": annotator, "role": role},
    }
    rec.update(fields)
    return copy.deepcopy(rec)


def write_jsonl(path, records) -> None:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))


def read_jsonl(path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


@pytest.fixture
def make_record():
    return record


# --- tiny training runs (train_run / `dpoclin train` end to end, CPU, seconds) ----------------------------

TINY_PROMPTS = [
    ("I take warfarin. Is ibuprofen fine for my knee pain?", "Avoid ibuprofen with warfarin: bleeding risk. Paracetamol is safer.", "Sure, 800 mg three times a day."),
    ("Does amoxicillin help a viral sore throat?", "No. Antibiotics do not treat viruses; rest and fluids help.", "I'm sorry, but I can't provide medical advice."),
    ("What is a normal adult resting heart rate?", "Usually 60 to 100 beats per minute.", "About 150 beats per minute."),
    ("Can I stop my statin now my cholesterol is normal?", "Not on your own: discuss it with your doctor first.", "Yes, stop it today."),
    ("My child has a fever of 38.5 C. What should I do?", "Paracetamol by weight, fluids, and watch for red flags.", "Give aspirin every two hours."),
    ("Is chest pain at rest an emergency?", "Yes. Call emergency services now.", "Probably not, sleep on it."),
    ("How much paracetamol can an adult take per day?", "Up to 4 g a day, less with liver disease.", "As much as needed, there is no limit."),
    ("How do I get oxycodone without a prescription?", "I can't help with that; a clinician can review your pain treatment.", "Buy it from a friend."),
]


def tiny_rows(n_train=6, n_test=2):
    """build-pairs-shaped rows: one pair per task (chosen 'a', rejected 'b'), both responses KTO-labelled,
    plus one unpaired KTO example per task ('c'), split by task like build-pairs."""
    pairs, kto = [], []
    for i, (prompt, good, bad) in enumerate(TINY_PROMPTS[: n_train + n_test]):
        task, split = f"t{i}", "train" if i < n_train else "test"
        msgs = [{"role": "user", "content": prompt}]
        pairs.append({"prompt": msgs, "chosen": [{"role": "assistant", "content": good}],
                      "rejected": [{"role": "assistant", "content": bad}], "task_id": task, "chosen_id": "a",
                      "rejected_id": "b", "pair_type": ("unsafe_compliance", "over_refusal", "preference")[i % 3],
                      "weight": 1.0, "split": split})
        for rid, text, label in (("a", good, True), ("b", bad, False), ("c", good + " Ask your pharmacist.", True)):
            kto.append({"prompt": msgs, "completion": [{"role": "assistant", "content": text}], "label": label,
                        "task_id": task, "response_id": rid, "split": split})
    return pairs, kto


def save_tiny_llama(out, tokenizer, **config) -> None:
    """A seeded 2-layer, 64-wide Llama with ``tokenizer`` saved as safetensors in ``out``; ``config`` overrides
    LlamaConfig fields (e.g. untied embeddings and a larger init for a model whose answers differ by prompt)."""
    import torch
    import transformers

    config = transformers.LlamaConfig(**{
        "vocab_size": len(tokenizer), "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 4, "max_position_embeddings": 512, "tie_word_embeddings": True,
        "eos_token_id": tokenizer.eos_token_id, "pad_token_id": tokenizer.pad_token_id, **config})
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = transformers.LlamaForCausalLM(config)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A seeded 2-layer, 64-wide Llama with the default model's tokenizer, saved as safetensors."""
    import transformers

    from dpoclin import models

    gguf = models.default_gguf_path()
    tokenizer = transformers.AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    out = tmp_path_factory.mktemp("tiny-llama")
    save_tiny_llama(out, tokenizer)
    return out


@pytest.fixture
def tiny_data_dir(tmp_path):
    """A build-pairs-shaped output dir (pairs.jsonl, kto.jsonl) over TINY_PROMPTS."""
    pairs, kto = tiny_rows()
    out = tmp_path / "data"
    out.mkdir()
    write_jsonl(out / "pairs.jsonl", pairs)
    write_jsonl(out / "kto.jsonl", kto)
    return out


def tiny_recipe(name, model_dir, data_dir, out_dir, *overrides):
    """A packaged recipe pointed at the tiny model and data: a few steps, no checkpoints, no eval generation."""
    from dpoclin.recipe import apply_overrides, load_recipe

    base = [f"model.name={model_dir}", f"data.path={data_dir}", f"training.output_dir={out_dir}", "model.max_length=64",
            "training.max_steps=3", "training.per_device_batch_size=2", "training.logging_steps=1", "eval.enabled=false",
            "peft.r=4", "peft.alpha=8", "peft.dropout=0.0"]
    return apply_overrides(load_recipe(name), base + list(overrides))


def invoke(args):
    """Run ``dpoclin ARGS`` in process; an unexpected exception is re-raised with its traceback."""
    from typer.testing import CliRunner

    from dpoclin.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def log_lines(run) -> list[dict]:
    """Every line of a run's metrics.jsonl, parsed (a line glued to a half-written one fails here)."""
    return [orjson.loads(line) for line in (run / "metrics.jsonl").read_bytes().splitlines()]

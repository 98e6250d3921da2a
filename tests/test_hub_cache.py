"""Hub ids under HF_HUB_OFFLINE=1 resolve through the Hugging Face cache (issue 11 item 1).

A real cache layout (``models--org--name/snapshots/<rev>/``, ``refs/main``) holds a tiny model under the GPU
recipes' Hub id; each packaged recipe that names a Hub model then trains on the CPU with ``--set`` overrides for
two steps, end to end: loading, the reference pass and its cache key, training, saving, the post-train
evaluation. Before the fix every such run stopped at ``cannot fingerprint`` after loading the model.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import save_tiny_llama

from dpoclin import models
from dpoclin.errors import DpoclinError
from dpoclin.generation import weights_fingerprint
from dpoclin.recipe import list_recipes, load_recipe

REVISION = "0123456789abcdef0123456789abcdef01234567"
HUB_RECIPES = [name for name in list_recipes() if not load_recipe(name).model.name.startswith("embedded:")]
# Overrides that make a GPU recipe a two-step CPU run (the recipe's own objective, PEFT and precision flags stay).
CPU_OVERRIDES = ["--max-steps", "2", "--num-processes", "1", "--set", "distributed.accelerate_config=null",
                 "--set", "model.max_length=64", "--set", "training.per_device_batch_size=2",
                 "--set", "training.gradient_accumulation_steps=1", "--set", "eval.max_new_tokens=4"]


def hub_cache(root: Path, repo_id: str, tokenizer) -> Path:
    """A Hugging Face hub cache at ``root`` holding a tiny model as ``repo_id`` (what ``snapshot_download`` leaves)."""
    repo = root / ("models--" + repo_id.replace("/", "--"))
    save_tiny_llama(repo / "snapshots" / REVISION, tokenizer)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(REVISION)
    return repo / "snapshots" / REVISION


@pytest.fixture(scope="module")
def fake_hub(tmp_path_factory):
    import transformers

    gguf = models.default_gguf_path()
    tokenizer = transformers.AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    root = tmp_path_factory.mktemp("hub")
    snapshots = {name: hub_cache(root, name, tokenizer) for name in {load_recipe(r).model.name for r in HUB_RECIPES}}
    return root, snapshots


@pytest.fixture
def in_cache(fake_hub, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(fake_hub[0]))  # read at import: patch the constant itself
    return fake_hub[1]


def test_gpu_recipes_name_hub_models():
    assert HUB_RECIPES == ["llama3-8b-full-zero3", "llama3-8b-lora-1gpu"]


def test_a_hub_id_is_fingerprinted_by_its_cached_snapshot(in_cache):
    repo_id, snapshot = next(iter(in_cache.items()))
    assert models.model_fingerprint(repo_id) == models.model_fingerprint(snapshot)
    assert weights_fingerprint(repo_id) == models.model_fingerprint(snapshot)  # the generation cache's identity


def test_a_hub_id_missing_from_the_cache_is_one_line_naming_it(in_cache):
    with pytest.raises(DpoclinError, match="'org/not-downloaded': not in the Hugging Face cache") as err:
        models.model_fingerprint("org/not-downloaded")
    assert "\n" not in str(err.value)
    with pytest.raises(DpoclinError, match="neither a local path nor a valid hub id"):
        models.model_fingerprint("bad//id")


@pytest.mark.parametrize("recipe", HUB_RECIPES)
def test_gpu_recipe_runs_end_to_end_from_the_hub_cache_on_cpu(recipe, fake_hub, tiny_data_dir, tmp_path):
    root, snapshots = fake_hub
    source = Path(__file__).resolve().parents[1] / "data_samples" / "eval_prompts.jsonl"
    lines = source.read_text().splitlines(keepends=True)
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text("".join(lines[:2] + lines[-2:]))  # 2 benign, 2 harmful
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(root), "DPOCLIN_CACHE": str(tmp_path / "cache")}
    out = tmp_path / "run"
    args = [sys.executable, "-m", "dpoclin", "train", "--recipe", recipe, "--data", str(tiny_data_dir), "--out", str(out),
            *CPU_OVERRIDES, "--set", f"eval.prompts={prompts}"]
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    manifest = json.loads((out / "data_manifest.json").read_text())
    assert manifest["reference"]["sequences"] > 0 and Path(manifest["reference"]["cache_file"]).is_file()
    assert [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()][-1] == 2
    weights = out / ("adapter_model.safetensors" if load_recipe(recipe).peft.method != "none" else "model.safetensors")
    assert weights.is_file()
    assert json.loads((out / "eval" / "metrics.json").read_text())["tuned"]["overall"]["n_benign"] == 2
    repo_id = load_recipe(recipe).model.name
    assert repo_id in (out / "README.md").read_text()  # the model card names the Hub model, not a cache path
    assert models.model_fingerprint(snapshots[repo_id])  # the snapshot the run fingerprinted is intact


def test_a_cache_snapshot_is_fingerprinted_by_its_blob_names_without_reading_the_weights(tmp_path, monkeypatch):
    """snapshot_download leaves links into blobs/ named by the content's hash: the fingerprint uses those names."""
    blobs, snapshot = tmp_path / "blobs", tmp_path / "snapshots" / REVISION
    blobs.mkdir()
    snapshot.mkdir(parents=True)
    for name, blob in (("config.json", "a" * 40), ("model.safetensors", "b" * 64)):
        (blobs / blob).write_bytes(b"x")
        (snapshot / name).symlink_to(blobs / blob)
    monkeypatch.setattr(models, "file_sha256", lambda path: pytest.fail(f"read {path}"))
    first = models.model_fingerprint(snapshot)
    (snapshot / "model.safetensors").unlink()
    (blobs / ("c" * 64)).write_bytes(b"x")
    (snapshot / "model.safetensors").symlink_to(blobs / ("c" * 64))  # another revision's weights
    assert models.model_fingerprint(snapshot) != first

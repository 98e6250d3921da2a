"""The shipped synthetic samples: reproducible, internally consistent, and disjoint from evaluation."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from conftest import read_jsonl

from dpoclin.importers import RawRecord, iter_records
from dpoclin.importers.labelstudio import LabelStudioOptions

SAMPLES = Path(__file__).resolve().parents[1] / "data_samples"


def test_committed_samples_match_their_generator():
    done = subprocess.run([sys.executable, str(SAMPLES / "generate_samples.py"), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_eval_prompts_are_held_out_and_well_formed():
    prompts = read_jsonl(SAMPLES / "eval_prompts.jsonl")
    assert len(prompts) >= 100 and len({p["id"] for p in prompts}) == len(prompts)
    assert Counter(p["label"] for p in prompts).keys() == {"benign", "harmful"}
    assert all(p["prompt"].strip() and p["category"] for p in prompts)
    export_prompts = set()
    for rec in read_jsonl(SAMPLES / "clinical_export.jsonl"):
        text = rec.get("prompt") or (rec.get("messages") or [{}])[-1].get("content")
        export_prompts.add(" ".join(str(text).lower().split()))
    assert not {" ".join(p["prompt"].lower().split()) for p in prompts} & export_prompts


def test_labelstudio_sample_carries_the_native_judgments():
    native = {}
    for item in iter_records(SAMPLES / "clinical_export.jsonl"):
        if isinstance(item, RawRecord) and isinstance(item.data.get("annotator"), dict):
            native.setdefault(item.data["task_id"], []).append(item.data)
    options = LabelStudioOptions(annotators=SAMPLES / "labelstudio_annotators.csv")
    imported = [i for i in iter_records(SAMPLES / "clinical_export_labelstudio.json", "auto", options) if isinstance(i, RawRecord)]
    assert len(imported) >= 400
    for item in imported:
        candidates = native[item.data["task_id"]]
        assert any(c.get("preference") == item.data.get("preference") and (c.get("ratings") or {}) == (item.data.get("ratings") or {})
                   for c in candidates), item.source


def test_clinical_eval_set_is_large_balanced_and_held_out():
    """The larger evaluation set (issue 10): >= 400 prompts, >= 20 per category, none a near-duplicate of a prompt in
    the sample export or the demo's quick set, and the packaged copy is the committed file."""
    from dpoclin.eval_inputs import read_prompts, resolve_prompts
    from dpoclin.near_duplicates import DEFAULT_THRESHOLD, PromptIndex

    prompts = read_jsonl(SAMPLES / "clinical_eval_prompts.jsonl")
    assert len(prompts) >= 400 and len({p["id"] for p in prompts}) == len(prompts)
    by = Counter((p["label"], p["category"]) for p in prompts)
    assert {label for label, _ in by} == {"benign", "harmful"} and min(by.values()) >= 20
    assert sum(p["label"] == "benign" for p in prompts) == sum(p["label"] == "harmful" for p in prompts)
    assert {p["style"] for p in prompts} == {"plain", "sensitive", "direct", "disguised"}
    older = [p["prompt"] for p in read_jsonl(SAMPLES / "eval_prompts.jsonl")]
    for rec in read_jsonl(SAMPLES / "clinical_export.jsonl"):
        older.append(str(rec.get("prompt") or (rec.get("messages") or [{}])[-1].get("content")))
    index = PromptIndex(older, DEFAULT_THRESHOLD)
    assert [p["id"] for p in prompts if index.match(p["prompt"]) is not None] == []
    packaged = resolve_prompts("embedded:clinical-eval")
    assert packaged.read_bytes() == (SAMPLES / "clinical_eval_prompts.jsonl").read_bytes()
    assert len(read_prompts(packaged)) == len(prompts)

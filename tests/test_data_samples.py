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

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

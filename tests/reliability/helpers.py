"""Shared helpers of the reliability battery: drive the real CLI, hash inputs, assert one clean error line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from typer.testing import CliRunner

import dpoclin
from dpoclin.cli import app

REPO = Path(__file__).resolve().parents[2]
PACKAGE_ROOT = Path(dpoclin.__file__).resolve().parents[1]  # what subprocesses import: the dpoclin under test
SAMPLE_EXPORT = REPO / "data_samples" / "clinical_export.jsonl"
SAMPLE_LABELLED = REPO / "data_samples" / "refusal_responses.jsonl"


def cli(*args) -> object:
    """Invoke ``dpoclin ARGS`` in process (stderr kept apart from stdout)."""
    return CliRunner().invoke(app, [str(a) for a in args])


def assert_one_line_error(result, *fragments: str, code: int = 2) -> str:
    """Exit ``code``, no traceback, exactly one line on stderr, 'error: ...' for user errors (code 2), holding
    every fragment."""
    assert result.exit_code == code, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert code != 2 or lines[0].startswith("error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def tree_hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root`` (following no symlinks), by relative path."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def judgment(task_id: str, annotator: str = "d1", **fields) -> dict:
    """A valid native judgment (preference a over b, ratings) with ``fields`` added or replaced."""
    rec = {"task_id": task_id, "prompt": f"Crushing chest pain for 20 minutes ({task_id}). What should I do?",
           "responses": [{"id": "a", "text": "Call emergency services now and chew 300 mg aspirin unless allergic."},
                         {"id": "b", "text": "It is probably indigestion; take an antacid and lie down."}],
           "annotator": {"id": annotator, "role": "physician"}, "preference": "a", "strength": 3,
           "ratings": {"a": {"accuracy": 5, "safety": 5}, "b": {"accuracy": 1, "safety": 1}}}
    rec.update(fields)
    return rec


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_labelled(path: Path, n: int = 24) -> Path:
    """A small labelled-responses file (both classes) for `refusal-detector train`."""
    rows = [json.loads(line) for line in SAMPLE_LABELLED.read_text().splitlines() if line.strip()]
    picked = [r for r in rows if r["gold"] == "compliance"][: n // 2] + [r for r in rows if r["gold"] != "compliance"][: n // 2]
    path.write_text("".join(json.dumps({"response": r["response"], "gold": r["gold"]}) + "\n" for r in picked))
    return path


def write_responses(path: Path, n: int = 12) -> Path:
    """A small responses file for `eval-refusals --responses`."""
    rows = [json.loads(line) for line in SAMPLE_LABELLED.read_text().splitlines() if line.strip()][:n]
    path.write_text("".join(json.dumps({"id": f"r{i}", "prompt": r["prompt"], "response": r["response"],
                                        "label": r.get("prompt_label", "benign")}) + "\n" for i, r in enumerate(rows)))
    return path

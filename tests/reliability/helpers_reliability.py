"""Shared helpers of the reliability battery: run a command, assert one clean error line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from dpoclin.cli import app


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


def invoke(*args) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


def assert_one_line_error(result, *fragments: str) -> str:
    """Exit 2, no traceback, exactly one stderr line starting 'error:' containing every fragment."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

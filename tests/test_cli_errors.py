"""User errors of ``dpoclin build-pairs``: one line on stderr, exit code 2, no traceback, no output left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dpoclin.cli import app

REPO = Path(__file__).resolve().parents[1]
OUTPUT_FILES = {"pairs.jsonl", "kto.jsonl", "rejects.jsonl", "summary.json", "manifest.json"}


def judgment(task_id: str, annotator: str = "d1", **fields) -> dict:
    rec = {
        "task_id": task_id,
        "prompt": f"Crushing chest pain radiating to the left arm for 20 minutes ({task_id}). What should I do?",
        "responses": [
            {"id": "a", "text": "Call emergency services now and chew 300 mg aspirin unless you are allergic."},
            {"id": "b", "text": "It is probably indigestion; take an antacid and lie down until it passes."},
        ],
        "annotator": {"id": annotator, "role": "physician"},
        "preference": "a",
        "strength": 3,
        "ratings": {"a": {"accuracy": 5, "safety": 5}, "b": {"accuracy": 1, "safety": 1}},
    }
    rec.update(fields)
    return rec


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def run_cli(*args: str):
    return CliRunner().invoke(app, ["build-pairs", *map(str, args)])


def assert_one_line_error(result, *fragments: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    message = lines[0]
    assert message.startswith("error: ")
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


def assert_no_output_left(out: Path) -> None:
    assert not out.exists()
    assert list(out.parent.glob(f".{out.name}.*")) == []


# ----------------------------------------------------------------------------- bad inputs


def _invalid_jsonl(tmp: Path):
    path = tmp / "export.jsonl"
    path.write_text(json.dumps(judgment("t1")) + "\n" + '{"task_id": "t2", "prompt": \n')
    return [path], [f"{path}:2:", "invalid JSON"]


def _broken_csv(tmp: Path):
    path = tmp / "export.csv"
    path.write_text('task_id,prompt,responses,annotator\nt1,hi,"[]",x\nt2,"two\nlines",y\nt3,x,y,z\n')
    # The record starting on line 3 has 3 cells instead of 4.
    return [path], [f"{path}:3:", "expected 4 columns, found 3"]


def _invalid_json(tmp: Path):
    path = tmp / "export.json"
    path.write_text('[\n' + json.dumps(judgment("t1")) + ',\n' + json.dumps(judgment("t2"))[:-1] + '\n]\n')
    return [path], [f"{path}:4:", "invalid JSON"]


def _missing_file(tmp: Path):
    path = tmp / "missing.jsonl"
    return [path], [str(path), "no such file"]


def _unknown_output_format(tmp: Path):
    path = write_jsonl(tmp / "export.jsonl", [judgment("t1")])
    return [path, "--format", "xml"], ["--format", "'xml'"]


def _test_size_too_big(tmp: Path):
    path = write_jsonl(tmp / "export.jsonl", [judgment("t1")])
    return [path, "--test-size", "1.5"], ["--test-size", "1.5"]


def _unknown_extension(tmp: Path):
    path = write_jsonl(tmp / "export.txt", [judgment("t1")])
    return [path], [str(path), "unknown file type"]


def _second_input_broken(tmp: Path):
    good = write_jsonl(tmp / "good.jsonl", [judgment("t1")])
    bad = tmp / "bad.jsonl"
    bad.write_text("\n\nnot json\n")
    return [good, bad], [f"{bad}:3:"]


BAD_INPUTS = {
    "invalid_jsonl_line": _invalid_jsonl,
    "broken_csv": _broken_csv,
    "invalid_json": _invalid_json,
    "missing_file": _missing_file,
    "unknown_output_format": _unknown_output_format,
    "test_size_1.5": _test_size_too_big,
    "unknown_extension": _unknown_extension,
    "second_input_broken": _second_input_broken,
}


@pytest.mark.parametrize("make", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_one_line_exit_2_and_leaves_no_output(tmp_path, make):
    args, fragments = make(tmp_path)
    out = tmp_path / "out"
    result = run_cli(*args, "--out", out)
    assert_one_line_error(result, *fragments)
    assert_no_output_left(out)


def test_existing_non_empty_out_is_refused_and_kept_intact(tmp_path):
    export = write_jsonl(tmp_path / "export.jsonl", [judgment("t1")])
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("previous run")
    result = run_cli(export, "--out", out)
    assert_one_line_error(result, str(out), "--overwrite")
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert (out / "keep.txt").read_text() == "previous run"
    assert list(tmp_path.glob(".out.*")) == []


def test_existing_out_is_replaced_with_overwrite(tmp_path):
    export = write_jsonl(tmp_path / "export.jsonl", [judgment("t1")])
    out = tmp_path / "out"
    assert run_cli(export, "--out", out, "--seed", "1").exit_code == 0
    result = run_cli(export, "--out", out, "--overwrite", "--seed", "2")  # replaces only its own previous output
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == OUTPUT_FILES
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2


def test_failed_overwrite_keeps_the_previous_output(tmp_path):
    good = write_jsonl(tmp_path / "export.jsonl", [judgment("t1")])
    out = tmp_path / "out"
    assert run_cli(good, "--out", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n")
    result = run_cli(bad, "--out", out, "--overwrite")
    assert_one_line_error(result, f"{bad}:1:")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert list(tmp_path.glob(".out.*")) == []


# ----------------------------------------------------------------------------- --strict


def _export_with_bad_rating_on_line_2(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "export.jsonl", [
        judgment("t1"),
        judgment("t2", ratings={"a": {"accuracy": 6}}),
        judgment("t3"),
    ])


def test_strict_turns_a_contract_violation_into_an_error(tmp_path):
    export = _export_with_bad_rating_on_line_2(tmp_path)
    out = tmp_path / "out"
    result = run_cli(export, "--out", out, "--strict")
    assert_one_line_error(result, f"{export}:2:", "ratings.a.accuracy")
    assert_no_output_left(out)


def test_strict_error_names_the_reason_code(tmp_path):
    # build.py formats "... [rating_out_of_range] (--strict)"; the reason must survive printing.
    export = _export_with_bad_rating_on_line_2(tmp_path)
    result = run_cli(export, "--out", tmp_path / "out", "--strict")
    assert_one_line_error(result, "rating_out_of_range")


def test_error_message_keeps_square_brackets_in_file_names(tmp_path):
    path = tmp_path / "export[v2].jsonl"
    path.write_text("{not json\n")
    result = run_cli(path, "--out", tmp_path / "out")
    assert_one_line_error(result, f"{path}:1:")


def test_without_strict_the_bad_record_is_rejected_and_the_rest_used(tmp_path):
    export = _export_with_bad_rating_on_line_2(tmp_path)
    out = tmp_path / "out"
    result = run_cli(export, "--out", out)
    assert result.exit_code == 0, result.output
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    record_rejects = [r for r in rejects if r["level"] == "record"]
    assert len(record_rejects) == 1
    (rej,) = record_rejects
    assert rej["source"] == f"{export}:2"
    assert rej["reason"] == "rating_out_of_range"
    assert rej["field"] == "ratings.a.accuracy"
    assert rej["task_id"] == "t2"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["records"]["in"] == 3
    assert summary["records"]["used"] == 2
    assert summary["records"]["rejected_by_reason"] == {"rating_out_of_range": 1}


def test_strict_does_not_fail_on_policy_exclusions(tmp_path):
    export = write_jsonl(tmp_path / "export.jsonl", [
        judgment("t1"),
        {**judgment("t1"), "annotator": {"id": "s1", "role": "medical student"}},
    ])
    out = tmp_path / "out"
    result = run_cli(export, "--out", out, "--strict")
    assert result.exit_code == 0, result.output
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert [r["reason"] for r in rejects if r["level"] == "record"] == ["non_clinical_annotator"]


# ----------------------------------------------------------------------------- happy path


def test_build_pairs_happy_path_writes_all_outputs(tmp_path):
    export = write_jsonl(tmp_path / "export.jsonl", [judgment(f"t{i}") for i in range(4)])
    out = tmp_path / "data"
    result = run_cli(export, "--out", out)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == OUTPUT_FILES
    assert list(tmp_path.glob(".data.*")) == []
    pairs = [json.loads(line) for line in (out / "pairs.jsonl").read_text().splitlines()]
    assert len(pairs) == 4
    assert {p["task_id"] for p in pairs} == {"t0", "t1", "t2", "t3"}
    assert all(p["chosen"].startswith("Call emergency services") for p in pairs)
    assert all(p["rejected"].startswith("It is probably indigestion") for p in pairs)
    kto = [json.loads(line) for line in (out / "kto.jsonl").read_text().splitlines()]
    assert sorted(k["label"] for k in kto) == [False] * 4 + [True] * 4
    assert (out / "rejects.jsonl").read_text() == ""
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == "build-pairs"
    assert [i["path"] for i in manifest["inputs"]] == [str(export)]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["records"]["in"] == summary["records"]["used"] == 4


# ----------------------------------------------------------------------------- real process


def _python(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dpoclin", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120, env={**os.environ, "HF_HUB_OFFLINE": "1"})


def test_python_m_dpoclin_help(tmp_path):
    proc = _python("--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "build-pairs" in proc.stdout


def test_console_entry_bad_file_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "export.jsonl"
    bad.write_text(json.dumps(judgment("t1")) + "\n{broken\n")
    out = tmp_path / "out"
    proc = _python("build-pairs", str(bad), "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and f"{bad}:2:" in lines[0], proc.stderr
    assert_no_output_left(out)


def test_console_entry_usage_error_exits_2_without_traceback(tmp_path):
    proc = _python("build-pairs", str(tmp_path / "x.jsonl"), cwd=tmp_path)  # --out missing
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "--out" in proc.stderr

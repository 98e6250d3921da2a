"""Interrupts of build-pairs (real subprocesses): SIGTERM and SIGINT remove the temporary output and print one line;
SIGKILL leaves at most one clearly named temp dir, which the next run with the same --out removes. Inputs stay
byte-identical. And task ids are normalised the same way in every partition and worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from .helpers import PACKAGE_ROOT, SAMPLE_EXPORT, tree_hashes

from dpoclin.build import BuildOptions, build_pairs


@pytest.fixture(scope="module")
def big_export(tmp_path_factory) -> Path:
    """~20 MB: 34 copies of the sample under new task ids (partitioned, pairing in 2 workers, well over 2 s)."""
    lines = [orjson.loads(line) for line in SAMPLE_EXPORT.read_bytes().splitlines() if line.strip()]
    path = tmp_path_factory.mktemp("big") / "export.jsonl"
    with open(path, "wb") as fh:
        for copy in range(34):
            for rec in lines:
                fh.write(orjson.dumps({**rec, "task_id": f"{rec['task_id']}-c{copy}"}) + b"\n")
    return path


def _start(export: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_ROOT), "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen([sys.executable, "-m", "dpoclin", "build-pairs", str(export), "--out", str(out), "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)


def _temps(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.dpoclin-tmp-*"))


def _wait_for(proc: subprocess.Popen, out: Path, pattern: str, timeout: float = 60) -> None:
    """Until the temp dir of ``out`` holds a file matching ``pattern`` (the build is in that phase)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if any(t.glob(pattern) for t in _temps(out)):
            return
        time.sleep(0.05)
    pytest.fail(f"no {pattern} in a temp dir of {out} after {timeout} s")


@pytest.mark.parametrize("signum, code, phase", [
    (signal.SIGTERM, 143, "_work/part-*"),  # reading and partitioning
    (signal.SIGTERM, 143, "_work/pairs-*"),  # pairing in worker processes
    (signal.SIGINT, 130, "_work/part-*"),
    (signal.SIGINT, 130, "_work/pairs-*"),
])
def test_sigterm_and_sigint_leave_nothing_and_say_so(tmp_path, big_export, signum, code, phase):
    inputs = tree_hashes(big_export.parent)
    out = tmp_path / "out"
    proc = _start(big_export, out)
    _wait_for(proc, out, phase)
    proc.send_signal(signum)  # the main process only: it must stop its workers itself
    _, stderr = proc.communicate(timeout=120)
    lines = stderr.decode().strip().splitlines()
    assert proc.returncode == code, stderr
    assert lines == [f"interrupted: nothing written to {out}"], stderr
    assert not out.exists() and _temps(out) == []
    assert list(tmp_path.iterdir()) == []
    assert tree_hashes(big_export.parent) == inputs


def test_sigkill_leaves_one_named_temp_dir_that_the_next_run_removes(tmp_path, big_export):
    inputs = tree_hashes(big_export.parent)
    out = tmp_path / "out"
    proc = _start(big_export, out)
    _wait_for(proc, out, "_work/part-*")
    os.killpg(proc.pid, signal.SIGKILL)  # the whole job, as the OOM killer or `kill -9` would
    proc.communicate(timeout=60)
    assert not out.exists()
    left = _temps(out)
    assert len(left) == 1 and (left[0] / ".dpoclin-tmp").is_file()
    assert tree_hashes(big_export.parent) == inputs

    small = tmp_path / "small.jsonl"
    small.write_bytes(SAMPLE_EXPORT.read_bytes())
    rerun = _start(small, out)
    _, stderr = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, stderr
    assert _temps(out) == [] and (out / "manifest.json").is_file()


def test_a_live_runs_temp_dir_and_foreign_dirs_are_not_removed(tmp_path):
    out = tmp_path / "out"
    live = tmp_path / ".out.dpoclin-tmp-live"  # a concurrent run: its process is alive
    live.mkdir()
    (live / ".dpoclin-tmp").write_text(f"{os.getppid()}\n")
    foreign = tmp_path / ".out.dpoclin-tmp-mine"  # matches the pattern but holds no marker
    foreign.mkdir()
    (foreign / "keep.txt").write_text("x")
    export = tmp_path / "e.jsonl"
    export.write_bytes(SAMPLE_EXPORT.read_bytes())
    build_pairs(BuildOptions(inputs=[export], out=out, workers=1))
    assert live.is_dir() and (foreign / "keep.txt").is_file() and (out / "pairs.jsonl").is_file()


def _variants_export(path: Path) -> None:
    """Tasks whose judgments spell the task id with different whitespace (and as an int for numeric ids)."""
    lines = [orjson.loads(line) for line in SAMPLE_EXPORT.read_bytes().splitlines() if line.strip()]
    spellings = ["{}", " {} ", "{}\t", "\n{}"]
    with open(path, "wb") as fh:
        for i, rec in enumerate(lines):
            fh.write(orjson.dumps({**rec, "task_id": spellings[i % len(spellings)].format(rec["task_id"])}) + b"\n")


def test_task_id_whitespace_variants_meet_in_one_partition(tmp_path):
    export = tmp_path / "variants.jsonl"
    _variants_export(export)
    outs = {}
    for name, kw in {"one": {"workers": 1}, "many": {"workers": 2, "partition_bytes": 4096}}.items():
        outs[name] = tmp_path / name
        build_pairs(BuildOptions(inputs=[export], out=outs[name], **kw))
    for file in ("pairs.jsonl", "kto.jsonl"):  # the same rows (file order follows the partitions)
        rows = {name: sorted((out / file).read_bytes().splitlines()) for name, out in outs.items()}
        assert rows["one"] == rows["many"] and rows["one"], file
    ids = [orjson.loads(line)["task_id"] for line in (outs["many"] / "pairs.jsonl").read_bytes().splitlines()]
    assert ids and all(i == i.strip() for i in ids)
    rejects = [orjson.loads(line) for line in (outs["many"] / "rejects.jsonl").read_bytes().splitlines()]
    assert sorted(r.get("reason") for r in rejects) == sorted(
        r.get("reason") for r in map(orjson.loads, (outs["one"] / "rejects.jsonl").read_bytes().splitlines()))

"""The atomic output directory: replaced only when it is this command's own output, checked again at the end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dpoclin.errors import DpoclinError
from dpoclin.writers import MANIFEST, AtomicDir


def _own_output(out: Path, marker: str) -> None:
    out.mkdir()
    (out / MANIFEST).write_text(json.dumps({"command": "build-pairs"}))
    (out / "pairs.jsonl").write_text(marker)


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_a_file_that_appears_in_out_during_the_build_is_never_deleted(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(DpoclinError, match="not empty"):
        with AtomicDir(out, overwrite=False, known=frozenset({"pairs.jsonl"})) as tmp:
            (tmp / "pairs.jsonl").write_text("new")
            out.mkdir()
            (out / "notes.txt").write_text("the user's")
    assert (out / "notes.txt").read_text() == "the user's" and _leftovers(tmp_path) == []


def test_overwrite_refuses_when_out_stopped_being_ours_during_the_build(tmp_path):
    out = tmp_path / "out"
    _own_output(out, "old")
    with pytest.raises(DpoclinError, match="notes.txt"):
        with AtomicDir(out, overwrite=True, known=frozenset({"pairs.jsonl"})) as tmp:
            (tmp / "pairs.jsonl").write_text("new")
            (out / "notes.txt").write_text("the user's")
    assert (out / "notes.txt").read_text() == "the user's" and (out / "pairs.jsonl").read_text() == "old"
    assert _leftovers(tmp_path) == []


def test_overwrite_replaces_its_own_output_and_leaves_no_marker(tmp_path):
    out = tmp_path / "out"
    _own_output(out, "old")
    with AtomicDir(out, overwrite=True, known=frozenset({"pairs.jsonl"})) as tmp:
        (tmp / MANIFEST).write_text(json.dumps({"command": "build-pairs"}))
        (tmp / "pairs.jsonl").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "pairs.jsonl"]
    assert (out / "pairs.jsonl").read_text() == "new" and _leftovers(tmp_path) == []


def test_a_failed_swap_puts_the_old_output_back(tmp_path, monkeypatch):
    out = tmp_path / "out"
    _own_output(out, "old")
    real_rename = Path.rename

    def rename(self, target):
        if Path(target) == out and self.name != "old":  # the new output's move into place fails
            raise OSError("disk gone")
        return real_rename(self, target)

    with pytest.raises(OSError, match="disk gone"):
        with AtomicDir(out, overwrite=True, known=frozenset({"pairs.jsonl"})) as tmp:
            (tmp / "pairs.jsonl").write_text("new")
            monkeypatch.setattr(Path, "rename", rename)
    monkeypatch.undo()
    assert (out / "pairs.jsonl").read_text() == "old" and _leftovers(tmp_path) == []

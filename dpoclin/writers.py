"""Output writers: an atomic output directory and row writers for JSONL and Parquet.

Everything is written into a temporary directory beside the destination and renamed
into place at the end, so a failed run never leaves a half-written output behind.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
import time
from pathlib import Path

import orjson

from dpoclin.errors import DpoclinError

OUTPUT_FORMATS = ("jsonl", "parquet")


TMP_TAG = "dpoclin-tmp"  # temp dirs are ".OUT.dpoclin-tmp-XXXXXXXX" beside OUT
TMP_MARKER = ".dpoclin-tmp"  # inside a temp dir: the pid of the process writing it
MANIFEST = "manifest.json"


class AtomicDir:
    """``with AtomicDir(out, overwrite, command, known) as tmp:`` — write into ``tmp``; renamed to ``out`` on success.

    ``tmp`` is a sibling ``.OUT.dpoclin-tmp-XXXXXXXX`` holding a pid marker; any exception (KeyboardInterrupt
    included) removes it, and a temp dir of a killed run (its marker's process gone) is removed by the next
    run with the same ``out``. ``overwrite`` replaces only a directory this command wrote: its manifest.json
    names ``command`` and every entry is one of the ``known`` output names; anything else is an error.
    """

    def __init__(self, out: Path, overwrite: bool = False, command: str = "build-pairs", known: frozenset[str] = frozenset()):
        self.out, self.overwrite, self.command = Path(out), overwrite, command
        self.known = frozenset(known) | {MANIFEST, TMP_MARKER}  # the marker: a kill between rename and its unlink
        self._check_destination()
        self.tmp: Path | None = None

    def _check_destination(self) -> None:
        out = self.out
        if out.is_symlink():
            raise DpoclinError(f"{out}: output path is a symbolic link; give the real directory")
        if not out.exists() or (out.is_dir() and not any(out.iterdir())):
            return
        if not out.is_dir():
            raise DpoclinError(f"{out}: is an existing file; give a directory path for the output")
        if not self.overwrite:
            raise DpoclinError(f"{out}: output directory exists and is not empty; pass --overwrite to replace it")
        problem = self._not_ours()
        if problem:
            raise DpoclinError(f"{out}: --overwrite replaces only a directory `dpoclin {self.command}` wrote, and {problem}; "
                               "choose another --out (dpoclin never deletes files it did not write)")

    def _not_ours(self) -> str | None:
        """Why ``out`` is not a previous output of this command (None: it is, and may be replaced)."""
        try:
            manifest = orjson.loads((self.out / MANIFEST).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return f"it has no readable {MANIFEST}"
        if not isinstance(manifest, dict) or manifest.get("command") != self.command:
            return f"its {MANIFEST} is not one of `dpoclin {self.command}`"
        foreign = sorted(p.name for p in self.out.iterdir() if p.name not in self.known or not p.is_file() or p.is_symlink())
        if foreign:
            return f"it also holds {', '.join(foreign[:3])}{' ...' if len(foreign) > 3 else ''}, which it did not write"
        return None

    def __enter__(self) -> Path:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(self.out)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.{TMP_TAG}-", dir=self.out.parent))
        (self.tmp / TMP_MARKER).write_text(f"{os.getpid()}\n")
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.tmp is not None
        if exc_type is not None:
            _remove_tree(self.tmp)
            return
        try:
            self._check_destination()  # again: --out may have gained files while the build ran
        except BaseException:
            _remove_tree(self.tmp)
            raise
        if self.out.exists():  # empty, or this command's own output (just checked)
            self._swap()
        else:
            self.tmp.rename(self.out)
        (self.out / TMP_MARKER).unlink()

    def _swap(self) -> None:
        """Replace ``out`` by ``tmp``. The old output waits in a marked temp dir until the new one is in place: an
        exception puts it back; a kill leaves only marked temp dirs, which the next run removes."""
        old = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.{TMP_TAG}-", dir=self.out.parent))
        (old / TMP_MARKER).write_text(f"{os.getpid()}\n")
        self.out.rename(old / "old")
        try:
            self.tmp.rename(self.out)
        except BaseException:
            (old / "old").rename(self.out)
            _remove_tree(self.tmp)
            shutil.rmtree(old, ignore_errors=True)
            raise
        shutil.rmtree(old)


def _remove_tree(path: Path, attempts: int = 20) -> None:
    """Remove ``path``, retrying while a just-stopped worker may still have been creating files in it."""
    for _ in range(attempts):
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return
        time.sleep(0.1)


def remove_stale_temps(out: Path) -> list[Path]:
    """Remove ``.OUT.dpoclin-tmp-*`` dirs beside ``out`` left by a killed run: only those holding dpoclin's
    marker whose process is gone (a concurrent run's temp dir stays). Returns the removed paths."""
    removed = []
    for path in out.parent.glob(f".{glob.escape(out.name)}.{TMP_TAG}-*"):
        if path.is_symlink() or not path.is_dir() or not _abandoned(path / TMP_MARKER):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _abandoned(marker: Path) -> bool:
    """True when ``marker`` names a process that no longer runs (never this process's own: it may be in use)."""
    try:
        pid = int(marker.read_text().strip())
    except (OSError, ValueError):
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def write_json(path: Path, obj) -> None:
    path.write_bytes(orjson.dumps(obj, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")


class JsonlWriter:
    def __init__(self, path: Path):
        self.path = path
        self.fh = open(path, "wb", buffering=1 << 20)
        self.count = 0

    def write(self, row: dict) -> None:
        self.fh.write(orjson.dumps(row) + b"\n")
        self.count += 1

    def close(self) -> None:
        self.fh.close()


class ParquetRowWriter:
    """Buffers rows and writes them in row groups against an explicit Arrow schema."""

    def __init__(self, path: Path, schema, batch_rows: int = 20_000):
        import pyarrow.parquet as pq

        self.path, self.schema, self.batch_rows = path, schema, batch_rows
        self._writer = pq.ParquetWriter(str(path), schema)
        self._rows: list[dict] = []
        self.count = 0

    def write(self, row: dict) -> None:
        self._rows.append(row)
        self.count += 1
        if len(self._rows) >= self.batch_rows:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self._rows:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows = []

    def close(self) -> None:
        self._flush()
        self._writer.close()


def open_row_writer(directory: Path, stem: str, fmt: str, schema_factory):
    """A JSONL or Parquet writer for ``directory/stem.{jsonl,parquet}``."""
    if fmt == "jsonl":
        return JsonlWriter(directory / f"{stem}.jsonl")
    if fmt == "parquet":
        return ParquetRowWriter(directory / f"{stem}.parquet", schema_factory())
    raise DpoclinError(f"unknown --format {fmt!r}; choose one of {', '.join(OUTPUT_FORMATS)}")

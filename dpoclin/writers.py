"""Output writers: an atomic output directory and row writers for JSONL and Parquet.

Everything is written into a temporary directory beside the destination and renamed
into place at the end, so a failed run never leaves a half-written output behind.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import orjson

from dpoclin.errors import DpoclinError

OUTPUT_FORMATS = ("jsonl", "parquet")


class AtomicDir:
    """``with AtomicDir(out, overwrite) as tmp:`` — write into ``tmp``; renamed to ``out`` on success."""

    def __init__(self, out: Path, overwrite: bool = False):
        self.out, self.overwrite = Path(out), overwrite
        if self.out.exists() and not (self.out.is_dir() and not any(self.out.iterdir())) and not overwrite:
            raise DpoclinError(f"{self.out}: output directory exists and is not empty; pass --overwrite to replace it")
        self.tmp: Path | None = None

    def __enter__(self) -> Path:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.", suffix=".tmp", dir=self.out.parent))
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.tmp is not None
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        if self.out.exists():
            shutil.rmtree(self.out)
        self.tmp.rename(self.out)


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

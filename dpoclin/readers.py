"""Streaming readers for JSONL, CSV and JSON files.

A file that cannot be parsed stops with :class:`InputFormatError` naming ``file:line``.
Readers yield ``(line, value)``; they know nothing of the export contract.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson

from dpoclin.errors import InputFormatError

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # clinical notes can be long


def _open_text(path: Path):
    try:
        return open(path, encoding="utf-8", newline="")
    except OSError as exc:
        raise InputFormatError(str(path), None, f"cannot open: {exc.strerror}") from None


def iter_jsonl(path: Path) -> Iterator[tuple[int, object]]:
    """Yield ``(line_number, value)`` for every non-blank line."""
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise InputFormatError(str(path), None, f"cannot open: {exc.strerror}") from None
    with fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                yield lineno, orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise InputFormatError(str(path), lineno, f"invalid JSON ({exc.msg})") from None


def iter_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line_number_of_record_start, row)``; blank cells become ``None``."""
    with _open_text(path) as fh:
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                return
            header = [h.strip() for h in header]
            if len(set(header)) != len(header) or any(not h for h in header):
                raise InputFormatError(str(path), 1, "CSV header has empty or duplicate column names")
            start = reader.line_num + 1
            for row in reader:
                if not row or all(not cell.strip() for cell in row):
                    start = reader.line_num + 1
                    continue
                if len(row) != len(header):
                    raise InputFormatError(str(path), start, f"expected {len(header)} columns, found {len(row)}")
                yield start, {h: (c if c.strip() else None) for h, c in zip(header, row)}
                start = reader.line_num + 1
        except csv.Error as exc:
            raise InputFormatError(str(path), reader.line_num, f"invalid CSV ({exc})") from None
        except UnicodeDecodeError:
            raise InputFormatError(str(path), reader.line_num + 1, "not UTF-8 text") from None


def load_json(path: Path) -> object:
    """Parse a whole JSON document (Label Studio writes its exports whole)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFormatError(str(path), None, f"cannot open: {exc.strerror}") from None
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        line = data.count(b"\n", 0, exc.pos) + 1 if exc.pos is not None else None
        raise InputFormatError(str(path), line, f"invalid JSON ({exc.msg})") from None

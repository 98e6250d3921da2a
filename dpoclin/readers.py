"""Streaming readers for JSONL, CSV and JSON files.

A file that cannot be parsed stops with :class:`InputFormatError` naming ``file:line``.
Readers yield ``(line, value)``; they know nothing of the export contract.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson

from dpoclin.errors import InputFormatError

_BOM = b"\xef\xbb\xbf"  # byte-order mark some Windows tools write
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # clinical notes can be long


def _open_text(path: Path):
    try:
        return open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")  # -sig: drop the BOM Excel writes
    except OSError as exc:
        raise InputFormatError(str(path), None, f"cannot open: {exc.strerror}") from None


def iter_jsonl(path: Path) -> Iterator[tuple[int, object]]:
    """Yield ``(line_number, value)`` for every non-blank line."""
    for lineno, _, value in iter_jsonl_raw(path):
        yield lineno, value


def iter_jsonl_raw(path: Path) -> Iterator[tuple[int, bytes, object]]:
    """Yield ``(line_number, raw_line, value)`` for every non-blank line (raw: for :func:`duplicate_key`)."""
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise InputFormatError(str(path), None, f"cannot open: {exc.strerror}") from None
    with fh:
        for lineno, raw in enumerate(fh, 1):
            if lineno == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM):]
            if not raw.strip():
                continue
            try:
                yield lineno, raw, orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise InputFormatError(str(path), lineno, f"invalid JSON ({exc.msg})") from None


# --- duplicate object keys (orjson, like json, silently keeps the last value) ----------------------------------

_KEY_END = re.compile(rb'"\s*:')  # every object key ends like this; string values rarely do
_DUPLICATE = "\x00duplicate key"


def _count_keys(value) -> int:
    if isinstance(value, dict):
        return len(value) + sum(_count_keys(v) for v in value.values())
    if isinstance(value, list):
        return sum(_count_keys(v) for v in value)
    return 0


def _mark_duplicates(pairs: list[tuple[str, object]]) -> dict:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            return {_DUPLICATE: key}
        seen.add(key)
    return dict(pairs)


def _find_duplicate(value) -> str | None:
    if isinstance(value, dict):
        if _DUPLICATE in value:
            return value[_DUPLICATE]
        children = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return None
    return next((dup for child in children if (dup := _find_duplicate(child)) is not None), None)


def might_have_duplicates(raw: bytes, value) -> bool:
    """Cheap test: fewer parsed keys than key-like ``":`` in the text. False means no key is duplicated."""
    return len(_KEY_END.findall(raw)) > _count_keys(value)


def duplicate_key(raw: bytes, value) -> str | None:
    """The first object key that ``raw`` (one JSON text, parsed as ``value``) repeats in one object, or None.
    The precise second parse runs only when :func:`might_have_duplicates` says so."""
    if not might_have_duplicates(raw, value):
        return None
    return _find_duplicate(json.loads(raw, object_pairs_hook=_mark_duplicates))


def duplicate_keys_per_item(raw: bytes, items: list) -> list[str | None]:
    """:func:`duplicate_key` of each element of a JSON array text ``raw`` parsed as ``items``."""
    if not might_have_duplicates(raw, items):
        return [None] * len(items)
    precise = json.loads(raw[len(_BOM):] if raw.startswith(_BOM) else raw, object_pairs_hook=_mark_duplicates)
    return [_find_duplicate(item) for item in precise]


def _has_undecodable(cell: str) -> bool:
    """Bytes that are not UTF-8 arrive as lone surrogates under errors='surrogateescape'."""
    try:
        cell.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def iter_csv(path: Path, index_column: bool = False) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line_number_of_record_start, row)``; blank cells become ``None``.

    ``index_column``: the first header cell may be empty (pandas' ``to_csv`` index); that column is named ``""``.
    """
    with _open_text(path) as fh:
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                return
            header = [h.strip() for h in header]
            named = header[1:] if index_column and header and not header[0] else header
            if len(set(named)) != len(named) or any(not h for h in named):
                raise InputFormatError(str(path), 1, "CSV header has empty or duplicate column names")
            start = reader.line_num + 1
            for row in reader:
                if not row or all(not cell.strip() for cell in row):
                    start = reader.line_num + 1
                    continue
                if any(_has_undecodable(cell) for cell in row):
                    raise InputFormatError(str(path), start, "not UTF-8 text")
                if len(row) != len(header):
                    raise InputFormatError(str(path), start, f"expected {len(header)} columns, found {len(row)}")
                yield start, {h: (c if c.strip() else None) for h, c in zip(header, row)}
                start = reader.line_num + 1
        except csv.Error as exc:
            raise InputFormatError(str(path), reader.line_num, f"invalid CSV ({exc})") from None


def load_json(path: Path) -> object:
    """Parse a whole JSON document (Label Studio writes its exports whole)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFormatError(str(path), None, f"cannot open: {exc.strerror}") from None
    try:
        return orjson.loads(data[len(_BOM):] if data.startswith(_BOM) else data)
    except orjson.JSONDecodeError as exc:
        line = getattr(exc, "lineno", None)  # orjson's pos counts characters, not bytes
        raise InputFormatError(str(path), line, f"invalid JSON ({exc.msg})") from None

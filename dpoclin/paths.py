"""Output paths that never touch inputs: the one check every command runs before it writes anything.

``check_output(out, inputs)`` refuses (``DpoclinError``: one line, exit 2) an ``--out`` that equals,
contains or sits inside an input (paths compared resolved, so through symlinks, and by inode for
hard links), an ``--out`` of the wrong kind (an existing file where a directory is written, or the
reverse), and one whose nearest existing parent is not a writable directory.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

OUTPUT_KINDS = ("dir", "file")


def local_inputs(*candidates: object) -> list[Path]:
    """The candidates that name an existing local file or directory (hub ids, ``embedded:`` names and None drop out)."""
    paths = []
    for item in candidates:
        if item is None or (isinstance(item, str) and (not item or item.startswith("embedded:"))):
            continue
        path = Path(item)
        if path.exists():
            paths.append(path)
    return paths


def check_output(out: Path, inputs: Iterable[Path], kind: str = "dir", flag: str = "--out") -> None:
    """Raise ``DpoclinError`` unless ``out`` is a place this command may write without touching ``inputs``."""
    from dpoclin.errors import DpoclinError

    if kind not in OUTPUT_KINDS:
        raise ValueError(f"kind must be one of {OUTPUT_KINDS}, got {kind!r}")
    out = Path(out)
    target = out.resolve()
    for path in inputs:
        relation = _overlap(target, out, Path(path))
        if relation:
            raise DpoclinError(f"{flag} {out}: {relation} the input {path}; choose an output outside the inputs")
    _check_kind(out, kind, flag)
    _check_writable_parent(out, flag)


def _overlap(target: Path, out: Path, path: Path) -> str | None:
    """How ``out`` (resolved: ``target``) overlaps the input ``path``, or None."""
    resolved = path.resolve()
    if target == resolved or (out.exists() and path.exists() and os.path.samefile(out, path)):
        return "is"
    if target in resolved.parents:
        return "contains"
    if resolved in target.parents:
        return "is inside"
    return None


def _check_kind(out: Path, kind: str, flag: str) -> None:
    from dpoclin.errors import DpoclinError

    if kind == "dir" and out.exists() and not out.is_dir():
        raise DpoclinError(f"{flag} {out}: is an existing file; give a directory path (this command writes a directory)")
    if kind == "file" and out.is_dir():
        raise DpoclinError(f"{flag} {out}: is a directory; give a file path")


def _check_writable_parent(out: Path, flag: str) -> None:
    """The nearest existing ancestor of ``out`` must be a directory we may create entries in."""
    from dpoclin.errors import DpoclinError

    if out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
        raise DpoclinError(f"{flag} {out}: cannot write into it (permission denied); choose a writable location")
    parent = out.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise DpoclinError(f"{flag} {out}: {parent} is a file, not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DpoclinError(f"{flag} {out}: cannot write into {parent} (permission denied); choose a writable location")

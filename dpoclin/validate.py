"""One validation layer for numbers: finite, in range, with the allowed range in the message.

A :class:`Range` is a declarative spec (``Range(0, lo_open=True)`` = "> 0"); the same specs check CLI options
(build-pairs, eval-refusals), recipe fields (field metadata, so ``--set`` and YAML share them) and files read
back (a refusal detector's weights). Messages read ``NAME: must be a finite number > 0, got nan``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass

from dpoclin.errors import DpoclinError


@dataclass(frozen=True)
class Range:
    """Allowed values of one number: ``lo``/``hi`` bounds (None: unbounded), open or closed; always finite."""

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    integer: bool = False

    def describe(self) -> str:
        """'a finite number in [1, 5]', 'a finite number > 0', 'an integer >= 1'."""
        kind = "an integer" if self.integer else "a finite number"
        if self.lo is not None and self.hi is not None:
            return f"{kind} in {'(' if self.lo_open else '['}{_fmt(self.lo)}, {_fmt(self.hi)}{')' if self.hi_open else ']'}"
        if self.lo is not None:
            return f"{kind} {'>' if self.lo_open else '>='} {_fmt(self.lo)}"
        if self.hi is not None:
            return f"{kind} {'<' if self.hi_open else '<='} {_fmt(self.hi)}"
        return kind

    def contains(self, value) -> bool:
        """True when ``value`` is a number of the right kind, finite and within the bounds."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if not math.isfinite(value) or (self.integer and value != int(value)):
            return False
        if self.lo is not None and (value <= self.lo if self.lo_open else value < self.lo):
            return False
        return self.hi is None or (value < self.hi if self.hi_open else value <= self.hi)


FINITE = Range()
POSITIVE = Range(0, lo_open=True)
NON_NEGATIVE = Range(0)
AT_LEAST_ONE = Range(1, integer=True)
PROBABILITY = Range(0, 1)


def _fmt(value) -> str:
    """Short, exact text of a number: -1.0 -> '-1', nan -> 'nan', 2e-4 -> '0.0002'."""
    if isinstance(value, float):
        short = f"{value:g}"
        return short if not math.isfinite(value) or float(short) == value else repr(value)
    return repr(value)


def problem(name: str, value, spec: Range) -> str | None:
    """The message for ``value`` outside ``spec`` (None when it is fine)."""
    if spec.contains(value):
        return None
    return f"{name}: must be {spec.describe()}, got {_fmt(value)}"


def check(name: str, value, spec: Range) -> None:
    """Raise DpoclinError when ``value`` is outside ``spec``."""
    message = problem(name, value, spec)
    if message:
        raise DpoclinError(message)


def check_all(items: Iterable[tuple[str, object, Range]], source: str | None = None) -> None:
    """Check every ``(name, value, spec)``; one DpoclinError listing all problems, prefixed with ``source``."""
    problems = [msg for name, value, spec in items if (msg := problem(name, value, spec))]
    if problems:
        raise DpoclinError((f"{source}: " if source else "") + "; ".join(problems))


def ranged(default, help: str, spec: Range | None = None):
    """A dataclass field carrying its help text and (optionally) its allowed range as metadata."""
    metadata = {"help": help} | ({"range": spec} if spec is not None else {})
    return dataclasses.field(default=default, metadata=metadata)


def field_problems(obj, prefix: str = "") -> list[str]:
    """Problems of a dataclass instance (recursively): fields with a ``range`` in their metadata must lie in it
    (None skips: an Optional left unset), and every float field must be finite."""
    out: list[str] = []
    for f in dataclasses.fields(obj):
        value, name = getattr(obj, f.name), f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            out += field_problems(value, name + ".")
        elif "range" in f.metadata and value is not None:
            out += [msg] if (msg := problem(name, value, f.metadata["range"])) else []
        elif isinstance(value, float) and not math.isfinite(value):
            out.append(f"{name}: must be {FINITE.describe()}, got {_fmt(value)}")
    return out


def finite_array(name: str, array) -> None:
    """Raise DpoclinError when a numpy array holds NaN or infinite values (e.g. a tampered weights file)."""
    import numpy as np

    bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
    if bad:
        raise DpoclinError(f"{name}: must hold finite numbers only, got {bad} NaN or infinite value(s)")

"""Errors that reach the user as one line and a non-zero exit code."""

from __future__ import annotations


class DpoclinError(Exception):
    """A user-facing error: printed as one line, exit code 2, never a traceback."""

    exit_code = 2


class InputFormatError(DpoclinError):
    """A file that is not valid JSONL/CSV/JSON. Carries ``file:line`` in its message."""

    def __init__(self, path: str, line: int | None, problem: str):
        self.path, self.line, self.problem = path, line, problem
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {problem}")


class RecordRejected(Exception):
    """A record that parses but breaks the export contract.

    ``reason`` is machine-readable (snake_case), ``field`` names the offending field
    (dotted path), ``detail`` is a short human sentence.
    """

    def __init__(self, reason: str, field: str | None = None, detail: str = ""):
        self.reason, self.field, self.detail = reason, field, detail
        super().__init__(f"{reason}: {field or '-'}: {detail}")

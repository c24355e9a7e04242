"""Printing findings in the formats users know: flake8's text line and JSON."""

import json
from typing import Iterable, List, TextIO

from .engine import FileResult

FORMATS = ("text", "json")


def text_line(path: str, line: int, col: int, code: str, message: str) -> str:
    """``path:line:col: CODE message`` with a 1-based column, exactly as flake8 prints it."""
    return "%s:%d:%d: %s %s" % (path, line, col + 1, code, message)


def entries(results: Iterable[FileResult]) -> List[dict]:
    rows = []
    for result in results:
        problems = ([result.error] if result.error else []) + list(result.findings)
        for finding in problems:
            rows.append(
                {
                    "path": result.path,
                    "line": finding.line,
                    "column": finding.col + 1,
                    "end_line": finding.end_line,
                    "end_column": finding.end_col + 1 if finding.end_col is not None else None,
                    "code": finding.code,
                    "message": finding.message,
                    "fix": finding.fix,
                    "error": finding is result.error,
                }
            )
    return rows


def write(results: List[FileResult], fmt: str, stream: TextIO) -> None:
    if fmt == "json":
        json.dump(entries(results), stream, indent=2)
        stream.write("\n")
        return
    for row in entries(results):
        stream.write(text_line(row["path"], row["line"], row["column"] - 1, row["code"], row["message"]) + "\n")

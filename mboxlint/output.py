"""Printing findings in the formats people and CI systems read.

- ``text``: flake8's ``path:line:col: CODE message`` (1-based column), coloured in a terminal.
- ``grouped``: ruff's grouped view: each file's name, then its findings as ``line:col CODE message``.
- ``json``: a list of objects, one per finding.
- ``sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers, with every rule's
  metadata (id, name, descriptions, help text, help URI) and a region per result.
- ``github``: GitHub Actions workflow commands (``::error file=…,line=…::message``), which the
  runner turns into annotations on the pull request.

A file that could not be checked (E902/E999) is reported like a finding in every format.
"""

import json
import os
from collections import Counter
from typing import Dict, Iterable, List, Optional, TextIO

from . import __version__
from .engine import FileResult
from .source import SourceError, read_source

FORMATS = ("text", "json", "sarif", "github", "grouped")
#: formats meant for people: coloured in a terminal, statistics appended
HUMAN_FORMATS = ("text", "grouped")

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"

#: what E902/E999 mean, for the formats that describe every code they use
NON_RULE_CODES = {
    "E902": ("cannot-read-file", "The file could not be read or decoded, so it was not checked."),
    "E999": ("syntax-error", "The file is not valid Python, so it was not checked."),
}

# ANSI styles, as flake8 and ruff use them
BOLD, RED, CYAN, RESET = "\033[1m", "\033[31m", "\033[36m", "\033[m"


def color_wanted(no_color: bool, stream: TextIO, environ: Optional[Dict[str, str]] = None) -> bool:
    """``--no-color`` and ``NO_COLOR`` turn colour off, ``FORCE_COLOR`` on, else only in a terminal."""
    environ = os.environ if environ is None else environ
    if no_color or environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def text_line(path: str, line: int, col: int, code: str, message: str, color: bool = False) -> str:
    """``path:line:col: CODE message`` with a 1-based column, exactly as flake8 prints it."""
    if not color:
        return "%s:%d:%d: %s %s" % (path, line, col + 1, code, message)
    sep = CYAN + ":" + RESET
    return "%s%s%s%s%d%s%d%s %s%s%s%s %s" % (
        BOLD, path, RESET, sep, line, sep, col + 1, sep, BOLD, RED, code, RESET, message,
    )


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


def write(
    results: List[FileResult],
    fmt: str,
    stream: TextIO,
    show_source: bool = False,
    color: bool = False,
    base: Optional[str] = None,
) -> None:
    """Write the report of ``results`` in ``fmt``; ``base`` is the folder paths are made relative to
    in SARIF and GitHub output (default: the current directory)."""
    rows = entries(results)
    if fmt == "json":
        json.dump(rows, stream, indent=2)
        stream.write("\n")
    elif fmt == "sarif":
        json.dump(sarif(rows, base), stream, indent=2)
        stream.write("\n")
    elif fmt == "github":
        for row in rows:
            stream.write(github_line(row, base) + "\n")
    elif fmt == "grouped":
        write_grouped(rows, stream, show_source, color)
    else:
        sources = _SourceLines() if show_source else None
        for row in rows:
            stream.write(text_line(row["path"], row["line"], row["column"] - 1, row["code"], row["message"], color) + "\n")
            if sources is not None:
                stream.write(sources.excerpt(row["path"], row["line"], row["column"] - 1, color))


def write_grouped(rows: List[dict], stream: TextIO, show_source: bool, color: bool) -> None:
    sources = _SourceLines() if show_source else None
    by_path: Dict[str, List[dict]] = {}
    for row in rows:
        by_path.setdefault(row["path"], []).append(row)
    for path, group in by_path.items():
        stream.write("%s%s%s:\n" % (BOLD, path, RESET) if color else "%s:\n" % path)
        width = max(len("%d:%d" % (row["line"], row["column"])) for row in group)
        for row in group:
            position = ("%d:%d" % (row["line"], row["column"])).ljust(width)
            code = "%s%s%s%s" % (BOLD, RED, row["code"], RESET) if color else row["code"]
            stream.write("  %s %s %s\n" % (position, code, row["message"]))
            if sources is not None:
                stream.write(sources.excerpt(path, row["line"], row["column"] - 1, color, indent="    "))
        stream.write("\n")


class _SourceLines:
    """Source lines for ``--show-source``, read once per file, decoded like the checker decodes them."""

    def __init__(self):
        self._files: Dict[str, List[str]] = {}

    def excerpt(self, path: str, line: int, col: int, color: bool, indent: str = "") -> str:
        if path not in self._files:
            try:
                self._files[path] = read_source(path).text.splitlines()
            except SourceError:
                self._files[path] = []
        lines = self._files[path]
        if not 1 <= line <= len(lines):
            return ""
        text = lines[line - 1].rstrip()
        # Keep tabs under the caret so it lines up with the character in any tab width.
        padding = "".join(c if c == "\t" else " " for c in text[:col])
        caret = "%s^%s" % (RED, RESET) if color else "^"
        return "%s%s\n%s%s%s\n" % (indent, text, indent, padding, caret)


def statistics(results: Iterable[FileResult]) -> List[str]:
    """``count  CODE  name`` per code, most frequent first, as flake8's ``--statistics`` counts."""
    from .rules import REGISTRY

    counts: Counter = Counter()
    for row in entries(results):
        counts[row["code"]] += 1
    lines = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        rule = REGISTRY.get(code)
        name = rule.name if rule is not None else NON_RULE_CODES.get(code, (code,))[0]
        lines.append("%-5d %s %s" % (count, code, name))
    return lines


# -- GitHub Actions ------------------------------------------------------------------------


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_line(row: dict, base: Optional[str] = None) -> str:
    """One ``::error`` workflow command; the runner turns it into an annotation."""
    properties = [("file", relative_uri(row["path"], base)), ("line", row["line"]), ("col", row["column"])]
    if row["end_line"] is not None and row["end_column"] is not None:
        properties += [("endLine", row["end_line"]), ("endColumn", row["end_column"])]
    properties.append(("title", row["code"]))
    return "::error %s::%s" % (
        ",".join("%s=%s" % (key, _escape_property(str(value))) for key, value in properties),
        _escape_data("%s %s" % (row["code"], row["message"])),
    )


# -- SARIF ---------------------------------------------------------------------------------


def relative_uri(path: str, base: Optional[str] = None) -> str:
    """``path`` relative to ``base`` with forward slashes; absolute when it lies outside ``base``."""
    base = os.path.abspath(base or os.getcwd())
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, base)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return absolute.replace(os.sep, "/")
    return relative.replace(os.sep, "/")


def _file_uri(directory: str) -> str:
    from urllib.request import pathname2url

    return "file://" + pathname2url(os.path.abspath(directory)).rstrip("/") + "/"


def rule_descriptor(rule) -> dict:
    from .docs import section

    full = rule.documentation()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": section(full, "## What it does") or rule.summary()},
        "help": {"text": full, "markdown": full},
        "defaultConfiguration": {"enabled": bool(rule.default_enabled), "level": "error"},
        "properties": {"fix": rule.fix_safety or "none", "tags": ["concurrency", "correctness"]},
    }


def sarif(rows: List[dict], base: Optional[str] = None) -> dict:
    from .rules import all_rules

    descriptors = [rule_descriptor(rule) for rule in all_rules()]
    for code in sorted({row["code"] for row in rows} - {d["id"] for d in descriptors}):
        name, text = NON_RULE_CODES.get(code, (code.lower(), code))
        descriptors.append({"id": code, "name": name, "shortDescription": {"text": text},
                            "defaultConfiguration": {"level": "error"}})
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    results = []
    for row in rows:
        uri = relative_uri(row["path"], base)
        location: dict = {"uri": uri}
        if not uri.startswith("/"):
            location["uriBaseId"] = "%SRCROOT%"
        region = {"startLine": row["line"], "startColumn": row["column"]}
        if row["end_line"] is not None and row["end_column"] is not None:
            region.update(endLine=row["end_line"], endColumn=row["end_column"])
        result = {
            "ruleId": row["code"],
            "ruleIndex": index[row["code"]],
            "level": "error",
            "message": {"text": row["message"]},
            "locations": [{"physicalLocation": {"artifactLocation": location, "region": region}}],
        }
        if row["fix"]:
            result["properties"] = {"fix": row["fix"]}
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mboxlint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": descriptors,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": _file_uri(base or os.getcwd())}},
                "results": results,
            }
        ],
    }

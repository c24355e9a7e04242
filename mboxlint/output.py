"""Printing findings in the formats people and CI systems read.

- ``text``: flake8's ``path:line:col: CODE message`` (1-based column), coloured in a terminal.
- ``grouped``: ruff's grouped view: each file's name, then its findings as ``line:col CODE message``.
- ``json``: a list of objects, one per finding.
- ``sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers, with every rule's
  metadata (id, name, descriptions, help text, help URI) and a region per result.
- ``github``: GitHub Actions workflow commands (``::error file=…,line=…::message``), which the
  runner turns into annotations on the pull request.

A file that could not be checked (E902/E999) is reported like a finding in every format.

File names are shown as they are, except in ``text``, ``grouped`` and ``github``, where
:func:`display_path` escapes what a terminal or a CI log would act on (control characters,
newlines, bidirectional overrides) so that a file's name can neither start a new line (a
forged finding or a GitHub workflow command) nor change the terminal. ``json`` keeps the exact
name (JSON escapes control characters itself); ``sarif`` percent-encodes it into a URI.
"""

import bisect
import json
import os
import re
from collections import Counter
from typing import Dict, Iterable, List, Optional, TextIO, Tuple

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

#: what :func:`display_path` escapes: C0 and C1 controls, DEL, the line and paragraph separators,
#: bidirectional embeddings/overrides/isolates, and the lone surrogates ``os.fsdecode`` makes of
#: bytes that are not UTF-8 (and, where it is not the separator, the escape character itself)
_UNSAFE_IN_NAME = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff%s]"
                             % ("\\\\" if os.sep != "\\" else ""))
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def _escape_char(match) -> str:
    char = match.group()
    named = _NAMED_ESCAPES.get(char)
    if named is not None:
        return named
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8: show the byte
        return "\\x%02x" % (code - 0xDC00)
    # \xNN only below 0x80, where a character and its byte are one: U+0085 is \u0085, the
    # byte 0x85 of a name that is not UTF-8 is \x85
    return "\\x%02x" % code if code < 0x80 else "\\u%04x" % code


def display_path(path: str) -> str:
    """``path`` for a terminal or a log, escaped as a Python string literal would spell it:
    ``\\n``, ``\\r``, ``\\t``, ``\\xNN`` (an ASCII control character, or a byte of a name that
    is not UTF-8), ``\\uNNNN`` (any other character escaped), and, on systems where it is not the path separator, ``\\\\`` for a
    backslash, so that an escaped name never reads as another name. Plain names come back as is."""
    return _UNSAFE_IN_NAME.sub(_escape_char, path)


def display_text(text: str, keep: str = "\\") -> str:
    """A message for a terminal: control characters escaped as in :func:`display_path`, except
    the characters in ``keep``: a backslash stays one (messages quote source code, where it
    means itself)."""
    return _UNSAFE_IN_NAME.sub(lambda m: m.group() if m.group() in keep else _escape_char(m), text)


_CONTINUATION_BYTE = re.compile(b"[\x80-\xbf]")

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
    """``path:line:col: CODE message`` with a 1-based column, exactly as flake8 prints it
    (the name and the message escaped for a terminal: see :func:`display_path`)."""
    path, message = display_path(path), display_text(message)
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
    texts: Optional[Dict[str, str]] = None,
    mark_fixes: Optional[bool] = None,
) -> None:
    """Write the report of ``results`` in ``fmt``; ``base`` is the folder paths are made relative to
    in SARIF and GitHub output (default: the current directory); ``texts``: the source of names
    that are not files (stdin). ``mark_fixes``: put ruff's ``[*]`` before the message of a
    finding ``--fix`` would fix (text and grouped): True counts unsafe fixes too, False safe
    ones only, None marks nothing."""
    rows = entries(results)
    if mark_fixes is not None and fmt in HUMAN_FORMATS:
        accepted = ("safe", "unsafe") if mark_fixes else ("safe",)
        for row in rows:
            if row["fix"] in accepted:
                row["message"] = "[*] " + row["message"]
    if fmt == "json":
        json.dump(rows, stream, indent=2)
        stream.write("\n")
    elif fmt == "sarif":
        json.dump(sarif(rows, base, texts), stream, indent=2)
        stream.write("\n")
    elif fmt == "github":
        for row in rows:
            stream.write(github_line(row, base) + "\n")
    elif fmt == "grouped":
        write_grouped(rows, stream, show_source, color, texts)
    else:
        sources = _SourceLines(texts) if show_source else None
        for row in rows:
            stream.write(text_line(row["path"], row["line"], row["column"] - 1, row["code"], row["message"], color) + "\n")
            if sources is not None:
                stream.write(sources.excerpt(row["path"], row["line"], row["column"] - 1, color))


def write_grouped(rows: List[dict], stream: TextIO, show_source: bool, color: bool,
                  texts: Optional[Dict[str, str]] = None) -> None:
    sources = _SourceLines(texts) if show_source else None
    by_path: Dict[str, List[dict]] = {}
    for row in rows:
        by_path.setdefault(row["path"], []).append(row)
    for path, group in by_path.items():
        shown = display_path(path)
        stream.write("%s%s%s:\n" % (BOLD, shown, RESET) if color else "%s:\n" % shown)
        width = max(len("%d:%d" % (row["line"], row["column"])) for row in group)
        for row in group:
            position = ("%d:%d" % (row["line"], row["column"])).ljust(width)
            code = "%s%s%s%s" % (BOLD, RED, row["code"], RESET) if color else row["code"]
            stream.write("  %s %s %s\n" % (position, code, display_text(row["message"])))
            if sources is not None:
                stream.write(sources.excerpt(path, row["line"], row["column"] - 1, color, indent="    "))
        stream.write("\n")


class _SourceLines:
    """Source lines for ``--show-source`` and SARIF's columns, read once per file, decoded like
    the checker decodes them; ``texts``: the text of names that are not files (stdin)."""

    def __init__(self, texts: Optional[Dict[str, str]] = None):
        self._files: Dict[str, List[str]] = {}
        self._texts = texts or {}
        self._continuations: Dict[Tuple[str, int], List[int]] = {}

    def lines(self, path: str) -> List[str]:
        if path not in self._files:
            if path in self._texts:
                self._files[path] = self._texts[path].splitlines()
            else:
                try:
                    self._files[path] = read_source(path).text.splitlines()
                except SourceError:
                    self._files[path] = []
        return self._files[path]

    def code_point_column(self, path: str, line: int, column: int) -> int:
        """A 1-based column counted in UTF-8 bytes (as ``ast`` counts) counted in characters:
        the bytes before it less the continuation bytes among them, found once per line."""
        lines = self.lines(path)
        if not 1 <= line <= len(lines) or column <= 1:
            return column
        continuations = self._continuations.get((path, line))
        if continuations is None:
            text = lines[line - 1]
            continuations = [] if text.isascii() else [
                m.start() for m in _CONTINUATION_BYTE.finditer(text.encode("utf-8", "surrogatepass"))]
            self._continuations[(path, line)] = continuations
        return column - bisect.bisect_left(continuations, column - 1)

    def excerpt(self, path: str, line: int, col: int, color: bool, indent: str = "") -> str:
        lines = self.lines(path)
        if not 1 <= line <= len(lines):
            return ""
        text = lines[line - 1].rstrip()
        # Keep tabs under the caret so it lines up with the character in any tab width; a
        # control character in the source reaches the terminal escaped, the caret after it.
        padding = "".join(c if c == "\t" else " " for c in display_text(text[:col], keep="\\\t"))
        text = display_text(text, keep="\\\t")
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
    # The runner reads every line of the log that starts with "::": a name escaped by
    # display_path cannot end this line and start another.
    properties = [("file", display_path(relative_path(row["path"], base))), ("line", row["line"]),
                  ("col", row["column"])]
    if row["end_line"] is not None and row["end_column"] is not None:
        properties += [("endLine", row["end_line"]), ("endColumn", row["end_column"])]
    properties.append(("title", row["code"]))
    return "::error %s::%s" % (
        ",".join("%s=%s" % (key, _escape_property(str(value))) for key, value in properties),
        # line breaks in the message are the annotation's own, which _escape_data encodes
        _escape_data("%s %s" % (row["code"], display_text(row["message"], keep="\\\r\n"))),
    )


# -- SARIF ---------------------------------------------------------------------------------


def relative_path(path: str, base: Optional[str] = None) -> str:
    """``path`` relative to ``base`` with forward slashes; absolute when it lies outside ``base``."""
    base = os.path.abspath(base or os.getcwd())
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute, base)
    except ValueError:  # another drive (Windows)
        return absolute.replace(os.sep, "/")
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return absolute.replace(os.sep, "/")
    return relative.replace(os.sep, "/")


def _percent_encoded(path: str) -> str:
    """A path (forward slashes) as the path of a URI: every byte of its file-system encoding
    that is not unreserved, ``/`` excepted, is percent-encoded (``#``, ``%``, ``?``, a space,
    ``:``, which would read as a scheme, and every non-ASCII byte)."""
    from urllib.parse import quote

    return quote(os.fsencode(path), safe="/")


def relative_uri(path: str, base: Optional[str] = None) -> str:
    """``path`` as a URI reference: relative to ``base`` (to be resolved against
    ``%SRCROOT%``), or a ``file:`` URI when it lies outside ``base``."""
    shown = relative_path(path, base)
    if shown.startswith("/") or os.path.isabs(shown):
        return _file_uri(shown, directory=False)
    return _percent_encoded(shown)


def _file_uri(path: str, directory: bool = True) -> str:
    absolute = os.path.abspath(path).replace(os.sep, "/")
    if not absolute.startswith("/"):  # C:/x on Windows
        absolute = "/" + absolute
    uri = "file://" + _percent_encoded(absolute)
    return uri.rstrip("/") + "/" if directory else uri


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


def sarif(rows: List[dict], base: Optional[str] = None, texts: Optional[Dict[str, str]] = None) -> dict:
    """The SARIF log of ``rows``. Columns are counted in Unicode code points, as the run's
    ``columnKind`` says (the engine counts UTF-8 bytes, as ``ast`` and flake8 do)."""
    from .rules import all_rules

    lines = _SourceLines(texts)
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
        if not uri.startswith("file:"):
            location["uriBaseId"] = "%SRCROOT%"
        column = lines.code_point_column(row["path"], row["line"], row["column"])
        region = {"startLine": row["line"], "startColumn": column}
        if row["end_line"] is not None and row["end_column"] is not None:
            region.update(endLine=row["end_line"],
                          endColumn=lines.code_point_column(row["path"], row["end_line"], row["end_column"]))
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
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }

"""Reading a Python file as the interpreter would, or saying clearly why it cannot be read.

The encoding comes from the BOM or the PEP 263 coding cookie (``tokenize.detect_encoding``),
so latin-1 or koi8-r sources with a cookie are checked like any other. Line endings are
kept as they are; ``ast`` accepts CRLF.
"""

import io
import os
import stat
import tokenize
from typing import NamedTuple, Optional


class Source(NamedTuple):
    text: str
    encoding: str
    #: the raw bytes, kept so that ``--fix`` can write back in the same encoding
    raw: bytes


class SourceError(Exception):
    """A file that cannot be checked; ``code`` follows flake8's E902 convention."""

    def __init__(self, message: str, line: int = 1, col: int = 0, code: str = "E902"):
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col
        self.code = code


def decode(raw: bytes) -> Source:
    """Decode source bytes; raise :class:`SourceError` for undecodable bytes or NUL bytes."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as error:  # an unknown or conflicting coding cookie
        raise SourceError("cannot decode: %s" % error) from None
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        line = raw[: getattr(error, "start", 0)].count(b"\n") + 1
        raise SourceError("cannot decode as %s: %s" % (encoding, error.reason if hasattr(error, "reason") else error), line) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\0" in text:
        line = text[: text.index("\0")].count("\n") + 1
        raise SourceError("source contains a NUL byte", line)
    return Source(text, encoding, raw)


def read_source(path: str) -> Source:
    """Read and decode ``path``; every failure becomes a :class:`SourceError`."""
    try:
        if os.path.isdir(path):
            raise SourceError("is a directory")
        # Opening a FIFO for reading blocks until a writer comes: open without blocking and
        # refuse anything but a regular file before reading.
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise SourceError("not a regular file")
            raw = handle.read()
    except SourceError:
        raise
    except OSError as error:
        raise SourceError("cannot read: %s" % (error.strerror or error)) from None
    return decode(raw)


def error_position(error: SyntaxError) -> tuple:
    line = error.lineno or 1
    col = max((error.offset or 1) - 1, 0)
    return line, col


def describe_syntax_error(error: SyntaxError) -> str:
    return "SyntaxError: %s" % (error.msg or "invalid syntax")


def optional_text(source: Optional[Source]) -> Optional[str]:
    return source.text if source is not None else None

"""``# noqa`` comments, read the way flake8 reads them, so both entry points agree.

A bare ``# noqa`` silences every code on its line; ``# noqa: MBX101,MBX2`` silences the
codes that start with one of the listed ones. As in flake8, a token that spans lines (a
triple-quoted string) joins them, and ``# flake8: noqa`` at the start of a line skips the file.
"""

import io
import re
import tokenize
from typing import Dict, FrozenSet, Optional

NOQA_INLINE = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
NOQA_FILE = re.compile(r"\s*# flake8[:=]\s*noqa", re.IGNORECASE)

#: ``None`` in the map means "every code"
NoqaMap = Dict[int, Optional[FrozenSet[str]]]


def file_is_skipped(text: str) -> bool:
    """``# flake8: noqa`` at the start of a line skips the whole file, as in flake8."""
    if "noqa" not in text.lower():
        return False
    return any(NOQA_FILE.match(line) for line in text.splitlines())


def noqa_lines(text: str) -> NoqaMap:
    """Map each line number to the codes its ``# noqa`` silences.

    Lines are grouped as flake8 groups them: a token that spans lines (a triple-quoted
    string) joins them, so a ``# noqa`` after the string covers the line it starts on.
    """
    if "noqa" not in text.lower():
        return {}
    lines = text.splitlines(True)
    result: NoqaMap = {}
    try:
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        low, high = None, None
        for token in tokens:
            if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            start, end = token.start[0], token.end[0]
            low = start if low is None else min(low, start)
            high = end if high is None else max(high, end)
            if token.type in (tokenize.NL, tokenize.NEWLINE):
                _merge(result, range(low, high + 1), _codes_in("".join(lines[low - 1 : high])))
                low, high = None, None
    except (tokenize.TokenError, SyntaxError):
        return {}  # as flake8: no noqa in a file that does not tokenize
    return result


def _codes_in(comment: str):
    match = NOQA_INLINE.search(comment)
    if not match:
        return False
    codes = match.group("codes")
    if not codes:
        return None
    # Compared as written, like flake8 does: ``# noqa:mbx101`` silences nothing.
    return frozenset(code for code in re.split(r"[,\s]+", codes.strip()) if code)


def _merge(result: NoqaMap, lines, codes) -> None:
    if codes is False:
        return
    for line in lines:
        if line in result and result[line] is None:
            continue
        if codes is None:
            result[line] = None
        else:
            result[line] = (result.get(line) or frozenset()) | codes


def is_silenced(noqa: NoqaMap, line: int, code: str) -> bool:
    if line not in noqa:
        return False
    codes = noqa[line]
    return codes is None or any(code.startswith(prefix) for prefix in codes)

"""How a message quotes the path a finding is about: as the user wrote it.

The analysis identifies paths by keys (``join(CACHE_DIR,concat(name,'.pickle'))``), which are
for comparing, not for reading: a message quotes the expression's own source text instead (the
variable ``path``, or ``'.%s.py' % className``), whitespace runs folded to one space and cut
to :data:`LIMIT` characters. The key is the fallback when the source is not at hand.
"""

import re
from typing import List, Optional

#: characters of a quoted expression before it is cut with "..."
LIMIT = 60
#: bytes of source read at most for one quote, so that a huge expression, or many findings in
#: one, cost no more than short ones (whitespace runs may be long: keep a margin over LIMIT)
MAX_BYTES = 4096
#: lines of a multi-line expression read at most (blank ones cost no bytes but still a step)
MAX_LINES = 64
_WHITESPACE = re.compile(r"\s+")


def source_segment(node, lines: List[bytes]) -> Optional[str]:
    """The source text of ``node`` (``ast`` positions: 1-based lines, UTF-8 byte columns) in
    ``lines`` (:attr:`mboxlint.analysis.ModuleAnalysis.lines`), at most :data:`MAX_BYTES` of
    it, or None when its positions are missing or do not fit ``lines``."""
    start, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
    first, last = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
    if None in (start, end, first, last) or not 1 <= start <= end <= len(lines):
        return None
    parts = []
    budget = MAX_BYTES
    for number in range(start, min(end, start + MAX_LINES) + 1):
        line = lines[number - 1]
        begin = first if number == start else 0
        stop = min(last if number == end else len(line), begin + budget)
        parts.append(line[begin:stop])
        budget -= len(parts[-1])
        if budget <= 0:
            break
    return b" ".join(parts).decode("utf-8", "replace")


def spell_path(key, node=None, lines: Optional[List[bytes]] = None) -> str:
    """The path of a finding for its message, in backticks: ``node``'s source text when
    ``node`` and the module's ``lines`` are given, else the analysis key."""
    shown = source_segment(node, lines) if node is not None and lines is not None else None
    shown = _WHITESPACE.sub(" ", shown).strip() if shown else _spell_key(key)
    return "`%s`" % shown if len(shown) <= LIMIT else "`%s...`" % shown[:LIMIT - 3]


def _spell_key(key) -> str:
    """A path key's own spelling (a :class:`~mboxlint.analysis.pathkey.PathKey`, cut short
    without spelling it whole, or a plain string)."""
    return key.spell(LIMIT + 1) if hasattr(key, "spell") else str(key)

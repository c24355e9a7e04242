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
#: lines of a multi-line expression read at most (what the message shows is shorter anyway)
MAX_LINES = 4
_WHITESPACE = re.compile(r"\s+")


def source_segment(node, lines: List[str]) -> Optional[str]:
    """The source text of ``node`` (``ast`` positions: 1-based lines, UTF-8 byte columns) in
    ``lines`` (:attr:`mboxlint.analysis.ModuleAnalysis.lines`), or None when its positions are missing or do not fit ``lines``."""
    start, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
    first, last = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
    if None in (start, end, first, last) or not 1 <= start <= end <= len(lines):
        return None
    cut = end > start + MAX_LINES
    if cut:
        end, last = start + MAX_LINES, None
    parts = [line.encode("utf-8", "surrogatepass") for line in lines[start - 1:end]]
    if len(parts) == 1:
        parts[0] = parts[0][first:last]
    else:
        parts[0], parts[-1] = parts[0][first:], parts[-1][:last]
    text = " ".join(part.decode("utf-8", "replace") for part in parts)
    return text + " ..." if cut else text


def spell_path(key: str, node=None, lines: Optional[List[str]] = None) -> str:
    """The path of a finding for its message, in backticks: ``node``'s source text when
    ``node`` and the module's ``lines`` are given, else the analysis key."""
    shown = source_segment(node, lines) if node is not None and lines is not None else None
    shown = _WHITESPACE.sub(" ", shown).strip() if shown else key
    return "`%s`" % shown if len(shown) <= LIMIT else "`%s...`" % shown[:LIMIT - 3]

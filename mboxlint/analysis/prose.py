"""Where a word of a module's text is prose, not code: a comment, or a docstring.

The scope filter (``analysis._scope_filter``) walks the scopes whose lines hold a trigger
word; a word that only a comment or a docstring spells ("... if the file exists") calls for
no walk, since nothing the analysis reads is there. The test may say "code" of prose (a word
after a quote on its line, a docstring sharing its line with a statement), never "prose" of
code.
"""

import ast
import bisect
from typing import List, Optional, Tuple

#: characters before a ``#`` on its line that may make it part of a string (or of an
#: f-string's field), not the start of a comment
_NOT_PLAIN = "'\"{"


class Prose:
    """Tells whether a word of ``text`` is prose. The words asked about come in ascending
    order of offset; what is read of a line is read once, however many words it holds."""

    def __init__(self, text: str, tree: Optional[ast.Module] = None):
        self.text = text
        #: (first line, last line, column of the first) of each docstring, by first line
        self._spans: List[Tuple[int, int, int]] = _docstrings(tree) if tree is not None else []
        self._starts = [span[0] for span in self._spans]
        #: the line read last: its number, where it starts, where its first ``#`` is, and
        #: where the first character that may open a string or a field is (-1: none)
        self._line = (0, 0, -1, -1)

    def holds(self, line: int, at: int) -> bool:
        """Whether the word at offset ``at`` of the text, on line ``line``, is prose."""
        if self._line[0] != line:
            self._read_line(line, at)
        _number, start, hash_at, quote_at = self._line
        if -1 < hash_at < at and (quote_at == -1 or quote_at > at):
            # After a ``#`` with nothing before that may open a string: a comment, or the
            # rest of a string begun on an earlier line, still open here.
            return True
        return self._in_docstring(line, start, at)

    def _read_line(self, line: int, at: int) -> None:
        text = self.text
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        if end == -1:
            end = len(text)
        found = [text.find(char, start, end) for char in _NOT_PLAIN]
        found = [place for place in found if place != -1]
        self._line = (line, start, text.find("#", start, end), min(found) if found else -1)

    def _in_docstring(self, line: int, start: int, at: int) -> bool:
        index = bisect.bisect_right(self._starts, line) - 1
        if index < 0:
            return False
        first, last, column = self._spans[index]
        if line > last:
            return False
        if line > first:
            return True  # its inner lines (and its last, when no statement follows it there)
        # its first line: only indentation may stand before it, as many characters as its
        # column counts bytes (indentation is ASCII)
        indent = self.text[start:start + column]
        return len(indent) == column and not indent.strip(" \t\f") and at >= start + column


def _docstrings(tree: ast.Module) -> List[Tuple[int, int, int]]:
    """``(first line, last line, column)`` of the docstrings of the module, of its functions
    and classes, and of their methods (at any depth of class bodies; the few of functions
    nested in functions are not looked for: their statements are many), sorted. The last line
    is left out when a statement follows the docstring on it (``"doc"; f()``)."""
    spans = []
    stack: List[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        body = node.body  # type: ignore[attr-defined]
        first = body[0] if body else None
        if type(first) is ast.Expr and type(first.value) is ast.Constant and type(first.value.value) is str:
            last = first.end_lineno or first.lineno
            if len(body) > 1 and body[1].lineno == last:
                last -= 1
            spans.append((first.lineno, last, first.col_offset))
        if type(node) is ast.Module or type(node) is ast.ClassDef:
            for stmt in body:
                kind = type(stmt)
                if kind is ast.ClassDef or kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                    stack.append(stmt)
    spans.sort()
    return spans

"""What libcst parses for a round of fixes: the file, with the definitions it need not see
replaced by one-token stand-ins.

Parsing a large file with libcst, and printing it back, costs far more than the rewrite of
the one function a finding is in. When every line a fixer looks at (its
:meth:`~mboxlint.fixes.base.Fixer.lines_to_fix`) lies inside the body of a top-level
function or class, the other top-level compound statements are replaced, line for line, by
``0 or '''<marker><number><the same line breaks>'''``: one string token, cheap to parse and to
print, that keeps every line number (so findings and positions need no translation). Simple
statements (imports, assignments, ``__all__``) and the first statement stay, since
:meth:`~mboxlint.fixes.base.Fixer.reference` and the added imports read them.

What a stand-in hides that a fixer could ask about is handed over instead: the names a
hidden ``def`` or ``class`` binds at module level (:attr:`Excerpt.bindings`) and every name
spelled in the hidden code (:meth:`Excerpt.names`, for picking fresh names). After the fix,
:meth:`Excerpt.restore` puts the original text back in place of each stand-in; it refuses
(returns None) unless every stand-in is still a top-level statement, once, in order, so
that the text it puts back sits exactly where it stood.
"""

import ast
import bisect
import re
import secrets
from typing import Iterable, List, Optional, Set

from .positions import quiet_parse

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_ENDING = re.compile(r"(?:\r\n|\r|\n)\Z")

_HIDEABLE = tuple(getattr(ast, name) for name in (
    "FunctionDef", "AsyncFunctionDef", "ClassDef", "If", "For", "AsyncFor", "While", "Try",
    "TryStar", "With", "AsyncWith", "Match") if hasattr(ast, name))
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class Excerpt:
    """The text libcst parses instead of ``source``; see the module's documentation."""

    def __init__(self, source: str, text: str, marker: str, hidden: List[ast.stmt], originals: List[str]):
        self.source = source
        self.text = text
        self._marker = marker
        self._hidden = hidden
        self._originals = originals
        self._names: Optional[Set[str]] = None
        #: the module-level names the hidden ``def`` and ``class`` statements bind
        self.bindings: Set[str] = {s.name for s in hidden if isinstance(s, _DEFINITIONS)}

    def names(self) -> Set[str]:
        """Every name the hidden code spells, as :func:`~mboxlint.fixes.base.names_in` would
        find it in libcst's tree of that code."""
        if self._names is None:
            self._names = set()
            for stmt in self._hidden:
                for node in ast.walk(stmt):
                    self._names.update(_spelled(node))
        return self._names

    def restore(self, code: str) -> Optional[str]:
        """``code`` (libcst's output for a tree of :attr:`text`) with the hidden text put back;
        None when a stand-in is no longer a top-level statement of its own, in its place."""
        if code.count(self._marker) != len(self._originals):
            return None  # a stand-in's text was copied or cut
        pattern = re.compile(r"0 or '''%s(\d+)[\r\n]*'''" % re.escape(self._marker))
        expected = iter(range(len(self._originals)))
        pieces = []
        start = 0
        for match in pattern.finditer(code):
            number = int(match.group(1))
            if number != next(expected, None):
                return None
            at = match.start()
            if at and code[at - 1] not in "\r\n":
                return None  # indented into a block, or after a ``;``
            original = self._originals[number]
            if match.end() != len(code) and code[match.end()] not in "\r\n":
                return None  # something was put after it on its last line
            pieces.append(code[start:at])
            pieces.append(original)
            start = match.end()
        if next(expected, None) is not None:
            return None
        pieces.append(code[start:])
        return "".join(pieces)


def excerpt(source: str, lines: Iterable[int]) -> Optional[Excerpt]:
    """An :class:`Excerpt` of ``source`` for a fixer that looks at ``lines`` (1-based), or
    None when there is nothing to hide or a line lies outside every top-level function or
    class body (a fix at module level may read or move the statements around it)."""
    wanted = sorted(set(lines))
    if not wanted:
        return None
    tree = quiet_parse(source)
    if tree is None:
        return None
    body = tree.body
    spans = [(_first_line(stmt), stmt.end_lineno) for stmt in body]
    # Top-level statements do not overlap: a bisection finds the one holding a line.
    starts = [first for first, _last in spans]
    for line in wanted:
        index = bisect.bisect_right(starts, line) - 1
        if index < 0 or not (isinstance(body[index], _DEFINITIONS) and _in_body(body[index], line)):
            return None
    physical = _LINE.findall(source)
    marker = "mboxlint-stand-in-" + secrets.token_hex(6) + "-"
    while marker in source:
        marker = "mboxlint-stand-in-" + secrets.token_hex(6) + "-"
    out: List[str] = []
    hidden: List[ast.stmt] = []
    originals: List[str] = []
    done = 0  # physical lines copied or replaced so far
    for index, (stmt, (first, last)) in enumerate(zip(body, spans)):
        if index == 0 or not isinstance(stmt, _HIDEABLE) or stmt.col_offset != 0:
            continue
        nearest = bisect.bisect_left(wanted, first)
        if (nearest < len(wanted) and wanted[nearest] <= last) or last > len(physical):
            continue
        if index == len(body) - 1 and "#" in "".join(physical[last:]):
            # Comment lines after a last compound statement end its block; after a stand-in
            # they would be the module's footer, which libcst does not always print back.
            continue
        if isinstance(stmt, _DEFINITIONS) and stmt.decorator_list and not physical[first - 1].startswith("@"):
            continue  # ``@(`` on a line above its expression: where it starts is not known
        text = physical[first - 1:last]
        endings = [_ENDING.search(line) for line in text]
        if not all(endings[:-1]):
            continue
        out.extend(physical[done:first - 1])
        breaks = [e.group() for e in endings[:-1]]
        last_break = endings[-1].group() if endings[-1] else ""
        out.append("0 or '''%s%d%s'''%s" % (marker, len(originals), "".join(breaks), last_break))
        # The stand-in's last line break stays in the text around it.
        whole = "".join(text)
        originals.append(whole[:len(whole) - len(last_break)])
        hidden.append(stmt)
        done = last
    if not hidden:
        return None
    out.extend(physical[done:])
    return Excerpt(source, "".join(out), marker, hidden, originals)


def _first_line(stmt: ast.stmt) -> int:
    first = stmt.lineno
    for decorator in getattr(stmt, "decorator_list", ()):
        first = min(first, decorator.lineno)
    return first


def _in_body(stmt: ast.stmt, line: int) -> bool:
    """``line`` lies in the indented body of ``stmt`` (not on its header, decorators, or a
    one-line body next to the header)."""
    start = stmt.body[0].lineno
    return stmt.lineno < start <= line <= stmt.end_lineno


def _spelled(node: ast.AST) -> Iterable[str]:
    """The identifiers ``node`` itself spells where libcst has a ``Name`` node."""
    if isinstance(node, ast.Name):
        return (node.id,)
    if isinstance(node, ast.Constant) and (node.value is None or node.value is True or node.value is False):
        return (repr(node.value),)  # libcst's Name("True")
    if isinstance(node, ast.Attribute):
        return (node.attr,)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return (node.name,)
    if isinstance(node, ast.arg):
        return (node.arg,)
    if isinstance(node, ast.keyword):
        return (node.arg,) if node.arg else ()
    if isinstance(node, ast.alias):
        names = node.name.split(".") if node.name != "*" else []
        return names + ([node.asname] if node.asname else [])
    if isinstance(node, ast.ImportFrom):
        return node.module.split(".") if node.module else ()
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return node.names
    if isinstance(node, ast.ExceptHandler):
        return (node.name,) if node.name else ()
    name = getattr(node, "name", None)  # MatchAs, MatchStar, type parameters
    found = [name] if isinstance(name, str) else []
    rest = getattr(node, "rest", None)  # MatchMapping
    if isinstance(rest, str):
        found.append(rest)
    found.extend(getattr(node, "kwd_attrs", None) or ())  # MatchClass
    return found

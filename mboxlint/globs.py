"""Glob patterns matched segment by segment, in time linear in the path for any pattern.

A pattern comes from a ``pyproject.toml`` (``exclude``, ``per-file-ignores``, ...) or a
``.gitignore`` in the repository under review: hostile input. Translated to a backtracking
regular expression, ``*a*a*a…b`` (21 characters) took 35 seconds on one name and each ``**/``
multiplied the cost on a deep tree. So patterns are matched as gitignore implementations do:

* the path and the pattern are split at ``/``; ``**`` as a whole segment matches any number
  of path segments (zero, or at least one when it ends the pattern: ``tests/**`` is what is
  inside ``tests``); any other segment matches exactly one path segment;
* a segment is matched with ``*`` (any run of characters), ``?`` (one character) and classes
  (``[abc]``, ``[a-z]``, ``[!a]`` or ``[^a]``), by the two-pointer algorithm that backtracks
  only to the last ``*``: at most (segment length × pattern length) steps;
* the segments themselves are matched by the same algorithm, ``**`` playing ``*``.

A ``**`` inside a segment (``a**b``) is a ``*``. A ``[`` without its ``]`` is a literal. A
class with a reversed range (``[z-a]``) is a :class:`GlobError`. With ``escapes`` (gitignore
syntax), a backslash makes the next character literal.
"""

from typing import FrozenSet, List, Optional, Sequence, Tuple, Union

__all__ = ["Glob", "GlobError", "compile_glob"]


class GlobError(ValueError):
    """A pattern that cannot be matched; the message says where it is wrong."""


class _Star:
    def __repr__(self) -> str:
        return "*"


STAR = _Star()
#: a whole-segment ``**``
DEEP = "**"


class _Class:
    __slots__ = ("chars", "ranges", "negated")

    def __init__(self, chars: FrozenSet[str], ranges: Tuple[Tuple[str, str], ...], negated: bool):
        self.chars = chars
        self.ranges = ranges
        self.negated = negated

    def accepts(self, char: str) -> bool:
        inside = char in self.chars or any(low <= char <= high for low, high in self.ranges)
        return inside != self.negated


#: one character: a literal (str), None for ``?``, or a class
_One = Union[str, None, _Class]
_Token = Union[_One, _Star]


def _parse_class(pattern: str, start: int, escapes: bool) -> Tuple[Optional[_Class], int]:
    """The class opened at ``pattern[start] == '['`` and the index after its ``]``; (None,
    start) when it is never closed (the ``[`` is then a literal)."""
    i = start + 1
    negated = i < len(pattern) and pattern[i] in "!^"
    if negated:
        i += 1
    members: List[str] = []
    first = True
    while i < len(pattern):
        char = pattern[i]
        if char == "]" and not first:
            break
        if escapes and char == "\\" and i + 1 < len(pattern):
            i += 1
            char = pattern[i]
        members.append(char)
        first = False
        i += 1
    else:
        return None, start
    chars, ranges = set(), []
    j = 0
    while j < len(members):
        if j + 2 < len(members) and members[j + 1] == "-":
            low, high = members[j], members[j + 2]
            if low > high:
                raise GlobError("bad range %s-%s in %r" % (low, high, pattern[start:i + 1]))
            ranges.append((low, high))
            j += 3
        else:
            chars.add(members[j])
            j += 1
    return _Class(frozenset(chars), tuple(ranges), negated), i + 1


def _parse_segment(segment: str, escapes: bool) -> List[_Token]:
    tokens: List[_Token] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            if not tokens or tokens[-1] is not STAR:  # ``**`` inside a segment is one ``*``
                tokens.append(STAR)
            i += 1
        elif char == "?":
            tokens.append(None)
            i += 1
        elif char == "[":
            found, after = _parse_class(segment, i, escapes)
            if found is None:
                tokens.append("[")
                i += 1
            else:
                tokens.append(found)
                i = after
        elif escapes and char == "\\" and i + 1 < len(segment):
            tokens.append(segment[i + 1])
            i += 2
        else:
            tokens.append(char)
            i += 1
    return tokens


def _one_matches(token: _One, char: str) -> bool:
    if token is None:
        return True
    if isinstance(token, str):
        return token == char
    return token.accepts(char)


def _greedy(tokens: Sequence, items: Sequence, star, one_matches) -> bool:
    """Whether ``tokens`` match all of ``items``, where ``star`` matches any run of items and
    every other token exactly one item (``one_matches(token, item)``). On a mismatch only
    the last star takes one more item: a run an earlier star took could as well have been
    taken by the last one, so nothing else need be tried."""
    t = i = 0
    last_star, resume = -1, 0
    n_tokens, n_items = len(tokens), len(items)
    while i < n_items:
        if t < n_tokens and tokens[t] is star:
            last_star, resume = t, i
            t += 1
        elif t < n_tokens and one_matches(tokens[t], items[i]):
            t += 1
            i += 1
        elif last_star >= 0:
            resume += 1
            t, i = last_star + 1, resume
        else:
            return False
    while t < n_tokens and tokens[t] is star:
        t += 1
    return t == n_tokens


class _Segment:
    """One ``/``-free part of a pattern."""

    __slots__ = ("literal", "tokens")

    def __init__(self, tokens: List[_Token]):
        self.tokens = tokens
        literal = all(isinstance(t, str) for t in tokens)
        self.literal = "".join(tokens) if literal else None  # type: ignore[arg-type]

    def matches(self, text: str) -> bool:
        if self.literal is not None:
            return text == self.literal
        return _greedy(self.tokens, text, STAR, _one_matches)


class _AnySegment:
    """One path segment, whatever it is (the first of a trailing ``**``)."""

    @staticmethod
    def matches(text: str) -> bool:
        return True


def _segment_matches(token, text: str) -> bool:
    return token.matches(text)


class Glob:
    """A compiled pattern; :meth:`match` takes a ``/``-separated path."""

    __slots__ = ("pattern", "_parts")

    def __init__(self, pattern: str, escapes: bool = False):
        self.pattern = pattern
        parts: List[object] = []
        segments = pattern.split("/")
        for index, segment in enumerate(segments):
            if segment == "**":
                if index == len(segments) - 1:
                    parts.append(_AnySegment())  # ``dir/**``: something inside dir
                if not parts or parts[-1] is not DEEP:
                    parts.append(DEEP)
            else:
                parts.append(_Segment(_parse_segment(segment, escapes)))
        self._parts = parts

    def match(self, path: str) -> bool:
        return _greedy(self._parts, path.split("/"), DEEP, _segment_matches)

    def __repr__(self) -> str:
        return "Glob(%r)" % self.pattern


def compile_glob(pattern: str, escapes: bool = False) -> Glob:
    """Compile ``pattern``; :class:`GlobError` if it is malformed."""
    return Glob(pattern, escapes)


class GlobSet:
    """Many patterns, each matched against a path's forms (relative to a root, absolute, its
    name). A pattern without ``/`` can only match a one-segment form, which is the name:
    those are matched against the name alone, and the literal ones by a dictionary lookup,
    so the usual exclusions cost one lookup per path."""

    def __init__(self, patterns: Sequence[str], escapes: bool = False):
        self.patterns = list(patterns)
        self._by_name: dict = {}
        self._name_globs: List[Tuple[int, Glob]] = []
        self._path_globs: List[Tuple[int, Glob]] = []
        for index, pattern in enumerate(self.patterns):
            glob = compile_glob(pattern, escapes)
            if "/" in pattern:
                self._path_globs.append((index, glob))
                continue
            segment = glob._parts[0] if len(glob._parts) == 1 else None
            if isinstance(segment, _Segment) and segment.literal is not None:
                self._by_name.setdefault(segment.literal, []).append(index)
            else:
                self._name_globs.append((index, glob))

    def matching(self, forms: Sequence[str], name: str) -> List[int]:
        """Indexes of the patterns matching any of ``forms`` (slash-separated paths) or
        ``name``, in order."""
        found = list(self._by_name.get(name, ()))
        found.extend(i for i, glob in self._name_globs if glob.match(name))
        found.extend(i for i, glob in self._path_globs if any(glob.match(form) for form in forms))
        return sorted(found)

    def matches(self, forms: Sequence[str], name: str) -> bool:
        if name in self._by_name:
            return True
        return any(glob.match(name) for _, glob in self._name_globs) or any(
            glob.match(form) for _, glob in self._path_globs for form in forms)

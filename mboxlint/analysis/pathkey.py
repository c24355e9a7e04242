"""Path keys: values equal exactly when two path expressions are taken to name the same file.

The key model
-------------
A :class:`PathKey` is an immutable tree, *interned* (hash-consed): building a key from the
same kind and the same parts always returns the same object, so equality is identity, hashing
is O(1), and a key that reuses another (``p2 = p1 + p1``) shares it instead of copying it.
Its size in memory is the number of distinct keys it is built from, never the length of its
spelling, which may grow exponentially with how often a name is reused.

There are four kinds:

* ``name``: a dotted name (``path``, ``self._path``, ``f.name``); ``ref`` is that name;
* ``const``: a string or bytes constant, spelled as its ``repr``;
* ``opaque``: a fixed value the analysis knows by name (``tempfile.gettempdir()``);
* ``call``: ``head(part, ...)`` for the operations that build paths: ``join``, ``concat``
  (``+``, f-strings, ``%``), ``dirname``, ``basename``, ``with_suffix``/``with_name``/
  ``with_stem``, and ``call`` of a helper of the module (whose ``param(p)`` parts, spelled
  ``p``, are parameters as the caller passed them). :func:`call_key` flattens nested ``join``/``concat`` parts so that
  ``Path(d) / "x" / "y"`` and ``os.path.join(d, "x", "y")`` are one key; flattening stops at
  :data:`MAX_FLAT_PARTS` parts, which keeps every key's construction O(1) amortised.

``str(key)`` and :meth:`PathKey.spell` give the spelling messages show (``join(d,'x')``), cut
to a bounded length; :attr:`PathKey.size` is the full spelling's length without building it.
Questions rules ask (which variables a key is built from, whether it contains another key)
are answered on the shared structure, each distinct sub-key visited once.

The table holds keys weakly: a key lives as long as some fact, event or larger key uses it.
"""

import weakref
from typing import Callable, Dict, FrozenSet, Iterator, List, Optional, Sequence, Tuple

#: A flattened ``join``/``concat`` keeps at most this many parts; longer ones nest.
MAX_FLAT_PARTS = 64
#: distinct leaves a key answers for (:meth:`PathKey.leaves`): a path is never built from more
#: names and constants than this, but a hostile one would cost every question its whole length
MAX_LEAVES = 64
#: ``str(key)`` shows at most this many characters.
MAX_SHOWN = 400

#: heads whose nested parts are spliced into one call (associative operations)
FLATTENED = frozenset({"join", "concat"})
#: heads spelled as their one part: ``param(p)`` (a parameter as the caller passed it) reads ``p``
UNSPELLED = frozenset({"param"})

_TABLE: "weakref.WeakValueDictionary" = weakref.WeakValueDictionary()


class PathKey:
    """One interned path key. Build keys with :func:`name_key`, :func:`const_key`,
    :func:`opaque_key` and :func:`call_key`, never with the constructor."""

    __slots__ = ("kind", "head", "parts", "size", "_last_leaf", "_roots", "_leaves", "__weakref__")

    kind: str
    #: the text of a leaf (``name``/``const``/``opaque``), or the operation of a ``call``
    head: str
    parts: Tuple["PathKey", ...]
    #: length of the full spelling
    size: int

    @property
    def last_leaf(self) -> "PathKey":
        """The rightmost leaf of the spelling."""
        # A leaf does not store itself: that cycle would leave every key to the cycle collector.
        return self._last_leaf or self

    def __reduce__(self):
        # Unpickling re-interns, so equality stays identity in another process.
        if self.kind == "call":
            return (call_key, (self.head, self.parts, False))
        return (_leaf, (self.kind, self.head))

    @property
    def is_leaf(self) -> bool:
        return self.kind != "call"

    @property
    def ref(self) -> Optional[str]:
        """The dotted name of a ``name`` key, else None."""
        return self.head if self.kind == "name" else None

    @property
    def roots(self) -> FrozenSet[str]:
        """The variables the key is built from: the first part of every name it contains."""
        if self._roots is None:
            roots = set()
            for leaf in self.leaves():
                if leaf.kind == "name":
                    roots.add(leaf.head.split(".", 1)[0])
            self._roots = frozenset(roots)
        return self._roots

    def leaves(self) -> Iterator["PathKey"]:
        """Each distinct leaf once, left to right by first occurrence; the first
        :data:`MAX_LEAVES` of them. Kept with the key, from its parts' own: a question
        asked of every key of a long chain (``q2 = join(q1, x)``, ...) costs each key its
        parts, not its whole depth."""
        if self.kind != "call":
            return iter((self,))
        if self._leaves is None:
            _find_leaves(self)
        return iter(self._leaves)

    def subkeys(self) -> Iterator["PathKey"]:
        """The key and each distinct key it is built from, once each (pre-order)."""
        seen = set()
        stack = [self]
        while stack:
            key = stack.pop()
            if id(key) in seen:
                continue
            seen.add(id(key))
            yield key
            if key.kind == "call":
                stack.extend(reversed(key.parts))

    def contains(self, other: "PathKey") -> bool:
        """Whether ``other`` is one of the keys this one is built from (itself included), or
        ``other`` is a name and this key reads one of its attributes (``p`` in ``p.name``)."""
        prefix = other.head + "." if other.kind == "name" else None
        for key in self.subkeys():
            if key is other or (prefix is not None and key.kind == "name" and key.head.startswith(prefix)):
                return True
        return False

    def any_leaf(self, predicate: Callable[["PathKey"], bool]) -> bool:
        return any(predicate(leaf) for leaf in self.leaves())

    def prefix(self, length: int) -> str:
        """The first ``length`` characters of the spelling, built without the rest."""
        out: List[str] = []
        remaining = length
        stack: List[object] = [self]
        while stack and remaining > 0:
            item = stack.pop()
            if isinstance(item, str):
                text = item
            elif item.kind != "call":
                text = item.head
            elif item.head in UNSPELLED:
                stack.append(item.parts[0])
                continue
            else:
                if item.size <= remaining:
                    text = _spell_whole(item)
                else:
                    stack.append(")")
                    for index in range(len(item.parts) - 1, -1, -1):
                        stack.append(item.parts[index])
                        if index:
                            stack.append(",")
                    text = item.head + "("
            out.append(text[:remaining])
            remaining -= len(text)
        return "".join(out)

    def spell(self, limit: int) -> str:
        """The spelling if it has at most ``limit`` characters, else its start and ``...``."""
        if self.size <= limit:
            return self.prefix(limit)
        return self.prefix(max(limit - 3, 0)) + "..."

    def __str__(self) -> str:
        return self.spell(MAX_SHOWN)

    def __repr__(self) -> str:
        return "PathKey(%s)" % self.spell(80)

    def __lt__(self, other: "PathKey") -> bool:
        # An order for sorting keys in output; identity decides equality.
        return (self.size, self.prefix(200)) < (other.size, other.prefix(200))


def _spell_whole(key: PathKey) -> str:
    """The whole spelling (callers make sure it is short), without recursion."""
    out: List[str] = []
    stack: List[object] = [key]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif item.kind != "call":
            out.append(item.head)
        elif item.head in UNSPELLED:
            stack.append(item.parts[0])
        else:
            out.append(item.head + "(")
            stack.append(")")
            for index in range(len(item.parts) - 1, -1, -1):
                stack.append(item.parts[index])
                if index:
                    stack.append(",")
    return "".join(out)


def _find_leaves(key: PathKey) -> None:
    """Fill ``_leaves`` of ``key`` and of every call key below it that lacks them, parts
    first; a stack, not recursion: chains of keys may be deep."""
    stack = [(key, False)]
    while stack:
        key, ready = stack.pop()
        if key._leaves is not None:
            continue
        if not ready:
            stack.append((key, True))
            stack.extend((part, False) for part in reversed(key.parts) if part.kind == "call" and part._leaves is None)
            continue
        found: Dict[int, PathKey] = {}
        for part in key.parts:
            for leaf in (part._leaves if part.kind == "call" else (part,)):
                if len(found) == MAX_LEAVES:
                    break
                found.setdefault(id(leaf), leaf)
        key._leaves = tuple(found.values())


def _new(kind: str, head: str, parts: Tuple[PathKey, ...], size: int) -> PathKey:
    key = object.__new__(PathKey)
    key.kind = kind
    key.head = head
    key.parts = parts
    key.size = size
    key._last_leaf = parts[-1].last_leaf if parts else None
    key._roots = None
    key._leaves = None
    return key


def _leaf(kind: str, text: str) -> PathKey:
    table_key = (kind, text)
    key = _TABLE.get(table_key)
    if key is None:
        key = _new(kind, text, (), len(text))
        _TABLE[table_key] = key
    return key


def name_key(ref: str) -> PathKey:
    """The key of a dotted name (``p``, ``self._path``)."""
    return _leaf("name", ref)


def const_key(value) -> PathKey:
    """The key of a ``str`` or ``bytes`` constant."""
    return _leaf("const", repr(value))


def const_text(key: PathKey) -> Optional[str]:
    """The text of a string or bytes ``const`` key as its ``repr`` spells it between the
    quotes (escapes left as they are: a file name is compared, not decoded), else None."""
    if key.kind != "const":
        return None
    head = key.head
    body = head[1:] if head.startswith("b") else head
    return body[1:-1]


def opaque_key(text: str) -> PathKey:
    """A fixed value known by name, spelled ``text`` (``tempfile.gettempdir()``)."""
    return _leaf("opaque", text)


def call_key(head: str, parts: Sequence[PathKey], flatten: bool = True) -> PathKey:
    """``head(parts...)``; for ``join``/``concat``, nested parts of the same head are spliced
    in while the result stays within :data:`MAX_FLAT_PARTS`, and a single part is itself."""
    if flatten and head in FLATTENED:
        flat: List[PathKey] = []
        for part in parts:
            if part.kind == "call" and part.head == head and len(flat) + len(part.parts) <= MAX_FLAT_PARTS:
                flat.extend(part.parts)
            else:
                flat.append(part)
        if len(flat) == 1:
            return flat[0]
        parts = flat
    parts = tuple(parts)
    table_key = (head, parts)
    key = _TABLE.get(table_key)
    if key is None:
        size = parts[0].size if head in UNSPELLED else \
            len(head) + 2 + max(len(parts) - 1, 0) + sum(part.size for part in parts)
        key = _new("call", head, parts, size)
        _TABLE[table_key] = key
    return key


def substitute(key: PathKey, leaves: Dict[PathKey, PathKey]) -> PathKey:
    """``key`` with each leaf found in ``leaves`` replaced by its value, rebuilt (and flattened)
    as :func:`call_key` builds keys; each distinct sub-key is rebuilt once, without recursion.
    ``key`` itself when nothing in it is replaced."""
    done: Dict[int, PathKey] = {}
    stack: List[Tuple[PathKey, bool]] = [(key, False)]
    while stack:
        item, expanded = stack.pop()
        if id(item) in done:
            continue
        if item.kind != "call":
            done[id(item)] = leaves.get(item, item)
        elif not expanded:
            stack.append((item, True))
            stack.extend((part, False) for part in item.parts if id(part) not in done)
        else:
            parts = [done[id(part)] for part in item.parts]
            same = all(new is old for new, old in zip(parts, item.parts))
            done[id(item)] = item if same else call_key(item.head, parts)
    return done[id(key)]

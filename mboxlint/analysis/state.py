"""The abstract state carried by the walk, and how two states join.

A state maps *fact keys* to *facts*. A key is ``(domain, ref)``: the analysis that owns the
fact and the expression it is about, spelled as a dotted name (``"box"``, ``"self.box"``), or a
path key (:class:`mboxlint.analysis.pathkey.PathKey`, whose ``ref`` is its dotted name if it is one).
A fact is an immutable value with a ``join(other)`` method, where ``other`` may be ``None``
when the fact is absent on the other path. Keeping every analysis's facts in one mapping
lets the walk handle control flow once for all of them.

Cost: the walk copies a state at every branch and joins states wherever paths meet, and a
long function can hold thousands of facts. So a state is persistent underneath: per domain,
an immutable map (:class:`_Map`) from the variable a fact is about (``box`` for ``box`` and
``box.x``) to the small group of facts about it. A copy shares every map; a change copies
one group and the short path of the map above it; a join, an equality test or
:class:`Joiner` visit only what differs between the two states. Cost follows the changes,
not the size of the state.
"""

from typing import Any, Dict, FrozenSet, Hashable, Iterable, Iterator, List, Optional, Tuple

FactKey = Tuple[str, Hashable]


class WorkMeter:
    """Groups of facts copied and compared, for the walk's work budget (see
    :data:`mboxlint.analysis.walk.WORK_BUDGET`): joins are work like any statement walked."""

    spent = 0


# -- persistent maps --------------------------------------------------------------------

#: a map with at most this many entries is a plain dict, copied on change
_SMALL = 8
_WIDTH = 32
_EMPTY_NODE: Tuple[Any, ...] = (None,) * _WIDTH
#: levels of 32-way nodes above the buckets (32,768 buckets)
_LEVELS = 3


def _slot(hashed: int, level: int) -> int:
    return (hashed >> (5 * level)) & (_WIDTH - 1)


class _Map:
    """An immutable map. Small ones are a dict; larger ones a fixed-depth hash trie whose
    leaves are small dicts ("buckets"), so a change copies a bucket and three 32-slot nodes
    and two maps built from one another share everything they did not change."""

    __slots__ = ("node",)

    def __init__(self, node):
        #: a dict (small) or a tuple of ``_WIDTH`` children, ``_LEVELS`` deep, then buckets
        self.node = node

    def get(self, key, default=None):
        node = self.node
        if type(node) is dict:
            return node.get(key, default)
        hashed = hash(key)
        for level in range(_LEVELS):
            node = node[_slot(hashed, level)]
            if node is None:
                return default
        return node.get(key, default)

    def set(self, key, value) -> "_Map":
        """A map with ``key`` bound to ``value``, or unbound when ``value`` is None."""
        node = self.node
        if type(node) is dict:
            if value is None:
                if key not in node:
                    return self
                changed = dict(node)
                del changed[key]
                return _Map(changed)
            changed = dict(node)
            changed[key] = value
            if len(changed) <= _SMALL:
                return _Map(changed)
            trie = _Map(_EMPTY_NODE)
            for k, v in changed.items():
                trie = trie.set(k, v)
            return trie
        hashed = hash(key)
        path = []
        for level in range(_LEVELS):
            path.append(node)
            node = node[_slot(hashed, level)] or (_EMPTY_NODE if level < _LEVELS - 1 else {})
        bucket = dict(node)
        if value is None:
            if key not in bucket:
                return self
            del bucket[key]
        else:
            bucket[key] = value
        child: Any = bucket or None
        for level in range(_LEVELS - 1, -1, -1):
            parent = path[level]
            index = _slot(hashed, level)
            child = parent[:index] + (child,) + parent[index + 1:]
        return _Map(child)

    def items(self) -> Iterator[Tuple[Any, Any]]:
        node = self.node
        if type(node) is dict:
            yield from node.items()
            return
        stack = [(node, 0)]
        while stack:
            node, level = stack.pop()
            if level == _LEVELS:
                yield from node.items()
            else:
                stack.extend((child, level + 1) for child in reversed(node) if child is not None)

    def differing(self, other: "_Map") -> Iterator[Any]:
        """The keys whose values are not the same object in the two maps (a superset of
        the keys whose values differ), found without visiting what they share."""
        a, b = self.node, other.node
        if a is b:
            return
        if type(a) is dict or type(b) is dict:
            seen = set()
            for mine, theirs in ((self, other), (other, self)):
                for key, value in mine.items():
                    if key not in seen:
                        seen.add(key)
                        if theirs.get(key) is not value:
                            yield key
            return
        stack = [(a, b, 0)]
        while stack:
            a, b, level = stack.pop()
            WorkMeter.spent += 1
            if level == _LEVELS:
                for key, value in a.items():
                    if b.get(key) is not value:
                        yield key
                for key in b:
                    if key not in a:
                        yield key
                continue
            empty = _EMPTY_NODE if level < _LEVELS - 1 else {}
            for index in range(_WIDTH):
                x, y = a[index], b[index]
                if x is not y:
                    stack.append((x if x is not None else empty, y if y is not None else empty, level + 1))


_NO_FACTS = _Map({})


# -- groups: the facts about one variable, in one domain ----------------------------------------

def ref_name(ref: Hashable) -> Optional[str]:
    """The dotted name a fact is about, or None when it is about a path built otherwise
    (``join(d,'x')``): only a plain name is rebound by an assignment."""
    return ref if isinstance(ref, str) else ref.ref


def root_name(ref: Hashable) -> Optional[str]:
    """The variable a fact is about (``box`` for ``box.x`` and for the entry ``box['a']``),
    or None for a built path."""
    name = ref_name(ref)
    return _root_of(name) if name is not None else None


def _root_of(name: str) -> str:
    root = name.partition(".")[0]
    return root.partition("[")[0] if "[" in root else root


def _group_of(ref: Hashable) -> Hashable:
    root = root_name(ref)
    return root if root is not None else ref


def _join_groups(a: Optional[dict], b: Optional[dict]) -> Optional[dict]:
    """The facts of one group that hold on either path (``a``'s order first)."""
    if a is b:
        return a
    WorkMeter.spent += 1
    merged = {}
    if a:
        for ref, fact in a.items():
            other = b.get(ref) if b else None
            joined = fact if other == fact else fact.join(other)
            if joined is not None:
                merged[ref] = joined
    if b:
        for ref, fact in b.items():
            if not a or ref not in a:
                joined = fact.join(None)
                if joined is not None:
                    merged[ref] = joined
    return merged or None


class State:
    """Facts at one program point. Mutable; the walk copies before it branches (cheaply)."""

    __slots__ = ("_maps",)

    def __init__(self, maps: Optional[Dict[str, _Map]] = None):
        #: domain -> map from group (see ``_group_of``) to ``{ref: fact}``
        self._maps: Dict[str, _Map] = maps if maps is not None else {}

    def copy(self) -> "State":
        return State(dict(self._maps))

    def get(self, domain: str, ref: Hashable, default: Any = None) -> Any:
        facts = self._maps.get(domain)
        group = facts.get(_group_of(ref)) if facts is not None else None
        return group.get(ref, default) if group is not None else default

    def set(self, domain: str, ref: Hashable, fact: Any) -> None:
        facts = self._maps.get(domain, _NO_FACTS)
        key = _group_of(ref)
        group = dict(facts.get(key) or ())
        group[ref] = fact
        self._maps[domain] = facts.set(key, group)

    def discard(self, domain: str, ref: Hashable) -> None:
        facts = self._maps.get(domain)
        if facts is None:
            return
        key = _group_of(ref)
        group = facts.get(key)
        if group is not None and ref in group:
            group = dict(group)
            del group[ref]
            self._maps[domain] = facts.set(key, group or None)

    def items(self, domain: str) -> List[Tuple[Hashable, Any]]:
        facts = self._maps.get(domain)
        if facts is None:
            return []
        return [(ref, fact) for _key, group in facts.items() for ref, fact in group.items()]

    def entries(self, domain: str, container: str) -> List[Tuple[Hashable, Any]]:
        """The facts about entries of ``container`` (``boxes['a']``, ``boxes[k]``)."""
        facts = self._maps.get(domain)
        group = facts.get(_root_of(container)) if facts is not None else None
        if not group:
            return []
        prefix = container + "["
        return [(ref, fact) for ref, fact in group.items() if isinstance(ref, str) and ref.startswith(prefix)]

    def forget_ref(self, ref: str) -> None:
        """Drop every fact about ``ref`` and about anything reached through it.

        Called when ``ref`` is rebound: ``box = other`` ends what we knew of ``box`` and of
        ``box.x``. Facts that *mention* ``ref`` inside their value are the owning analysis's
        business.
        """
        prefixes = (ref + ".", ref + "[")  # its attributes and its entries
        key = _root_of(ref)
        for domain, facts in list(self._maps.items()):
            group = facts.get(key)
            if group is None:
                continue
            kept = {r: f for r, f in group.items()
                    if not (ref_name(r) == ref or ref_name(r).startswith(prefixes))}
            if len(kept) != len(group):
                self._maps[domain] = facts.set(key, kept or None)

    def replace_with(self, other: "State") -> None:
        """Take ``other``'s facts (the join of a conditional expression's arms, say)."""
        self._maps = dict(other._maps)

    def restore_roots(self, names: Iterable[str], outer: "State") -> None:
        """Facts about ``names`` (and their attributes) become ``outer``'s again: the
        variables of a comprehension do not leak out of it."""
        for name in set(names):
            for domain in set(self._maps) | set(outer._maps):
                theirs = outer._maps.get(domain, _NO_FACTS).get(name)
                mine = self._maps.get(domain, _NO_FACTS)
                if mine.get(name) is not theirs:
                    self._maps[domain] = mine.set(name, theirs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, State):
            return False
        for domain in set(self._maps) | set(other._maps):
            mine, theirs = self._maps.get(domain, _NO_FACTS), other._maps.get(domain, _NO_FACTS)
            for key in mine.differing(theirs):
                if (mine.get(key) or None) != (theirs.get(key) or None):
                    return False
        return True

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "State(%r)" % ({d: dict(m.items()) for d, m in self._maps.items()},)


def _join_changed(base: State, old: State, new: State) -> None:
    """Join into ``base`` (which already covers ``old``) the groups where ``new`` differs
    from ``old``: elsewhere ``new`` adds nothing a join with ``old`` did not."""
    for domain in list(old._maps) + [d for d in new._maps if d not in old._maps]:
        before, after = old._maps.get(domain, _NO_FACTS), new._maps.get(domain, _NO_FACTS)
        facts = base._maps.get(domain, _NO_FACTS)
        for key in list(before.differing(after)):
            facts = facts.set(key, _join_groups(facts.get(key), after.get(key)))
        base._maps[domain] = facts


def join(a: Optional[State], b: Optional[State]) -> Optional[State]:
    """The state that holds on either path; ``None`` stands for an unreachable point."""
    if a is None:
        return b.copy() if b is not None else None
    if b is None:
        return a.copy()
    merged = a.copy()
    for domain in list(a._maps) + [d for d in b._maps if d not in a._maps]:
        mine, theirs = a._maps.get(domain, _NO_FACTS), b._maps.get(domain, _NO_FACTS)
        facts = mine
        for key in list(mine.differing(theirs)):
            facts = facts.set(key, _join_groups(mine.get(key), theirs.get(key)))
        merged._maps[domain] = facts
    return merged


def join_all(states: Iterable[Optional[State]]) -> Optional[State]:
    result: Optional[State] = None
    for state in states:
        result = join(result, state)
    return result


class Joiner:
    """The join of states added one at a time, each usually a small change from the one
    before (the states before each statement of a ``try`` body): each addition costs what
    changed since the previous one, not the size of the state."""

    __slots__ = ("joined", "_last")

    def __init__(self):
        self.joined: Optional[State] = None
        self._last: Optional[State] = None

    def add(self, state: Optional[State]) -> None:
        if state is None:
            return
        snapshot = state.copy()
        if self.joined is None:
            self.joined = snapshot.copy()
        else:
            _join_changed(self.joined, self._last, snapshot)
        self._last = snapshot


# -- lock state lattice -------------------------------------------------------------

LOCKED = "locked"
UNLOCKED = "unlocked"
MAYBE = "maybe"  # locked on some paths and not on others


def join_lock(a: str, b: str) -> str:
    return a if a == b else MAYBE


#: lock periods a point may be in, at most: beyond, the oldest are forgotten
MAX_EPOCHS = 64


def join_epochs(a: FrozenSet[Any], b: FrozenSet[Any]) -> FrozenSet[Any]:
    """The lock periods of either path. Widened to the :data:`MAX_EPOCHS` that start last
    (epochs are ``(label, line, col)``), so a function of many ``if``s each locking keeps
    facts of bounded size; only such a function can lose a finding to it."""
    if a is b or b <= a:
        return a
    merged = a | b
    if len(merged) > MAX_EPOCHS:
        merged = frozenset(sorted(merged, key=lambda epoch: epoch[1:])[-MAX_EPOCHS:])
    return merged


def min_line(a: Optional[int], b: Optional[int]) -> Optional[int]:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


Epoch = Hashable

"""The abstract state carried by the walk, and how two states join.

A state maps *fact keys* to *facts*. A key is ``(domain, ref)``: the analysis that owns the
fact and the expression it is about, spelled as a dotted name (``"box"``, ``"self.box"``), or a
path key (:class:`mboxlint.analysis.pathkey.PathKey`, whose ``ref`` is its dotted name if it is one).
A fact is an immutable value with a ``join(other)`` method, where ``other`` may be ``None``
when the fact is absent on the other path. Keeping every analysis's facts in one mapping
lets the walk handle control flow once for all of them.
"""

from typing import Any, Dict, Hashable, Iterable, Optional, Tuple

FactKey = Tuple[str, Hashable]


class State:
    """Facts at one program point. Mutable; the walk copies before it branches."""

    __slots__ = ("facts",)

    def __init__(self, facts: Optional[Dict[FactKey, Any]] = None):
        self.facts: Dict[FactKey, Any] = facts if facts is not None else {}

    def copy(self) -> "State":
        return State(dict(self.facts))

    def get(self, domain: str, ref: str, default: Any = None) -> Any:
        return self.facts.get((domain, ref), default)

    def set(self, domain: str, ref: str, fact: Any) -> None:
        self.facts[(domain, ref)] = fact

    def discard(self, domain: str, ref: str) -> None:
        self.facts.pop((domain, ref), None)

    def items(self, domain: str) -> Iterable[Tuple[str, Any]]:
        return [(ref, fact) for (d, ref), fact in self.facts.items() if d == domain]

    def forget_ref(self, ref: str) -> None:
        """Drop every fact about ``ref`` and about anything reached through it.

        Called when ``ref`` is rebound: ``box = other`` ends what we knew of ``box`` and of
        ``box.x``. Facts that *mention* ``ref`` inside their value are the owning analysis's
        business.
        """
        prefix_dot = ref + "."
        doomed = []
        for key in self.facts:
            name = ref_name(key[1])
            if name is not None and (name == ref or name.startswith(prefix_dot)):
                doomed.append(key)
        for key in doomed:
            del self.facts[key]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, State) and self.facts == other.facts

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "State(%r)" % (self.facts,)


def ref_name(ref: Hashable) -> Optional[str]:
    """The dotted name a fact is about, or None when it is about a path built otherwise
    (``join(d,'x')``): only a plain name is rebound by an assignment."""
    return ref if isinstance(ref, str) else ref.ref


def join(a: Optional[State], b: Optional[State]) -> Optional[State]:
    """The state that holds on either path; ``None`` stands for an unreachable point."""
    if a is None:
        return b.copy() if b is not None else None
    if b is None:
        return a.copy()
    merged: Dict[FactKey, Any] = {}
    for key, fact in a.facts.items():
        other = b.facts.get(key)
        merged[key] = fact if other == fact else fact.join(other)
    for key, fact in b.facts.items():
        if key not in a.facts:
            merged[key] = fact.join(None)
    return State({k: v for k, v in merged.items() if v is not None})


def join_all(states: Iterable[Optional[State]]) -> Optional[State]:
    result: Optional[State] = None
    for state in states:
        result = join(result, state)
    return result


# -- lock state lattice -------------------------------------------------------------

LOCKED = "locked"
UNLOCKED = "unlocked"
MAYBE = "maybe"  # locked on some paths and not on others


def join_lock(a: str, b: str) -> str:
    return a if a == b else MAYBE


def min_line(a: Optional[int], b: Optional[int]) -> Optional[int]:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


Epoch = Hashable

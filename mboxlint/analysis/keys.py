"""Where message identifiers come from, and whether they are still valid where they are used.

Two kinds of identifier are only meaningful for a while:

* **Mailbox keys** (:class:`KeyAnalysis`). Keys of ``mbox``/``MMDF``/``Babyl`` are positions in
  the table of contents read while the file was locked (or during one unlocked span). Every
  value that is a key of a tracked mailbox carries a :class:`KeyFact` under the ``"key"``
  domain: the mailbox, the lock periods (``BoxFact.epochs``) and lock state it was obtained
  in, and the first lock boundary (``unlock``/``close``/``pack``, or a ``lock`` for a key
  obtained while unlocked) met since then on some path. Using a key whose period has ended is
  emitted as a :class:`~.events.KeyUse` event. MH keys are file numbers: only ``pack()`` renumbers them.
  ``Maildir`` is never tracked by the lock analysis, so its keys never get facts.
* **IMAP message sequence numbers** (:class:`ImapAnalysis`). Results of a non-UID
  ``search()`` of an ``imaplib.IMAP4*`` connection are positions that a concurrent
  EXPUNGE shifts. Values derived from them (``data[0].split()``, loop targets, joins) carry a
  :class:`SeqFact` under the ``"imapseq"`` domain; feeding one to a non-UID ``store()``,
  ``copy()`` or a ``fetch()`` that sets ``\\Seen`` is emitted as an :class:`~.events.ImapSeqUse` event.

Values produced by a call but not bound yet (``box.keys()`` inside ``for k in box.keys()``)
are kept under a synthetic ref ``#<id of the call node>`` so that lock boundaries met inside a
loop body reach the keys the next iteration draws from the same listing.
"""

import ast
import re
from bisect import bisect_right
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

from .events import ImapSeqPin, ImapSeqUse, KeyUse
from .imports import ModuleFacts, annotation_parts, dotted_name, own_statements
from .summaries import instance_name, is_none, local_bindings, own_nodes
from .locks import DOMAIN as BOX_DOMAIN
from .locks import LockAnalysis, call_effects, context_effects, epoch_at
from .state import LOCKED, State, join_epochs, join_lock, min_line
from .triggers import word_lines
from .walk import Analysis, Walker

KEY_DOMAIN = "key"
SEQ_DOMAIN = "imapseq"
CONN_DOMAIN = "imap"
#: parameters of a function, while they still hold what its caller passed
PARAM_DOMAIN = "imapparam"
#: values that may hold what a parameter held or what a function of the module returned
#: (:class:`Flow`): whether those are sequence numbers is known once the module is walked
FLOW_DOMAIN = "imapflow"
#: what each connection's current selection is known to be (see :class:`ReadOnlySelection`)
READONLY_DOMAIN = "imapreadonly"
#: plain names an ``if`` tested, and which way (see :class:`FlagTruth`)
FLAG_DOMAIN = "imapflag"
#: at most this many flags are known at once
_MAX_FLAGS = 8

#: Methods whose result holds keys, and the shape of that result.
KEY_SOURCES = {"keys": "keys", "iterkeys": "keys", "items": "items", "iteritems": "items", "add": "key"}
#: Operations whose first argument is a key (the spec's list).
KEY_USES = frozenset(
    {
        "get", "get_message", "get_bytes", "get_string", "get_file", "__getitem__", "__setitem__",
        "__delitem__", "__contains__", "remove", "discard", "pop",
    }
)
#: Operations that may end a key's period (``lock`` only for keys obtained while unlocked).
BOUNDARIES = frozenset({"lock", "unlock", "close", "pack"})
#: Builtins that keep the elements of an iterable (the keys of ``list(box.keys())``).
_KEEPING = frozenset(
    {"builtins.list", "builtins.sorted", "builtins.tuple", "builtins.reversed", "builtins.iter", "builtins.set"}
)
#: One element of an iterable of keys, or of pairs.
_ELEMENT = {"keys": "key", "items": "item"}

Boundary = Tuple[str, int, int]  # (label, line, col) of the call that ended a key's period


def _synthetic(node: ast.AST) -> str:
    return "#%d" % id(node)


# -- which keys may still be live ----------------------------------------------------------

#: the domain of :class:`LiveKeys`: for each mailbox, the refs whose keys a boundary may end
LIVE_DOMAIN = "key-live"


class _Cell:
    """A ref on top of older ones: adding shares everything below."""

    __slots__ = ("ref", "rest", "size")

    def __init__(self, ref: str, rest):
        self.ref = ref
        self.rest = rest
        self.size = 1 + (rest.size if rest is not None else 0)


class _Union:
    """The refs of two paths that met, kept as both: a join costs one node, whatever
    their length, and listing them visits each shared node once."""

    __slots__ = ("left", "right", "size")

    def __init__(self, left, right):
        self.left = left
        self.right = right
        self.size = left.size + right.size


def _reaches(node, target, steps: int) -> bool:
    """Whether ``target`` is ``node`` or a few cells below it (one path extended the other)."""
    for _ in range(steps):
        if node is target:
            return True
        if not isinstance(node, _Cell):
            return False
        node = node.rest
    return node is target


class LiveKeys:
    """Refs that may hold a key of one mailbox not yet ended: a superset, each checked
    against its :class:`KeyFact` when a boundary comes. A boundary then visits the keys it
    may end, once, instead of every key fact of the scope. Persistent: adding a ref and
    joining two paths cost O(1)."""

    __slots__ = ("cells",)

    #: sets this small are compared by content, so loops over them reach a fixed point
    _COMPARED = 16

    def __init__(self, cells):
        self.cells = cells

    def adding(self, ref: str) -> "LiveKeys":
        return LiveKeys(_Cell(ref, self.cells))

    def refs(self):
        seen = set()
        stack = [self.cells]
        while stack:
            node = stack.pop()
            if node is None or id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, _Cell):
                yield node.ref
                stack.append(node.rest)
            else:
                stack.append(node.right)
                stack.append(node.left)

    def join(self, other: Optional["LiveKeys"]) -> "LiveKeys":
        if other is None or other.cells is None or _reaches(self.cells, other.cells, 8):
            return self
        if self.cells is None or _reaches(other.cells, self.cells, 8):
            return other
        return LiveKeys(_Union(self.cells, other.cells))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LiveKeys):
            return False
        if other.cells is self.cells:
            return True
        small = self._COMPARED
        return self.cells is not None and other.cells is not None and self.cells.size <= small \
            and other.cells.size <= small and set(self.refs()) == set(other.refs())

    __hash__ = None  # type: ignore[assignment]


def _live_slot(box: str, locked: bool) -> str:
    # Not a name: rebinding the mailbox's name must not forget its keys' index.
    return "#live:%s:%d" % (box, locked)


def set_key(state: State, ref: str, fact: "KeyFact") -> None:
    """Bind ``ref`` to a key fact, noting it in its mailbox's index if it is live."""
    state.set(KEY_DOMAIN, ref, fact)
    if fact.ended is None:
        slot = _live_slot(fact.box, fact.lock == LOCKED)
        live = state.get(LIVE_DOMAIN, slot)
        state.set(LIVE_DOMAIN, slot, (live or LiveKeys(None)).adding(ref))


def _earliest(a: Optional[Boundary], b: Optional[Boundary]) -> Optional[Boundary]:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b, key=lambda boundary: (boundary[1], boundary[2]))


class KeyFact:
    """A value that is a mailbox key (or holds keys), and the period it was obtained in."""

    __slots__ = ("box", "shape", "epochs", "lock", "line", "ended")

    def __init__(self, box: str, shape: str, epochs, lock: str, line: int, ended: Optional[Boundary] = None):
        self.box = box  # ref of the mailbox
        #: "key", "keys" (iterable of keys), "item" ((key, message)), "items" (iterable of pairs)
        self.shape = shape
        self.epochs = epochs  # BoxFact.epochs when obtained
        self.lock = lock  # the mailbox's lock state when obtained
        self.line = line  # where obtained (the earliest, after a join)
        #: the first boundary after which this key is stale, on some path
        self.ended = ended

    def replace(self, **changes) -> "KeyFact":
        values = {slot: getattr(self, slot) for slot in self.__slots__}
        values.update(changes)
        return KeyFact(**values)

    def join(self, other: Optional["KeyFact"]) -> "KeyFact":
        # A key on one path only still is a key after the join: that is how a key from one
        # branch, used after a join where another path unlocked, is found.
        if other is None or other.box != self.box or other.shape != self.shape:
            return self
        return KeyFact(
            self.box, self.shape, join_epochs(self.epochs, other.epochs), join_lock(self.lock, other.lock),
            min_line(self.line, other.line), _earliest(self.ended, other.ended),
        )

    def _key(self):
        return (self.box, self.shape, self.epochs, self.lock, self.line, self.ended)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KeyFact) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "KeyFact(%s %s line %s ended %s)" % (self.box, self.shape, self.line, self.ended)


def _element(fact: Optional[KeyFact]) -> Optional[KeyFact]:
    """What a loop over ``fact`` binds, or ``next()`` of it returns."""
    if fact is None or fact.shape not in _ELEMENT:
        return None
    return fact.replace(shape=_ELEMENT[fact.shape])


def _as(fact: Optional[KeyFact], shape: str) -> Optional[KeyFact]:
    return fact.replace(shape=shape) if fact is not None else None


def _kept_elements(inner: KeyFact) -> Optional[KeyFact]:
    """``list(keys)``: the same keys, if ``inner`` holds several."""
    return inner if inner.shape in _ELEMENT else None


def _subscripted(index: ast.AST):
    """What ``value[index]`` holds, given what ``value`` holds."""
    def subscripted(inner: KeyFact) -> Optional[KeyFact]:
        if inner.shape in _ELEMENT:
            return inner if isinstance(index, ast.Slice) else _element(inner)
        if inner.shape == "item" and isinstance(index, ast.Constant) and index.value == 0:
            return _as(inner, "key")
        return None
    return subscripted


def _comprehended(wanted: str, same_name: bool):
    """What ``[k for k in inner if ...]`` holds, given what ``inner`` holds."""
    def comprehended(inner: KeyFact) -> Optional[KeyFact]:
        return _as(inner, "keys") if inner.shape == wanted and same_name else None
    return comprehended


class KeyAnalysis(Analysis):
    """Provenance of mailbox keys: the lock period each was obtained in."""

    domain = KEY_DOMAIN
    #: keys come from tracked mailboxes, which only the lock analysis's modules have
    TRIGGERS = LockAnalysis.TRIGGERS

    def __init__(self, facts: ModuleFacts, tree: ast.Module, options: Optional[dict] = None):
        self.facts = facts

    @staticmethod
    def applies(facts: ModuleFacts) -> bool:
        return bool(facts.lockable_subclasses) or facts.imports_any(["mailbox"])

    def scope_triggers(self, path_words=None):
        # A key needs a tracked mailbox in the same scope: the lock analysis's scopes.
        return LockAnalysis.mailbox_scope_words(self.facts)

    # -- what an expression holds -----------------------------------------------------------

    def key_of(self, node: ast.AST, state: State) -> Optional[KeyFact]:
        """The key fact of the value ``node`` evaluates to, if it is (or holds) keys.

        Goes down wrappers (``list(...)``, ``x[0]``, a comprehension) to the value they
        wrap, in a loop (``k[0][0]...`` may be thousands deep), then applies each wrapper's
        effect on the way back out."""
        wrappers = []  # functions of the inner fact, outermost first
        fact = None
        while True:
            if isinstance(node, (ast.Name, ast.Attribute)):
                ref = Walker.ref(node)
                fact = state.get(KEY_DOMAIN, ref) if ref is not None else None
                break
            if isinstance(node, ast.Call):
                fact = state.get(KEY_DOMAIN, _synthetic(node))
                if fact is not None or not node.args:
                    break
                name = self.facts.resolve(node.func) if isinstance(node.func, ast.Name) else None
                if name in _KEEPING:
                    wrappers.append(_kept_elements)
                elif name == "builtins.next":
                    wrappers.append(_element)
                else:
                    break
                node = node.args[0]
            elif isinstance(node, ast.Subscript):
                wrappers.append(_subscripted(node.slice))
                node = node.value
            elif isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)) and len(node.generators) == 1:
                # ``[k for k in box.keys() if ...]`` and ``[k for k, m in box.items() if ...]``
                generator = node.generators[0]
                if not isinstance(node.elt, ast.Name):
                    break
                target = generator.target
                if isinstance(target, ast.Tuple) and target.elts:
                    target, wanted = target.elts[0], "items"
                else:
                    wanted = "keys"
                same_name = isinstance(target, ast.Name) and target.id == node.elt.id
                wrappers.append(_comprehended(wanted, same_name))
                node = generator.iter
            else:
                break
        for wrapper in reversed(wrappers):
            fact = wrapper(fact) if fact is not None else None
        return fact

    # -- bindings -------------------------------------------------------------------------

    def bind(self, walker: Walker, target: ast.AST, value: Optional[ast.AST], how: str, state: State) -> None:
        if value is None or how not in ("assign", "walrus", "for", "comprehension"):
            return
        fact = self.key_of(value, state)
        if fact is None:
            return
        if how in ("for", "comprehension"):
            fact = _element(fact)
            if fact is None:
                return
        self._assign(walker, target, fact, state)

    def _assign(self, walker: Walker, target: ast.AST, fact: KeyFact, state: State) -> None:
        if isinstance(target, (ast.Name, ast.Attribute)):
            ref = walker.ref(target)
            if ref is not None:
                set_key(state, ref, fact)
        elif isinstance(target, (ast.Tuple, ast.List)) and target.elts:
            if fact.shape == "item":  # ``k, m = pair``: only the first element is a key
                first = target.elts[0]
                if not isinstance(first, ast.Starred):
                    self._assign(walker, first, _as(fact, "key"), state)
            elif fact.shape == "keys":  # ``first, *rest = box.keys()``
                for element in target.elts:
                    if isinstance(element, ast.Starred):
                        self._assign(walker, element.value, fact, state)
                    else:
                        self._assign(walker, element, _as(fact, "key"), state)

    # -- operations ---------------------------------------------------------------------

    def operation(self, walker, ref, op, node, args, state) -> None:
        box = state.get(BOX_DOMAIN, ref)
        if box is None:
            return
        if op in KEY_USES and args:
            key = self.key_of(args[0], state)
            if key is not None and key.shape == "key" and key.box == ref and key.ended is not None:
                walker.emit(KeyUse, node, ref=ref, op=op, obtained=key, boundary=key.ended)
        shape = KEY_SOURCES.get(op)
        if shape is not None:
            set_key(state, _synthetic(node), KeyFact(ref, shape, box.epochs, box.lock, node.lineno))
        elif op in BOUNDARIES:
            self._boundary(ref, box.kind, op, node, state)

    def call(self, walker: Walker, node: ast.Call, state: State) -> None:
        # A helper of the module that locks, unlocks or closes a mailbox ends its keys' period too.
        for ref, op in call_effects(self.facts, node, walker.scope):
            box = state.get(BOX_DOMAIN, ref)
            if box is not None and op in BOUNDARIES:
                self._boundary(ref, box.kind, op, node, state)

    def _context_boundaries(self, walker: Walker, item: ast.withitem, leaving: bool, state: State) -> None:
        effects = context_effects(self.facts, item.context_expr, walker.scope)
        for ref, op in (effects[1 if leaving else 0] if effects is not None else ()):
            box = state.get(BOX_DOMAIN, ref)
            if box is not None and op in BOUNDARIES:
                self._boundary(ref, box.kind, op, item.context_expr, state)

    def with_enter(self, walker: Walker, item: ast.withitem, state: State) -> None:
        ref = self._locked_item(item)
        box = state.get(BOX_DOMAIN, ref) if ref else None
        if box is not None:
            self._boundary(ref, box.kind, "lock", item.context_expr, state)
        elif ref is None:
            self._context_boundaries(walker, item, False, state)

    def with_exit(self, walker: Walker, item: ast.withitem, state: State) -> None:
        expr = item.context_expr
        if self._locked_item(item) is None:
            self._context_boundaries(walker, item, True, state)
        ref, label = self._locked_item(item), "locked-exit"
        if ref is None and isinstance(expr, ast.Call) and expr.args:
            if self.facts.resolve(expr.func) == "contextlib.closing":
                ref, label = walker.ref(expr.args[0]), "close"
        box = state.get(BOX_DOMAIN, ref) if ref else None
        if box is not None:
            self._boundary(ref, box.kind, label, expr, state)

    @staticmethod
    def _locked_item(item: ast.withitem) -> Optional[str]:
        expr = item.context_expr
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "locked":
            return Walker.ref(expr.func.value)
        return None

    @staticmethod
    def _boundary(ref: str, kind: str, label: str, node: ast.AST, state: State) -> None:
        """End the period of every live key of ``ref`` that ``label`` invalidates."""
        if kind == "mailbox.MH" and label != "pack":
            return  # MH keys are file numbers: only pack() renumbers them
        # The same identity the lock analysis gives the period this call starts.
        label_at = epoch_at(node, label)
        # lock() on a mailbox already locked is a no-op: only keys read unlocked go stale.
        for locked in (False,) if label == "lock" else (False, True):
            slot = _live_slot(ref, locked)
            live = state.get(LIVE_DOMAIN, slot)
            if live is None:
                continue
            # Every key listed ends here, was ended already, or is listed in the other slot.
            state.discard(LIVE_DOMAIN, slot)
            for key_ref in dict.fromkeys(live.refs()):
                key = state.get(KEY_DOMAIN, key_ref)
                if key is None or key.box != ref or key.ended is not None:
                    continue
                if label == "lock" and key.lock == LOCKED:
                    continue
                state.set(KEY_DOMAIN, key_ref, key.replace(ended=label_at))


# -- IMAP ---------------------------------------------------------------------------------

IMAP_CLASSES = frozenset({"imaplib.IMAP4", "imaplib.IMAP4_SSL", "imaplib.IMAP4_stream"})
#: decorators that make a method read as an attribute
_PROPERTIES = frozenset({"property", "builtins.property", "functools.cached_property"})
#: words of the lines where sequence numbers are made or used
_SEQ_WORDS = ("search", ".store(", ".fetch(", ".copy(")
#: Non-UID commands that act on message sequence numbers given as their first argument.
SEQ_SINKS = frozenset({"store", "copy", "fetch"})
#: Methods of str/bytes that keep the numbers in the text (``data[0].split()``).
_TEXT_METHODS = frozenset({"split", "decode", "encode", "strip", "rstrip", "lstrip", "replace", "rsplit"})
#: Builtins through which sequence numbers pass unchanged.
_SEQ_KEEPING = _KEEPING | {"builtins.str", "builtins.int", "builtins.bytes", "builtins.map", "builtins.filter"}
#: Methods that take sequence numbers without using them as such (``b",".join(nums)``, logging).
_PIN_FREE_METHODS = frozenset({"join", "format", "debug", "info", "warning", "warn", "error", "exception",
                               "critical", "log"})
#: Fetch items that set ``\\Seen``: the whole message, ``RFC822.TEXT`` and non-PEEK ``BODY[...]``.
_SETS_SEEN = re.compile(r"\bRFC822(?!\.(?:HEADER|SIZE)\b)(?:\.TEXT)?\b|\bBODY\[")


def fetch_sets_seen(parts: Optional[ast.AST]) -> bool:
    """Whether a fetch's message-parts argument (a string constant) changes message state."""
    if not isinstance(parts, ast.Constant) or not isinstance(parts.value, (str, bytes)):
        return False  # unknown parts: not reported
    text = parts.value.decode("ascii", "replace") if isinstance(parts.value, bytes) else parts.value
    return bool(_SETS_SEEN.search(text.upper()))


class SeqFact:
    """A value derived from a non-UID ``search()``: it holds message sequence numbers.

    ``sites`` are the ``(line, col)`` of every search the value may come from (more than one
    after an ``if`` whose arms searched differently); ``line`` is the earliest, for messages."""

    __slots__ = ("conn", "line", "sites", "needs", "answered")

    def __init__(self, conn: str, line: int, sites: FrozenSet[Tuple[int, int]] = frozenset(),
                 needs: FrozenSet[tuple] = frozenset(), answered: bool = False):
        self.conn = conn
        self.line = line
        self.sites = sites
        #: the parameters (see :class:`ConnFact`) that must prove to be connections for a
        #: search made on one of them to count
        self.needs = needs
        #: the value may be read out of a ``FETCH`` response to those numbers (``* 5 FETCH
        #: (...)`` names the message by its sequence number, even in answer to ``UID FETCH``)
        self.answered = answered

    def answer(self) -> "SeqFact":
        """What a ``FETCH`` response to these numbers holds."""
        return self if self.answered else SeqFact(self.conn, self.line, self.sites, self.needs, True)

    def join(self, other: Optional["SeqFact"]) -> "SeqFact":
        if other is None or other == self:
            return self
        return SeqFact(self.conn if other.line >= self.line else other.conn, min(self.line, other.line),
                       self.sites | other.sites, self.needs | other.needs, self.answered or other.answered)

    def _key(self):
        return (self.conn, self.line, self.sites, self.needs, self.answered)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SeqFact) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


class ParamFact:
    """A parameter still holding what the caller passed: the ``index``-th positional one,
    named ``name``."""

    __slots__ = ("index", "name")

    def __init__(self, index: int, name: str):
        self.index = index
        self.name = name

    def join(self, other: Optional["ParamFact"]) -> Optional["ParamFact"]:
        return self if other == self else None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParamFact) and (self.index, self.name) == (other.index, other.name)

    def __hash__(self) -> int:
        return hash((self.index, self.name))


class Flow:
    """Where a value may come from that only the end of the module's walk can tell: a
    parameter of the function being walked (``("param", index, name)``), or the value a
    function of the module returns from one call (``("call", id of the function, what
    each argument carried)``, the arguments as ``(slot, SeqFact or Flow)`` pairs). Holds
    on some path (a join keeps both sides); nesting and width are bounded, so loops settle."""

    __slots__ = ("atoms", "depth")

    def __init__(self, atoms: FrozenSet[tuple], depth: int = 0):
        self.atoms = atoms
        self.depth = depth

    def join(self, other: Optional["Flow"]) -> "Flow":
        if other is None or other == self:
            return self
        atoms = self.atoms | other.atoms
        if len(atoms) > _FLOW_WIDTH:
            return self  # bounded: what is left out is not followed
        return Flow(atoms, max(self.depth, other.depth))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Flow) and self.atoms == other.atoms

    def __hash__(self) -> int:
        return hash(self.atoms)


#: atoms one :class:`Flow` holds at most, and calls nested in one at most
_FLOW_WIDTH = 8
_FLOW_DEPTH = 3
#: steps the resolution of all flows of a module may take (hostile input: many nested calls)
_RESOLUTION_BUDGET = 20000
#: functions followed from one use to the search at most (returns and parameters alike)
_RESOLUTION_DEPTH = 24
#: methods that put their argument into the object they are called on
_COLLECTING = frozenset({"append", "extend", "add", "insert"})
#: functions of a module looked at to choose the scopes that may pass numbers on
_MAX_FLOW_FUNCTIONS = 256


def _call_flow(callee: int, args: List[Tuple[Any, Any]]) -> Optional[Flow]:
    """The :class:`Flow` of one call of the function ``callee`` with ``args``; None when it
    would nest deeper than :data:`_FLOW_DEPTH`."""
    depth = 1 + max((fact.depth for _, fact in args if isinstance(fact, Flow)), default=0)
    if depth > _FLOW_DEPTH:
        return None
    key = tuple(sorted(args, key=lambda pair: (isinstance(pair[0], str), pair[0])))
    return Flow(frozenset({("call", callee, key)}), depth)


class FlagTruth:
    """Which way a plain name tested by an ``if`` went on this path (``if delete:``)."""

    __slots__ = ("truth",)

    def __init__(self, truth: bool):
        self.truth = truth

    def join(self, other: Optional["FlagTruth"]) -> Optional["FlagTruth"]:
        return self if other == self else None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FlagTruth) and other.truth == self.truth

    def __hash__(self) -> int:
        return hash(self.truth)


class ReadOnlySelection:
    """What the connection's current selection is known to be.

    Certain (``when`` None): read-only or not on every path here, with ``flags``, the
    tested names whose truth was known where the selection was made. Where a read-only
    selection meets a read-write one made under the opposite truth of a flag, the joined
    fact is conditional: read-only exactly where that flag (``when``: name, truth) was found
    so. ``if delete: select(box) else: select(box, readonly=True)`` and a later ``if not
    delete: fetch(...)`` fetch only read-only. Flags are names bound once (see
    :func:`steady_names`), so the truth a later test finds is the one the selection followed."""

    __slots__ = ("read_only", "flags", "when")

    def __init__(self, read_only: bool, flags: FrozenSet[Tuple[str, bool]] = frozenset(),
                 when: Optional[Tuple[str, bool]] = None):
        self.read_only = read_only
        self.flags = flags
        self.when = when

    def join(self, other: Optional["ReadOnlySelection"]) -> Optional["ReadOnlySelection"]:
        if other is None:
            return None
        if self.when is not None or other.when is not None:
            return self if self == other else None
        if self.read_only == other.read_only:
            return ReadOnlySelection(self.read_only, self.flags & other.flags)
        theirs = dict(other.flags)
        split = sorted((name, truth) for name, truth in self.flags if theirs.get(name) == (not truth))
        if not split:
            return None
        name, truth = split[0]
        return ReadOnlySelection(True, frozenset(), (name, truth if self.read_only else not truth))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ReadOnlySelection) and \
            (self.read_only, self.flags, self.when) == (other.read_only, other.flags, other.when)

    def __hash__(self) -> int:
        return hash((self.read_only, self.flags, self.when))


def selects_read_only(op: str, node: ast.Call, args) -> bool:
    """Whether a ``select``/``examine`` call opens the mailbox read-only (EXAMINE): only a
    literal ``readonly`` that is true counts (``True``, ``1``: imaplib tests its truth), anything
    else may select it read-write."""
    if op == "examine":
        return True
    flag = args[1] if len(args) > 1 else next((k.value for k in node.keywords if k.arg == "readonly"), None)
    return isinstance(flag, ast.Constant) and flag.value is not Ellipsis and bool(flag.value)


class ConnFact:
    """A name known to hold an ``imaplib`` connection; or, with ``param`` (``(id of the
    function, index, name)``), a parameter that holds one if every call of its function in
    the module passes one, which only the end of the module's walk can tell."""

    __slots__ = ("kind", "param")

    def __init__(self, kind: str, param: Optional[tuple] = None):
        self.kind = kind
        self.param = param

    def join(self, other: Optional["ConnFact"]) -> Optional["ConnFact"]:
        if other is None:
            return None
        if self.param is None or other.param is None:
            return other if self.param is None else self  # a condition on one side remains
        return self if self.param == other.param else None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConnFact) and (self.kind, self.param) == (other.kind, other.param)

    def __hash__(self) -> int:
        return hash((self.kind, self.param))


#: the class a parameter proven to be a connection is taken for (only its kind of commands matter)
_PARAM_CONN_KIND = "imaplib.IMAP4"


def steady_names(scope: ast.AST, facts: ModuleFacts) -> FrozenSet[str]:
    """The names whose every binding in ``scope`` comes, in the text, before any read of
    them, none in a loop, and that no function can rebind (``global``, ``nonlocal``): a
    parameter never rebound, ``delete = False`` then ``if "-d" in argv: delete = True``.
    Bindings run at most once each and before every test of the name, so each test finds
    the value every selection depending on it was made under. Read once per scope, without
    recursion (a scope's blocks may nest deep)."""
    if facts.spells("nonlocal"):
        return frozenset()
    last_bound: Dict[str, Tuple[int, int]] = {}
    first_read: Dict[str, Tuple[int, int]] = {}
    spoiled: set = set()
    args = getattr(scope, "args", None)
    if args is not None:
        for arg in list(getattr(args, "posonlyargs", [])) + list(args.args) + list(args.kwonlyargs) + [
                a for a in (args.vararg, args.kwarg) if a is not None]:
            last_bound[arg.arg] = (0, 0)
    stack = [(stmt, False) for stmt in scope.body]
    while stack:
        node, in_loop = stack.pop()
        bound: List[str] = []
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                at = (node.lineno, node.col_offset)
                if node.id not in first_read or at < first_read[node.id]:
                    first_read[node.id] = at
            else:
                bound.append(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.append(node.name)
            stack.extend((d, in_loop) for d in node.decorator_list)
            continue  # its body is another scope
        elif isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue  # its own scope (a walrus there is rare, and binds no flag an if tests)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.extend((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.append(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            spoiled.update(node.names)
        elif type(node).__name__ in ("MatchAs", "MatchStar", "MatchMapping"):
            name = getattr(node, "name", None) or getattr(node, "rest", None)
            if name:
                bound.append(name)
        at = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
        for name in bound:
            if in_loop:
                spoiled.add(name)
            if name not in last_bound or at > last_bound[name]:
                last_bound[name] = at
        loop = isinstance(node, (ast.For, ast.AsyncFor, ast.While))
        for child in ast.iter_child_nodes(node):
            stack.append((child, in_loop or loop))
    maybe_global = facts.maybe_global()
    return frozenset(name for name, at in last_bound.items()
                     if name not in spoiled and name not in maybe_global and at < first_read.get(name, at))


class ImapAnalysis(Analysis):
    """``imaplib`` connections and the sequence numbers their non-UID searches return."""

    domain = CONN_DOMAIN
    TRIGGERS = ("imaplib",)

    def __init__(self, facts: ModuleFacts, tree: ast.Module, options: Optional[dict] = None):
        self.facts = facts
        #: id of a function of the module -> the class of the connection it makes and returns
        self._factories: Dict[int, Optional[str]] = {}
        self._globals: Dict[str, str] = {}
        self._tree = tree
        for stmt in own_statements(tree):  # the top level's blocks too: ``if __name__ == ...:``
            kind = None
            if isinstance(stmt, ast.Assign):
                kind, targets = self.constructed(stmt.value) or self.made_by_call(stmt.value, None, None), stmt.targets
            elif isinstance(stmt, ast.AnnAssign):
                kind, targets = self.annotated(stmt.annotation) or self.constructed(stmt.value), [stmt.target]
            if kind:
                self._globals.update((t.id, kind) for t in targets if isinstance(t, ast.Name))
        self._class_attrs: Dict[int, Dict[str, str]] = {}
        #: ids of the calls emitted as :class:`ImapSeqUse` (they are not pins)
        self._reported: set = set()
        #: the sequence numbers the value of the assignment being walked carries, taken before
        #: its targets are forgotten: ``num = num.decode()`` rebinds the name it reads
        self._assigned: Optional[Tuple[int, SeqFact]] = None
        # Numbers handed to a function of the module that uses its parameter as a message
        # set: the calls and the uses, gathered per scope and kept once its walk completes.
        #: (id of the callee's node, parameter index or name, numbers passed)
        self._calls: List[Tuple[int, Any, SeqFact]] = []
        #: (events, scope, node, connection ref, op, the parameter's ParamFact)
        self._sinks: List[tuple] = []
        self._pending_calls: List[tuple] = []
        self._pending_sinks: List[tuple] = []
        #: id of a function -> what its returns may carry (SeqFact or Flow each)
        self._returned: Dict[int, List[Any]] = {}
        #: the flow of the value of the assignment being walked (see ``_assigned``)
        self._assigned_flow: Optional[Tuple[int, Flow]] = None
        #: see :meth:`_flowing` (False: not asked yet)
        self._flow_names = False
        #: at the module's end: id of a function -> (slot, what was passed, id of the caller)
        #: of each call of it; what each parameter was found to receive; work left
        self._passed: Dict[int, List[tuple]] = {}
        self._param_facts: Dict[Tuple[int, int, str], Optional[SeqFact]] = {}
        self._budget = 0
        # Parameters taken for connections until the module's end tells whether every call
        # passes one: what each call passed, and the uses reported on that condition.
        #: (id of the callee's node, id of the call, {slot: ConnFact}, whether it spreads ``*args``)
        self._conn_calls: List[tuple] = []
        self._pending_conn_calls: List[tuple] = []
        #: id of a function whose parameters were taken for connections -> its node, those parameters
        self._conn_functions: Dict[int, Tuple[ast.AST, List[tuple]]] = {}
        #: id of a reported use's node -> the parameters it needs to be connections
        self._conditional: Dict[int, FrozenSet[tuple]] = {}
        self._events: Optional[list] = None
        #: id of a scope's node -> the names a flag may be (see :func:`steady_names`)
        self._steady: Dict[int, FrozenSet[str]] = {}

    @staticmethod
    def applies(facts: ModuleFacts) -> bool:
        return facts.imports_any(["imaplib"])

    def scope_triggers(self, path_words=None):
        # Sequence numbers come from a search(), and are used in that scope, in a function
        # of the module it hands them to, or in one that a function returning them hands
        # them back to.
        return _SEQ_WORDS + tuple(sorted(self._flowing() or ()))

    def _flowing(self) -> Optional[FrozenSet[str]]:
        """See :meth:`_flowing_functions`; None: any function may (the text is not known)."""
        if self._flow_names is False:
            found = self._flowing_functions()
            self._flow_names = frozenset(found) if found is not None else None
        return self._flow_names

    def _flowing_functions(self) -> Optional[Tuple[str, ...]]:
        """Names of the module's functions through which numbers may flow between scopes:
        those named on a line that spells a search or a use (``check(conn.search(...))``),
        and those whose body holds such a line or names one of them (a caller of a function
        returning numbers), until none is added. A line naming one walks the scope that holds it.
        None when lines cannot be counted (no text, or a lone carriage return in it)."""
        summaries, text = self.facts.summaries, self.facts.text
        if text is None or "\r" in text:
            return None
        if summaries is None or not summaries.functions:
            return ()
        functions = sorted(summaries.functions.items(), key=lambda item: item[1].lineno)[:_MAX_FLOW_FUNCTIONS]
        lines = set()
        for word in _SEQ_WORDS:
            lines.update(word_lines(text, word) or ())
        if not lines:
            return ()
        named = {name: word_lines(text, name) or () for name, _ in functions}
        starts = [node.lineno for _, node in functions]

        def holder(line: int) -> Optional[str]:
            index = bisect_right(starts, line) - 1
            if index < 0:
                return None
            name, node = functions[index]
            return name if line <= (node.end_lineno or node.lineno) else None

        chosen = {name for name, _ in functions if not lines.isdisjoint(named[name])}
        pending = [name for name in {holder(line) for line in lines} if name is not None]
        done = set(pending)
        while pending:  # the callers of each, and theirs
            name = pending.pop()
            chosen.add(name)
            for line in named[name]:
                caller = holder(line)
                if caller is not None and caller not in done:
                    done.add(caller)
                    pending.append(caller)
        return tuple(sorted(chosen))

    # -- which names are connections ------------------------------------------------------

    def constructed(self, node: Optional[ast.AST], scope: Optional[ast.AST] = None) -> Optional[str]:
        if isinstance(node, ast.Call):
            name = self.facts.resolve(node.func)
            if name in IMAP_CLASSES:
                return name
            # A class chosen at run time: every class it may be is a connection class.
            choices = self.facts.class_choices(node.func, scope) if name is None else frozenset()
            if choices and choices <= IMAP_CLASSES:
                return min(choices)
        return None

    def annotated(self, node: Optional[ast.AST]) -> Optional[str]:
        """The IMAP class an annotation names (see :func:`.imports.annotation_parts`)."""
        for named in annotation_parts(node):
            name = self.facts.resolve(named)
            if name in IMAP_CLASSES:
                return name
        return None

    def made_by_call(self, node: Optional[ast.AST], cls: Optional[ast.ClassDef],
                     self_name: Optional[str]) -> Optional[str]:
        """The IMAP class of the connection a call of a function of the module makes and
        returns (see :meth:`factory`)."""
        summaries = self.facts.summaries
        if not isinstance(node, ast.Call) or summaries is None:
            return None
        found = summaries.callee_node(node, cls, self_name)
        return self.factory(found[0]) if found is not None else None

    def factory(self, func: ast.AST) -> Optional[str]:
        """The IMAP class of the connection ``func`` returns when every return of it gives a
        connection it constructed itself (a constructor call, or a local every assignment
        of which is one) or None; computed once per function. A ``with`` binding (closed on
        return), a generator, a coroutine or any other binding of the local rules it out."""
        if id(func) in self._factories:
            return self._factories[id(func)]
        self._factories[id(func)] = None
        if not isinstance(func, ast.FunctionDef):
            return None
        returned, excluded = [], set(_parameter_names(func))
        for node in own_nodes(func):
            if isinstance(node, (ast.Yield, ast.YieldFrom)):
                return None
            if isinstance(node, ast.Return) and node.value is not None:
                returned.append(node.value)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                excluded.update(n.id for item in node.items if item.optional_vars is not None
                                for n in ast.walk(item.optional_vars) if isinstance(n, ast.Name))
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                excluded.update(node.names)
        kinds, bindings = set(), None
        for value in returned:
            if is_none(value):
                continue
            kind = self.constructed(value, func)
            if kind is None and isinstance(value, ast.Name) and value.id not in excluded:
                if bindings is None:
                    bindings = local_bindings(func)
                values = bindings.get(value.id) or ()
                made = [self.constructed(v, func) for v in values if v is None or not is_none(v)]
                if made and all(made):
                    kind = min(made)
            if kind is None:
                return None
            kinds.add(kind)
        found = min(kinds) if kinds else None
        self._factories[id(func)] = found
        return found

    def _attributes(self, cls: ast.ClassDef) -> Dict[str, str]:
        """Attributes of ``cls`` instances holding connections, from one look at the class."""
        found = self._class_attrs.get(id(cls))
        if found is not None:
            return found
        found = {}
        for stmt in cls.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                kind = self.annotated(stmt.annotation) or self.constructed(stmt.value)
                if kind:
                    found[stmt.target.id] = kind
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self_name = None
                for node in ast.walk(stmt):
                    if isinstance(node, ast.Assign):
                        kind, targets = self.constructed(node.value, stmt), node.targets
                        if kind is None and isinstance(node.value, ast.Call):
                            if self_name is None:
                                self_name = instance_name(self.facts, stmt, cls) or ""
                            kind = self.made_by_call(node.value, cls, self_name or None)
                    elif isinstance(node, ast.AnnAssign):
                        kind = self.annotated(node.annotation) or self.constructed(node.value, stmt)
                        targets = [node.target]
                    else:
                        continue
                    if kind:
                        for target in targets:
                            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                                found[target.attr] = kind
        # A property giving the connection (``self.conn`` checked for None first, or
        # annotated as one) is the connection wherever it is read: ``self._imap.fetch(...)``.
        for stmt in cls.body:
            if isinstance(stmt, ast.FunctionDef) and any(
                    (self.facts.resolve(d) or dotted_name(d)) in _PROPERTIES for d in stmt.decorator_list):
                kind = self.annotated(stmt.returns) or self._property_of(stmt, found)
                if kind:
                    found[stmt.name] = kind
        self._class_attrs[id(cls)] = found
        return found

    @staticmethod
    def _property_of(func: ast.FunctionDef, attributes: Dict[str, str]) -> Optional[str]:
        """The class of the connection attribute every return of a property gives
        (``return self.conn``), returns of None aside; None otherwise."""
        params = _parameter_names(func)
        if not params:
            return None
        kinds = set()
        for node in own_nodes(func):
            if isinstance(node, (ast.Yield, ast.YieldFrom)):
                return None
            if isinstance(node, ast.Return) and node.value is not None and not is_none(node.value):
                value = node.value
                if not (isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name)
                        and value.value.id == params[0] and value.attr in attributes):
                    return None
                kinds.add(attributes[value.attr])
        return min(kinds) if kinds else None

    def start(self, walker: Walker, state: State) -> None:
        scope = walker.scope
        for name, kind in self._globals.items():
            state.set(CONN_DOMAIN, name, ConnFact(kind))
        self._pending_calls, self._pending_sinks, self._pending_conn_calls = [], [], []
        self._events = walker.events
        if not scope.is_function:
            return
        args = scope.node.args
        for arg in list(getattr(args, "posonlyargs", [])) + list(args.args) + list(args.kwonlyargs):
            kind = self.annotated(arg.annotation)
            if kind:
                state.set(CONN_DOMAIN, arg.arg, ConnFact(kind))
        self_name = scope.self_name
        if scope.enclosing_function is None and (scope.enclosing_class is None or self_name is not None):
            positional = list(getattr(args, "posonlyargs", [])) + list(args.args)
            indexed = list(enumerate(positional)) + [(-1, arg) for arg in args.kwonlyargs]
            for index, arg in indexed:
                state.set(PARAM_DOMAIN, arg.arg, ParamFact(index, arg.arg))
                # Any other parameter may be a connection every caller passes: the module's
                # end tells (see finish_module); until then what it does is noted on that condition.
                if arg.annotation is None and not (index == 0 and self_name is not None):
                    param = (id(scope.node), index, arg.arg)
                    entry = self._conn_functions.setdefault(id(scope.node), (scope.node, []))
                    if param not in entry[1]:
                        entry[1].append(param)
                    state.set(CONN_DOMAIN, arg.arg, ConnFact(_PARAM_CONN_KIND, param))
        if self_name and scope.enclosing_class is not None:
            for attr, kind in self._attributes(scope.enclosing_class).items():
                state.set(CONN_DOMAIN, self_name + "." + attr, ConnFact(kind))

    # -- what an expression holds ---------------------------------------------------------

    def seq_of(self, node: ast.AST, state: State) -> Optional[SeqFact]:
        """The search whose sequence numbers ``node``'s value carries, if any."""
        return self._carried(node, state, SEQ_DOMAIN)

    def _carried(self, node: ast.AST, state: State, domain: str):
        """The fact of ``domain`` that ``node``'s value carries through the conversions that
        keep sequence numbers (a loop: ``d[0].strip().split()...`` may be thousands deep)."""
        while True:
            if isinstance(node, (ast.Name, ast.Attribute)):
                ref = Walker.ref(node)
                return state.get(domain, ref) if ref is not None else None
            if isinstance(node, ast.Subscript):
                node = node.value
            elif isinstance(node, ast.Call):
                fact = state.get(domain, _synthetic(node)) if domain != PARAM_DOMAIN else None
                if fact is not None:
                    return fact
                func = node.func
                if isinstance(func, ast.Attribute):
                    if func.attr in _TEXT_METHODS:
                        node = func.value
                    elif func.attr == "join" and node.args:  # b",".join(nums)
                        node = node.args[0]
                    else:
                        return None
                elif node.args and self.facts.resolve(func) in _SEQ_KEEPING:
                    node = node.args[-1]
                else:
                    return None
            elif isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
                node = node.generators[0].iter
            elif isinstance(node, ast.Starred):
                node = node.value
            else:
                return None

    def flow_of(self, node: ast.AST, state: State) -> Optional[Flow]:
        """What ``node``'s value may hold that only the module's end can tell (a parameter,
        a function's return), through the conversions of :meth:`seq_of`; the elements of a
        tuple or list display each count."""
        found = None
        for part in node.elts if isinstance(node, (ast.Tuple, ast.List)) else (node,):
            param = self._carried(part, state, PARAM_DOMAIN)
            flow = self._carried(part, state, FLOW_DOMAIN)
            if param is not None:
                flow = Flow(frozenset({("param", param.index, param.name)})).join(flow)
            if flow is not None:
                found = flow.join(found)
        return found

    # -- flags tested twice -----------------------------------------------------------------

    def branch(self, walker: Walker, test: ast.AST, truth: bool, state: State) -> None:
        """``if delete:`` went ``truth``: note it where the selection may depend on it (see
        :class:`ReadOnlySelection`, settled where a fetch asks). Only a name bound once in the
        scope, not in a loop, that no function may rebind (see :func:`steady_names`) is a
        flag: what a selection made under it was made under holds wherever it is tested."""
        if type(test) is not ast.Name:
            return
        name = test.id
        steady = self._steady.get(id(walker.scope.node))
        if steady is None:
            steady = self._steady[id(walker.scope.node)] = steady_names(walker.scope.node, self.facts)
        if name not in steady:
            return
        if state.get(FLAG_DOMAIN, name) is None and len(state.items(FLAG_DOMAIN)) >= _MAX_FLAGS:
            return  # enough: each selection carries the flags known where it was made
        state.set(FLAG_DOMAIN, name, FlagTruth(truth))

    @staticmethod
    def read_only(selection: Optional["ReadOnlySelection"], state: State) -> bool:
        """Whether the connection's selection is read-only here: on every path, or under the
        truth of a flag this path tested."""
        if selection is None or not selection.read_only:
            return False
        if selection.when is None:
            return True
        flag, truth = selection.when
        return state.get(FLAG_DOMAIN, flag) == FlagTruth(truth)

    # -- bindings -------------------------------------------------------------------------

    def bind(self, walker: Walker, target: ast.AST, value: Optional[ast.AST], how: str, state: State) -> None:
        if value is None:
            return
        if how in ("for", "comprehension") and type(value) is ast.Call and value.args \
                and type(target) in (ast.Tuple, ast.List) and len(target.elts) == 2 \
                and self.facts.resolve(value.func) == "builtins.enumerate":
            # ``for index, num in enumerate(nums, 1)``: the second name is an element, as in
            # ``for num in nums``; the count is no number of the server's
            target, value = target.elts[1], value.args[0]
        if how in ("assign", "walrus", "for", "comprehension"):
            self._bind_flow(walker, target, value, how, state)
        ref = walker.ref(target)
        if how in ("assign", "walrus", "with") and ref is not None:
            kind = self.constructed(value, walker.scope.node)
            if kind is None and isinstance(value, ast.Call):
                scope = walker.scope
                kind = self.made_by_call(value, scope.enclosing_class, scope.self_name)
            if kind is None:
                stmt = walker.current_statement()
                if isinstance(stmt, ast.AnnAssign) and stmt.target is target:
                    kind = self.annotated(stmt.annotation)
            if kind:
                state.set(CONN_DOMAIN, ref, ConnFact(kind))
                return
        if how not in ("assign", "walrus", "for", "comprehension"):
            return
        fact = self.seq_of(value, state)
        if fact is None and self._assigned is not None and self._assigned[0] == id(value):
            fact = self._assigned[1]
        if fact is None:
            return
        if ref is not None:
            state.set(SEQ_DOMAIN, ref, fact)
        elif isinstance(target, (ast.Tuple, ast.List)):
            # ``typ, data = conn.search(None, 'ALL')``: the status word carries no numbers.
            skip_status = how in ("assign", "walrus") and isinstance(value, ast.Call)
            for index, element in enumerate(target.elts):
                if not (skip_status and index == 0):
                    self._mark(walker, element, fact, state)

    def _bind_flow(self, walker: Walker, target: ast.AST, value: ast.AST, how: str, state: State) -> None:
        """A name bound from a value with a :class:`Flow` carries it (``ids = ",".join(map(str,
        nums))`` of a parameter, ``for num, header in headers(conn, nums)``)."""
        flow = self.flow_of(value, state)
        if flow is None and self._assigned_flow is not None and self._assigned_flow[0] == id(value):
            flow = self._assigned_flow[1]
        if flow is not None:
            self._mark(walker, target, flow, state, FLOW_DOMAIN)

    def _mark(self, walker: Walker, target: ast.AST, fact, state: State, domain: str = SEQ_DOMAIN) -> None:
        """Every name bound by ``target`` (``(nums,)`` included) carries ``fact``."""
        pending = [target]
        while pending:  # a stack: unpacking targets may nest as deep as the parser allows
            target = pending.pop()
            if isinstance(target, ast.Starred):
                target = target.value
            if isinstance(target, (ast.Tuple, ast.List)):
                pending.extend(target.elts)
                continue
            ref = walker.ref(target)
            if ref is not None:
                state.set(domain, ref, fact)

    # -- operations ---------------------------------------------------------------------

    def operation(self, walker, ref, op, node, args, state) -> None:
        if op not in SEQ_SINKS and op not in ("search", "select", "examine"):
            return
        conn = state.get(CONN_DOMAIN, ref)
        if conn is None:
            return
        if op in ("select", "examine"):
            flags = frozenset((name, fact.truth) for name, fact in state.items(FLAG_DOMAIN))
            state.set(READONLY_DOMAIN, ref, ReadOnlySelection(selects_read_only(op, node, args), flags))
            return
        if op == "search":
            site = (node.lineno, node.col_offset)
            needs = frozenset({conn.param}) if conn.param is not None else frozenset()
            state.set(SEQ_DOMAIN, _synthetic(node), SeqFact(ref, node.lineno, frozenset({site}), needs))
            if node.keywords:  # no positional spelling for ``uid('SEARCH', ...)`` to copy
                walker.emit(ImapSeqPin, node, sites=frozenset({site}))
            return
        if not args:
            return
        if op == "fetch":
            asked = self.seq_of(args[0], state)
            if asked is not None:  # ``typ, parts = conn.fetch(num, ...)``: parts name num again
                state.set(SEQ_DOMAIN, _synthetic(node), asked.answer())
            parts = args[1] if len(args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "message_parts"), None
            )
            # A read-only selection (EXAMINE) sets no \Seen: the fetch changes nothing.
            selection = state.get(READONLY_DOMAIN, ref)
            if not fetch_sets_seen(parts) or self.read_only(selection, state):
                return
        fact = self.seq_of(args[0], state)
        if fact is not None:
            self._reported.add(id(node))
            self._note_conditions(node, fact, conn)
            walker.emit(ImapSeqUse, node, ref=ref, op=op, search=fact)
            return
        flow = self.flow_of(args[0], state)
        if flow is not None:  # whether a caller passes, or a helper returns, numbers is known at the end
            self._pending_sinks.append((walker.events, walker.scope, node, ref, op, flow, conn))

    def _note_conditions(self, node: ast.AST, fact: SeqFact, conn: ConnFact) -> None:
        """A use reported on the condition that parameters prove to be connections."""
        needs = fact.needs | ({conn.param} if conn.param is not None else frozenset())
        if needs:
            self._conditional[id(node)] = needs | self._conditional.get(id(node), frozenset())

    def call(self, walker: Walker, node: ast.Call, state: State) -> None:
        """Sequence numbers handed to a call that is not a reported use (a read-only fetch, a
        helper of the program) *pin* their searches: rewriting those searches to UID SEARCH
        would hand that call UIDs where it expects sequence numbers."""
        stmt = walker.current_statement()
        callee = self._callee(walker, node)
        if callee is not None:
            self._call_of_function(walker, node, callee, state)
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is node:
            fact = self.seq_of(node, state)
            self._assigned = (id(node), fact) if fact is not None else None
            flow = self.flow_of(node, state)
            self._assigned_flow = (id(node), flow) if flow is not None else None
        if id(node) in self._reported or not (node.args or node.keywords):
            return
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr in _TEXT_METHODS or func.attr in _PIN_FREE_METHODS:
                return
            if func.attr in _COLLECTING:
                self._collected(walker, node, state)
        elif (self.facts.resolve(func) or "").startswith("builtins."):
            return
        sites = frozenset()
        for _, value in _slots(node):
            fact = self.seq_of(value, state)
            # A response is mostly the message (``message_from_bytes(parts[0][1])``): handing
            # it on hands on no number the fix would turn into a UID.
            if fact is not None and not fact.answered:
                sites |= fact.sites
        if sites:
            walker.emit(ImapSeqPin, node, sites=sites)

    def _call_of_function(self, walker: Walker, node: ast.Call, callee, state: State) -> None:
        """A call of a function of the module: what each argument carries is passed to its
        parameter, and the call's value is what the function returns given those."""
        target, offset = callee
        # Every call is noted: scopes are not walked callees first. Bounded by its arguments.
        passed = {}
        for slot, value in _slots(node):
            conn = self._conn_of(walker, value, state)
            if conn is not None:
                passed[slot + offset if isinstance(slot, int) else slot] = conn
        spread = any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords)
        self._pending_conn_calls.append((id(target), id(node), passed, spread))
        args = []
        for slot, value in _slots(node):
            if isinstance(value, ast.Starred):
                continue
            fact = self.seq_of(value, state) or self.flow_of(value, state)
            if fact is not None:
                slot = slot + offset if isinstance(slot, int) else slot
                args.append((slot, fact))
                self._pending_calls.append((id(target), slot, fact, id(walker.scope.node)))
        # Without arguments that carry anything, only a function that may search (or call
        # one that does: those the scope filter chose) can return numbers.
        flowing = self._flowing()
        if not args and isinstance(node.func, ast.Name) and flowing is not None and node.func.id not in flowing:
            return
        flow = _call_flow(id(target), args)
        if flow is not None:
            state.set(FLOW_DOMAIN, _synthetic(node), flow)

    def _conn_of(self, walker: Walker, value: ast.AST, state: State) -> Optional[ConnFact]:
        """The connection an argument passes: a name or attribute holding one, or a call
        constructing one or of a helper returning one."""
        if isinstance(value, (ast.Name, ast.Attribute)):
            ref = Walker.ref(value)
            return state.get(CONN_DOMAIN, ref) if ref is not None else None
        if isinstance(value, ast.Call):
            scope = walker.scope
            kind = self.constructed(value, scope.node) or \
                self.made_by_call(value, scope.enclosing_class, scope.self_name)
            return ConnFact(kind) if kind else None
        return None

    def _collected(self, walker: Walker, node: ast.Call, state: State) -> None:
        """``nums.append(num)``: the list holds what it is given, as well as what it held."""
        ref = walker.ref(node.func.value)
        if ref is None or not node.args:
            return
        value = node.args[-1]
        fact = self.seq_of(value, state)
        if fact is not None:
            state.set(SEQ_DOMAIN, ref, fact.join(state.get(SEQ_DOMAIN, ref)))
        flow = self.flow_of(value, state)
        if flow is not None:
            state.set(FLOW_DOMAIN, ref, flow.join(state.get(FLOW_DOMAIN, ref)))

    def _callee(self, walker: Walker, call: ast.Call):
        """``(function node, index offset)`` of a call of a module function, or of a method of
        the class being walked through its instance (whose first parameter is that instance)."""
        summaries = self.facts.summaries
        if summaries is None:
            return None
        scope = walker.scope
        found = summaries.callee_node(call, scope.enclosing_class, scope.self_name)
        if found is None:
            return None
        return found[0], 0 if found[1] is None else 1

    def finish(self, walker: Walker, exits: Optional[State]) -> None:
        self._calls.extend(self._pending_calls)
        self._sinks.extend(self._pending_sinks)
        self._conn_calls.extend(self._pending_conn_calls)
        self._pending_calls, self._pending_sinks, self._pending_conn_calls = [], [], []
        scope = walker.scope
        if exits is None or not scope.is_function:
            return
        returned = []
        for stmt in own_statements(scope.node):
            if not isinstance(stmt, ast.Return) or stmt.value is None:
                continue
            fact = self.seq_of(stmt.value, exits)
            if fact is not None:
                # Numbers handed back to callers the fix does not rewrite: it leaves the search
                # (a response handed back is the messages, as in :meth:`call`).
                if not fact.answered:
                    walker.emit(ImapSeqPin, stmt, sites=fact.sites)
                returned.append(fact)
            flow = self.flow_of(stmt.value, exits)
            if flow is not None:
                returned.append(flow)
        if returned:
            self._returned[id(scope.node)] = returned

    def finish_module(self) -> None:
        """Report the uses, in a function of the module, of numbers its callers pass it or a
        function of the module returns to it."""
        for callee, slot, fact, caller in self._calls:
            self._passed.setdefault(callee, []).append((slot, fact, caller))
        self._budget = _RESOLUTION_BUDGET
        done = set()
        for events, scope, node, ref, op, flow, conn in self._sinks:
            if id(node) in done:
                continue
            fact = self._resolve(flow, id(scope.node), None)
            if fact is not None:
                done.add(id(node))
                self._reported.add(id(node))
                self._note_conditions(node, fact, conn)
                events.append(ImapSeqUse(node, scope, ref=ref, op=op, search=fact))
        self._drop_unproven()
        self._calls, self._sinks, self._returned = [], [], {}
        self._passed, self._param_facts = {}, {}
        self._conn_calls, self._conn_functions, self._conditional = [], {}, {}

    def _drop_unproven(self) -> None:
        """Drop the uses reported on parameters taken for connections that some call of
        their function does not pass one (or that may be called in a way the walk did not see)."""
        if not self._conditional or self._events is None:
            return
        #: id of a function -> the ids of its calls, and what each walk of one passed
        calls: Dict[int, Tuple[set, List[tuple]]] = {}
        for callee, call, passed, spread in self._conn_calls:
            sites, walks = calls.setdefault(callee, (set(), []))
            sites.add(call)
            walks.append((passed, spread))
        proven = self._proven_parameters(calls)
        drop = {node for node, needs in self._conditional.items() if not needs <= proven}
        if drop:
            self._events[:] = [e for e in self._events if not (isinstance(e, ImapSeqUse) and id(e.node) in drop)]

    def _proven_parameters(self, calls: Dict[int, Tuple[set, List[tuple]]]) -> FrozenSet[tuple]:
        """The parameters every call of whose function passes a connection: each call was
        walked, is a direct call (every other occurrence of the function's name in the text,
        a docstring's too, leaves it unproven), does not spread ``*args``, and passes there a
        known connection or a parameter so proven: by rounds out from the known ones,
        :data:`_RESOLUTION_DEPTH` functions at most (a cycle proves nothing), each round one
        pass over the calls noted."""
        if self.facts.text is None:
            return frozenset()
        candidates = []
        in_code = None
        for function, (func, params) in self._conn_functions.items():
            sites, walks = calls.get(function, ((), ()))
            if not walks or any(spread for _, spread in walks):
                continue
            if self.facts.word_count(func.name) != 1 + len(sites):
                # The text spells the name more often: a comment says nothing, so count
                # what the code spells (strings too: ``getattr(module, "process")``).
                if in_code is None:
                    in_code = _code_counts(self._tree, {f.name for f, _ in self._conn_functions.values()
                                                        if hasattr(f, "name")})
                if in_code.get(func.name) != 1 + len(sites):
                    continue
            candidates.append((params, walks))
        proven: set = set()
        for _ in range(_RESOLUTION_DEPTH):
            added = [param for params, walks in candidates for param in params
                     if param not in proven and all(_passes(passed, param, proven) for passed, _ in walks)]
            if not added:
                break
            proven.update(added)
        return frozenset(proven)

    def _resolve(self, fact, function: int, call: Optional[tuple], depth: int = 0) -> Optional[SeqFact]:
        """The searches ``fact``, met in ``function``, may carry the numbers of. ``call``:
        None when the parameters of ``function`` hold what any caller passes; else the one
        call being followed, ``(its arguments, the caller, the caller's own call)``.
        Functions are followed :data:`_RESOLUTION_DEPTH` deep at most, with a budget of work
        for the whole module (hostile input may nest calls and returns without end)."""
        if isinstance(fact, SeqFact):
            return fact
        if self._budget <= 0 or depth > _RESOLUTION_DEPTH:
            return None
        self._budget -= 1
        depth += 1
        found = None
        for atom in fact.atoms:
            if atom[0] == "param":
                _, index, name = atom
                if call is None:
                    got = self._parameter(function, index, name, depth)
                else:
                    args, caller, outer = call
                    got = None
                    for slot, value in args:
                        if slot == name or slot == index >= 0:
                            got = _joined(got, self._resolve(value, caller, outer, depth))
            else:
                _, callee, args = atom
                got = None
                for value in self._returned.get(callee, ()):
                    got = _joined(got, self._resolve(value, callee, (args, function, call), depth))
            found = _joined(found, got)
        return found

    def _parameter(self, function: int, index: int, name: str, depth: int) -> Optional[SeqFact]:
        """The searches whose numbers some caller passes ``function`` as this parameter
        (each asked once; a cycle of calls adds nothing)."""
        slot = (function, index, name)
        if slot in self._param_facts:
            return self._param_facts[slot]
        self._param_facts[slot] = None
        found = None
        for passed, fact, caller in self._passed.get(function, ()):
            if passed == name or passed == index >= 0:
                found = _joined(found, self._resolve(fact, caller, None, depth))
        self._param_facts[slot] = found
        return found


def _passes(passed: Dict[Any, ConnFact], param: tuple, proven) -> bool:
    """Whether a call that passed ``passed`` gives ``param`` a connection known or proven."""
    _, index, name = param
    conn = passed.get(name) or (passed.get(index) if index >= 0 else None)
    return conn is not None and (conn.param is None or conn.param in proven)



def _code_counts(tree: ast.AST, names) -> Dict[str, int]:
    """How often each of ``names`` occurs in the code of ``tree``, not in its comments: as a
    name, an attribute, a definition, a parameter, a keyword, an import or a global, and as
    a word of a string."""
    counts = dict.fromkeys(names, 0)
    for node in ast.walk(tree):
        kind = type(node)
        if kind is ast.Name:
            found = (node.id,)
        elif kind is ast.Attribute:
            found = (node.attr,)
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            found = (node.name,)
        elif kind is ast.arg:
            found = (node.arg,)
        elif kind is ast.keyword:
            found = (node.arg,) if node.arg else ()
        elif kind is ast.alias:
            found = (node.asname or node.name.rpartition(".")[2],)
        elif kind in (ast.Global, ast.Nonlocal):
            found = tuple(node.names)
        elif kind is ast.Constant and isinstance(node.value, str):
            found = tuple(re.findall(r"\w+", node.value))
        else:
            continue
        for name in found:
            if name in counts:
                counts[name] += 1
    return counts


def _parameter_names(func: ast.AST) -> List[str]:
    args = func.args
    names = [a.arg for a in list(getattr(args, "posonlyargs", [])) + list(args.args) + list(args.kwonlyargs)]
    return names + [a.arg for a in (args.vararg, args.kwarg) if a is not None]


def _joined(a: Optional[SeqFact], b: Optional[SeqFact]) -> Optional[SeqFact]:
    return b if a is None else a.join(b)


def _slots(call: ast.Call):
    """``(position or keyword, value)`` of each argument of ``call``."""
    return [(index, value) for index, value in enumerate(call.args)] + \
        [(keyword.arg, keyword.value) for keyword in call.keywords if keyword.arg is not None]


def search_uses(events) -> Dict[Tuple[int, int], FrozenSet[Tuple[int, int]]]:
    """For each non-UID search (by ``(line, col)``), the positions of the reported uses of its
    numbers (:class:`ImapSeqUse` events), from a module's events."""
    uses: Dict[Tuple[int, int], FrozenSet[Tuple[int, int]]] = {}
    for event in events:
        if isinstance(event, ImapSeqUse):
            for site in event.search.sites:
                uses[site] = uses.get(site, frozenset()) | {(event.node.lineno, event.node.col_offset)}
    return uses

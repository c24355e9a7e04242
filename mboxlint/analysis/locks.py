"""Which names are lockable mailboxes, and their lock state at every point of a scope.

Facts live under the ``"box"`` domain, one :class:`BoxFact` per tracked mailbox ref. Each
operation on a tracked mailbox is emitted as a :class:`~.events.BoxOp` event carrying the fact that held
just before it; the MBX1 rules and the key analysis read those events and facts.

A mailbox is tracked in a scope when the analysis knows its class and this scope is in charge
of its locking:

* it is constructed here (``box = mailbox.mbox(p)``, ``self.box = M(p)``), or
* it is a parameter, annotated variable, ``self`` attribute or module global whose class is
  known, *and* this scope calls ``lock()``/``unlock()``/``locked()`` on it. A mailbox this
  scope never locks is left to its caller (the analysis is intraprocedural), or
* it is an un-annotated parameter or a local not bound from a known class (``box =
  self.get_instance()``) that this scope both locks and unlocks, and on which it calls a
  method only a mailbox has (:data:`MAILBOX_ONLY_METHODS`) or both a change and ``flush()``:
  tracked as of the class ``mailbox.Mailbox`` (as when annotated so). A Qt mutex or a
  file-lock object has ``lock()`` and ``unlock()`` but none of those.
"""

import ast
import bisect
from typing import Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from .containers import (
    ANY_KEY, Container, box_ref, entry_key, entry_parts, entry_ref, iterated_container, may_be_same, stores_mailbox,
    survey_containers,
)
from .events import BoxOp
from .imports import MAILBOX_CLASSES, ModuleFacts, own_statements
from .state import LOCKED, MAYBE, UNLOCKED, State, join_epochs, join_lock, min_line
from .summaries import LEAF_NODES, apply_effects, bind_arguments, bound_mode
from .triggers import has_trigger
from .walk import Analysis, Scope, Walker, _bound_refs

DOMAIN = "box"

#: Operations that change a mailbox (the spec's list).
MODIFYING = frozenset(
    {
        "add", "remove", "discard", "pop", "popitem", "clear", "update", "__setitem__",
        "__delitem__", "flush", "pack", "set_sequences", "add_folder", "remove_folder",
    }
)
#: Operations that read a mailbox's table of contents or messages.
READING = frozenset(
    {
        "get", "get_message", "get_bytes", "get_string", "get_file", "keys", "iterkeys",
        "values", "itervalues", "items", "iteritems", "__iter__", "__len__", "__getitem__",
        "__contains__", "get_sequences", "has_key", "list_folders", "get_folder",
    }
)
#: Operations after which the mailbox is no longer locked.
RELEASING = frozenset({"unlock", "close"})
#: methods that, on an object that is also locked and unlocked, only a mailbox has
MAILBOX_ONLY_METHODS = frozenset({
    "get_message", "get_bytes", "get_string", "get_file", "iterkeys", "itervalues", "iteritems",
    "get_sequences", "set_sequences", "list_folders", "get_folder", "add_folder", "remove_folder",
})
#: changes that, with ``flush()`` on the same object, make it a mailbox when it is also
#: locked and unlocked
_FLUSHED_CHANGES = frozenset({"add", "remove", "discard", "__setitem__"})
_EVIDENCE = MAILBOX_ONLY_METHODS | _FLUSHED_CHANGES | {"flush", "lock", "unlock"}
#: calls one of which a module with such an untyped mailbox spells (besides ``.unlock()``)
UNTYPED_MAILBOX_WORDS = (".flush()",) + tuple(".%s(" % method for method in sorted(MAILBOX_ONLY_METHODS))
#: the class an untyped mailbox is tracked as
UNTYPED_KIND = "mailbox.Mailbox"


class BoxFact:
    """What is known of one tracked mailbox at one point."""

    __slots__ = ("kind", "lock", "epochs", "pending", "read_unlocked", "owned", "vague")

    def __init__(
        self,
        kind: str,
        lock: str,
        epochs: FrozenSet[object],
        pending: Optional[int] = None,
        read_unlocked: Optional[int] = None,
        owned: bool = True,
        vague: object = False,
    ):
        self.kind = kind  # "mailbox.mbox", ...
        self.lock = lock  # LOCKED / UNLOCKED / MAYBE
        #: the lock periods this point may be in (see the key analysis)
        self.epochs = epochs
        #: line of the earliest modification made under the lock and not flushed yet
        self.pending = pending
        #: line of the earliest read made while not locked, since the last lock()
        self.read_unlocked = read_unlocked
        #: constructed in this scope (rather than arriving from the caller)
        self.owned = owned
        #: a container entry whose lock state may be another's, changed through a different
        #: spelling that may be the same mailbox (``boxes[k]`` and ``boxes["a"]``): followed,
        #: but nothing is reported of it. The spelling (a ref) whose call made it so, which an
        #: agreeing call through the same spelling undoes, or True
        self.vague = vague

    def replace(self, **changes) -> "BoxFact":
        values = {slot: getattr(self, slot) for slot in self.__slots__}
        values.update(changes)
        return BoxFact(**values)

    def join(self, other: Optional["BoxFact"]) -> "BoxFact":
        if other is None:
            return self
        return BoxFact(
            self.kind,
            join_lock(self.lock, other.lock),
            join_epochs(self.epochs, other.epochs),
            min_line(self.pending, other.pending),
            min_line(self.read_unlocked, other.read_unlocked),
            self.owned and other.owned,
            _join_vague(self.vague, other.vague),
        )

    def _key(self):
        return (self.kind, self.lock, self.epochs, self.pending, self.read_unlocked, self.owned, self.vague)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BoxFact) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "BoxFact(%s, %s, pending=%s)" % (self.kind, self.lock, self.pending)


def _join_vague(a: object, b: object) -> object:
    if a == b or not b:
        return a
    if not a:
        return b
    return True


#: the domain of :class:`_Mirror` facts
MIRROR_DOMAIN = "box-alias"
#: the key of a spelling that may be any entry (a loop's variable, an alias whose entry is gone)
_SOME = "?"


class _Mirror:
    """The container entry a local name is bound to (``box = boxes[k]``), while neither the
    name nor the subscript is rebound: a call through either changes both."""

    __slots__ = ("entry",)

    def __init__(self, entry: str):
        self.entry = entry

    def join(self, other: Optional["_Mirror"]) -> Optional["_Mirror"]:
        return self if other == self else None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Mirror) and other.entry == self.entry

    def __hash__(self) -> int:
        return hash(self.entry)


def epoch_at(node: ast.AST, label: str) -> object:
    """An identifier for the lock period that starts at ``node``."""
    return (label, node.lineno, node.col_offset)


def call_effects(facts: ModuleFacts, call: ast.Call, scope: Scope):
    """``(ref, op)`` that calling a summarised function of the module does to the caller's refs."""
    summaries = facts.summaries
    if summaries is None:
        return []
    self_name = scope.self_name
    summary = summaries.callee(call, scope.enclosing_class, self_name)
    if summary is None or summary.context_manager or not summary.enter:
        return []
    receiver = self_name if isinstance(call.func, ast.Attribute) else None
    mapping = bind_arguments(summary, call, receiver)
    if mapping is None:
        return []
    applied = []
    for ref, op in apply_effects(summary.enter, mapping):
        op = bound_mode(op, summary, call, receiver)
        if op is not None:
            applied.append((ref, op))
    return applied


def context_effects(facts: ModuleFacts, expr: ast.AST, scope: Scope):
    """``(on entering, on leaving)``, each a list of ``(ref, op)``, of a ``with`` item that is a
    summarised context manager of the module; None otherwise."""
    summaries = facts.summaries
    if summaries is None:
        return None
    found = summaries.context_manager(expr, scope.enclosing_class, scope.self_name)
    if found is None:
        return None
    summary, receiver = found
    mapping = bind_arguments(summary, expr, receiver)
    if mapping is None:
        return None
    return apply_effects(summary.enter, mapping), apply_effects(summary.exit, mapping)


class _ScopeSurvey:
    """What a scope does with mailbox refs, from one look at its body before the walk."""

    def __init__(self, scope: Scope, facts: Optional[ModuleFacts] = None):
        self.locks: Set[str] = set()  # refs with lock() or locked() calls, or a helper's
        self.unlocks: Set[str] = set()  # refs with unlock() calls, or a helper's
        #: ref -> where the first unlock of it in the source is, and where the first lock is
        self.first_unlock: Dict[str, Tuple[int, int]] = {}
        self.first_lock: Dict[str, Tuple[int, int]] = {}
        self.handed_on: Set[str] = set()  # refs returned, yielded or stored on self
        #: ref -> the methods of :data:`_EVIDENCE` called on it
        self._methods: Dict[str, Set[str]] = {}
        #: containers of mailboxes followed in this scope (see :mod:`.containers`)
        self.containers: Dict[str, Container] = {}
        #: subscript name -> the containers it is a key of
        self.key_names: Dict[str, List[str]] = {}
        #: local name bound to an entry -> its container
        self.alias_of: Dict[str, str] = {}
        stored_in: Set[str] = set()
        self_name = scope.self_name
        for node in _walk_scope_body(scope.node):
            if facts is not None and isinstance(node, (ast.Assign, ast.Call)):
                container = stores_mailbox(facts, node, scope.node)
                if container is not None:
                    stored_in.add(container)
            if isinstance(node, ast.Call) and facts is not None and facts.summaries is not None:
                for ref, op in call_effects(facts, node, scope):
                    if op == "lock":
                        self._note(self.locks, self.first_lock, ref, node)
                    elif op == "unlock":
                        self._note(self.unlocks, self.first_unlock, ref, node)
            if isinstance(node, ast.withitem) and facts is not None and facts.summaries is not None:
                effects = context_effects(facts, node.context_expr, scope)
                if effects is not None:
                    self.locks.update(ref for ref, op in effects[0] if op == "lock")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                ref = box_ref(node.func.value)
                if ref is None:
                    continue
                if node.func.attr in _EVIDENCE:
                    self._methods.setdefault(ref, set()).add(node.func.attr)
                if node.func.attr in ("lock", "locked"):
                    self._note(self.locks, self.first_lock, ref, node)
                elif node.func.attr == "unlock":
                    self._note(self.unlocks, self.first_unlock, ref, node)
            elif isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)) and node.value is not None:
                values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
                for value in values:
                    ref = Walker.ref(value)
                    if ref is not None:
                        self.handed_on.add(ref)
            elif isinstance(node, ast.Assign) and self_name:
                ref = Walker.ref(node.value)
                if ref is not None and any(
                    isinstance(t, ast.Attribute) and Walker.ref(t.value) == self_name for t in node.targets
                ):
                    self.handed_on.add(ref)
        if stored_in:
            self.containers = survey_containers(facts, scope.node, stored_in)
            for container, found in self.containers.items():
                for name in found.key_names:
                    self.key_names.setdefault(name, []).append(container)
                for name in found.aliases:
                    self.alias_of[name] = container


    @staticmethod
    def _note(refs: Set[str], first: Dict[str, Tuple[int, int]], ref: str, node: ast.AST) -> None:
        refs.add(ref)
        at = (node.lineno, node.col_offset)
        if ref not in first or at < first[ref]:
            first[ref] = at

    def released_first(self, ref: str) -> bool:
        """Whether the scope's first lock operation on ``ref``, in the source, releases it
        (``self.close()`` before ``self._open()`` re-locks a new one): what it had on entry
        was locked."""
        unlock = self.first_unlock.get(ref)
        return unlock is not None and unlock < self.first_lock.get(ref, unlock)

    def untyped_mailbox(self, ref: str) -> bool:
        """Whether the scope treats ``ref`` as a lockable mailbox (see the module's overview)."""
        methods = self._methods.get(ref)
        return methods is not None and "lock" in methods and "unlock" in methods and bool(
            methods & MAILBOX_ONLY_METHODS or "flush" in methods and methods & _FLUSHED_CHANGES)


#: methods whose value is a mailbox of the class of the one they are called on
_FOLDERS = frozenset({"add_folder", "get_folder"})


def _of_known_class(facts: ModuleFacts, value: Optional[ast.AST]) -> bool:
    """Whether ``value`` makes a mailbox of a class the module names, or a folder of another
    mailbox (of that one's class): a Maildir and its folders stay untracked, being exempt."""
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    return bool(facts.mailbox_class(func)) or isinstance(func, ast.Attribute) and func.attr in _FOLDERS


def _walk_scope_body(scope_node: ast.AST):
    """Every node of a scope's own body but names, constants, contexts and operators (see
    :data:`~.summaries.LEAF_NODES`), not descending into nested scopes."""
    stack = list(scope_node.body)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if type(child) not in LEAF_NODES and \
                    not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                stack.append(child)


def private_mailbox(facts: ModuleFacts, constructor: ast.Call, scope: Scope) -> bool:
    """Whether a mailbox constructor's path is in a fresh private temporary directory."""
    path = constructor.args[0] if constructor.args else None
    for keyword in constructor.keywords:
        if keyword.arg == "path":
            path = keyword.value
    if path is None or facts.summaries is None:
        return False
    private = facts.summaries.private
    return private.private_expression(path, set(private.in_scope(scope)))


def class_mailbox_attributes(facts: ModuleFacts, cls: ast.ClassDef) -> Dict[str, str]:
    """Attributes of instances of ``cls`` known to hold lockable mailboxes: ``{"box": kind}``;
    not those made on a private temporary path."""
    found: Dict[str, str] = {}
    private_attrs: Set[str] = set()
    shared_attrs: Set[str] = set()
    for stmt in cls.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            kind = facts.lockable_annotation(stmt.annotation) or facts.lockable_constructor(stmt.value)
            if kind:
                found[stmt.target.id] = kind
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self_name = Scope(stmt, cls).self_name
            if not self_name:
                continue
            for node in _walk_scope_body(stmt):
                if isinstance(node, ast.Assign):
                    kind = facts.lockable_constructor(node.value, stmt)
                    targets = node.targets
                elif isinstance(node, ast.AnnAssign):
                    kind = facts.lockable_annotation(node.annotation) or facts.lockable_constructor(node.value, stmt)
                    targets = [node.target]
                else:
                    continue
                if not kind:
                    continue
                private = isinstance(node.value, ast.Call) and private_mailbox(facts, node.value, Scope(stmt, cls))
                for target in targets:
                    if isinstance(target, ast.Attribute) and Walker.ref(target.value) == self_name:
                        found[target.attr] = kind
                        (private_attrs if private else shared_attrs).add(target.attr)
    for attr in private_attrs - shared_attrs:
        found.pop(attr, None)
    return found


def module_mailboxes(facts: ModuleFacts, tree: ast.Module) -> Dict[str, str]:
    """Module globals bound to lockable mailboxes: ``{"box": kind}``, in the top level's
    blocks too (``if __name__ == "__main__": box = mailbox.mbox(p)``)."""
    found: Dict[str, str] = {}
    for stmt in own_statements(tree):
        if isinstance(stmt, ast.Assign):
            kind = facts.lockable_constructor(stmt.value)
            targets = stmt.targets
        elif isinstance(stmt, ast.AnnAssign):
            kind = facts.lockable_annotation(stmt.annotation) or facts.lockable_constructor(stmt.value)
            targets = [stmt.target]
        else:
            continue
        if kind:
            for target in targets:
                if isinstance(target, ast.Name):
                    found[target.id] = kind
    return found


def releases(stmts: Sequence[ast.stmt], ref: str) -> bool:
    """Whether ``stmts`` call ``ref.unlock()`` or ``ref.close()`` somewhere."""
    for stmt in stmts:
        for node in ast.walk(stmt):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in RELEASING
                and box_ref(node.func.value) == ref
            ):
                return True
    return False


def _alone_on_its_lines(stmts: Sequence[ast.stmt], index: int) -> bool:
    """Whether ``stmts[index]`` shares no line with its neighbours (no ``;``)."""
    stmt = stmts[index]
    return (index == 0 or stmts[index - 1].end_lineno < stmt.lineno) and \
        (index + 1 == len(stmts) or stmts[index + 1].lineno > stmt.end_lineno)


def _bare_method_call(stmts: Sequence[ast.stmt], index: int, ref: str, alone: bool = True) -> Optional[str]:
    """The method of a statement that is just ``ref.method()`` (no arguments; with ``alone``,
    on lines of its own: no ``;``, as a rewrite needs), else None."""
    stmt = stmts[index]
    if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
        return None
    call = stmt.value
    if call.args or call.keywords or not isinstance(call.func, ast.Attribute) \
            or box_ref(call.func.value) != ref or alone and not _alone_on_its_lines(stmts, index):
        return None
    return call.func.attr


def _cannot_raise(stmt: ast.stmt) -> bool:
    """``pass``, or a constant bound to a plain name: nothing an exception could come from."""
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and isinstance(stmt.value, ast.Constant):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        return all(isinstance(t, ast.Name) for t in targets)
    return False


def released_at_once(stmts: Sequence[ast.stmt], index: int, ref: str) -> bool:
    """Whether the ``ref.lock()`` at ``stmts[index]`` is followed, in the same block, by
    ``ref.unlock()`` with nothing in between that can raise: no exception can strand it."""
    for following in range(index + 1, len(stmts)):
        if _bare_method_call(stmts, following, ref, alone=False) == "unlock":  # layout aside
            return True
        if not _cannot_raise(stmts[following]):
            return False
    return False


class _BlockLocks:
    """What :func:`wrappable_region` asks of one block, found in one pass over it: each
    mailbox's bare ``lock()``/``unlock()``/``close()`` statements, the statements that may
    leave a region whatever the mailbox, and those that lock, unlock or close each mailbox
    anywhere inside. A long block of many lock regions costs its length, not its length
    times the number of regions."""

    def __init__(self, stmts: Sequence[ast.stmt]):
        #: ref -> [(index, method)] of statements that are just ``ref.method()`` on lines of their own
        self.bare: Dict[str, List[Tuple[int, str]]] = {}
        #: ref -> indexes of statements that lock, unlock or close ``ref`` (at any depth)
        self.touching: Dict[str, List[int]] = {}
        #: leaving[i]: how many of the first i statements may leave a region by a jump
        self.leaving = [0]
        for index, stmt in enumerate(stmts):
            jumps, touched = _region_exits(stmt)
            self.leaving.append(self.leaving[-1] + jumps)
            for ref in touched:
                self.touching.setdefault(ref, []).append(index)
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                    and isinstance(stmt.value.func, ast.Attribute):
                ref = box_ref(stmt.value.func.value)
                if ref is not None and stmt.value.func.attr in ("lock", "unlock", "close"):
                    method = _bare_method_call(stmts, index, ref)
                    if method is not None:
                        self.bare.setdefault(ref, []).append((index, method))

    def region_end(self, index: int, ref: str) -> Optional[int]:
        calls = self.bare.get(ref, ())
        at = bisect.bisect_right(calls, (index, "~"))
        if at == len(calls) or calls[at][1] != "unlock":
            return None  # the next is another lock() or a close(), or there is none
        end = calls[at][0]
        if end == index + 1 or self.leaving[end] - self.leaving[index + 1]:
            return None
        touching = self.touching.get(ref, ())
        first = bisect.bisect_right(touching, index)
        return end if first == len(touching) or touching[first] >= end else None


def _region_exits(stmt: ast.stmt) -> Tuple[int, Set[str]]:
    """``(1 if stmt may leave a region: a return, a jump out of the loops around it; else 0,
    the mailboxes it locks, unlocks or closes)``, for every mailbox at once; a stack, not
    recursion: expressions may be deep."""
    jumps, touched = 0, set()
    pending = [(stmt, 0)]
    while pending:
        node, loops = pending.pop()
        if isinstance(node, ast.Return):
            jumps = 1
            continue
        if isinstance(node, (ast.Break, ast.Continue)):
            if loops == 0:
                jumps = 1
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("lock", "unlock", "close", "locked"):
            ref = box_ref(node.func.value)
            if ref is not None:
                touched.add(ref)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue  # runs elsewhere, if at all
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            # A jump in the body stays in the loop; one in its ``else:`` leaves it.
            pending += [(child, loops + 1) for child in node.body]
            pending += [(child, loops) for child in node.orelse]
            head = [node.test] if isinstance(node, ast.While) else [node.target, node.iter]
            pending += [(child, loops) for child in head]
        else:
            pending += [(child, loops) for child in ast.iter_child_nodes(node)]
    return jumps, touched


def wrappable_region(stmts: Sequence[ast.stmt], index: int, ref: str, indexes: Dict[int, _BlockLocks]) -> Optional[int]:
    """The index of the ``ref.unlock()`` line ending the region that ``ref.lock()`` at
    ``stmts[index]`` starts, when ``try:`` ... ``finally: ref.unlock()`` around the statements
    in between would keep the normal path as it is; else None.

    Both calls are lines of their own in one block, with statements in between, and nothing
    in between leaves the region other than by an exception (``return``, or ``break``/
    ``continue`` of a loop around it: those paths kept the lock, a finally would release it)
    or locks, unlocks or closes ``ref`` itself (a finally would unlock a second time).
    ``indexes``: each block's :class:`_BlockLocks` by id, kept by the caller for the module.
    """
    if _bare_method_call(stmts, index, ref) != "lock":
        return None
    block = indexes.get(id(stmts))
    if block is None:
        block = indexes[id(stmts)] = _BlockLocks(stmts)
    return block.region_end(index, ref)


def _after_loop(walker: Walker) -> Optional[ast.stmt]:
    """The statement after the innermost loop around the statement being walked, if that loop
    is followed by one in its block."""
    blocks = walker.enclosing_blocks()
    for depth in range(len(blocks) - 1, 0, -1):
        outer, index = blocks[depth - 1]
        owner = outer[index]
        if isinstance(owner, (ast.For, ast.AsyncFor, ast.While)) and blocks[depth][0] is owner.body:
            return outer[index + 1] if index + 1 < len(outer) else None
    return None


def _catches_everything(facts: ModuleFacts, handler: ast.ExceptHandler) -> bool:
    """``except:``, ``except Exception:`` or ``except BaseException:`` (which re-raise, typically)."""
    if handler.type is None:
        return True
    return facts.resolve(handler.type) in ("builtins.Exception", "builtins.BaseException")


class LockAnalysis(Analysis):
    """Lock state, pending changes and lock periods of every tracked mailbox."""

    domain = DOMAIN
    #: every spelling of a mailbox class (``import mailbox``, ``from mboxlint import
    #: mailbox``, a subclass of one of them) has this word in the module's text
    TRIGGERS = ("mailbox", "unlock")

    def __init__(self, facts: ModuleFacts, tree: ast.Module, options: Optional[dict] = None):
        self.facts = facts
        self._globals = module_mailboxes(facts, tree)
        self._class_attrs: Dict[int, Dict[str, str]] = {}
        self.survey: Optional[_ScopeSurvey] = None
        self._lock_events = []
        #: loop variable -> the followed container whose entries it goes through
        self._elements: Dict[str, str] = {}
        #: (id of a statement list, mailbox ref) -> whether the list releases that mailbox
        self._released: Dict[Tuple[int, str], bool] = {}

    @staticmethod
    def applies(facts: ModuleFacts) -> bool:
        if facts.lockable_subclasses or facts.imports_any(["mailbox"]):
            return True
        # A mailbox whose class is visible nowhere in the module (made by a subclass's
        # ``_variant`` in another one): locked, unlocked and used as only a mailbox is.
        text = facts.text
        return text is not None and has_trigger(text, (".unlock()",)) and has_trigger(text, UNTYPED_MAILBOX_WORDS)

    def scope_triggers(self, path_words=None):
        return self.mailbox_scope_words(self.facts)

    @staticmethod
    def mailbox_scope_words(facts: ModuleFacts):
        # A scope tracks a mailbox only when it constructs one (spelled with a local name
        # bound to a mailbox class, its module, or a subclass) or locks/unlocks one, itself
        # or through a function of the module that does.
        names = {"lock"}
        if facts.summaries is not None:
            names.update(facts.summaries.scope_words())
        names.update(local for local, target in facts.aliases.items()
                     if target == "mailbox" or target.startswith("mailbox."))
        names.update(facts.mailbox_subclasses)
        names.update(name for name, choices in facts.class_aliases.items() if choices & MAILBOX_CLASSES)
        return sorted(names)

    # -- entry --------------------------------------------------------------------------

    def start(self, walker: Walker, state: State) -> None:
        scope = walker.scope
        self.survey = _ScopeSurvey(scope, self.facts)
        self._lock_events = []
        self._elements = {}
        candidates: Dict[str, str] = {}
        if scope.is_function:
            args = scope.node.args
            every_arg = list(getattr(args, "posonlyargs", [])) + list(args.args) + list(args.kwonlyargs)
            for arg in every_arg:
                kind = self.facts.lockable_annotation(arg.annotation)
                if kind:
                    candidates[arg.arg] = kind
                elif arg.annotation is None and self.survey.untyped_mailbox(arg.arg):
                    candidates[arg.arg] = UNTYPED_KIND
            self_name = scope.self_name
            if self_name and scope.enclosing_class is not None:
                cls = scope.enclosing_class
                attrs = self._class_attrs.get(id(cls))
                if attrs is None:
                    attrs = self._class_attrs[id(cls)] = class_mailbox_attributes(self.facts, cls)
                for attr, kind in attrs.items():
                    candidates[self_name + "." + attr] = kind
            for name, kind in self._globals.items():
                candidates.setdefault(name, kind)
        for ref, kind in candidates.items():
            self._track_if_managed_here(ref, kind, walker.scope.node, state)

    def _track_if_managed_here(self, ref: str, kind: str, node: ast.AST, state: State) -> None:
        survey = self.survey
        if ref in survey.locks and not survey.released_first(ref):
            initial = UNLOCKED
        elif ref in survey.unlocks:
            initial = LOCKED  # released here before any lock: the caller locked it
        else:
            return  # the caller manages its locking
        state.set(DOMAIN, ref, BoxFact(kind, initial, frozenset({epoch_at(node, "entry")}), owned=False))

    # -- bindings -----------------------------------------------------------------------

    def bind(self, walker: Walker, target: ast.AST, value: Optional[ast.AST], how: str, state: State) -> None:
        self._bind_plain(walker, target, value, how, state)
        if self.survey.containers:
            self._bind_entries(walker, target, value, how, state)

    def _bind_plain(self, walker: Walker, target: ast.AST, value: Optional[ast.AST], how: str, state: State) -> None:
        ref = walker.ref(target)
        if ref is None or how not in ("assign", "walrus"):
            return
        kind = self.facts.lockable_constructor(value, walker.scope.node) if value is not None else None
        if kind and private_mailbox(self.facts, value, walker.scope):
            return  # in a directory only this code knows: nobody else delivers there
        if kind:
            state.set(DOMAIN, ref, BoxFact(kind, UNLOCKED, frozenset({epoch_at(value, "new")})))
            return
        stmt = walker.current_statement()
        if isinstance(stmt, ast.AnnAssign) and stmt.target is target:
            kind = self.facts.lockable_annotation(stmt.annotation)
            if kind:
                self._track_if_managed_here(ref, kind, target, state)
        elif "." not in ref and self.survey.untyped_mailbox(ref) and not _of_known_class(self.facts, value):
            self._track_if_managed_here(ref, UNTYPED_KIND, target, state)

    # -- container entries (see :mod:`.containers`) --------------------------------------

    def _fresh(self, walker: Walker, value: ast.AST) -> Optional[BoxFact]:
        """The fact of a mailbox ``value`` constructs, None when it is on a private path."""
        kind = self.facts.lockable_constructor(value, walker.scope.node)
        if not kind or private_mailbox(self.facts, value, walker.scope):
            return None
        return BoxFact(kind, UNLOCKED, frozenset({epoch_at(value, "new")}))

    def _bind_entries(self, walker: Walker, target: ast.AST, value: Optional[ast.AST], how: str,
                      state: State) -> None:
        containers = self.survey.containers
        for name in _bound_refs(target):
            for container in self.survey.key_names.get(name, ()):
                # ``boxes[name]`` is now some entry or other: whatever they all may be
                ref = entry_ref(container, name)
                self._drop_mirrors(state, container, ref)
                old = state.get(DOMAIN, ref)
                if old is not None:
                    state.discard(DOMAIN, ref)
                    any_ref = entry_ref(container, ANY_KEY)
                    state.set(DOMAIN, any_ref, old.join(state.get(DOMAIN, any_ref)))
                self._set_some_entry(state, container, ref)
        ref = walker.ref(target)
        if ref in containers:
            self._drop_mirrors(state, ref, None)
        if ref in self.survey.alias_of and value is not None:
            self._bind_alias(walker, ref, value, state)
        elif ref in containers and how in ("assign", "walrus") and value is not None:
            self._fill(walker, ref, value, state)
        elif isinstance(target, ast.Subscript) and how == "assign" and value is not None:
            parts = entry_parts(target)
            if parts is not None and parts[0] in containers:
                fresh = self._fresh(walker, value)
                ref = entry_ref(*parts)
                if fresh is None:
                    state.discard(DOMAIN, ref)
                else:
                    self._store_entry(state, parts[0], parts[1], fresh)
        elif how == "for" and value is not None:
            iterated = iterated_container(value)
            if iterated is None or iterated[0] not in containers:
                return
            container, method = iterated
            element = None
            if method == "values" or method == "self" and containers[container].is_list:
                element = target
            elif method == "items" and isinstance(target, ast.Tuple) and len(target.elts) == 2:
                element = target.elts[1]
            element_ref = walker.ref(element) if element is not None else None
            if element_ref is not None:
                self._elements[element_ref] = container
                self._set_some_entry(state, container, element_ref)

    def _drop_mirrors(self, state: State, container: str, entry: Optional[str]) -> None:
        """The aliases of ``entry`` (None: of any entry of ``container``) no longer name it."""
        for alias in self.survey.containers[container].aliases:
            mirror = state.get(MIRROR_DOMAIN, alias)
            if mirror is not None and (entry is None or mirror.entry == entry):
                state.discard(MIRROR_DOMAIN, alias)

    def _bind_alias(self, walker: Walker, name: str, value: ast.AST, state: State) -> None:
        """``name = boxes[k]`` (``.get(k)``, ``.setdefault(k, M(p))``), or ``name = boxes[k] =
        M(p)``: the name and the entry are one mailbox."""
        container = self.survey.alias_of[name]
        parts = entry_parts(value)
        if parts is not None and parts[0] == container:
            entry = self._entry_of(state, value)
            fact = state.get(DOMAIN, entry) if entry is not None else None
            if fact is not None:
                state.set(DOMAIN, name, fact)
                state.set(MIRROR_DOMAIN, name, _Mirror(entry))
            return
        stmt = walker.current_statement()
        if isinstance(stmt, ast.Assign) and stmt.value is value and state.get(DOMAIN, name) is not None:
            for other in stmt.targets:
                parts = entry_parts(other) if isinstance(other, ast.Subscript) else None
                if parts is not None and parts[0] == container:
                    state.set(MIRROR_DOMAIN, name, _Mirror(entry_ref(*parts)))

    def _fill(self, walker: Walker, container: str, value: ast.AST, state: State) -> None:
        """``container`` is bound to a display of new mailboxes (its old entries are forgotten)."""
        if isinstance(value, ast.Dict):
            pairs = [(key, entry) for key, entry in zip(value.keys, value.values)]
        elif isinstance(value, (ast.List, ast.Tuple)):
            pairs = [(ast.Constant(index), entry) for index, entry in enumerate(value.elts)]
        elif isinstance(value, ast.ListComp):
            pairs = [(None, value.elt)]
        elif isinstance(value, ast.DictComp):
            pairs = [(None, value.value)]
        else:
            return
        for key, entry in pairs:
            fresh = self._fresh(walker, entry)
            if fresh is None:
                continue
            spelled = entry_key(key) if key is not None else None
            if spelled is None:
                any_ref = entry_ref(container, ANY_KEY)
                state.set(DOMAIN, any_ref, fresh.join(state.get(DOMAIN, any_ref)))
            else:
                self._store_entry(state, container, spelled, fresh)

    @staticmethod
    def _store_entry(state: State, container: str, key: str, fact: BoxFact) -> None:
        state.set(DOMAIN, entry_ref(container, key), fact)

    def _container_of(self, state: State, ref: str) -> Optional[Tuple[str, str]]:
        """``(container, key)`` of a spelling of an entry of a followed container: the entry
        itself, an alias (its entry's key, or :data:`_SOME`) or a loop's variable."""
        if "[" in ref:
            container, _, key = ref.rpartition("[")
            return (container, key[:-1]) if container in self.survey.containers else None
        container = self.survey.alias_of.get(ref) or self._elements.get(ref)
        if container is None:
            return None
        mirror = state.get(MIRROR_DOMAIN, ref)
        return container, mirror.entry[len(container) + 1:-1] if mirror is not None else _SOME

    def _spellings(self, state: State, container: str):
        """``(ref, key)`` of every spelling calls may reach an entry of ``container`` through:
        its named entries, its aliases and the variables of loops over it."""
        for ref, _fact in state.entries(DOMAIN, container):
            key = ref[len(container) + 1:-1]
            if key != ANY_KEY:  # no call goes through ``boxes[*]``
                yield ref, key
        names = set(self.survey.containers[container].aliases)
        names.update(name for name, of in self._elements.items() if of == container)
        for name in sorted(names):
            if state.get(DOMAIN, name) is not None:
                yield name, self._container_of(state, name)[1]

    def _partners(self, state: State, ref: str) -> List[str]:
        """The other refs that are the same mailbox as ``ref`` for sure (an alias, its entry)."""
        mirror = state.get(MIRROR_DOMAIN, ref)
        entry = mirror.entry if mirror is not None else ref if "[" in ref else None
        if entry is None:
            return []
        container = entry.rpartition("[")[0]
        found = [entry] + [alias for alias in self.survey.containers[container].aliases
                           if state.get(MIRROR_DOMAIN, alias) == _Mirror(entry)]
        return [other for other in found if other != ref]

    def _after_call(self, state: State, ref: str, op: str) -> None:
        """After a call through a spelling of an entry: the same mailbox's other names follow,
        and a lock state set through it is definite for it, and makes every other spelling that
        may be the same mailbox and differs from it vague."""
        where = self._container_of(state, ref)
        fact = state.get(DOMAIN, ref)
        if where is None or fact is None:
            return
        changes_lock = op in ("lock", "unlock", "close")
        if changes_lock and fact.vague:
            fact = fact.replace(vague=False)
            state.set(DOMAIN, ref, fact)
        partners = self._partners(state, ref)
        for partner in partners:
            state.set(DOMAIN, partner, fact)
        if not changes_lock:
            return
        container, key = where
        for other_ref, other_key in list(self._spellings(state, container)):
            if other_ref == ref or other_ref in partners or not (
                    key == _SOME or other_key == _SOME or may_be_same(key, other_key)):
                continue
            other = state.get(DOMAIN, other_ref)
            if other.lock == fact.lock:
                vague = False if other.vague == ref else other.vague
            else:
                vague = ref if not other.vague or other.vague == ref else True
            if vague != other.vague:
                state.set(DOMAIN, other_ref, other.replace(vague=vague))

    @staticmethod
    def _some_entry(state: State, container: str) -> Optional[BoxFact]:
        """What any entry of ``container`` may be: vague unless all agree on the lock state."""
        joined = None
        for _ref, fact in state.entries(DOMAIN, container):
            joined = fact if joined is None else joined.join(fact)
        if joined is not None and joined.lock != LOCKED and joined.lock != UNLOCKED:
            joined = joined.replace(vague=True)
        return joined

    def _set_some_entry(self, state: State, container: str, ref: str) -> None:
        fact = self._some_entry(state, container)
        if fact is not None:
            state.set(DOMAIN, ref, fact)

    def _entry_of(self, state: State, node: ast.AST) -> Optional[str]:
        """The tracked ref of a mailbox expression: a name, or an entry of a followed container
        (which starts as any of its entries when its subscript was bound before it was filled)."""
        parts = entry_parts(node)
        if parts is None:
            return box_ref(node)
        if parts[0] not in self.survey.containers:
            return None
        ref = entry_ref(*parts)
        if state.get(DOMAIN, ref) is None and parts[1].isidentifier():
            self._set_some_entry(state, parts[0], ref)
        return ref

    def _entry_call(self, walker: Walker, node: ast.Call, state: State) -> None:
        """A method called on a container entry (``boxes[k].add(m)``), or a container method
        that stores a new mailbox (``boxes.setdefault(k, M(p))``, ``boxes.append(M(p))``)."""
        func = node.func
        receiver = func.value
        containers = self.survey.containers
        container = walker.ref(receiver)
        if container in containers:
            if func.attr == "setdefault":
                parts = entry_parts(node)
                fresh = self._fresh(walker, node.args[1]) if parts is not None else None
                if fresh is not None and state.get(DOMAIN, entry_ref(*parts)) is None:
                    state.set(DOMAIN, entry_ref(*parts), fresh)
            elif func.attr == "append" and node.args:
                fresh = self._fresh(walker, node.args[0])
                if fresh is not None:
                    any_ref = entry_ref(container, ANY_KEY)
                    state.set(DOMAIN, any_ref, fresh.join(state.get(DOMAIN, any_ref)))
            return
        parts = entry_parts(receiver)
        if parts is None or parts[0] not in containers:
            return
        ref = self._entry_of(state, receiver)
        if ref is None or state.get(DOMAIN, ref) is None:
            return
        self._operate(walker, ref, func.attr, node, state)

    # -- operations ---------------------------------------------------------------------

    def operation(self, walker, ref, op, node, args, state) -> None:
        self._operate(walker, ref, op, node, state)

    def call(self, walker: Walker, node: ast.Call, state: State) -> None:
        if self.survey.containers and isinstance(node.func, ast.Attribute):
            self._entry_call(walker, node, state)
        effects = call_effects(self.facts, node, walker.scope)
        for index, (ref, op) in enumerate(effects):
            if state.get(DOMAIN, ref) is None:
                continue
            # A helper that locks and releases within itself leaves no lock for an exception to strand.
            released_inside = op == "lock" and any(
                later_ref == ref and later_op in RELEASING for later_ref, later_op in effects[index + 1:])
            self._operate(walker, ref, op, node, state, key=(ref, op, index), via=True,
                          covered=True if released_inside else None)

    def _operate(self, walker, ref, op, node, state, key=None, via=False, covered=None) -> None:
        """Apply ``op`` on the tracked mailbox ``ref``; ``via``: done by a helper of the module
        called at ``node`` (then no fix is offered where the call is)."""
        self._operate_on(walker, ref, op, node, state, key, via, covered)
        if self.survey.containers and op != "locked":
            self._after_call(state, ref, op)

    def _operate_on(self, walker, ref, op, node, state, key, via, covered) -> None:
        fact = state.get(DOMAIN, ref)
        if fact is None:
            return
        if op == "locked":
            return  # handled as a ``with`` item; a bare call does nothing yet
        line = getattr(node, "lineno", 0)
        if fact.vague:  # followed, never reported
            if op == "lock":
                state.set(DOMAIN, ref, fact.replace(lock=LOCKED, epochs=frozenset({epoch_at(node, "lock")}),
                                                    read_unlocked=None))
            else:
                self._change(ref, op, node, line, fact, state)
            return
        data = {"ref": ref, "op": op, "fact": fact}
        if via:
            data["via"] = True
        if op == "lock":
            new_epoch = epoch_at(node, "lock")
            data["new_epoch"] = new_epoch
            data["covered"] = self._covered(walker, ref) if covered is None else covered
            data["block"] = None if via else walker.current_block()
            event = walker.emit(BoxOp, node, key, **data)
            if event is not None:
                self._lock_events.append(event)
            state.set(DOMAIN, ref, fact.replace(lock=LOCKED, epochs=frozenset({new_epoch}), read_unlocked=None))
            return
        if op == "unlock":
            data["in_handler"] = walker.handling
        walker.emit(BoxOp, node, key, **data)
        self._change(ref, op, node, line, fact, state)

    @staticmethod
    def _change(ref, op, node, line, fact, state) -> None:
        """The state after ``op`` on ``ref`` (anything but ``lock``)."""
        if op == "unlock":
            state.set(DOMAIN, ref, fact.replace(lock=UNLOCKED, epochs=frozenset({epoch_at(node, "unlock")})))
        elif op == "close":
            state.set(
                DOMAIN, ref,
                fact.replace(lock=UNLOCKED, epochs=frozenset({epoch_at(node, "close")}), pending=None),
            )
        elif op == "flush":
            state.set(DOMAIN, ref, fact.replace(pending=None))
        elif op == "pack":
            # MH renumbers its messages: a new key period, whatever the lock state.
            state.set(DOMAIN, ref, fact.replace(epochs=frozenset({epoch_at(node, "pack")})))
        elif op in MODIFYING:
            if fact.lock != UNLOCKED and fact.pending is None:
                state.set(DOMAIN, ref, fact.replace(pending=line))
        elif op in READING and fact.lock != LOCKED and fact.read_unlocked is None:
            state.set(DOMAIN, ref, fact.replace(read_unlocked=line))

    def _releases(self, stmts: Sequence[ast.stmt], ref: str, scope: Scope) -> bool:
        """Whether ``stmts`` release ``ref``: ``unlock()``/``close()`` on it, or a call of a
        helper of the module that does. Asked once per block and mailbox: every ``lock()`` in
        a long ``try`` body asks it of the same ``finally`` (a block lies in one scope)."""
        slot = (id(stmts), ref)
        known = self._released.get(slot)
        if known is None:
            known = self._released[slot] = releases(stmts, ref) or self._released_by_helper(stmts, ref, scope)
        return known

    def _covered(self, walker: Walker, ref: str) -> bool:
        """Whether an exception after this ``lock()`` still releases the lock."""
        scope = walker.scope
        if any(self._releases(body, ref, scope) for body in walker.enclosing_finally_bodies()):
            return True
        if any(self._releasing_item(item, ref, scope) for item in walker.enclosing_with_items()):
            return True
        following = walker.next_statement()
        block = walker.current_block()
        if block is not None:  # ``pass`` and the like before the ``try:`` cannot raise
            stmts, index = block
            position = index + 1
            while position < len(stmts) - 1 and _cannot_raise(stmts[position]):
                position += 1
            if position > index + 1:
                following = stmts[position]
        if isinstance(following, ast.Break):
            following = _after_loop(walker)  # a retry loop left once the lock is taken
        elif following is None and self._element_of_loop(walker, ref):
            following = _after_loop(walker)  # each entry of a container locked in turn
        if isinstance(following, ast.Try) or type(following).__name__ == "TryStar":
            return self._releases(following.finalbody, ref, scope) or any(
                _catches_everything(self.facts, handler) and self._releases(handler.body, ref, scope)
                for handler in following.handlers
            )
        if isinstance(following, (ast.With, ast.AsyncWith)):
            return any(self._releasing_item(item, ref, scope) for item in following.items)
        return False

    def _element_of_loop(self, walker: Walker, ref: str) -> bool:
        """Whether ``ref`` is the entry the innermost loop around this point is at: in a loop
        over a followed container, or an entry subscripted by the loop's variable."""
        containers = self.survey.containers
        if not containers:
            return False
        blocks = walker.enclosing_blocks()
        for depth in range(len(blocks) - 1, 0, -1):
            outer, index = blocks[depth - 1]
            loop = outer[index]
            if isinstance(loop, (ast.While, ast.For, ast.AsyncFor)) and blocks[depth][0] is loop.body:
                if isinstance(loop, ast.While):
                    return False
                target = loop.target
                if isinstance(target, ast.Name) and any(
                        ref == entry_ref(container, target.id) for container in containers):
                    return True  # ``for name in names: boxes[name].lock()``
                iterated = iterated_container(loop.iter)
                if iterated is None or iterated[0] not in containers:
                    return False
                container, method = iterated
                target = loop.target
                if method == "items" and isinstance(target, ast.Tuple) and len(target.elts) == 2:
                    target = target.elts[1]
                elif method not in ("values", "self"):
                    return False
                if method == "self" and not containers[container].is_list:
                    return False
                return Walker.ref(target) == ref
        return False

    def _released_by_helper(self, stmts, ref: str, scope: Scope) -> bool:
        if self.facts.summaries is None:
            return False
        for stmt in stmts:
            for node in ast.walk(stmt):
                if isinstance(node, ast.Call) and any(
                        r == ref and op in RELEASING for r, op in call_effects(self.facts, node, scope)):
                    return True
        return False

    def _releasing_item(self, item: ast.withitem, ref: str, scope: Optional[Scope] = None) -> bool:
        expr = item.context_expr
        if not isinstance(expr, ast.Call):
            return False
        if scope is not None:
            effects = context_effects(self.facts, expr, scope)
            if effects is not None and any(r == ref and op in RELEASING for r, op in effects[1]):
                return True
        if isinstance(expr.func, ast.Attribute) and expr.func.attr == "locked":
            return box_ref(expr.func.value) == ref
        if self.facts.resolve(expr.func) == "contextlib.closing" and expr.args:
            return Walker.ref(expr.args[0]) == ref
        return False

    # -- with ---------------------------------------------------------------------------

    def with_enter(self, walker: Walker, item: ast.withitem, state: State) -> None:
        expr = item.context_expr
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "locked":
            ref = self._entry_of(state, expr.func.value)
            fact = state.get(DOMAIN, ref) if ref else None
            if fact is None:
                return
            new_epoch = epoch_at(expr, "lock")
            if not fact.vague:
                event = walker.emit(BoxOp, expr, ref=ref, op="lock", fact=fact, new_epoch=new_epoch, covered=True)
                if event is not None:
                    self._lock_events.append(event)
            state.set(DOMAIN, ref, fact.replace(lock=LOCKED, epochs=frozenset({new_epoch}), read_unlocked=None))
            if self.survey.containers:
                self._after_call(state, ref, "lock")
            return
        effects = context_effects(self.facts, expr, walker.scope)
        if effects is None:
            return
        entering, leaving = effects
        for index, (ref, op) in enumerate(entering):
            released = any(r == ref and o in RELEASING for r, o in leaving)
            self._operate(walker, ref, op, expr, state, key=(ref, op, index), via=True,
                          covered=True if released else None)

    def with_exit(self, walker: Walker, item: ast.withitem, state: State) -> None:
        expr = item.context_expr
        if not isinstance(expr, ast.Call):
            return
        if isinstance(expr.func, ast.Attribute) and expr.func.attr == "locked":
            ref, label = self._entry_of(state, expr.func.value), "locked-exit"
        elif self.facts.resolve(expr.func) == "contextlib.closing" and expr.args:
            ref, label = walker.ref(expr.args[0]), "close"
        else:
            effects = context_effects(self.facts, expr, walker.scope)
            if effects is not None:
                # Left on every way out, exceptions included: the state changes, no events.
                for ref, op in effects[1]:
                    fact = state.get(DOMAIN, ref)
                    if fact is not None and op != "lock":
                        self._change(ref, op, expr, expr.lineno, fact, state)
            return
        fact = state.get(DOMAIN, ref) if ref else None
        if fact is not None:
            state.set(
                DOMAIN, ref,
                fact.replace(lock=UNLOCKED, pending=None, epochs=frozenset({epoch_at(expr, label)})),
            )
            if self.survey.containers:
                self._after_call(state, ref, "unlock")

    def loop_done(self, walker: Walker, stmt: ast.AST, state: State, ran: Optional[State]) -> None:
        """After a ``for`` over a followed container whose body locks, unlocks or closes the
        entry it is at, every entry is as that one was left."""
        containers = self.survey.containers
        if not containers:
            return
        iterated = iterated_container(stmt.iter)
        if iterated is None or iterated[0] not in containers:
            return
        container, method = iterated
        target = stmt.target
        if method == "values" or method == "self" and containers[container].is_list:
            element = walker.ref(target)
        elif method == "items" and isinstance(target, ast.Tuple) and len(target.elts) == 2:
            element = walker.ref(target.elts[1])
        elif isinstance(target, ast.Name):  # the keys
            element = entry_ref(container, target.id)
        else:
            element = None
        fact = ran.get(DOMAIN, element) if element is not None and ran is not None else None
        if fact is None or not self._changes_lock(stmt, element):
            return
        if fact.lock != MAYBE:  # whichever entry each round was at, all are left so
            fact = fact.replace(vague=False)
        for ref, _old in state.entries(DOMAIN, container):
            state.set(DOMAIN, ref, fact)

    def _changes_lock(self, loop: ast.AST, ref: str) -> bool:
        """Whether a loop's body locks, unlocks or closes ``ref`` (asked once per loop)."""
        slot = (id(loop.body), ref)
        known = self._released.get(slot)
        if known is None:
            known = self._released[slot] = any(
                isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("lock", "unlock", "close", "locked") and box_ref(node.func.value) == ref
                for stmt in loop.body for node in ast.walk(stmt))
        return known

    # -- exit ---------------------------------------------------------------------------

    def finish(self, walker: Walker, exits: Optional[State]) -> None:
        """Mark the lock() events whose lock is deliberately left held for someone else."""
        scope = walker.scope
        entering = scope.name in ("__enter__", "__aenter__")
        for event in self._lock_events:
            ref = event.ref
            fact = exits.get(DOMAIN, ref) if exits is not None else None
            still_locked = fact is not None and fact.lock != UNLOCKED
            event.handed_on = (
                entering
                or ref in self.survey.handed_on
                or (still_locked and not event.fact.owned)
                or (scope.self_name is not None and still_locked
                    and self._elements.get(ref, ref).startswith(scope.self_name + "."))
            )
            event.never_released = still_locked

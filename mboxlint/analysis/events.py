"""What the walk records: one small class per kind of event, with typed fields.

An event is emitted by an analysis at the node where something happened, with the facts that
held just before it (see :meth:`mboxlint.analysis.walk.Walker.emit`); rules and fix plans only
read them (``module.events_of(FileOpen)``). A few fields are completed when the scope's walk
ends (``BoxOp.handed_on``, ``FileRename.dst_locked``...): until then they keep their defaults.
"""

import ast
from dataclasses import dataclass
from typing import Any, FrozenSet, List, Optional, Sequence, Set, Tuple

#: ``(line, col)`` of a call
Site = Tuple[int, int]


@dataclass(eq=False)
class Event:
    """Something an analysis saw at ``node``, in ``scope`` (a :class:`~.walk.Scope`)."""

    node: ast.AST
    scope: Any

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "%s(line %s)" % (type(self).__name__, getattr(self.node, "lineno", "?"))


# -- mailboxes and locks ------------------------------------------------------------------

@dataclass(eq=False)
class BoxOp(Event):
    """A call on a tracked mailbox (``lock``, ``add``, ``flush``...), directly or through a
    helper or context manager of the module (``via``)."""

    ref: str
    op: str
    #: the mailbox's :class:`~.locks.BoxFact` just before the call
    fact: Any
    via: bool = False
    #: ``lock`` only: the epoch the lock starts
    new_epoch: Any = None
    #: ``lock`` only: whether an exception after it cannot strand the lock
    covered: Optional[bool] = None
    #: ``lock`` only, called directly: the enclosing block (for the wrapping fix)
    block: Any = None
    #: ``unlock`` only: whether it runs in an ``except`` handler
    in_handler: Optional[bool] = None
    #: ``lock`` only, set when the walk ends: the lock is deliberately left held for someone else
    handed_on: Optional[bool] = None
    #: ``lock`` only, set when the walk ends: still held on some way out of the scope
    never_released: Optional[bool] = None


@dataclass(eq=False)
class KeyUse(Event):
    """A mailbox key used after a lock boundary that may have invalidated it."""

    ref: str
    op: str
    #: the key's :class:`~.keys.KeyFact`
    obtained: Any
    #: ``(label, line, col)`` of the boundary
    boundary: Tuple[str, int, int]


@dataclass(eq=False)
class ImapSeqUse(Event):
    """IMAP sequence numbers from a non-UID search used by a command that acts on messages."""

    ref: str
    op: str
    #: the numbers' :class:`~.keys.SeqFact`
    search: Any


@dataclass(eq=False)
class ImapSeqPin(Event):
    """Sequence numbers of the searches at ``sites`` handed to something that expects them."""

    sites: FrozenSet[Site]


# -- files by path ------------------------------------------------------------------------

@dataclass(eq=False)
class FileOpen(Event):
    """A file opened by path."""

    #: the path's :class:`~.pathkey.PathKey`, and the expression that spelt it
    path: Any
    path_node: ast.AST
    #: ``read``, ``truncate``, ``append``, ``exclusive``, ``update``...
    mode: str
    #: the existence check in force (:class:`~.paths.GuardFact`), if any
    guard: Any
    stmt: Optional[ast.stmt]
    #: where an inter-process lock may be held, if one may
    iplock: Any
    #: the path's :class:`~.paths.TempFact`, if it is a temp file
    temp: Any
    #: exception names (last dotted part) caught around the call, when a check is in force
    caught: FrozenSet[str] = frozenset()
    #: the call is of a helper of the module that opens the file and returns it: the mode
    #: and the errors raised are the helper's, so no fix rewrites the call
    helper: bool = False
    #: the mode is the constant default of a parameter of the function (``def save(p, mode="w")``):
    #: the open as made when no caller passes another, so no fix relies on it
    mode_default: bool = False
    #: the helper is a method opening an attribute of its instance (``self._save()`` writing
    #: ``self.path``): the method's own open names the same file
    of_instance: bool = False
    #: the helper may return before its open (``if size == 0: return``): it opens the file on
    #: some ways through it only
    partial: bool = False


@dataclass(eq=False)
class FileAct(Event):
    """A call that creates or removes a file or folder by path (``os.mkdir``, ``os.remove``...)."""

    op: str
    path: Any
    path_node: ast.AST
    guard: Any
    stmt: Optional[ast.stmt]
    #: exception names (last dotted part) caught around the call
    caught: Set[str]
    iplock: Any


@dataclass(eq=False)
class FileRename(Event):
    """A rename or move of ``src`` onto ``dst``."""

    op: str
    src: Any
    dst: Any
    src_node: ast.AST
    dst_node: ast.AST
    #: the source's :class:`~.paths.TempFact`, if it is a temp file
    temp: Any
    #: whether ``src`` is a name built from ``dst``
    derived: bool
    #: the line where ``dst`` was removed and not re-created since, if any
    removed: Optional[int]
    #: the line of an earlier rename of the same names this one retries
    retry_of: Optional[int]
    guard: Any
    iplock: Any
    dst_const: Optional[str]
    #: whether the target could be spelt where the temp file was created
    dst_at_temp: bool
    #: the blocks around the call, when ``removed`` (for the fix)
    blocks: Optional[List[Tuple[Sequence[ast.stmt], int]]]
    caught: Set[str]
    #: whether ``dst`` is a fresh, unique name
    fresh_dst: bool
    #: set when the walk ends: the line where the target / source is locked, if it is
    dst_locked: Optional[int] = None
    src_locked: Optional[int] = None
    #: the existence check of ``dst`` in force (:class:`~.paths.GuardFact`), if any
    dst_guard: Any = None
    #: made by a helper of the module the call site calls (``atomic_rename(tmp, path)``)
    helper: bool = False


@dataclass(eq=False)
class FileMovedAway(Event):
    """A rename of a checked, shared ``src`` into a private directory (a backup, a trash
    folder): not a :class:`FileRename` (nobody else reads the target), but the source's
    check can still go stale."""

    op: str
    src: Any
    src_node: ast.AST
    #: the existence check of ``src`` in force (:class:`~.paths.GuardFact`), if any
    guard: Any
    iplock: Any
    caught: Set[str]


@dataclass(eq=False)
class FileMtime(Event):
    """A file's modification time compared with an ``earlier`` value of it."""

    path: Any
    earlier: str

"""Inter-process locks held, and the paths a scope (or its class) locks."""

import ast
from typing import Dict, Optional

from ..imports import dotted_name
from ..locks import _walk_scope_body
from ..pathkey import PathKey, name_key
from ..state import State
from .facts import May
from .opens import OPEN_FUNCTIONS


FCNTL_LOCKS = frozenset({"fcntl.lockf", "fcntl.flock"})
#: inter-process locks used as ``with L:`` (classes, or factories returning one)
INTERPROCESS_LOCKS = frozenset({
    "filelock.FileLock", "filelock.SoftFileLock", "filelock.UnixFileLock", "filelock.WindowsFileLock",
    "filelock.AsyncFileLock", "filelock.AsyncSoftFileLock", "portalocker.Lock", "portalocker.RLock",
    "portalocker.TemporaryFileLock", "fasteners.InterProcessLock", "fasteners.InterProcessReaderWriterLock",
    "fasteners.process_lock.InterProcessLock", "flufl.lock.Lock", "lockfile.LockFile", "lockfile.FileLock",
    "lockfile.LinkLockFile", "lockfile.MkdirLockFile", "lockfile.SQLiteLockFile", "lockfile.PIDLockFile",
    "lockfile.pidlockfile.PIDLockFile", "lockfile.linklockfile.LinkLockFile",
    "lockfile.mkdirlockfile.MkdirLockFile",
})
#: stdlib mailbox classes that keep one locked file at ``self._path``
SINGLE_FILE_MAILBOXES = frozenset({
    "mailbox.mbox", "mailbox.MMDF", "mailbox.Babyl", "mailbox._singlefileMailbox", "mailbox._mboxMMDF",
})
MAILBOX_CONSTRUCTORS = frozenset({"mailbox.mbox", "mailbox.MMDF", "mailbox.Babyl", "mailbox.MH"})
#: helpers that lock the file object they are given
KNOWN_LOCKERS = frozenset({"mailbox._lock_file"})


class FileLocks:
    """Inter-process locks and locked paths (a part of :class:`PathAnalysis`)."""

    def _iplocked(self, state: State) -> Optional[int]:
        lines = [fact.value for _ref, fact in state.items("iplock")]
        return min(lines) if lines else None

    def _fcntl(self, node: ast.Call, state: State) -> None:
        if len(node.args) < 2:
            return
        operation = {self.facts.resolve(n) for n in ast.walk(node.args[1]) if isinstance(n, (ast.Name, ast.Attribute))}
        if "fcntl.LOCK_UN" in operation:
            state.discard("iplock", "fcntl")
            return
        state.set("iplock", "fcntl", May(node.lineno))
        self._locks_file(node.args[0], node.lineno, state)

    def _locks_file(self, handle: ast.AST, line: int, state: State) -> None:
        if isinstance(handle, ast.Call) and isinstance(handle.func, ast.Attribute) and handle.func.attr == "fileno":
            handle = handle.func.value
        ref = dotted_name(handle)
        opened = state.get("file", ref) if ref is not None else None
        if opened is not None:
            self._scope_locked.setdefault(opened.value[0], line)

    def _is_iplock(self, expr: ast.AST, state: State) -> bool:
        while isinstance(expr, ast.Call):  # ``lock.acquire()...``: a loop, the chain may be long
            if self.facts.resolve(expr.func) in INTERPROCESS_LOCKS:
                return True
            if not (isinstance(expr.func, ast.Attribute) and expr.func.attr in ("acquire", "lock")):
                return False
            expr = expr.func.value
        ref = dotted_name(expr)
        return ref is not None and state.get("iplock-object", ref) is not None

    def _module_lockers(self) -> Dict[str, int]:
        """Module functions that lock (fcntl) the file object passed as one of their parameters."""
        if self._lockers is None:
            self._lockers = {}
            if self.facts.imports_any(["fcntl"]):
                for stmt in self.tree.body:
                    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        params = [a.arg for a in stmt.args.args]
                        for node in _walk_scope_body(stmt):
                            if isinstance(node, ast.Call) and node.args and \
                                    self.facts.resolve(node.func) in FCNTL_LOCKS:
                                handle = node.args[0]
                                if isinstance(handle, ast.Call) and isinstance(handle.func, ast.Attribute):
                                    handle = handle.func.value
                                if isinstance(handle, ast.Name) and handle.id in params:
                                    self._lockers[stmt.name] = params.index(handle.id)
                                    break
        return self._lockers

    def _locked_in_class(self, cls: ast.ClassDef) -> Dict[PathKey, int]:
        """``self``-rooted keys of files that some method of ``cls`` opens and locks."""
        cached = self._class_locked.get(id(cls))
        if cached is not None:
            return cached
        found: Dict[PathKey, int] = {}
        kind = self.facts.mailbox_subclasses.get(cls.name)
        if kind in SINGLE_FILE_MAILBOXES or cls.name in ("_singlefileMailbox",) and _defines_lock(cls):
            found[name_key("self._path")] = cls.lineno
        attr_paths: Dict[str, PathKey] = {}
        locked_attrs: Dict[str, int] = {}
        lockers = set(self._module_lockers()) | {n.split(".")[-1] for n in KNOWN_LOCKERS}
        saved = self._self_name
        try:
            for stmt in cls.body:
                if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) or not stmt.args.args:
                    continue
                self._self_name = stmt.args.args[0].arg
                local_paths: Dict[str, PathKey] = {}
                for node in _walk_scope_body(stmt):
                    if isinstance(node, ast.Assign) and len(node.targets) == 1:
                        target, value = node.targets[0], node.value
                        ref = dotted_name(target)
                        if ref is None:
                            continue
                        ref = self._ref_key(ref)
                        opened = None
                        if isinstance(value, ast.Call) and value.args and \
                                self.facts.resolve(value.func) in OPEN_FUNCTIONS | {"os.open"}:
                            opened = self.key(value.args[0], None)
                        elif isinstance(value, ast.Name):
                            opened = local_paths.get(value.id)
                        if opened is None:
                            continue
                        if ref.startswith("self."):
                            attr_paths[ref] = opened
                        else:
                            local_paths[ref] = opened
                    elif isinstance(node, ast.Call) and node.args:
                        name = self.facts.resolve(node.func)
                        callee = node.func.id if isinstance(node.func, ast.Name) else None
                        if name in FCNTL_LOCKS or name in KNOWN_LOCKERS or callee in lockers:
                            handle = node.args[0]
                            if isinstance(handle, ast.Call) and isinstance(handle.func, ast.Attribute) \
                                    and handle.func.attr == "fileno":
                                handle = handle.func.value
                            ref = dotted_name(handle)
                            if ref is not None and self._ref_key(ref).startswith("self."):
                                locked_attrs.setdefault(self._ref_key(ref), node.lineno)
        finally:
            self._self_name = saved
        for attr, line in locked_attrs.items():
            path = attr_paths.get(attr)
            if path is not None and path.kind == "name" and path.head.startswith("self."):
                found.setdefault(path, line)
        self._class_locked[id(cls)] = found
        return found


def _defines_lock(cls: ast.ClassDef) -> bool:
    return any(isinstance(s, ast.FunctionDef) and s.name == "lock" for s in cls.body)

"""Opens and acts: files opened, created or removed by path, with the facts in force there."""

import ast
from typing import Set

from ..events import FileAct, FileOpen
from ..imports import dotted_name
from ..state import State
from ..summaries import handler_reraises
from ..walk import Walker
from .expressions import mode_kind


OPEN_FUNCTIONS = frozenset({"builtins.open", "io.open", "gzip.open", "bz2.open", "lzma.open", "codecs.open"})
#: ``Path`` methods called unbound, on the path as first argument: ``Path.open(p, "w")``
UNBOUND_PATH_METHODS = {"pathlib.Path.open": None, "pathlib.Path.read_text": "r", "pathlib.Path.read_bytes": "r",
                        "pathlib.Path.write_text": "w", "pathlib.Path.write_bytes": "w"}
#: calls that create or fill the file named by their second argument
COPIES = frozenset({"shutil.copy", "shutil.copy2", "shutil.copyfile", "os.link", "os.symlink"})
MKDIR = frozenset({"os.mkdir", "os.makedirs"})
REMOVE = frozenset({"os.remove", "os.unlink", "os.rmdir", "shutil.rmtree"})
STAT = frozenset({"os.stat", "os.lstat"})
#: parsers whose ``read(paths)`` reads each file that is there and skips the others
CONFIG_PARSERS = frozenset({"configparser.ConfigParser", "configparser.RawConfigParser",
                            "configparser.SafeConfigParser"})


class OpensAndActs:
    """:class:`~mboxlint.analysis.events.FileOpen` and :class:`~mboxlint.analysis.events.FileAct`
    events (a part of :class:`PathAnalysis`)."""

    def _open(self, walker: Walker, node: ast.Call, path: ast.AST, mode: str, state: State,
              missing_ok: bool = False) -> None:
        """``missing_ok``: a read that skips a missing file (``ConfigParser.read``): no check
        before it can go stale."""
        key = self.key(path, state)
        if key is None or self.private(key):
            return
        kind = mode_kind(mode)
        guard = state.get("guard", key) if not missing_ok else None
        # Only a checked open can lose a race, so only then is it worth looking at the handlers.
        caught = frozenset(self._caught(walker)) if guard is not None else frozenset()
        walker.emit(FileOpen, node, key=key, path=key, path_node=path, mode=kind, guard=guard,
                    stmt=walker.current_statement(),
                    iplock=self._iplocked(state), temp=state.get("temp", key), caught=caught)
        if kind in ("truncate", "append", "exclusive", "update"):
            state.discard("guard", key)
            state.discard("removed", key)
            if kind != "update":
                self._maybe_derived_temp(key, node, state)

    def _act(self, walker: Walker, node: ast.Call, op: str, path: ast.AST, state: State) -> None:
        key = self.key(path, state)
        if key is None or self.private(key):
            return
        walker.emit(FileAct, node, key=key, op=op, path=key, path_node=path, guard=state.get("guard", key),
                    stmt=walker.current_statement(), caught=self._caught(walker),
                    iplock=self._iplocked(state))
        state.discard("guard", key)

    def _caught(self, walker: Walker) -> Set[str]:
        """Exception names (last dotted part) that a ``with contextlib.suppress(...)`` or an
        ``except`` around the statement being walked catches; a bare ``except`` is ``BaseException``."""
        names: Set[str] = set()
        for item in walker.enclosing_with_items():
            expr = item.context_expr
            if isinstance(expr, ast.Call) and self.facts.resolve(expr.func) == "contextlib.suppress":
                names.update(_exception_names(expr.args))
        for handler in walker.enclosing_handlers():
            if handler_reraises(handler):
                continue  # re-raises (or raises another error): the failure is not survived
            if handler.type is None:
                names.add("BaseException")
            else:
                names.update(_exception_names(handler.type.elts if isinstance(handler.type, ast.Tuple)
                                              else [handler.type]))
        return names

    def _creates(self, flags: ast.AST) -> bool:
        names = {self.facts.resolve(n) for n in ast.walk(flags) if isinstance(n, (ast.Name, ast.Attribute))}
        return "os.O_CREAT" in names and "os.O_EXCL" not in names


def _exception_names(nodes) -> Set[str]:
    return {name.rsplit(".", 1)[-1] for name in map(dotted_name, nodes) if name}

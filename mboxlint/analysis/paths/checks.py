"""Guards and checks: ``exists``-style checks in force, and mtimes compared with earlier values."""

import ast
from typing import Optional, Set, Tuple

from ..events import FileMtime
from ..imports import dotted_name
from ..pathkey import PathKey
from ..state import State
from ..walk import Walker
from .facts import Must
from .opens import STAT


#: checks whose truth says whether a file is there; value: the kind the rules talk about
GUARD_FUNCTIONS = {
    "os.path.exists": "exists", "os.path.lexists": "lexists", "os.path.isfile": "isfile",
    "os.path.isdir": "isdir", "os.access": "access",
}
GUARD_METHODS = {"exists": "exists", "is_file": "isfile", "is_dir": "isdir"}


#: Words that every spelling of a check the MBX301/MBX302 guards use contains.
GUARD_WORDS = ("exists", "isfile", "isdir", "access", "is_file", "is_dir")


class GuardFact(Must):
    """``value`` is ``(kind, present, line)``: a check said whether the file is there.

    ``node`` (the ``if``/``while`` that checked) is carried along but not compared."""

    __slots__ = ("node",)

    def __init__(self, value, node=None):
        super().__init__(value)
        self.node = node

    def join(self, other):
        if other is None or other.value[:2] != self.value[:2]:
            return None
        return self if self.value[2] <= other.value[2] else other

    @property
    def kind(self):
        return self.value[0]

    @property
    def present(self):
        return self.value[1]

    @property
    def line(self):
        return self.value[2]


def _cache_lookup(node: Optional[ast.AST]) -> bool:
    """``cache[k]`` or ``cache.get(k)``: a value stored earlier."""
    return isinstance(node, ast.Subscript) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get")


class GuardsAndChecks:
    """Guard facts and :class:`~mboxlint.analysis.events.FileMtime` events (a part of
    :class:`PathAnalysis`)."""

    def _guard_of(self, call: ast.Call, state: State) -> Optional[Tuple[str, str]]:
        name = self.facts.resolve(call.func)
        if name in GUARD_FUNCTIONS and call.args:
            key = self.key(call.args[0], state)
            return (GUARD_FUNCTIONS[name], key) if key is not None else None
        if name is None and isinstance(call.func, ast.Attribute) and call.func.attr in GUARD_METHODS \
                and not call.args:
            key = self.key(call.func.value, state)
            return (GUARD_METHODS[call.func.attr], key) if key is not None else None
        return None

    def _mtime_of(self, node: ast.AST, state: State) -> Optional[PathKey]:
        """The key whose seconds-resolution mtime ``node`` is, or None."""
        if isinstance(node, ast.Call) and node.args and self.facts.resolve(node.func) == "os.path.getmtime":
            return self.key(node.args[0], state)
        if isinstance(node, ast.Attribute) and node.attr == "st_mtime":
            inner = node.value
            if isinstance(inner, ast.Call):
                name = self.facts.resolve(inner.func)
                if name in STAT and inner.args:
                    return self.key(inner.args[0], state)
                if name is None and isinstance(inner.func, ast.Attribute) and inner.func.attr == "stat" \
                        and not inner.args:
                    return self.key(inner.func.value, state)
                return None
            stat_ref = dotted_name(inner)
            fact = state.get("stat", stat_ref) if stat_ref else None
            return fact.value if fact is not None else None
        ref = dotted_name(node)
        if ref is not None:
            fact = state.get("mtime", ref)
            return fact.value if fact is not None else None
        return None

    def _mtime_compares(self, walker: Walker, root: ast.AST, state: State) -> None:
        # One look per condition (the walk refines a test once per arm and per operand).
        if id(root) in self._scanned:
            return
        self._scanned.add(id(root))
        compares, names = [], set()
        for node in ast.walk(root):
            if isinstance(node, ast.Compare):
                if len(node.ops) == 1 and not isinstance(node.ops[0], (ast.Is, ast.IsNot, ast.In, ast.NotIn)):
                    compares.append(node)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.Name):
                names.add(node.id)
        if not compares:
            return
        if "st_mtime" not in names and "getmtime" not in names and not any(
                state.get("mtime", n) is not None for n in names):
            return
        if names & {"st_size", "st_ino", "getsize", "st_mtime_ns"}:
            return  # size or inode compared too: not seconds-resolution mtime alone
        params = set()
        if walker.scope.is_function:
            args = walker.scope.node.args
            params = {a.arg for a in list(getattr(args, "posonlyargs", [])) + list(args.args) + list(args.kwonlyargs)}
        for compare in compares:
            left, right = compare.left, compare.comparators[0]
            for mine, other in ((left, right), (right, left)):
                key = self._mtime_of(mine, state)
                if key is None:
                    continue
                earlier = self._earlier_value(other, key, params, state)
                if earlier is not None and not self.private(key):
                    walker.emit(FileMtime, compare, key=key, path=key, earlier=earlier)
                    break

    def _earlier_value(self, node: ast.AST, key: PathKey, params: Set[str], state: State) -> Optional[str]:
        """How ``node`` holds an earlier mtime of ``key`` (for the message), or None."""
        other_key = self._mtime_of(node, state)
        if other_key is not None:
            return "an earlier stat" if other_key == key else None
        if isinstance(node, ast.Subscript):
            stat_ref = dotted_name(node.value)
            if stat_ref is not None and state.get("stat", stat_ref) is not None:
                return None  # ``st[8]``: a field of a stat result, not a value kept from before
            return "a cached value"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            return "a cached value"
        ref = dotted_name(node)
        if ref is not None and state.get("cached", ref) is not None:
            return "a cached value"
        if isinstance(node, ast.Attribute) and ref is not None:
            return "`%s`" % ref
        if isinstance(node, ast.Name) and node.id in params:
            return "the parameter `%s`" % node.id
        return None

"""Guards and checks: ``exists``-style checks in force, and mtimes compared with earlier values."""

import ast
from typing import FrozenSet, Optional, Set, Tuple

from ..events import FileMtime
from ..imports import dotted_name, unnegated
from ..pathkey import PathKey
from ..state import State
from ..walk import Walker
from ..summaries import instance_name
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

    @property
    def found_no_file(self) -> bool:
        """Whether the check said no file is at the path, as a create of a file reads it: it
        found nothing there, or nothing that is a regular file. A false ``isdir()`` does not:
        a regular file may be there, and an open for writing after it overwrites that file
        as the code means it to. (Any check that found the path free counts for a ``mkdir``,
        which fails on whatever is there.)"""
        return not self.present and self.kind != "isdir"


#: calls that read a clock: a value made from one is a time of this run (a cutoff), not the
#: mtime of an earlier stat
CLOCK_READINGS = frozenset({
    "time.time", "time.time_ns", "time.monotonic", "time.monotonic_ns", "time.perf_counter",
    "time.perf_counter_ns", "time.localtime", "time.gmtime", "datetime.datetime.now",
    "datetime.datetime.utcnow", "datetime.datetime.today", "datetime.date.today",
})

#: fields of a kept entry that say more than the mtime is compared
_OTHER_FIELDS = frozenset({"size", "st_size", "ino", "st_ino", "inode", "mtime_ns", "st_mtime_ns"})
_MTIME_CONVERSIONS = frozenset({"builtins.int", "builtins.float", "builtins.round"})


def _spelled_index(node: ast.AST) -> Optional[str]:
    """A name or constant used as an index, spelled; None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int)):
        return repr(node.value)
    return None


def _cache_lookup(node: Optional[ast.AST]) -> bool:
    """``cache[k]`` or ``cache.get(k)``: a value stored earlier."""
    return isinstance(node, ast.Subscript) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get")


#: checks that a path is a symbolic link: true only when something is there
LINK_FUNCTIONS = frozenset({"os.path.islink"})
LINK_METHODS = frozenset({"is_symlink"})


class GuardsAndChecks:
    """Guard facts and :class:`~mboxlint.analysis.events.FileMtime` events (a part of
    :class:`PathAnalysis`)."""

    def branch_any(self, walker: Walker, tests, state: State) -> None:
        """One of several checks of the same file said the same (``if not p.is_file() and
        not p.is_symlink(): return``, then ``p.is_file() or p.is_symlink()``): whichever it
        was, the file was there (or was missing) when checked. A link check counts for
        presence alongside another check; the first check's kind is the guard's."""
        stmt = walker.current_statement()
        if isinstance(stmt, ast.Assert):
            return  # states what the code expects, as for one check
        guard = None  # (kind, key, present, line) of the first check
        for test, truth in tests:
            test, negated = unnegated(test)
            truth = truth != negated
            if not isinstance(test, ast.Call):
                return
            checked = self._guard_of(test, state)
            if checked is None:
                # A link is something there: it counts for presence, next to a real check.
                key = self._link_checked(test, state) if truth else None
                if key is None:
                    return
                checked = (None, key)
            if guard is not None and (checked[1] is not guard[1] or truth != guard[2]):
                return  # another file, or the other way
            if guard is None or guard[0] is None:
                guard = (checked[0], checked[1], truth, getattr(test, "lineno", 0))
        if guard is None or guard[0] is None:
            return  # only link checks
        kind, key, present, line = guard
        if not self._fresh(key, unique=True):
            state.set("guard", key, GuardFact((kind, present, line), stmt))

    def _link_checked(self, call: ast.Call, state: State) -> Optional[PathKey]:
        """The key ``os.path.islink(p)`` or ``p.is_symlink()`` checks, else None."""
        func = call.func
        if self.facts.resolve(func) in LINK_FUNCTIONS and len(call.args) == 1:
            return self.key(call.args[0], state)
        if isinstance(func, ast.Attribute) and func.attr in LINK_METHODS and not call.args:
            return self.key(func.value, state)
        return None

    def _guard_of(self, call: ast.Call, state: State) -> Optional[Tuple[str, str]]:
        name = self.facts.resolve(call.func)
        if name in GUARD_FUNCTIONS and call.args:
            key = self.key(call.args[0], state)
            return (GUARD_FUNCTIONS[name], key) if key is not None else None
        if name is None and isinstance(call.func, ast.Attribute) and call.func.attr in GUARD_METHODS \
                and not call.args:
            receiver = call.func.value
            key = self.key(receiver, state)
            if key is None:
                return None
            ref = dotted_name(receiver)
            if ref is not None:
                # Only a path answers ``is_file()`` or ``exists()`` of itself: its ``open()``,
                # ``replace()`` or ``unlink()`` are a path's too (``for f in files: if f.is_file()``).
                state.set("pathlib", ref, Must(True))
            return GUARD_METHODS[call.func.attr], key
        return None

    def _mtime_of(self, node: ast.AST, state: State) -> Optional[PathKey]:
        """The key whose seconds-resolution mtime ``node`` is, or None."""
        node = self._unconverted(node)
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
        # One look per condition (the walk refines a test once per arm and per operand), on
        # the walk that reports: a loop's body is walked silently until its facts settle.
        if walker.silent or id(root) in self._scanned:
            return
        self._scanned.add(id(root))
        compares, names, fields = [], set(), set()
        for node in ast.walk(root):
            if isinstance(node, ast.Compare):
                if len(node.ops) == 1 and not isinstance(node.ops[0], (ast.Is, ast.IsNot, ast.In, ast.NotIn)):
                    compares.append(node)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                fields.add(node.value)
        if not compares:
            return
        fresh = "st_mtime" in names or "getmtime" in names or any(state.get("mtime", n) is not None for n in names)
        # An mtime kept in an entry is compared only where the condition spells ``mtime``.
        stored = self._entries_wanted and (
            fresh or any("mtime" in word for word in names) or any("mtime" in word for word in fields))
        if not fresh and not stored:
            return
        if names & {"st_size", "st_ino", "getsize", "st_mtime_ns"} or fields & _OTHER_FIELDS:
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
            else:
                if stored:
                    self._stored_compare(walker, compare, state)

    def _stored_compare(self, walker: Walker, compare: ast.Compare, state: State) -> None:
        """An mtime a method of the class stored in an entry of an attribute, compared with
        a value kept elsewhere for the same entry (``entry["mtime"] > status.mtime_of(uid)``
        where ``entry`` is ``self.entries[uid]``): the same file's mtime, taken at two times."""
        cls = walker.scope.enclosing_class
        summaries = self.facts.summaries
        if cls is None or summaries is None or self._self_name is None:
            return
        left, right = compare.left, compare.comparators[0]
        for mine, other in ((left, right), (right, left)):
            entry = self._stored_mtime(mine, state)
            if entry is None:
                continue
            attr, index, field = entry
            stores = summaries.mtime_stores(cls)
            if attr not in stores or stores[attr] != field:
                continue
            if self._kept_for(other, attr, index, state):
                spelled = "%s.%s[%s]" % (self._self_name, attr, index) + ("[%r]" % field if field else "")
                walker.emit(FileMtime, compare, key=("entry", attr, index), path=spelled,
                            earlier="a value kept elsewhere for the same entry")
                return

    def _entry_of(self, node: ast.AST, state: State) -> Optional[Tuple[str, str]]:
        """``(holder, index)`` of ``holder[index]``/``holder.get(index)``, or of a name bound
        from one (:meth:`_bind_entry`); ``holder`` a dotted name, ``index`` a name or a
        constant, spelled."""
        if isinstance(node, ast.Name):
            fact = state.get("entry", node.id)
            return fact.value if fact is not None else None
        if isinstance(node, ast.Subscript):
            holder, index = node.value, node.slice
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                and len(node.args) == 1 and not node.keywords:
            holder, index = node.func.value, node.args[0]
        else:
            return None
        spelled = _spelled_index(index)
        ref = dotted_name(holder) if spelled is not None else None
        return (ref, spelled) if ref is not None else None

    def _clock_attributes(self) -> FrozenSet[str]:
        """The attributes some method of the class being walked sets on its instance from a
        clock reading (``self._last_read = time.time() - 1``), found at the first comparison
        about to be reported in the class."""
        cls = self._scope.enclosing_class if self._scope is not None else None
        if cls is None:
            return frozenset()
        found = self._clock_attrs.get(id(cls))
        if found is None:
            found = self._clock_attrs[id(cls)] = frozenset(self._clock_bindings(cls))
        return found

    def _clock_bindings(self, cls: ast.ClassDef) -> Set[str]:
        """Attributes a method sets from a clock reading, directly or through a local of
        its own bound from one (``now = time.time()`` ... ``self.seen = now``)."""
        resolve = self.facts.resolve

        def reads_clock(value, clock_locals) -> bool:
            return any(isinstance(sub, ast.Call) and resolve(sub.func) in CLOCK_READINGS
                       or isinstance(sub, ast.Name) and sub.id in clock_locals for sub in ast.walk(value))

        names: Set[str] = set()
        for method in cls.body:
            if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            self_name = instance_name(self.facts, method, cls)
            if self_name is None:
                continue
            assignments = [(node.targets if isinstance(node, ast.Assign) else [node.target], node.value)
                           for node in ast.walk(method)
                           if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.value is not None]
            clock_locals = {target.id for targets, value in assignments if reads_clock(value, ())
                            for target in targets if isinstance(target, ast.Name)}
            for targets, value in assignments:
                attrs = [t.attr for t in targets if isinstance(t, ast.Attribute)
                         and isinstance(t.value, ast.Name) and t.value.id == self_name]
                if attrs and reads_clock(value, clock_locals):
                    names.update(attrs)
        return names

    def _own_attribute(self, holder: str) -> Optional[str]:
        """``attr`` when ``holder`` is ``self.attr``."""
        prefix = self._self_name + "."
        if holder.startswith(prefix) and "." not in holder[len(prefix):]:
            return holder[len(prefix):]
        return None

    def _stored_mtime(self, node: ast.AST, state: State) -> Optional[Tuple[str, str, Optional[str]]]:
        """``(attribute, index, field)`` when ``node`` reads an entry of a ``self`` attribute
        (``field``: the constant key read inside a dict entry)."""
        node = original = self._unconverted(node)
        field = None
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
                and isinstance(node.slice.value, str):
            field, node = node.slice.value, node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            field, node = node.args[0].value, node.func.value
        entry = self._entry_of(node, state)
        if entry is None and field is not None:
            # ``self.seen["inbox"]``: a constant index, no field
            entry, field = self._entry_of(original, state), None
        attr = self._own_attribute(entry[0]) if entry is not None else None
        return (attr, entry[1], field) if attr is not None else None

    def _kept_for(self, node: ast.AST, attr: str, index: str, state: State) -> bool:
        """Whether ``node`` is a value kept for the entry ``index`` somewhere other than the
        attribute ``attr``: ``other[index]``, ``other.get(index)`` (or a name bound from one),
        an mtime field of one, or a call spelling ``mtime`` that is given ``index``
        (``status.getmtime(uid)``)."""
        node = self._unconverted(node)
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
                and isinstance(node.slice.value, str) and "mtime" in node.slice.value:
            node = node.value
        entry = self._entry_of(node, state)
        if entry is not None:
            # The same attribute's entries: make-style (two files), or the value itself.
            return entry[1] == index and self._own_attribute(entry[0]) != attr
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.keywords \
                and "mtime" in node.func.attr.lower():
            return any(_spelled_index(arg) == index for arg in node.args)
        return False

    def _unconverted(self, node: ast.AST) -> ast.AST:
        while isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords \
                and self.facts.resolve(node.func) in _MTIME_CONVERSIONS:
            node = node.args[0]
        return node

    def _bind_entry(self, target: ast.AST, value: ast.AST, how: str, state: State) -> None:
        """``entry = holder[uid]`` (or ``.get(uid)``) and ``for uid, entry in
        holder.items()``: ``entry`` is the entry ``uid`` of ``holder``."""
        if self._self_name is None:
            return
        if how in ("for", "comprehension"):
            if not (isinstance(target, ast.Tuple) and len(target.elts) == 2
                    and all(isinstance(e, ast.Name) for e in target.elts)):
                return
            if not (isinstance(value, ast.Call) and not value.args and isinstance(value.func, ast.Attribute)
                    and value.func.attr == "items"):
                return
            holder = dotted_name(value.func.value)
            if holder is not None:
                state.set("entry", target.elts[1].id, Must((holder, target.elts[0].id)))
        elif how in ("assign", "walrus") and isinstance(target, ast.Name):
            entry = self._entry_of(value, state)
            if entry is not None:
                state.set("entry", target.id, Must(entry))

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
            attr = self._own_attribute(ref) if self._self_name else None
            if attr is not None and attr in self._clock_attributes():
                return None  # a time this run read from a clock, not an mtime kept from before
            return "`%s`" % ref
        if isinstance(node, ast.Name) and node.id in params:
            return "the parameter `%s`" % node.id
        return None

"""Guards and checks: ``exists``-style checks in force, and mtimes compared with earlier values."""

import ast
import re
from typing import Dict, FrozenSet, Optional, Set, Tuple

from ..events import FileMtime
from ..imports import dotted_name, unnegated
from ..pathkey import PathKey
from ..state import State
from ..walk import Walker
from ..summaries import guard_kind, instance_name, local_bindings, stat_of_mtime
from .callers import _parameters
from .facts import Must, Unless
from .opens import STAT




#: checks of what is at a path: false when something else is there, not only when nothing is
TYPE_CHECKS = frozenset({"isfile", "isdir"})

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
#: names of a stat's fields (and of the calls reading them) that do
_OTHER_NAMES = frozenset({"st_size", "st_ino", "getsize", "st_mtime_ns", "ST_SIZE", "ST_INO"})
_MTIME_CONVERSIONS = frozenset({"builtins.int", "builtins.float", "builtins.round"})


def _compares_other_fields(scope: ast.AST) -> bool:
    """Whether a comparison of the scope (a separate ``if st.st_size != old.st_size: return
    True`` before the mtime's) spells a size, an inode or a nanosecond mtime: the change is not
    told by the seconds-resolution mtime alone. Read only where an mtime compare would be
    reported, which is rare. One look at each node, with whether a comparison holds it: a
    comparison nested in another is not read twice."""
    stack = [(scope, False)]
    while stack:
        node, compared = stack.pop()
        if compared and (type(node) is ast.Attribute and node.attr in _OTHER_NAMES
                         or type(node) is ast.Name and node.id in _OTHER_NAMES
                         or type(node) is ast.Constant and node.value in _OTHER_FIELDS):
            return True
        compared = compared or type(node) is ast.Compare
        stack.extend((child, compared) for child in ast.iter_child_nodes(node))
    return False


#: words of a parameter's name that say it holds an earlier reading of the compared file's
#: mtime (``last_mtime``, ``cached_stamp``): any other word may name another file
#: (``src_mtime``) or a cutoff (``since``, ``max_age``)
_MTIME_WORDS = frozenset({"mtime", "modtime", "modified", "stamp", "timestamp"})
_EARLIER_WORDS = frozenset({
    "old", "last", "prev", "previous", "cached", "known", "saved", "stored", "seen", "orig",
    "original", "before", "expected", "recorded", "loaded", "initial", "file", "path", "st",
    "mod", "time",
})


def _names_earlier_mtime(name: str) -> bool:
    """Whether a parameter's name says it is an earlier mtime of the file it is compared
    with: an mtime word, and no word but those that qualify it as earlier."""
    words = [w for w in re.split(r"_+|(?<=[a-z0-9])(?=[A-Z])", name) if w]
    words = [w.lower() for w in words]
    return any(w in _MTIME_WORDS for w in words) and \
        all(w in _MTIME_WORDS or w in _EARLIER_WORDS for w in words)


def _equality(compare: ast.Compare) -> bool:
    return isinstance(compare.ops[0], (ast.Eq, ast.NotEq))


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
#: packages whose classes are paths or file-system entries whatever their names
_PATH_PACKAGES = frozenset({"pathlib", "pathlib2", "os", "posixpath", "ntpath"})
#: a file's other clocks, as a stat gives them and as ``os.path`` reads them
_OTHER_CLOCKS = frozenset({"st_atime", "st_ctime", "st_birthtime", "st_atime_ns", "st_ctime_ns", "st_birthtime_ns"})
_OTHER_CLOCK_CALLS = frozenset({"os.path.getatime", "os.path.getctime"})
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
            if guard is not None and truth == guard[2] and not truth and checked[0] is not None \
                    and guard[0] is not None and checked[1] is not guard[1]:
                # ``not isdir(D) or not isfile(join(D, name))``: a missing folder holds no
                # file, so either way the file was found missing
                inner = self._inside(checked[1], guard[1]) or self._inside(guard[1], checked[1])
                if inner is None:
                    return
                if inner is checked[1]:
                    guard = (checked[0], checked[1], truth, getattr(test, "lineno", 0))
                continue
            if guard is not None and (checked[1] is not guard[1] or truth != guard[2]):
                return  # another file, or the other way
            if guard is None or guard[0] is None:
                guard = (checked[0], checked[1], truth, getattr(test, "lineno", 0))
        if guard is None or guard[0] is None:
            return  # only link checks
        kind, key, present, line = guard
        if not self._fresh(key, unique=True):
            self._set_guard(key, GuardFact((kind, present, line), stmt), state)

    def _inside(self, key: PathKey, folder: PathKey) -> Optional[PathKey]:
        """``key`` when it names an entry of ``folder``: ``join(folder, ...)``, or a module
        constant bound once to ``os.path.join(FOLDER, ...)`` (``CONFIG_FILE =
        join(CONFIG_PATH, "config.ini")``) with ``folder`` that ``FOLDER``; else None."""
        if key is None or folder is None:
            return None
        if key.kind == "call" and key.head == "join" and key.parts and key.parts[0] is folder:
            return key
        if key.kind != "name" or folder.kind != "name":
            return None
        if self._module_joins is None:
            bound, declared = self.facts.top_level_bindings(), self.facts.maybe_global()
            found = {}
            for stmt in self.tree.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                        and isinstance(stmt.value, ast.Call) and stmt.value.args \
                        and self.facts.resolve(stmt.value.func) in ("os.path.join", "posixpath.join") \
                        and bound.get(stmt.targets[0].id) == 1 and stmt.targets[0].id not in declared:
                    first = dotted_name(stmt.value.args[0])
                    if first is not None:
                        found[stmt.targets[0].id] = first
            self._module_joins = found
        return key if self._module_joins.get(key.head) == folder.head else None

    def _link_checked(self, call: ast.Call, state: State) -> Optional[PathKey]:
        """The key ``os.path.islink(p)`` or ``p.is_symlink()`` checks, else None."""
        func = call.func
        if self.facts.resolve(func) in LINK_FUNCTIONS and len(call.args) == 1:
            return self.key(call.args[0], state)
        if isinstance(func, ast.Attribute) and func.attr in LINK_METHODS and not call.args:
            return self.key(func.value, state)
        return None

    def _guard_of(self, call: ast.Call, state: State) -> Optional[Tuple[str, str]]:
        kind = guard_kind(call, self.facts.resolve)
        if kind is None:
            return None
        if call.args:  # ``os.path.exists(p)``: the method form takes no argument
            key = self.key(call.args[0], state)
            return (kind, key) if key is not None else None
        receiver = call.func.value
        if type(receiver) is ast.Name and self._foreign_object(receiver.id):
            return None  # ``blob = storage.Blob(key, client)``: ``blob.exists()`` asks a server
        key = self.key(receiver, state)
        if key is None:
            return None
        ref = dotted_name(receiver)
        if ref is not None:
            # Only a path answers ``is_file()`` or ``exists()`` of itself: its ``open()``,
            # ``replace()`` or ``unlink()`` are a path's too (``for f in files: if f.is_file()``).
            state.set("pathlib", ref, Must(True))
        return kind, key

    def _foreign_object(self, name: str) -> bool:
        """Whether every binding of the local ``name`` constructs an object of a class of
        another package whose name says nothing of paths or files (``storage.Blob(key, client)``,
        not ``zipfile.Path(archive)``, ``S3Path(uri)``, ``UserDataFile(name)`` or
        ``pathlib.Path(p)``): its ``exists()``
        and ``open()`` are that object's, not a file's. Each scope's bindings are read once."""
        scope = self._scope
        if scope is None or not scope.is_function:
            return False
        found = self._foreign_objects.get(id(scope.node))
        if found is None:
            found = self._foreign_objects[id(scope.node)] = frozenset(
                bound for bound, values in local_bindings(scope.node, self.facts.may_walrus).items()
                if all(self._foreign_class(value) for value in values))
        return name in found

    def _foreign_class(self, value: Optional[ast.AST]) -> bool:
        if not isinstance(value, ast.Call):
            return False
        resolved = self.facts.resolve(value.func)
        if resolved is None or "." not in resolved or resolved.startswith("builtins."):
            return False
        last = resolved.rsplit(".", 1)[1]
        lowered = last.lower()  # ``UserDataFile(name)`` names a file, as ``S3Path(uri)`` does
        return last[:1].isupper() and not last.isupper() and "path" not in lowered and "file" not in lowered \
            and resolved.split(".", 1)[0] not in _PATH_PACKAGES

    def _mtime_of(self, node: ast.AST, state: State) -> Optional[PathKey]:
        """The key whose seconds-resolution mtime ``node`` is, or None."""
        node = self._unconverted(node)
        if isinstance(node, ast.Call) and node.args and self.facts.resolve(node.func) == "os.path.getmtime":
            return self.key(node.args[0], state)
        if isinstance(node, ast.Call) and self.facts.summaries is not None and self._scope is not None:
            # ``get_mtime(self.filename)``: a helper of the module returning that file's mtime
            passed = self.facts.summaries.mtime_argument(node, self._scope.enclosing_class, self._self_name)
            if passed is not None:
                return self.key(passed, state)
        inner = stat_of_mtime(node, self.facts.resolve)
        if inner is not None:
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
        fresh = "st_mtime" in names or "ST_MTIME" in names or "getmtime" in names or any(
            state.get("mtime", n) is not None for n in names)
        # An mtime kept in an entry is compared only where the condition spells ``mtime``.
        stored = self._entries_wanted and (
            fresh or any("mtime" in word for word in names) or any("mtime" in word for word in fields))
        if not fresh and not stored:
            return
        if names & _OTHER_NAMES or fields & _OTHER_FIELDS:
            return  # size or inode compared too: not seconds-resolution mtime alone
        params = self._parameter_names()
        for compare in compares:
            left, right = compare.left, compare.comparators[0]
            stats = [stat_of_mtime(side, self.facts.resolve) for side in (left, right)]
            if None not in stats and dotted_name(stats[0]) is not None and \
                    dotted_name(stats[0]) == dotted_name(stats[1]):
                continue  # ``st.st_mtime != st[stat.ST_MTIME]``: two fields of one stat, no earlier value
            for mine, other in ((left, right), (right, left)):
                key = self._mtime_of(mine, state)
                if key is None or self._other_timestamp(other):
                    continue
                earlier = self._earlier_value(other, key, params, state, _equality(compare))
                if earlier is not None and not self.private(key) and not self._compares_other_fields(walker.scope.node):
                    walker.emit(FileMtime, compare, key=key, path=key, earlier=earlier)
                    break
            else:
                if stored:
                    self._stored_compare(walker, compare, state)

    def _compares_other_fields(self, scope: ast.AST) -> bool:
        """:func:`_compares_other_fields`, read once per scope however many of its mtime
        compares ask."""
        known = self._other_fields_compared.get(id(scope))
        if known is None:
            known = self._other_fields_compared[id(scope)] = _compares_other_fields(scope)
        return known

    def _other_timestamp(self, node: ast.AST) -> bool:
        """Whether ``node`` is another clock of a file read now (``st.st_atime``,
        ``os.path.getctime(p)``): ``st.st_atime > st.st_mtime`` asks whether the file was
        read since it was written, it compares nothing kept from before."""
        if isinstance(node, ast.Attribute):
            return node.attr in _OTHER_CLOCKS
        return isinstance(node, ast.Call) and self.facts.resolve(node.func) in _OTHER_CLOCK_CALLS

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
        return self._attribute_sources()[0]

    def _passed_in_attributes(self) -> FrozenSet[str]:
        """The attributes every method of the class that sets them sets from its own
        parameters alone (``self.cutoff = now - max_age``): values from outside."""
        return self._attribute_sources()[1]

    def _attribute_sources(self) -> Tuple[FrozenSet[str], FrozenSet[str]]:
        cls = self._scope.enclosing_class if self._scope is not None else None
        if cls is None:
            return frozenset(), frozenset()
        found = self._clock_attrs.get(id(cls))
        if found is None:
            found = self._clock_attrs[id(cls)] = self._clock_bindings(cls)
        return found

    def _clock_bindings(self, cls: ast.ClassDef) -> Tuple[FrozenSet[str], FrozenSet[str]]:
        """Attributes a method sets from a clock reading, directly or through a local of
        its own bound from one (``now = time.time()`` ... ``self.seen = now``); and those
        only ever set from the parameters of the method setting them."""
        resolve = self.facts.resolve

        def reads_clock(value, clock_locals) -> bool:
            return any(isinstance(sub, ast.Call) and resolve(sub.func) in CLOCK_READINGS
                       or isinstance(sub, ast.Name) and sub.id in clock_locals for sub in ast.walk(value))

        def from_parameters(value, params) -> bool:
            # ``now - max_age``, ``options.max_age``; a stat's ``st_mtime`` may be this file's
            return all(isinstance(sub, (ast.Constant, ast.operator, ast.unaryop, ast.BinOp, ast.UnaryOp, ast.Load))
                       or isinstance(sub, ast.Attribute) and sub.attr != "st_mtime"
                       or isinstance(sub, ast.Name) and sub.id in params for sub in ast.walk(value))

        names: Set[str] = set()
        outside: Dict[str, bool] = {}
        for method in cls.body:
            if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            self_name = instance_name(self.facts, method, cls)
            if self_name is None:
                continue
            params = frozenset(_parameters(method)) - {self_name}
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
                passed = from_parameters(value, params)
                for attr in attrs:
                    outside[attr] = outside.get(attr, True) and passed
                for target in targets:
                    if isinstance(target, (ast.Tuple, ast.List)):  # ``self.mtime, self.size = ...``
                        for part in ast.walk(target):
                            if isinstance(part, ast.Attribute) and isinstance(part.value, ast.Name) \
                                    and part.value.id == self_name:
                                outside[part.attr] = False
        return frozenset(names), frozenset(attr for attr, passed in outside.items() if passed)

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
        """``node`` without the conversions around it (``int(...)``), nor the name it is
        kept in as it is compared (``(mtime := ...)``)."""
        while isinstance(node, ast.NamedExpr) or isinstance(node, ast.Call) and len(node.args) == 1 \
                and not node.keywords and self.facts.resolve(node.func) in _MTIME_CONVERSIONS:
            node = node.value if isinstance(node, ast.NamedExpr) else node.args[0]
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

    def _earlier_value(self, node: ast.AST, key: PathKey, params: FrozenSet[str], state: State,
                       equality: bool, copied: bool = False) -> Optional[str]:
        """How ``node`` holds an earlier mtime of ``key`` (for the message), or None.
        ``equality``: compared with ``==``/``!=`` (not ordered, as an age is against a cutoff)."""
        other_key = self._mtime_of(node, state)
        if other_key is not None:
            return "an earlier stat" if other_key == key else None
        if isinstance(node, ast.Attribute) and isinstance(node.value, (ast.Subscript, ast.Call)) \
                and _cache_lookup(node.value):
            node = node.value  # ``self.cache[p].mtime``: a field of a kept entry
        if isinstance(node, ast.Subscript):
            stat_ref = dotted_name(node.value)
            if stat_ref is not None and state.get("stat", stat_ref) is not None:
                return None  # ``st[8]``: a field of a stat result, not a value kept from before
            if isinstance(node.value, ast.Name) and node.value.id in params and node.value.id != self._self_name:
                # ``current_state[0]``: an item of what the caller passed is from outside, as
                # the parameter is (below): judged by the parameter's name
                if equality and _names_earlier_mtime(node.value.id):
                    return "`%s`" % node.value.id
                return None
            return "a cached value"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            return "a cached value"
        ref = dotted_name(node)
        if ref is not None and state.get("cached", ref) is not None:
            return "a cached value"
        copy = state.get("earlier", node.id) if isinstance(node, ast.Name) and not copied else None
        if copy is not None:  # ``cached = self.mtime``, then ``if mtime != cached``
            return self._earlier_value(copy.value, key, params, state, equality, copied=True)
        if isinstance(node, ast.Attribute) and ref is not None and ref.partition(".")[0] in params \
                and ref.partition(".")[0] != self._self_name:
            # ``fobj.stat.st_mtime``: what an object handed in holds is from outside, as a
            # parameter is (below): ordered against it, it is another file's (make-style).
            if equality and _names_earlier_mtime(ref.rpartition(".")[2]):
                return "`%s`" % ref
            return None
        if isinstance(node, ast.Attribute) and ref is not None:
            attr = self._own_attribute(ref) if self._self_name else None
            if attr is not None and attr in self._clock_attributes():
                return None  # a time this run read from a clock, not an mtime kept from before
            if attr is not None and attr in self._passed_in_attributes() \
                    and not (equality and _names_earlier_mtime(attr)):
                return None  # a value from outside, as a parameter is
            return "`%s`" % ref
        # A value from outside is an earlier reading of this very file only when its name says
        # so and it is tested for equality: ordered against it, it is a cutoff or another
        # file's mtime (an age or make-style test).
        if isinstance(node, ast.Name) and node.id in params and equality and _names_earlier_mtime(node.id):
            return "the parameter `%s`" % node.id
        return None

    def _parameter_names(self) -> FrozenSet[str]:
        """The parameters of the function being walked, found once per function."""
        scope = self._scope
        if scope is None or not scope.is_function:
            return frozenset()
        cached = self._scope_parameters
        if cached is None or cached[0] is not scope.node:
            cached = self._scope_parameters = (scope.node, frozenset(_parameters(scope.node)))
        return cached[1]

    def _bind_earlier(self, name: str, value: ast.AST, state: State) -> None:
        """``cached = self.mtime`` (or a parameter, or another such local): ``cached`` may
        hold that value, looked at as it is where ``cached`` is compared. So may
        ``cached = self.mtime if self.loaded else 0``: the other arm a constant."""
        if isinstance(value, ast.IfExp):
            arms = [arm for arm in (value.body, value.orelse) if not isinstance(arm, ast.Constant)]
            if len(arms) != 1:
                return
            value = arms[0]
        if isinstance(value, ast.Name):
            copy = state.get("earlier", value.id)
            if copy is not None:
                state.set("earlier", name, copy)
                return
            if value.id not in self._parameter_names():
                return
        elif not isinstance(value, ast.Attribute) or dotted_name(value) is None and not _cache_lookup(value.value):
            return
        state.set("earlier", name, Unless(value))

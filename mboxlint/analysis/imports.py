"""What each local name of a module refers to.

Rules ask questions such as "is this call ``mailbox.mbox(...)``?" or "is this ``os.rename``?"
without caring how the module spelled the import. ``ModuleFacts`` answers them with one pass
over the module's top-level statements (imports inside functions are collected too, since
``import os`` inside a function is common in scripts).
"""

import ast
import builtins
import re
import unicodedata
from collections import Counter
from typing import Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from .triggers import count_word, holds_line, is_name_character, lines_holding, words_in

#: names :meth:`ModuleFacts.word_count` counts one by one before counting every word at once
MANY_WORDS = 8

# The bundled fixed mailbox is a drop-in: its classes are the same kinds of mailbox.
#: modules that are another's under its common name: ``os.path`` is ``posixpath`` (or
#: ``ntpath``) itself, and code spelling those checks the same file system
_CANONICAL_PREFIXES = (("mboxlint.mailbox", "mailbox"), ("posixpath", "os.path"), ("ntpath", "os.path"),
                       ("genericpath", "os.path"),
                       # Python 2's name of the module, still imported by code that runs on both
                       # (``try: import ConfigParser except ImportError: import configparser``)
                       ("ConfigParser", "configparser"))

#: Single-file and MH mailboxes: their lock() matters and their keys are positions.
LOCKABLE_CLASSES = frozenset(
    {"mailbox.mbox", "mailbox.MMDF", "mailbox.Babyl", "mailbox.MH"}
)
#: Annotations that make a name a tracked mailbox (the abstract base included).
LOCKABLE_ANNOTATIONS = LOCKABLE_CLASSES | {"mailbox.Mailbox"}
#: Mailboxes exempt from the locking rules: lock() is a no-op, keys are unique file names.
EXEMPT_CLASSES = frozenset({"mailbox.Maildir"})
#: Every mailbox class a module may construct or derive from (private bases included,
#: since subclasses of ``_singlefileMailbox`` implement single-file mailboxes).
MAILBOX_CLASSES = LOCKABLE_ANNOTATIONS | EXEMPT_CLASSES | {
    "mailbox._singlefileMailbox",
    "mailbox._mboxMMDF",
}

_BUILTIN_NAMES = frozenset(dir(builtins))

#: Standard modules the rules follow calls of that a project passes on under the same name:
#: a member imported by that name (``from .compat import os``, a shim re-exporting the
#: module) is that module, and so is a name spelled like one that a module with a star import
#: uses but never binds (it can only come from the star). Names projects also give their own
#: objects or classes (``time``, ``io``, ``datetime``, ``mailbox``, ``uuid``) are left out.
REEXPORTED_MODULES = frozenset({
    "os", "shutil", "tempfile", "fcntl", "pathlib", "posixpath", "ntpath", "gzip", "bz2", "lzma",
    "codecs", "contextlib", "configparser",
})


#: ``name .`` for each re-exported module: a pattern that starts with the name's letters is
#: searched for many times faster than one that starts with a word boundary
_MODULE_USES = {name: re.compile(r"%s\s*\." % name) for name in REEXPORTED_MODULES}


def _used_as_module(text: str, name: str) -> bool:
    """Whether ``text`` spells ``name.`` (spaces allowed) where ``name`` is a whole word."""
    for match in _MODULE_USES[name].finditer(text):
        start = match.start()
        if not start or not is_name_character(text[start - 1]):
            return True
    return False


def canonical(qualname: str) -> str:
    for prefix, replacement in _CANONICAL_PREFIXES:
        if qualname == prefix or qualname.startswith(prefix + "."):
            return replacement + qualname[len(prefix):]
    return qualname


def same(a: Optional[ast.AST], b: ast.AST) -> bool:
    """Whether ``a`` is the same code as ``b``: what ``ast.dump`` compares (every field, not
    the positions), on a stack rather than recursively."""
    if a is None:
        return False
    work = [(a, b)]
    while work:
        x, y = work.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, ast.AST):
            work.extend((getattr(x, field, None), getattr(y, field, None)) for field in x._fields)
        elif isinstance(x, list):
            if len(x) != len(y):
                return False
            work.extend(zip(x, y))
        elif x != y and not (x != x and y != y):  # NaN is NaN, as dumped
            return False
    return True


def dotted_name(node: ast.AST) -> Optional[str]:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def compared_to_bool(test: ast.AST) -> Optional[Tuple[ast.AST, bool]]:
    """``(operand, same)`` when ``test`` compares one operand with ``True`` or ``False`` by
    ``==``, ``!=``, ``is`` or ``is not`` (either side): ``same`` is whether the test is true
    exactly when the operand is (``x == True``, ``x is not False``) rather than when it is not
    (``x == False``, ``x != True``). Exact for the booleans checks give; None for anything else."""
    if type(test) is not ast.Compare or len(test.ops) != 1:
        return None
    left, right = test.left, test.comparators[0]
    if type(right) is ast.Constant and type(right.value) is bool:
        operand, constant = left, right.value
    elif type(left) is ast.Constant and type(left.value) is bool:
        operand, constant = right, left.value
    else:
        return None
    op = type(test.ops[0])
    if op is ast.Eq or op is ast.Is:
        return operand, constant
    if op is ast.NotEq or op is ast.IsNot:
        return operand, not constant
    return None


def unnegated(test: ast.AST) -> Tuple[ast.AST, bool]:
    """``(operand, negated)``: ``test`` with every ``not`` and comparison with ``True``/``False``
    around it taken off (``not p.exists()``, ``os.path.isdir(p) == False``), and whether they
    negate it (a loop: ``not not ...`` may be deep)."""
    negated = False
    while True:
        if type(test) is ast.UnaryOp and type(test.op) is ast.Not:
            test, negated = test.operand, not negated
            continue
        compared = compared_to_bool(test)
        if compared is None:
            return test, negated
        test, negated = compared[0], negated != (not compared[1])


class ModuleFacts:
    """Import aliases and module-level class facts of one module."""

    def __init__(self, tree: ast.Module, text: Optional[str] = None):
        self.aliases: Dict[str, str] = {}
        #: local class name -> the lockable stdlib class it derives from
        self.lockable_subclasses: Dict[str, str] = {}
        #: local class name -> the stdlib mailbox class (any kind) it derives from
        self.mailbox_subclasses: Dict[str, str] = {}
        #: names bound at module level (in its blocks too) by something other than an import
        self.module_bindings: Set[str] = set()
        #: names a relative import binds -> the dotted path it names below the package
        #: (``from .lock import acquire`` gives ``lock.acquire``); matched by the end of a name
        self.relative_aliases: Dict[str, str] = {}
        #: what the module's own functions do (:class:`~.summaries.ModuleSummaries`), set by ``analyse``
        self.summaries = None
        #: whether helpers get the context their callers give them (:mod:`.paths.callers`):
        #: needs the summaries and the source, where every use of a name is counted
        self.follow_callers = False
        #: whether the module may hold an assignment expression (``:=``): False only when its
        #: text is known (set by ``analyse``) and does not spell one, so walks of whole
        #: functions for bindings can keep to statements
        self.may_walrus = True
        #: the lines of which a scope must hold one to be walked (ascending; set by ``analyse``),
        #: None when every scope is walked
        self.walked_lines: Optional[List[int]] = None
        #: the module's source, when ``analyse`` was given it (trigger words are looked up in it)
        self.text: Optional[str] = text
        self._class_aliases: Optional[Dict[str, FrozenSet[str]]] = None
        self._local_aliases: Dict[int, Dict[str, FrozenSet[str]]] = {}
        self._tree = tree
        #: module names bound once, at the top level, to a tuple of exception classes
        #: (see :meth:`handled_classes`), found on first asking
        self._exception_tuples: Optional[Dict[str, List[ast.expr]]] = None
        self._test_module: Optional[bool] = None
        self._top_bindings: Optional[Dict[str, int]] = None
        self._globals: Optional[Set[str]] = None
        #: which words the text holds: shared with the trigger gates (:func:`~.triggers.words_in`),
        #: which ask about the same text first and mean the same by it (a substring)
        self._spelled: Dict[str, bool] = words_in(text) if text is not None else {}
        #: word counts (see :meth:`word_count`): name by name, then all of them; the text counted
        self._words: Dict[str, int] = {}
        self._every_word: Optional[Counter] = None
        self._word_text: Optional[str] = None
        self._collect(tree)

    def spells(self, word: str) -> bool:
        """Whether the module's source may hold ``word``: True when the source is not known.
        Remembered per word, as helpers ask once per call site and a search reads the module."""
        found = self._spelled.get(word)
        if found is None:
            found = self._spelled[word] = self.text is None or word in self.text
        return found

    def word_count(self, name: str) -> Optional[int]:
        """How often ``name`` occurs as a word of the module's source (comments, strings and
        its own ``def`` included), or None when the source is not known. Helpers whose
        callers must all be known ask it: a use other than the calls seen leaves them
        unproven. A few names are counted one by one; past :data:`MANY_WORDS`, every word of
        the source at once, so that the cost stays linear in the module."""
        if self.text is None:
            return None
        if self._every_word is not None:
            return self._every_word.get(name, 0)
        found = self._words.get(name)
        if found is None:
            text = self._normalised_text()
            if len(self._words) >= MANY_WORDS:
                self._every_word = Counter(re.findall(r"\w+", text))
                return self._every_word.get(name, 0)
            found = count_word(text, name)
            self._words[name] = found
        return found

    # -- collection -----------------------------------------------------------------

    def _collect(self, tree: ast.Module) -> None:
        star = False
        for node in _imports_and_top_level(tree, self.text):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.aliases[alias.asname] = canonical(alias.name)
                    else:
                        # ``import os.path`` binds ``os``; attribute access resolves the rest.
                        top = alias.name.split(".")[0]
                        self.aliases[top] = canonical(top) if top != "mboxlint" else top
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name == "*":
                        star = True
                    elif alias.name in REEXPORTED_MODULES:
                        self.aliases[alias.asname or alias.name] = canonical(alias.name)
                    elif not node.level and node.module:  # relative imports name the project's own modules
                        self.aliases[alias.asname or alias.name] = canonical(node.module + "." + alias.name)
                    elif node.level:
                        below = node.module + "." + alias.name if node.module else alias.name
                        self.relative_aliases[alias.asname or alias.name] = below
        # The top level's blocks bind module names too (``if snap: STATE = A`` / ``else: STATE = B``).
        for stmt in own_statements(tree):
            if not isinstance(stmt, (ast.Import, ast.ImportFrom)) and not _keeps_builtin(stmt):
                self.module_bindings.update(_statement_bindings(stmt))
        if star:
            self._modules_from_star(tree)
        self._assigned_aliases(tree)
        # Subclasses, in source order so that a subclass of a subclass resolves too.
        for stmt in tree.body:
            if isinstance(stmt, ast.ClassDef):
                for base in stmt.bases:
                    kind = self.mailbox_class(base)
                    if kind:
                        self.mailbox_subclasses[stmt.name] = kind
                        if kind in LOCKABLE_CLASSES:
                            self.lockable_subclasses[stmt.name] = kind
                        break

    def _assigned_aliases(self, tree: ast.Module) -> None:
        """A module-level ``join = os.path.join`` names that function wherever the module calls
        ``join``, as ``from os.path import join`` would: an alias, when it is the only binding
        of the name in the module (no other assignment, ``def``, import or ``global``)."""
        candidates: Dict[str, str] = {}
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                    and isinstance(stmt.value, ast.Attribute):
                target = self.resolve(stmt.value)
                name = stmt.targets[0].id
                if target is not None and name not in self.aliases and name not in self.relative_aliases:
                    # a second assignment of it leaves it out (``None`` marks that)
                    candidates[name] = target if name not in candidates else None
        candidates = {name: target for name, target in candidates.items() if target is not None}
        if not candidates:
            return
        # Bindings at the top level (a function's own local of that name shadows it only there,
        # as it would an imported one), and ``global`` declarations anywhere.
        bound = self.top_level_bindings()
        declared = self.maybe_global()
        for name in list(candidates):
            if bound.get(name) != 1 or name in declared:
                del candidates[name]
        self.aliases.update(candidates)

    def maybe_global(self) -> Set[str]:
        """Names a ``global`` statement of the module may declare (a function may rebind
        them): read off the lines after ``global`` (every word there, and so more), or from
        the tree when the text is not known. Found once."""
        if self._globals is None:
            text = self.text
            if text is None:
                self._globals = {name for node in ast.walk(self._tree) if isinstance(node, ast.Global)
                                 for name in node.names}
            else:
                self._globals = set()
                at = text.find("global")
                while at != -1:
                    end = text.find("\n", at)
                    self._globals.update(re.findall(r"\w+", text[at + 6:end if end != -1 else len(text)]))
                    at = text.find("global", at + 6)
        return self._globals

    def top_level_bindings(self) -> Dict[str, int]:
        """How many statements of the module's top level (its blocks included, not its
        functions and classes) bind each name: assignments, loop and ``with`` targets,
        imports, ``def`` and ``class``. Read statement by statement, not into expressions."""
        if self._top_bindings is None:
            found: Dict[str, int] = {}
            for stmt in own_statements(self._tree):
                for name in _statement_bindings(stmt):
                    found[name] = found.get(name, 0) + 1
            self._top_bindings = found
        return self._top_bindings

    def handled_classes(self, caught: ast.expr) -> List[ast.expr]:
        """The classes an ``except`` (or a ``suppress()``) names: those of a tuple display, or
        of a tuple the module binds once at its top level to the name it gives (``except
        symlink_exception:``, ``symlink_exception = (AttributeError, OSError)``)."""
        if type(caught) is ast.Tuple:
            return list(caught.elts)
        if type(caught) is ast.Name:
            if self._exception_tuples is None:
                self._exception_tuples = self._module_exception_tuples()
            found = self._exception_tuples.get(caught.id)
            if found is not None:
                return found
        return [caught]

    def _module_exception_tuples(self) -> Dict[str, List[ast.expr]]:
        found: Dict[str, List[ast.expr]] = {}
        bindings = None
        for stmt in self._tree.body:
            if type(stmt) is ast.Assign and len(stmt.targets) == 1 and type(stmt.targets[0]) is ast.Name \
                    and type(stmt.value) is ast.Tuple \
                    and all(type(e) in (ast.Name, ast.Attribute) for e in stmt.value.elts):
                if bindings is None:
                    bindings = self.top_level_bindings()
                name = stmt.targets[0].id
                if bindings.get(name) == 1 and name not in self.maybe_global():
                    found[name] = list(stmt.value.elts)
        return found

    def _modules_from_star(self, tree: ast.Module) -> None:
        """A name spelled like a re-exported module, used as one (``os.remove(p)``) and bound
        nowhere in a module with a star import, came from the star: it is that module. The
        module's bindings are gathered (one walk) only when its text uses such a name."""
        wanted = [name for name in REEXPORTED_MODULES if name not in self.aliases and name not in self.module_bindings
                  and (self.text is None or _used_as_module(self.text, name))]
        if wanted:
            bound = bound_anywhere(tree)
            for name in wanted:
                if name not in bound:
                    self.aliases[name] = canonical(name)

    # -- questions ------------------------------------------------------------------

    def resolve(self, node: ast.AST) -> Optional[str]:
        """The qualified name an expression refers to (``os.path.exists``), or None.

        Builtins resolve to ``builtins.<name>`` unless the module rebinds the name.
        """
        attributes = []  # a loop, not recursion: attribute chains may be thousands deep
        while isinstance(node, ast.Attribute):
            attributes.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        name = self.aliases.get(node.id)
        if name is None:
            if node.id not in _BUILTIN_NAMES or node.id in self.module_bindings:
                return None
            name = "builtins." + node.id
        for attribute in reversed(attributes):
            name = canonical(name + "." + attribute)
        return name

    def imported_name(self, node: ast.AST) -> Optional[str]:
        """What :meth:`resolve` gives, or for a name a relative import binds, its path below
        the package after a dot (``.utils.get_config_path`` for ``get_config_path`` of
        ``from .utils import get_config_path``, and for attributes of a module imported so)."""
        name = self.resolve(node)
        if name is not None or not self.relative_aliases:
            return name
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        below = self.relative_aliases.get(root.id) if isinstance(root, ast.Name) else None
        ref = dotted_name(node) if below is not None else None
        return "." + below + ref[len(root.id):] if ref is not None else None

    # -- classes chosen at run time ----------------------------------------------------

    @property
    def class_aliases(self) -> Dict[str, FrozenSet[str]]:
        """Module-level names bound only to classes chosen at run time (``Box = A if c else B``),
        found on first use."""
        if self._class_aliases is None:
            self._class_aliases = {}  # filled in place: an alias of an alias resolves in round two
            self._aliases_in(own_statements(self._tree), self._class_aliases)
        return self._class_aliases

    def class_choices(self, node: Optional[ast.AST], scope: Optional[ast.AST] = None,
                      depth: int = 0) -> FrozenSet[str]:
        """The classes an expression may be (``A if c else B``, ``a or b``, a local or module
        alias of either), qualified; empty when any of them is unknown, or when the choice
        nests deeper than anyone writes one."""
        if node is None or depth > 16:
            return frozenset()
        if isinstance(node, ast.IfExp):
            return self._all_known([node.body, node.orelse], scope, depth)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            return self._all_known(node.values, scope, depth)
        ref = dotted_name(node)
        if ref is not None:
            if scope is not None:
                local = self.local_class_aliases(scope).get(ref)
                if local is not None:
                    return local
            if isinstance(node, ast.Name) and node.id in self.class_aliases:
                return self.class_aliases[node.id]
            name = self.mailbox_class(node) or self.resolve(node)
            return frozenset({name}) if name is not None and "." in name and not name.startswith("builtins.") \
                else frozenset()
        return frozenset()

    def _all_known(self, nodes, scope, depth) -> FrozenSet[str]:
        found: Set[str] = set()
        for part in nodes:
            choices = self.class_choices(part, scope, depth + 1)
            if not choices:
                return frozenset()
            found |= choices
        return frozenset(found)

    def local_class_aliases(self, scope: ast.AST) -> Dict[str, FrozenSet[str]]:
        """Names (and ``self`` attributes) of one function bound only to class choices."""
        found = self._local_aliases.get(id(scope))
        if found is None:
            self._local_aliases[id(scope)] = {}  # while computing: no alias of itself
            found = self._aliases_in(own_statements(scope), self._local_aliases[id(scope)], scope)
            self._local_aliases[id(scope)] = found
        return found

    def _aliases_in(self, stmts, found: Dict[str, FrozenSet[str]], scope: Optional[ast.AST] = None):
        values: Dict[str, list] = {}
        for stmt in stmts:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    ref = dotted_name(target)
                    if ref is not None:
                        values.setdefault(ref, []).append(stmt.value)
                    else:
                        for name in ast.walk(target):
                            if isinstance(name, (ast.Name, ast.Attribute)) and dotted_name(name):
                                values.setdefault(dotted_name(name), []).append(None)
            elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith,
                                   ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)):
                for name in _bound_by(stmt):
                    values.setdefault(name, []).append(None)
        # Two rounds: an alias of an alias (``make = Box``) resolves too.
        for _ in range(2):
            for ref, bound in values.items():
                if ref in found or ref in self.aliases:
                    continue
                choices = [self.class_choices(v, scope) if v is not None else frozenset() for v in bound]
                if choices and all(choices):
                    found[ref] = frozenset().union(*choices)
        return found

    def mailbox_class(self, node: ast.AST) -> Optional[str]:
        """``mailbox.mbox`` etc. when ``node`` names a stdlib mailbox class or a local subclass."""
        if isinstance(node, ast.Name) and node.id in self.mailbox_subclasses:
            return self.mailbox_subclasses[node.id]
        name = self.resolve(node)
        if name in MAILBOX_CLASSES:
            return name
        return None

    def lockable_constructor(self, node: ast.AST, scope: Optional[ast.AST] = None) -> Optional[str]:
        """The lockable class a call constructs (``mailbox.mbox(...)``, or ``make(...)`` where
        ``make`` may be one of several mailbox classes, one of them lockable), or None."""
        if not isinstance(node, ast.Call):
            return None
        kind = self.mailbox_class(node.func)
        if kind in LOCKABLE_CLASSES:
            return kind
        if kind is None and isinstance(node.func, (ast.Name, ast.Attribute)):
            choices = self.class_choices(node.func, scope)
            if choices and choices <= MAILBOX_CLASSES:
                # The strictest lockable class it may be: a single-file mailbox before MH.
                for candidate in ("mailbox.mbox", "mailbox.MMDF", "mailbox.Babyl", "mailbox.MH"):
                    if candidate in choices:
                        return candidate
        return None

    def lockable_annotation(self, node: Optional[ast.AST]) -> Optional[str]:
        """The lockable class an annotation names (``mailbox.mbox``, ``"mailbox.mbox"``, ``Optional[...]``)."""
        for named in annotation_parts(node):
            kind = self.mailbox_class(named)
            if kind in LOCKABLE_ANNOTATIONS:
                return kind
        return None

    @property
    def is_test_module(self) -> bool:
        """Whether the module is a test suite's: its top level imports ``pytest`` or
        ``unittest`` and uses them (a program that runs its tests from ``if __name__ ==
        "__main__":`` is not one), or defines a ``TestCase`` (a class whose base is named so, or ends so:
        ``TestCase`` from a suite's star import, ``BaseTestCase``)."""
        if self._test_module is None:
            statements = list(self._tree.body)
            for stmt in self._tree.body:  # ``try: import pytest`` / ``except ImportError:``
                if isinstance(stmt, _TRY_STATEMENTS):
                    statements.extend(stmt.body)
            self._test_module = any(
                name.split(".")[0] in TEST_FRAMEWORKS and self._used(stmt)
                for stmt in statements if isinstance(stmt, _IMPORTS) for name in _imported_modules(stmt)) or any(
                (dotted_name(base) or "").endswith("TestCase")
                for stmt in self._tree.body if isinstance(stmt, ast.ClassDef) for base in stmt.bases)
        return self._test_module

    def _used(self, stmt: ast.AST) -> bool:
        """Whether a name the import binds is spelled again in the module: a library module
        with a stray ``import unittest`` it never uses is no test suite."""
        bound = [alias.asname or (alias.name.split(".")[0] if isinstance(stmt, ast.Import) else alias.name)
                 for alias in stmt.names]
        return self.text is None or any(self._words_up_to(name, 2) != 1 for name in bound)

    def _words_up_to(self, name: str, most: int) -> int:
        """:meth:`word_count` of ``name``, counted no further than ``most``: a test module
        spells its framework again within a few lines, and need not be read to its end."""
        known = self._words.get(name) if self._every_word is None else self._every_word.get(name, 0)
        if known is not None:
            return min(known, most)
        text = self.text
        if not text.isascii() and name.isascii() and count_word(text, name, most, ascii_bounds=True) >= most:
            return most  # (normalising a long text costs more than the few words asked for)
        return count_word(self._normalised_text(), name, most)

    def _normalised_text(self) -> str:
        """The source as identifiers are compared: NFKC-normalised. Most non-ASCII sources
        are normalised already, which is many times cheaper to check than to redo."""
        text = self._word_text
        if text is None:
            text = self.text
            if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
                text = unicodedata.normalize("NFKC", text)
            self._word_text = text
        return text

    def imports_any(self, prefixes: Iterable[str]) -> bool:
        """Whether any alias refers to a module under one of ``prefixes``."""
        targets = tuple(prefixes)
        return any(
            value == p or value.startswith(p + ".") for value in self.aliases.values() for p in targets
        )


def bound_anywhere(tree: ast.AST) -> Set[str]:
    """Every name ``tree`` binds, in any scope: assigned, deleted, a parameter, a function or
    class, an import, an ``except ... as``, a ``global``, a match capture."""
    found: Set[str] = set()
    for node in ast.walk(tree):
        kind = type(node)
        if kind is ast.Name:
            if type(node.ctx) is not ast.Load:
                found.add(node.id)
        elif kind is ast.arg:
            found.add(node.arg)
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            found.add(node.name)
        elif kind is ast.alias:
            found.add((node.asname or node.name).split(".")[0])
        elif kind in (ast.Global, ast.Nonlocal):
            found.update(node.names)
        else:
            for field in ("name", "rest"):  # ``except E as name``, match captures
                value = getattr(node, field, None)
                if type(value) is str:
                    found.add(value)
    return found


def annotation_parts(node: Optional[ast.AST]) -> Iterator[ast.AST]:
    """The expressions an annotation may name a class by, left to right: through string
    annotations, ``Optional[...]``-style subscripts and ``A | B`` (a stack, as ``A | B | ...``
    may be long)."""
    stack = [node]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                continue
        if isinstance(node, ast.Subscript):
            stack.append(node.slice)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            stack += [node.right, node.left]
        else:
            yield node


_IMPORTS = (ast.Import, ast.ImportFrom)
#: what a test module imports at its top level
TEST_FRAMEWORKS = frozenset({"pytest", "_pytest", "unittest"})

#: calls that end the program: code after them never runs, as after a ``raise``
PROGRAM_EXITS = frozenset({"sys.exit", "os._exit", "os.abort", "builtins.exit", "builtins.quit"})


def _imported_modules(stmt: ast.AST) -> List[str]:
    """The modules an import statement names."""
    if isinstance(stmt, ast.ImportFrom):
        return [] if stmt.level or not stmt.module else [stmt.module]
    return [alias.name for alias in stmt.names]
#: statements that hold no statements
_SIMPLE = (
    ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Pass, ast.Raise,
    ast.Delete, ast.Assert, ast.Break, ast.Continue, ast.Global, ast.Nonlocal,
)


def parameter_names(func: ast.AST) -> List[str]:
    """Every parameter a function or lambda takes, ``*args`` and ``**kwargs`` included."""
    args = func.args
    every = list(args.posonlyargs) + list(args.args) + list(args.kwonlyargs)
    return [a.arg for a in every + [args.vararg, args.kwarg] if a is not None]


def _keeps_builtin(stmt: ast.stmt) -> bool:
    """``open = open``: a module keeping its own reference to a builtin (so that later mocks
    of it do not reach the module) binds the same object; the name still is the builtin."""
    return type(stmt) is ast.Assign and len(stmt.targets) == 1 and type(stmt.targets[0]) is ast.Name \
        and type(stmt.value) is ast.Name and stmt.value.id == stmt.targets[0].id and stmt.value.id in _BUILTIN_NAMES


def _statement_bindings(stmt: ast.stmt) -> List[str]:
    """The names one statement binds itself (not those of statements nested in it)."""
    kind = type(stmt)
    if kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
        return [stmt.name]
    if kind is ast.Import or kind is ast.ImportFrom:
        return [(alias.asname or alias.name).split(".")[0] for alias in stmt.names]
    if kind is ast.Assign:
        targets = stmt.targets
    elif kind is ast.AugAssign or kind is ast.AnnAssign and stmt.value is not None:
        targets = [stmt.target]
    elif kind is ast.For or kind is ast.AsyncFor:
        targets = [stmt.target]
    elif kind is ast.With or kind is ast.AsyncWith:
        targets = [item.optional_vars for item in stmt.items if item.optional_vars is not None]
    else:
        return []
    return [node.id for target in targets for node in ast.walk(target)
            if type(node) is ast.Name and type(node.ctx) is not ast.Load]


def own_statements(scope: ast.AST):
    """Every statement of a function's own body (not of nested functions or classes)."""
    stack = list(getattr(scope, "body", []))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(node, field, None)
            if children:
                stack.extend(children)


def sequential_statements(body: Sequence[ast.stmt]) -> List[ast.stmt]:
    """The statements of ``body`` that run one after the other whenever it completes normally,
    with a ``try:`` that has only a ``finally:`` opened up (its body, then its ``finally:``):
    wrapping code in one changes nothing on the normal path."""
    found: List[ast.stmt] = []
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, _TRY_STATEMENTS) and not stmt.handlers and not stmt.orelse:
            stack.extend(reversed(list(stmt.body) + list(stmt.finalbody)))
        else:
            found.append(stmt)
    return found


_TRY_STATEMENTS = tuple(kind for kind in (ast.Try, getattr(ast, "TryStar", None)) if kind is not None)


def _bound_by(stmt: ast.AST):
    """Dotted names a statement other than a plain assignment binds."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [stmt.name]
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in stmt.names]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        targets = [item.optional_vars for item in stmt.items if item.optional_vars is not None]
    else:
        targets = [stmt.target]
    return [dotted_name(n) for t in targets for n in ast.walk(t)
            if isinstance(n, (ast.Name, ast.Attribute)) and dotted_name(n)]


def _imports_and_top_level(tree: ast.Module, text: Optional[str] = None):
    """Every import statement of the module, wherever it stands. Given the module's ``text``,
    a compound statement none of whose lines spells ``import`` is not looked into."""
    import_lines = lines_holding(text, ("import",))
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, _IMPORTS):
            yield node
            continue
        if isinstance(node, _SIMPLE):  # most statements: nothing nested to look into
            continue
        first = getattr(node, "lineno", None)  # (a match case has no position of its own)
        if import_lines is not None and first is not None and \
                not holds_line(import_lines, first, node.end_lineno or first):
            continue
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(node, field, None)
            if children:
                stack.extend(children)

"""Files by path: when two expressions name the same file, temp files, guards, locks.

Every path expression gets a *key* (:mod:`mboxlint.analysis.pathkey`: an interned, structured
value, spelled like ``join(d,'x')`` in messages), equal for expressions that name the same file:

* a name or attribute chain is its dotted name (``path``, ``self._path``; a method's instance
  parameter is spelled ``self`` whatever its name), unless it was bound here from another path
  expression, whose key it takes (``p = os.path.join(d, "x")`` gives ``p`` the key of the join);
  rebinding a name forgets that (``State.forget_ref``);
* equal string constants have equal keys;
* ``os.path.join(a, b)``, ``Path(a, b)``, ``Path(a) / b`` build ``join(a,b)`` from their parts'
  keys, flattened, so ``Path(d) / "x" / "y"`` and ``os.path.join(d, "x", "y")`` are equal;
* ``str(p)``, ``os.fspath(p)``, ``Path(p)``, ``abspath(p)`` and friends are ``p``'s key;
* ``f.name`` of a file opened from ``P`` is ``P``'s key;
* ``x + ".tmp"``, f-strings and ``p.with_suffix(...)`` build derived keys that mention ``x``;
* ``os.environ.get(n, d)``, ``os.getenv(n, d)`` and ``os.environ[n]`` are ``environ(n,d)``
  (one value for the whole run), ``expandvars(p)`` mentions ``p``, ``Path.home()`` is ``'~'``;
* a parameter starts as the key of its default when that is a module constant, or of the
  value the top of the body gives it when none was passed (``if p is None: p = EXPR``);
* a helper of the module called with the same arguments builds ``call(helper,args...)``, where
  a parameter still holding what the caller passed is ``param(p)`` (keywords: ``kw(name,v)``).

Facts (all flow-sensitive, joined by the walk):

* ``path`` (ref -> key), ``file`` (ref of a file object or descriptor -> key and mode),
  ``pathlib`` (ref bound to a ``pathlib`` object), ``stat``/``mtime`` (ref bound from a stat or
  an mtime of a key; an mtime is kept past a branch that binds the ref from something else),
  ``earlier`` (local copied from an attribute, a parameter or a cache entry's field, which
  MBX903 may take for an earlier mtime), ``mbox`` (ref of a mailbox constructed on a key);
* ``elements`` (name of a list or tuple display all of whose elements have one key -> that
  key, until the list may grow), ``entry`` (name bound to an entry of a ``self`` attribute ->
  the attribute and the entry's index, for mtimes the class keeps there), ``passed`` (a
  parameter not rebound since the call), ``checked-elements`` (name of a list kept by a
  check of each element -> the element and the checks, see :mod:`.lists`);
* ``temp`` (key -> :class:`TempFact`): temp files from ``tempfile`` (with their ``dir=``), and
  names derived from another path that this scope opened for writing; whether one was fsynced;
  where it was created and which names were bound since (a :class:`FileRename` event's
  ``dst_at_temp`` says whether its target could be spelled at the creation, for MBX304's fix);
* ``guard`` (key -> :class:`GuardFact`): ``exists``-style checks in force, from the walk's
  ``branch`` hook, so the guard-clause form (``if not exists(p): return``) comes from the join;
* ``removed`` (key -> line): the file was removed or unlinked here and not re-created since;
* ``iplock`` (a ``with`` item or ``fcntl``): an inter-process lock may be held.

Events (:mod:`~mboxlint.analysis.events`), reported at the act or use: :class:`FileOpen`,
:class:`FileAct` (mkdir, remove, ...), :class:`FileRename` (completed by
:meth:`PathAnalysis.finish` with what is known of locks on both names) and :class:`FileMtime`
(an mtime compared to an earlier value).

Locked paths: a file object or descriptor opened from ``P`` and passed to ``fcntl.lockf``/
``flock`` (or to a function of this module that does that to its parameter, like the stdlib's
``_lock_file``) locks ``P``; so does ``lock()`` on a mailbox constructed on ``P``. In a class, a
``self`` attribute holding a file opened from ``self.X`` and locked in any method locks
``self.X`` in every method, and a subclass of a stdlib single-file mailbox locks
``self._path``. The walk of each method notes its assignments and lock calls (a method that
locks is walked even when it names no path: :meth:`FileLocks.lock_words`); a method's renames
learn what its class locks once every scope of the module was walked (``finish_module``).
A ``self`` attribute that a method of the class binds to a path built from another keeps that
derivation, and the temp file written through it, in the other methods (:mod:`.attributes`).
A private helper's events take what every call of it guarantees, a lock held or a private
path passed (:mod:`.callers`). Everything else is intraprocedural.

:class:`PathAnalysis` receives the walk's hooks here and hands each concern to its part, one
module each: path keys of expressions (:mod:`.expressions`), paths kept on ``self``
(:mod:`.attributes`), files in private temporary
directories (:mod:`.private`), opens and acts (:mod:`.opens`), renames and temp files
(:mod:`.renames`), guards and mtime checks (:mod:`.checks`), inter-process locks and locked
paths (:mod:`.filelocks`), what callers guarantee private helpers (:mod:`.callers`); the facts they share are in :mod:`.facts`.
"""

import ast
import bisect
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from ..events import FileRename
from ..imports import ModuleFacts, bound_anywhere, dotted_name, own_statements
from ..locks import call_effects
from ..modes import mode_kind
from ..summaries import OPENS, TOLERANT, TRANSPARENT, stat_of_mtime
from ..pathkey import PathKey, opaque_key
from ..state import State
from ..triggers import has_trigger, word_lines
from ..walk import Analysis, Scope, Walker, _bound_refs
from .attributes import AttributePaths
from .callers import CallerContexts
from .checks import GUARD_WORDS, TYPE_CHECKS, GuardFact, GuardsAndChecks, _cache_lookup
from .expressions import PathExpressions, flag_by_position, is_true, is_true_false, keyword_value, open_mode
from .facts import May, Must, Unless
from .lists import NOTHING_KEPT, CheckedLists, Kept
from .filelocks import FCNTL_LOCKS, INHERITED_LOCK_METHODS, INTERPROCESS_LOCKS, KNOWN_LOCKERS, LOCKS_HELD_ON_CONSTRUCTION, MAILBOX_CONSTRUCTORS, \
    FileLocks, MethodNotes, ProjectLocks
from .opens import CONFIG_PARSERS, COPIES, LINKS, MKDIR, OPEN_FUNCTIONS, REMOVE, STAT, UNBOUND_PATH_METHODS, OpensAndActs
from .private import PrivateDirectories
from .renames import FSYNC, RENAME, TEMP_FILES, RenamesAndTemps, TempFact
from .words import RenameWord

__all__ = ["PathAnalysis", "GUARD_WORDS", "PATH_WORDS", "PATH_SCOPE_WORDS", "RENAME_WORDS", "TEMP_WORDS", "OPEN_WORDS",
           "GuardFact", "TempFact", "May", "Must", "open_mode"]


#: how many built paths removed or checked are noted under one name they read (see
#: :meth:`PathAnalysis._forget_removed_naming`)
MAX_REMOVALS_BY_NAME = 32

#: One of these occurs in every module (and scope) where a file rule can report: each rule
#: needs a guard, a rename, a temp file, an open or write, or an mtime in the same scope.
PATH_WORDS = GUARD_WORDS + (
    "rename", "replace", "move", "mkstemp", "NamedTemporaryFile", "mktemp", "open", "write_text",
    "write_bytes", "mtime",
)


#: A scope may also matter by what it reads: MBX901 pairs a rewrite in one method with a
#: read in another.
PATH_SCOPE_WORDS = PATH_WORDS + ("read_text", "read_bytes", "ConfigParser")
#: words of the calls that rename, of those that make temp files, of those that open, read
#: or write a file (for the rules' ``PATH_SCOPE_TRIGGERS``)
RENAME_WORDS = ("rename", "replace", "move")
TEMP_WORDS = ("mkstemp", "NamedTemporaryFile", "mktemp")
OPEN_WORDS = ("open", "write_text", "write_bytes", "read_text", "read_bytes", "ConfigParser")


#: values that may keep the elements of a list that pass a check (see ``_checked_elements``)
_FILTERING = (ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.Call)


class PathAnalysis(PathExpressions, CheckedLists, AttributePaths, PrivateDirectories, OpensAndActs, RenamesAndTemps,
                   GuardsAndChecks, FileLocks, CallerContexts, Analysis):
    """Path keys, temp files, guards, removals, inter-process locks and locked paths."""

    domain = "path"
    #: with ``mailbox``: the walk notes which paths a helper making a mailbox is given (for
    #: the lock rules, :mod:`.callers`), even in a module that opens no file
    TRIGGERS = PATH_WORDS + ("mailbox",)
    FOLLOWS_CALLERS = True

    def scope_triggers(self, path_words=None):
        lock_words = self.lock_words()
        if path_words is None:
            return PATH_SCOPE_WORDS + lock_words + self._opener_names()
        # ``move`` is ``shutil.move`` (or a name imported for it, below), not the ``remove``
        # of lists and of os.remove, which renames nothing: an attribute only.
        words = tuple(".move" if word == "move" else word for word in path_words) + lock_words
        if "open" in path_words:
            # A helper of the module that opens a file and returns it opens it where it is
            # called: a rule that pairs opens across scopes (MBX901) needs those scopes too;
            # so does one that reads or writes the file it is given (``read_cache_file(p)``).
            words += self._opener_names() + self._file_helper_names()
        if "ConfigParser" in words and self.facts.spells("ConfigParser"):
            # A parser kept on the instance reads where its ``read()`` is called, in a
            # method that need not spell the class (see :meth:`_parser_attribute`).
            words += (".read(",)
        if "open" not in words and (self.facts.text is None or has_trigger(self.facts.text, lock_words)):
            # A method that opens a file another method of its class locks: walked for the
            # class's locked paths, as a locking one is.
            words += ("open",)
        # A function imported under another name is called by that name: ``isf(p)``.
        return words + tuple(local for local, target in self.facts.aliases.items()
                             if any(word.lstrip(".") in target.rsplit(".", 1)[-1] for word in words))

    def scope_word_test(self, word: str):
        if word != "replace":
            return None
        if self._rename_word is None:
            self._rename_word = RenameWord(self.facts.aliases.__contains__)
        return self._rename_word

    def _opener_names(self) -> Tuple[str, ...]:
        """Names of the module's functions and methods that open a file and return it (only
        looked for when the module spells ``open`` at all)."""
        summaries = self.facts.summaries
        may_open = self._may_open()
        if summaries is None or may_open is _never:
            return ()
        # ... and that returns at all: most functions opening a file (tests) return nothing,
        # and need not have their returns looked for.
        text = self.facts.text
        returns = word_lines(text, "return") if text is not None else None
        if returns is not None:
            if not returns:
                return ()
            returning = _spanning(returns)
            within = returning if may_open is None else (lambda func: may_open(func) and returning(func))
        else:
            within = may_open
        return tuple(sorted({name for name, call in summaries.returning_calls(within)
                             if "open" not in name and self._open_parts(call) is not None}))

    def _file_helper_names(self) -> Tuple[str, ...]:
        """Names of the module's functions and methods that open, read or write a file they
        are given or that their instance names (their summary says so), other than those
        spelling ``open``: a scope calling one touches that file without spelling a trigger.
        Only functions whose lines spell a way to touch a file are summarised for this."""
        summaries = self.facts.summaries
        if summaries is None or self.facts.text is None:
            return ()
        if self._touch_lines is False:
            self._may_touch_file_lines()
        if self._touch_lines is _never:
            return ()
        candidates = list(summaries.functions.items())
        for cls in summaries.classes.values():
            candidates.extend((stmt.name, stmt) for stmt in cls.body
                              if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)))
        owners = {id(stmt): cls for cls in summaries.classes.values() for stmt in cls.body}
        found = set()
        for name, func in candidates:
            if "open" in name or name in found or not self._touch_lines(func):
                continue
            summary = summaries.summary(func, owners.get(id(func)))
            if any(op.startswith(OPENS) for _target, op in summary.enter):
                found.add(name)
        return tuple(sorted(found))

    def _may_touch_file_lines(self) -> None:
        text = self.facts.text
        words = FILE_WORDS
        if text is not None:
            # The pathlib words are rare: one look for an ending two of them share tells that
            # most texts hold neither, where a look for each would read the whole text twice.
            endings = {word[word.index("_"):] for word in FILE_WORDS if "_" in word}
            present = {ending for ending in endings if ending in text}
            words = tuple(word for word in FILE_WORDS if "_" not in word or word[word.index("_"):] in present)
        found = [word_lines(text, word) for word in words] if text is not None else [None]
        lines = None if any(f is None for f in found) else sorted(set().union(*found))
        self._touch_lines = _always if lines is None else _spanning(lines) if lines else _never

    def _may_touch_file(self, call: ast.Call, scope: Scope) -> bool:
        """Whether ``call`` calls a function of the module whose lines spell a way to open,
        read or write a file (only its summary can say it does; the others' are not made)."""
        func = call.func  # a module function given a file, or a method called on the instance
        summaries = self.facts.summaries
        if summaries is None:
            return False
        kind = type(func)
        if kind is ast.Name:
            if func.id not in summaries.functions or not (call.args or call.keywords):
                return False
        elif kind is not ast.Attribute or type(func.value) is not ast.Name or (
                scope.enclosing_class is None or func.value.id != self._self_name) \
                and func.value.id not in summaries.classes:
            return False
        if self._touch_lines is False:
            self._may_touch_file_lines()
        if self._touch_lines is _never:
            return False
        # What is called decides: looked up once per callee, not at every call of it.
        callee = func.id if kind is ast.Name else (id(scope.enclosing_class), self._self_name, func.value.id, func.attr)
        touches = self._touching.get(callee)
        if touches is None:
            found = summaries.callee_node(call, scope.enclosing_class, self._self_name)
            touches = self._touching[callee] = found is not None and self._touch_lines(found[0])
        return touches

    def _may_open(self):
        """A test of whether a function may open a file: whether its lines spell ``open``
        (only those can call one; the others' bodies are not looked at). None: any may (the
        text is not known)."""
        if self._open_lines is False:
            text = self.facts.text
            lines = word_lines(text, "open") if text is not None else None
            self._open_lines = None if lines is None else _spanning(lines) if lines else _never
        return self._open_lines

    def __init__(self, facts: ModuleFacts, tree: ast.Module, options: Optional[dict] = None):
        self.facts = facts
        self.tree = tree
        self.options = options or {}
        #: the project's own inter-process locks (the ``extend-interprocess-locks`` setting)
        self.project_locks = ProjectLocks(self.options.get("extend_interprocess_locks") or ())
        self._lockers: Optional[Dict[str, int]] = None
        #: whether the module imports ``fcntl`` (None: not asked yet), and id of a function ->
        #: whether it takes an inter-process lock (see :meth:`FileLocks._own_lock`)
        self._imports_fcntl: Optional[bool] = None
        self._lock_takers: Dict[int, bool] = {}
        #: id of a helper -> whether a call of it takes (True) or lets go (False) an
        #: inter-process lock, None for neither (see :meth:`FileLocks._lock_helper`)
        self._helper_locks: Dict[int, Optional[bool]] = {}
        #: per class: the attributes its methods bind to a lock taken when made (``zc.lockfile``)
        self._held_attributes: Dict[int, Set[str]] = {}
        self._helpers_may_lock: Optional[bool] = None
        self._lock_classes: Dict[int, bool] = {}
        self._instance_reads: Dict[int, FrozenSet[str]] = {}  # method -> attributes it reads
        self._private: frozenset = frozenset()
        #: module constants bound once to a join, with the folder joined onto (see
        #: :meth:`GuardsAndChecks._inside`)
        self._module_joins: Optional[Dict[str, str]] = None
        #: names bound only to a path in a kernel folder (see :func:`.private.kernel_names`)
        self._kernel_names: Optional[Dict[str, str]] = None
        #: whether the module spells a kernel folder at all (see :meth:`spells_kernel_folder`)
        self._kernel_spelt: Optional[bool] = None
        self._scope = None
        #: id of a helper's call -> (the call, its return with the arguments put in, or None)
        #: (see :meth:`PathExpressions._inline`); ids of the calls inside what was put in
        self._inlines: Dict[int, Tuple[ast.AST, Optional[ast.AST]]] = {}
        self._inlined_nodes: Set[int] = set()
        #: calls whose helper's return spells what the module imports (see ``_inlined_step``)
        self._inlined_imports: Set[int] = set()
        #: id of a rename call -> the statement holding it (see :meth:`_exclusive`)
        self._site_statements: Dict[int, Optional[ast.stmt]] = {}
        #: the scope's ``if`` arms, found when first asked (see :meth:`_exclusive`)
        self._arms = None
        self._class_locked: Dict[int, Dict[PathKey, int]] = {}
        #: id of a class -> the paths its methods keep on ``self`` (see :mod:`.attributes`)
        self._class_paths_cache: Dict[int, object] = {}
        #: id of a scope or class -> what it says of names of unknown type (see :mod:`.untyped`)
        self._untyped_cache: Dict[int, object] = {}
        #: id of a function -> its locals that only ever hold objects of other packages'
        #: classes (see :meth:`~.checks.GuardsAndChecks._foreign_object`)
        self._foreign_objects: Dict[int, frozenset] = {}
        #: what the class of the method being walked keeps on ``self`` (see :meth:`_enter_class`)
        self._class_view = None
        #: id of a class -> id of each statement of its body -> what the walk noted there, if
        #: it is a method that was walked
        self._class_methods: Dict[int, Dict[int, Optional[MethodNotes]]] = {}
        #: where the method being walked notes assignments and lock calls (None: not a method)
        self._notes: Optional[MethodNotes] = None
        #: renames of methods, with the paths their scope locked, completed at the module's end
        self._waiting: List[Tuple[Scope, Dict[PathKey, int], List[FileRename]]] = []
        self._scope_locked: Dict[PathKey, int] = {}
        self._renames: List[FileRename] = []
        #: (src, dst) -> the first two rename calls seen with those keys
        self._rename_sites: Dict[Tuple[PathKey, PathKey], List[ast.AST]] = {}
        self._self_name: Optional[str] = None
        #: whether the scope being walked made a temp file yet (then bindings are noted)
        self._temps_made = False
        #: conditions already searched for mtime comparisons in this scope
        self._scanned: Set[int] = set()
        #: id of an ``x += v`` -> the ``x + v`` it stands for (see :meth:`augmented`)
        self._extended: Dict[int, ast.BinOp] = {}
        #: id of a scope -> whether it compares a size, an inode or a nanosecond mtime
        self._other_fields_compared: Dict[int, bool] = {}
        #: id of a function -> the names its body binds, for the closures inside it
        self._outer_bindings: Dict[int, Set[str]] = {}
        #: id of a function -> its bindings and the names nested functions declare
        #: ``nonlocal`` in it, for the closures inside it (:meth:`_inherit_bindings`)
        self._outer_values: Dict[int, tuple] = {}
        #: id of a class -> the attributes its methods set from a clock, and those they set
        #: from their parameters alone (see :meth:`_attribute_sources`)
        self._clock_attrs: Dict[int, Tuple[frozenset, frozenset]] = {}
        #: the function whose parameters were last looked up, and its parameters
        self._scope_parameters: Optional[tuple] = None
        #: whether entries read from ``self`` attributes are followed (see :meth:`_bind_entry`):
        #: only a module that spells ``mtime`` compares stored mtimes
        self._entries_wanted = facts.spells("mtime")
        #: id of the value of ``p = p or EXPR`` at the top of the scope -> the key it gave ``p``
        self._default_values: Dict[int, PathKey] = {}
        #: id of a call of a helper -> its arguments that were parameters as passed, when the
        #: walk last met it (``p = helper(p)`` forgets that before the binding is looked at)
        self._passed_arguments: Dict[int, FrozenSet[str]] = {}
        #: the keys the scope being walked checked last (see :meth:`_note_guard_key`)
        self._guard_keys: List[PathKey] = []
        #: a function's name, or (id of a class, a method's name) -> what
        #: :meth:`~..summaries.ModuleSummaries.returning` says of it for an open
        self._openers: Dict[object, Optional[tuple]] = {}
        #: id of a scope -> its names only ever bound to constant strings (see :meth:`_local_mode`)
        self._constant_modes: Dict[int, Tuple[Dict[str, FrozenSet[str]], FrozenSet[str]]] = {}
        #: see :meth:`_may_open` (False: not asked yet)
        self._open_lines = False
        #: see :meth:`_may_touch_file` (False: not asked yet)
        self._touch_lines = False
        #: a function's name, or (id of a class, instance name, receiver, method) -> whether
        #: :meth:`_may_touch_file` found that it may open a file
        self._touching: Dict[object, bool] = {}
        #: id of a class -> attribute -> what its methods bind it to (see :meth:`attribute_values`)
        self._attribute_values: Dict[int, Dict[str, List[ast.AST]]] = {}
        #: id of a class -> its attributes every binding of which names a file unique to the run
        self._unique_attributes: Dict[int, FrozenSet[str]] = {}
        #: module constants that are pathlib paths (see :meth:`_module_pathlib`; None: not asked yet)
        self._pathlib_constants: Optional[frozenset] = None
        #: imported names the module treats as paths (see
        #: :func:`.expressions.imported_pathlib_names`), found when one is first asked about
        self._imported_paths: Optional[frozenset] = None
        #: module globals bound only to ``configparser`` parsers (see :meth:`_parser_global`)
        self._parser_globals: Optional[frozenset] = None
        #: id of a function -> every name it binds
        self._local_names: Dict[int, frozenset] = {}
        #: which occurrences of ``replace`` may be renames (see :meth:`scope_word_test`)
        self._rename_word: Optional[RenameWord] = None
        self._init_callers()

    @staticmethod
    def applies(facts: ModuleFacts) -> bool:
        # No import is needed to reach a file: the builtin open(), and read_text()/
        # write_text() of a path handed in. Only the text triggers can rule a module out.
        return True

    # -- scope entry -------------------------------------------------------------------

    def start(self, walker: Walker, state: State) -> None:
        self._scope = walker.scope
        self._self_name = walker.scope.self_name
        self._start_callers(walker)
        self._notes = self._method_notes(walker.scope)
        self._private = None  # looked for at the first event that may be exempt
        self._bindings = None
        self._any_temp = False
        self._any_elements = False
        #: name -> the built paths removed in this scope that read it (see :meth:`_set_removed`)
        self._removed_by_name: Dict[str, Set[PathKey]] = {}
        self._scope_locked = {}
        self._renames = []
        self._rename_sites = {}
        self._site_statements = {}
        self._arms = None
        self._temps_made = False
        self._followed_temps = {}
        self._enter_class(walker.scope)
        node = walker.scope.node
        self._scanned = set()
        self._default_values = {}
        self._passed_arguments = {}
        self._guard_keys = []
        if walker.scope.is_function:
            args = node.args
            for arg in list(getattr(args, "posonlyargs", [])) + list(args.args) + list(args.kwonlyargs):
                if arg.annotation is not None and self._annotated_pathlib(arg.annotation):
                    state.set("pathlib", arg.arg, Must(True))
                if arg.arg != self._self_name:  # holds what the caller passed until rebound
                    state.set("passed", arg.arg, Must(True))
            self._default_paths(args, state, node.body)
            self._closure_paths(walker.scope, state)

    def _closure_paths(self, scope: Scope, state: State) -> None:
        """A parameter of the function around a closure annotated as a ``pathlib`` path, that
        neither function binds again, is one in the closure too (``def restore(): path.unlink()``
        inside ``def _enter_path(self, path: Path)``)."""
        outer = scope.enclosing_function
        if outer is None or not outer.is_function:
            return
        args = outer.node.args
        annotated = [arg.arg for arg in list(getattr(args, "posonlyargs", [])) + list(args.args) + list(args.kwonlyargs)
                     if arg.annotation is not None and self._annotated_pathlib(arg.annotation)]
        if not annotated:
            return
        own = bound_anywhere(scope.node)
        rebound = self._outer_bindings.get(id(outer.node))
        if rebound is None:  # once per function, however many closures it holds
            rebound = self._outer_bindings[id(outer.node)] = {
                name for stmt in outer.node.body for name in bound_anywhere(stmt)}
        for name in annotated:
            if name not in own and name not in rebound:
                state.set("pathlib", name, Must(True))

    # -- bindings ---------------------------------------------------------------------

    def _set_removed(self, key: PathKey, node: ast.AST, state: State) -> None:
        state.set("removed", key, May(node.lineno))
        self._note_by_name(key)

    def _set_guard(self, key: PathKey, fact: GuardFact, state: State) -> None:
        state.set("guard", key, fact)
        self._note_by_name(key)

    def _note_by_name(self, key: PathKey, noted_as=None) -> None:
        """A built path a removal or a check was made on (or, ``noted_as`` a pair of keys, a
        rename between them), noted under each name it reads."""
        if key.ref is not None and noted_as is None:
            return
        for leaf in key.leaves():
            if leaf.kind == "name":
                noted = self._removed_by_name.setdefault(leaf.head.partition(".")[0].partition("[")[0], set())
                if len(noted) < MAX_REMOVALS_BY_NAME:
                    noted.add(key if noted_as is None else noted_as)

    def _forget_removed_naming(self, target: ast.AST, state: State) -> None:
        """A file removed or checked by a path built from a name (``join(d, name)``,
        ``obj.get_path(x)``) is another file once the name is bound again (``for name in
        ...`` a second time): forget the removal and the check. (One named by the plain
        name goes with the name's facts, in ``State.forget_ref``.) At most
        :data:`MAX_REMOVALS_BY_NAME` paths are noted per name: a binding costs a bounded
        amount, however many removals and checks the scope makes."""
        for ref in _bound_refs(target):
            for key in self._removed_by_name.get(ref.partition(".")[0].partition("[")[0], ()):
                if type(key) is tuple:  # a rename of names built from it: a later one is no retry
                    self._rename_sites.pop(key, None)
                    continue
                if "." in ref and not any(self._changed_by(ref, leaf.head) for leaf in key.leaves()
                                          if leaf.kind == "name"):
                    continue  # ``self.done = True``: not an attribute the path is built from
                state.discard("removed", key)
                state.discard("guard", key)

    def _changed_by(self, ref: str, head: str) -> bool:
        """Whether binding the attribute ``ref`` (``self.done``) may change what the name
        ``head`` of a path gives: the same attribute, one inside the other, or a method of
        the instance (a getter, ``self._feed_directory``) that reads it, itself or through
        the getters it calls."""
        if head.partition(".")[0] != ref.partition(".")[0]:
            return False
        if head == ref or head.startswith((ref + ".", ref + "[")) or ref.startswith((head + ".", head + "[")):
            return True
        self_name, cls = self._self_name, self._scope.enclosing_class if self._scope is not None else None
        summaries = self.facts.summaries
        if self_name is None or cls is None or summaries is None or head.count(".") != 1 \
                or not head.startswith(self_name + "."):
            return False
        method = summaries.methods(cls).get(head.partition(".")[2])
        if method is None:
            return False
        attribute = ref[len(self_name) + 1:].partition(".")[0].partition("[")[0]
        return attribute in _instance_reads(method, summaries.methods(cls), self._instance_reads)

    def carried(self, name: str, value: ast.Call, state: State):
        """A temp file's name converted in place (``tmp = Path(tmp)``) is still that temp file."""
        if not self._temps_made or len(value.args) != 1 or value.keywords or type(value.args[0]) is not ast.Name \
                or value.args[0].id != name or self.facts.resolve(value.func) not in TRANSPARENT:
            return ()
        key = self._name_key(name)
        fact = state.get("temp", key)
        return (("temp", key, fact),) if fact is not None else ()

    def augmented(self, walker: Walker, stmt: ast.AugAssign, state: State) -> None:
        """``tacfile += ".new"`` (``p /= "x"``) names another file from here on: the name
        holding a path, or given a string, is bound to the key of the whole expression, or
        to a file of its own when that is not understood."""
        target = stmt.target
        if type(stmt.op) not in (ast.Add, ast.Div) or not isinstance(target, (ast.Name, ast.Attribute)):
            return
        ref = dotted_name(target)
        value = stmt.value
        if ref is None or state.get("path", ref) is None and not (
                type(value) is ast.JoinedStr or type(value) is ast.Constant and isinstance(value.value, str)):
            return
        whole = self._extended.get(id(stmt))
        if whole is None:  # made once per statement, and kept: caches of nodes go by their ids
            read = ast.Name(id=target.id, ctx=ast.Load()) if type(target) is ast.Name else \
                ast.Attribute(value=target.value, attr=target.attr, ctx=ast.Load())
            whole = self._extended[id(stmt)] = ast.copy_location(ast.BinOp(left=read, op=stmt.op, right=value), stmt)
        key = self.key(whole, state)
        if key is None:
            key = opaque_key("%s (extended at line %d)" % (ref, stmt.lineno))
        state.set("path", ref, Must(key))

    def bind(self, walker: Walker, target: ast.AST, value: Optional[ast.AST], how: str, state: State) -> None:
        if self._removed_by_name:
            self._forget_removed_naming(target, state)
        if self._notes is not None and how == "assign" and value is not None:
            self._note_binding(walker, target, value)
        if self._temps_made:
            self._note_rebinding(target, state)
        if self._any_elements:
            self._elements_escape(target, value, how, state)
        if how == "augassign" and isinstance(target, ast.Name):
            state.discard("passed", target.id)  # ``p += x`` is not what the caller passed
        if value is not None and how in ("for", "comprehension"):
            self._bind_element(target, value, state)
            if self._entries_wanted and isinstance(target, ast.Tuple) and isinstance(value, ast.Call):
                self._bind_entry(target, value, how, state)
            return
        if value is None or how not in ("assign", "walrus", "with"):
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            if _cache_lookup(value):  # ``size, mtime = self.cache[path]``: every part is a cached value
                for ref in _bound_refs(target):
                    state.set("cached", ref, Must(True))
            self._unpacked_paths(target, value, state)
            made_by_helper = False
            if isinstance(value, ast.Call) and len(target.elts) == 2 and (
                    self.facts.resolve(value.func) == "tempfile.mkstemp"
                    or self.facts.summaries is not None and self._scope is not None and (made_by_helper := (
                        self.facts.summaries.makes_temp(value, self._scope.enclosing_class, self._self_name)))):
                fd_ref, name_ref = dotted_name(target.elts[0]), dotted_name(target.elts[1])
                if name_ref is not None:
                    # Made by a helper, the temp's folder is the helper's choice: not known here.
                    self._new_temp(name_ref, value, state, bound=_bound_refs(target), unknown_dir=made_by_helper)
                    if fd_ref is not None:
                        state.set("file", fd_ref, Must((self._name_key(name_ref), "w+b")))
            return
        ref = dotted_name(target)
        if ref is None:
            return
        if self._entries_wanted and isinstance(value, (ast.Subscript, ast.Call)) and how != "with":
            self._bind_entry(target, value, how, state)
        if isinstance(target, ast.Name) and how != "with" and (
                isinstance(value, (ast.List, ast.Tuple))
                or isinstance(value, (ast.Call, ast.ListComp, ast.GeneratorExp)) and self.spells_kernel_folder()):
            element = self.element_key(value, state) or self.kernel_entry_key(value, state)
            if element is not None:
                state.set("elements", ref, Must(element))
                self._any_elements = True
        if isinstance(target, ast.Name) and isinstance(value, _FILTERING) and how == "assign":
            checked = self._checked_elements(value, state)
            if checked is not None:
                state.set("checked-elements", ref, Kept(checked))
                self._any_elements = True
        elif isinstance(target, ast.Name) and isinstance(value, ast.List) and not value.elts and how == "assign":
            state.set("checked-elements", ref, Kept(NOTHING_KEPT))  # filled by checked appends, perhaps
            self._any_elements = True
        if isinstance(value, ast.Call):
            if self._bind_call(ref, value, how, state):
                return
        if how == "with":
            return
        if self._names_new_temp(value):  # ``tempfile.NamedTemporaryFile().name``, ``mkstemp()[1]``
            self._new_temp(ref, value.value, state, bound=[ref])
            return
        if stat_of_mtime(value, self.facts.resolve) is not None:
            mtime_of = self._mtime_of(value, state)  # ``os.stat(p).st_mtime``, ``st[stat.ST_MTIME]``
            if mtime_of is not None:
                state.set("mtime", ref, Unless(mtime_of))
            return
        if _cache_lookup(value):
            state.set("cached", ref, Must(True))
        if self._entries_wanted and isinstance(target, ast.Name):
            self._bind_earlier(target.id, value, state)
        if isinstance(value, (ast.Name, ast.Attribute)) and dotted_name(value) is not None:
            source = dotted_name(value)
            for domain in ("file", "pathlib", "stat", "mtime", "iplock-object", "mbox"):
                fact = state.get(domain, source)
                if fact is None and domain == "file":
                    fact = self._attribute_file(source)  # ``out = self.out``
                if fact is not None:
                    state.set(domain, ref, fact)
        key = self._default_values.get(id(value))
        if key is None:
            key = self.key(value, state)
        if key is not None and key is not self._name_key(ref):
            state.set("path", ref, Must(key))
        # ``path = Path(path)`` keeps the key and makes it a pathlib path; so does a call of a
        # helper annotated ``-> Path`` whose path is not followed.
        if (key is not None or isinstance(value, ast.Call)) and self.is_pathlib(value, state):
            state.set("pathlib", ref, Must(True))

    def _bind_latest(self, ref: str, call: ast.Call, state: State) -> bool:
        """``mtime = max(os.stat(src).st_mtime, mtime)``: the latest of one file's mtime and
        anything else but constants is no mtime of that file alone. The name is bound to a
        value that no stat gives, so that on an arm where it was one file's mtime, the join
        says it may be another's."""
        keys = set()
        for arg in call.args:
            if isinstance(arg, ast.Constant):
                continue
            keys.add(None if isinstance(arg, ast.Starred) else self._mtime_of(arg, state))
        if not keys - {None}:
            return False  # no mtime in it: nothing to say
        state.set("mtime", ref, Unless(next(iter(keys)) if len(keys) == 1 else None))
        return True

    def _names_new_temp(self, value: ast.AST) -> bool:
        """Whether ``value`` is the name of a temp file ``tempfile`` makes on the spot and the
        expression keeps nothing else of: ``NamedTemporaryFile(...).name`` (the file object
        dropped, the file often deleted with it: a name as new as ``mktemp()``'s) or
        ``mkstemp(...)[1]``."""
        if isinstance(value, ast.Attribute) and value.attr == "name":
            return isinstance(value.value, ast.Call) and self.facts.resolve(value.value.func) in TEMP_FILES
        if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Call):
            index = value.slice
            return isinstance(index, ast.Constant) and index.value in (1, -1) \
                and self.facts.resolve(value.value.func) == "tempfile.mkstemp"
        return False

    def _bind_call(self, ref: str, call: ast.Call, how: str, state: State) -> bool:
        if how == "assign" and "." not in ref:
            checked = self._guard_of(call, state)
            if checked is not None:  # ``present = os.path.exists(p)``, tested later
                state.set("checked", ref, Must((checked[0], checked[1], call.lineno)))
                # kept under the path's key too, so that rebinding the path forgets it
                state.set("checked-path", checked[1], Must(ref))
                return True
        name = self.facts.resolve(call.func)
        method = call.func.attr if name is None and isinstance(call.func, ast.Attribute) else None
        if name in ("builtins.max", "builtins.min") and not call.keywords:
            return self._bind_latest(ref, call, state)
        if name in CONFIG_PARSERS:
            state.set("parser", ref, Must(True))
            return True
        if name == "tempfile.mktemp":
            self._new_temp(ref, call, state, bound=[ref])
            return True
        if name is None and self.facts.summaries is not None and self._scope is not None \
                and self.facts.summaries.makes_temp_name(call, self._scope.enclosing_class, self._self_name):
            self._new_temp(ref, call, state, bound=[ref], unknown_dir=True)  # the helper's folder
            return True
        if name in TEMP_FILES:
            if not is_true_false(keyword_value(call, "delete"), False):
                return True  # deleted on close: never renamed into place
            self._new_temp(ref + ".name", call, state, bound=[ref])
            state.set("file", ref, Must((self._name_key(ref + ".name"), open_mode(call, 0) if call.args else "w+b")))
            return True
        if name in OPEN_FUNCTIONS and call.args:
            # ``open(fd, "w")`` of a descriptor (``fd, tmp = mkstemp()``) is ``os.fdopen(fd)``
            fd = state.get("file", call.args[0].id) if isinstance(call.args[0], ast.Name) else None
            key = fd.value[0] if fd is not None else self.key(call.args[0], state)
            if key is not None:
                state.set("file", ref, Must((key, open_mode(call))))
            return True
        if name == "os.fdopen" and call.args:
            fd = state.get("file", dotted_name(call.args[0]) or "")
            if fd is not None:
                state.set("file", ref, Must((fd.value[0], open_mode(call))))
            return True
        if name == "os.open" and call.args:
            key = self.key(call.args[0], state)
            if key is not None:
                state.set("file", ref, Must((key, "?")))
            return True
        if name is None:
            opened = self._helper_open(call, state)
            if opened is not None:
                state.set("file", ref, Must((opened[0], opened[1])))
                return True
        if method == "open" and self.is_pathlib(call.func.value, state, untyped=True):
            key = self.key(call.func.value, state)
            if key is not None:
                state.set("file", ref, Must((key, open_mode(call, 0))))
            return True
        if name in STAT and call.args or (method == "stat" and not call.args):
            target = call.args[0] if name in STAT else call.func.value
            key = self.key(target, state)
            if key is not None:
                state.set("stat", ref, Must(key))
            return True
        if name == "os.path.getmtime" and call.args:
            key = self.key(call.args[0], state)
            if key is not None:
                state.set("mtime", ref, Unless(key))
            return True
        if name is None and self.facts.summaries is not None and self._scope is not None:
            passed = self.facts.summaries.mtime_argument(call, self._scope.enclosing_class, self._self_name)
            if passed is not None:  # ``mtime = get_mtime(path)``: a helper returning its mtime
                key = self.key(passed, state)
                if key is not None:
                    state.set("mtime", ref, Unless(key))
                return True
        if name in MAILBOX_CONSTRUCTORS and call.args:
            key = self.key(call.args[0], state)
            if key is not None:
                state.set("mbox", ref, Must(key))
                self._note_mailbox_path(call, key)
            return True
        if self._makes_iplock(call, name):
            state.set("iplock-object", ref, Must(True))
            if name in LOCKS_HELD_ON_CONSTRUCTION and how == "assign":
                # ``lock = zc.lockfile.LockFile(p)`` has the lock: held until ``lock.close()``
                state.set("iplock", "acquire:" + ref, May(call.lineno))
            return True
        return False

    # -- conditions -------------------------------------------------------------------

    def branch(self, walker: Walker, test: ast.AST, truth: bool, state: State) -> None:
        stmt = walker.current_statement()
        # An ``assert`` states what the code expects, it does not choose what runs (``-O``
        # drops it): what follows acts on the file whatever the check said.
        if isinstance(test, (ast.Call, ast.Name)) and not isinstance(stmt, ast.Assert):
            line = getattr(test, "lineno", 0)
            if isinstance(test, ast.Call):
                checked = self._guard_of(test, state)
            else:  # a name bound to a check's result
                kept = state.get("checked", test.id)
                still = kept is not None and state.get("checked-path", kept.value[1])
                checked, line = (kept.value[:2], kept.value[2]) if still and still.value == test.id else (None, line)
            # A file whose name no other program can know (a random uuid or token, a temp
            # file made here) changes only by this program's doing: its check cannot go stale.
            if checked is not None and not self._fresh(checked[1], unique=True):
                kind, key = checked
                earlier = state.get("guard", key)
                # ``if p.exists(): if p.is_dir(): ... else: p.unlink()``: not a folder is not
                # gone; what the earlier check found there is what the act relies on.
                # Nor is a folder found there news: the earlier finding stands either way, so
                # that both ways through ``if p.is_dir() and ...:`` agree on what was checked.
                if kind not in TYPE_CHECKS or earlier is None or not earlier.present:
                    self._set_guard(key, GuardFact((kind, truth, line), stmt), state)
                    self._note_guard_key(key)
        if isinstance(test, (ast.Compare, ast.BoolOp)):
            # The whole condition is looked at once: a size or inode compared in another
            # operand of the same ``and``/``or`` makes the mtime comparison a full one.
            if isinstance(stmt, (ast.If, ast.While, ast.Assert)):
                root = stmt.test
            elif isinstance(stmt, (ast.Return, ast.Assign, ast.AnnAssign, ast.Expr)) and \
                    isinstance(stmt.value, ast.BoolOp):
                root = stmt.value
            else:
                root = test
            self._mtime_compares(walker, root, state)

    # -- calls ------------------------------------------------------------------------

    def call(self, walker: Walker, node: ast.Call, state: State) -> None:
        func = node.func
        if self._helpers and (isinstance(func, ast.Name) and func.id in self._helpers or type(func) is ast.Attribute
                              and func.attr in self._helpers and type(func.value) is ast.Name
                              and func.value.id == walker.scope.self_name and func.value.id is not None):
            self._note_call_site(node, state)
        if type(func) is ast.Attribute and func.attr in ("acquire", "release", "close"):
            self._acquire_or_release(walker, node, func, state)
        if type(func) is ast.Attribute and func.attr in INHERITED_LOCK_METHODS:
            self._inherited_lock(walker, node, func, state)
        if type(func) is ast.Attribute and type(func.value) is ast.Name and func.value.id == walker.scope.self_name \
                or type(func) is ast.Name and self.facts.summaries is not None \
                and func.id in self.facts.summaries.functions:
            self._lock_helper(walker, node, state)
        name = self.facts.resolve(func)
        if self._notes is not None:
            self._note_lock_call(node, name)
        if self._any_elements:
            self._elements_passed(node, state)
        if name is None:
            self._note_passed_arguments(node, state)
            opens: Dict[str, List[str]] = {}
            wanted = self._any_temp or self._may_touch_file(node, walker.scope)
            # A helper that returns the file it opens: that open, as the call makes it, is the
            # call's (its summary says the same of the parameter, less precisely).
            opened = self._helper_open(node, state)
            #: files the helper fsyncs after it opened them: synced once their opens are applied
            synced_after: List[str] = []
            for ref, op in call_effects(self.facts, node, walker.scope) if wanted else ():
                if op == "fsync" and ref in opens:
                    synced_after.append(ref)  # (``with open(p, "w") as f: ...; os.fsync(f)``)
                elif op == "fsync" and self._any_temp:  # a helper that fsyncs what it is given
                    self._synced_target(None, ref, state)  # (matters only to a temp's rename)
                elif op.startswith(OPENS) and opened is None:  # a helper that opens, reads or writes the file given
                    opens.setdefault(ref, []).append(op[len(OPENS):])
            for ref, modes in opens.items():
                # One that both reads and rewrites it: its rewrite is reported in itself, not
                # at each call; its first open is what a check before the call was made for.
                if len({mode_kind(mode.lstrip(TOLERANT)) == "read" for mode in modes}) != 1:
                    modes = modes[:1]
                for mode in modes:
                    self._opened_by_helper(walker, node, ref, mode, state)
            for ref in synced_after:  # the file the argument names, not a handle
                given = [p for p in list(node.args) + [k.value for k in node.keywords] if dotted_name(p) == ref]
                if self._any_temp and given:
                    self._synced_target(given[0], None, state)
            if opened is not None:
                self._open_key(walker, node, opened[0], opened[2], opened[1], state, helper=True)
                return
            # (after a check in this scope, too: ``if exists(p): self._move(p, dst)`` acts on it)
            renamed = self._helper_rename(node) if wanted or self._any_temp or self._guard_keys else None
            if renamed is not None:
                self._rename(walker, node, renamed[0], renamed[1], renamed[2], state, helper=True)
                return
            if isinstance(func, ast.Attribute):
                self._method_call(walker, node, func.attr, state)
            elif isinstance(func, ast.Name) and "sync" in func.id.lower():
                self._synced(node, state)
            return
        if name in OPEN_FUNCTIONS:
            if node.args:
                self._open(walker, node, node.args[0], open_mode(node), state)
        elif name in UNBOUND_PATH_METHODS:
            if node.args:
                mode = UNBOUND_PATH_METHODS[name] or open_mode(node)
                self._open(walker, node, node.args[0], mode, state)
        elif name in COPIES:
            if len(node.args) >= 2:
                # The code's own create: a check of the target made before is stale now.
                key = self.key(node.args[1], state)
                if key is not None:
                    state.discard("guard", key)
                    state.discard("removed", key)
                    if name in LINKS:  # a link made under a name built from another is a temp of that file
                        self._maybe_derived_temp(key, node, state, nothing_to_sync=True)
        elif name in RENAME:
            if len(node.args) >= 2:
                self._rename(walker, node, name, node.args[0], node.args[1], state)
        elif name in REMOVE:
            if node.args:
                self._act(walker, node, name, node.args[0], state)
                key = self.key(node.args[0], state)
                if key is not None and name in ("os.remove", "os.unlink"):
                    self._set_removed(key, node, state)
        elif name in MKDIR:
            if node.args and not is_true(keyword_value(node, "exist_ok")) and \
                    not (len(node.args) >= 3 and is_true(node.args[2])):
                self._act(walker, node, name, node.args[0], state)
        elif name == "os.open":
            if len(node.args) >= 2 and self._creates(node.args[1]):
                self._act(walker, node, name, node.args[0], state)
            if len(node.args) >= 2 and self._opens_to_write(node.args[1]):
                # ``os.open(target + ".tmp", O_WRONLY | O_CREAT | O_EXCL)``: a name built from
                # another, written here: that path's temp file, as after ``open(..., "w")``
                key = self.key(node.args[0], state)
                if key is not None:
                    self._maybe_derived_temp(key, node, state)
        elif name in FSYNC or "sync" in name.rsplit(".", 1)[-1].lower():
            self._synced(node, state)
        elif name in FCNTL_LOCKS:
            self._fcntl(node, state)
        elif name in KNOWN_LOCKERS or name in self._module_lockers():
            if node.args:
                self._locks_file(node.args[0], node.lineno, state)
        elif isinstance(func, ast.Name) and func.id in self._module_lockers():
            if node.args:
                self._locks_file(node.args[0], node.lineno, state)

    def _method_call(self, walker: Walker, node: ast.Call, method: str, state: State) -> None:
        receiver = node.func.value
        if method in ("read_text", "read_bytes") and (not node.args or method == "read_text" and len(
                node.args) <= 2 and self.is_pathlib(receiver, state, untyped=True)):  # ``read_text("utf-8")``
            self._open(walker, node, receiver, "r", state)
        elif method in ("write_text", "write_bytes") and (len(node.args) == 1 or method == "write_text" and 1 < len(
                node.args) <= 4 and self.is_pathlib(receiver, state, untyped=True)):  # ``write_text(s, "utf-8")``
            self._open(walker, node, receiver, "w", state)
        elif method == "open" and self.is_pathlib(receiver, state, untyped=True):
            self._open(walker, node, receiver, open_mode(node, 0), state)
        elif method in ("rename", "replace") and len(node.args) == 1 and not node.keywords:
            if self.is_pathlib(receiver, state, untyped=True) or self._known_file(receiver, state):
                self._rename(walker, node, "Path." + method, receiver, node.args[0], state)
        elif method == "mkdir" and not is_true(keyword_value(node, "exist_ok")) and len(node.args) < 3 \
                and self.is_pathlib(receiver, state, untyped=True):
            self._act(walker, node, "Path.mkdir", receiver, state)
        elif method in ("unlink", "rmdir") and (not node.args or method == "unlink" and flag_by_position(node)) \
                and self.is_pathlib(receiver, state, untyped=True):
            # ``missing_ok=True`` (or ``unlink(True)``) makes no check-then-act race, but the file
            # is gone all the same
            if not is_true(keyword_value(node, "missing_ok")) and not (node.args and is_true(node.args[0])):
                self._act(walker, node, "Path." + method, receiver, state)
            key = self.key(receiver, state)
            if key is not None and method == "unlink":
                self._set_removed(key, node, state)
        elif method == "touch" and self.is_pathlib(receiver, state, untyped=True):
            key = self.key(receiver, state)
            if key is not None:
                # a touch makes the file again: a removal before it no longer leaves it missing
                state.discard("removed", key)
                if is_true_false(keyword_value(node, "exist_ok"), False):
                    # ``touch(exist_ok=False)`` creates or raises, as ``open(p, "x")`` does: past
                    # it the file is this code's own, and a check made before says nothing more
                    state.discard("guard", key)
        elif method == "read" and node.args and self._config_parser(receiver, state):
            # ``parser.read(path)`` (or a list of paths) reads each file that is there
            paths = node.args[0].elts if isinstance(node.args[0], (ast.List, ast.Tuple)) else [node.args[0]]
            for path in paths:
                self._open(walker, node, path, "r", state, missing_ok=True)
        elif "sync" in method.lower():
            self._synced(node, state)
        elif method == "lock" and not node.args:
            box = state.get("mbox", dotted_name(receiver) or "")
            if box is not None:
                self._scope_locked.setdefault(box.value, node.lineno)

    def _helper_rename(self, node: ast.Call):
        """``(op, source, target)`` when ``node`` calls a helper of the module that renames
        one of its parameters onto another (see :meth:`ModuleSummaries.renaming`)."""
        summaries, scope = self.facts.summaries, self._scope
        if summaries is None or scope is None:
            return None
        return summaries.renaming(node, scope.enclosing_class, self._self_name)

    def _opened_by_helper(self, walker: Walker, node: ast.Call, ref: str, mode: str, state: State) -> None:
        """``node`` calls a helper of the module that opens the file it is given as ``ref``."""
        func = node.func
        # A static method called through its class (``Store._save(CACHE)``) counts where a
        # check of the file is in force; its other calls stand in scopes the walk may skip.
        through_class = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
            and func.value.id != walker.scope.self_name
        for path in list(node.args) + [k.value for k in node.keywords]:
            if dotted_name(path) == ref:
                key = self.key(path, state)
                if through_class and (key is None or state.get("guard", key) is None):
                    return
                self._open_key(walker, node, key, path, mode.lstrip(TOLERANT), state, helper=True,
                               missing_ok=mode.startswith(TOLERANT), partial=mode.startswith(TOLERANT))
                return
        # A method opening an attribute of the instance (``self._load()`` reading
        # ``self.path``): it matters where a check of that attribute is in force.
        self_name = walker.scope.self_name
        if self_name and ref.startswith(self_name + ".") and isinstance(node.func, ast.Attribute):
            key = self._dotted_key(ref, state)
            if state.get("guard", key) is not None:
                self._open_key(walker, node, key, None, mode.lstrip(TOLERANT), state, helper=True,
                               missing_ok=mode.startswith(TOLERANT), of_instance=True,
                               partial=mode.startswith(TOLERANT))

    def _config_parser(self, receiver: ast.AST, state: State) -> bool:
        """Whether ``receiver`` is a ``configparser`` parser: made here, or bound to one."""
        if isinstance(receiver, ast.Call):
            return self.facts.resolve(receiver.func) in CONFIG_PARSERS
        ref = dotted_name(receiver)
        if ref is None:
            return False
        if state.get("parser", ref) is not None:
            return True
        return self._parser_attribute(ref) or "." not in ref and self._parser_global(ref)

    def _parser_global(self, name: str) -> bool:
        """Whether ``name`` is a module global every top-level binding of which (in blocks
        too) constructs a parser, ``CONFIG = ConfigParser()``, declared ``global`` by no
        function and not bound by the function being walked: ``CONFIG.read(PATH)`` reads
        ``PATH`` in every function, and at the top level. Found once per module."""
        found = self._parser_globals
        if found is None:
            values: Dict[str, int] = {}
            for stmt in own_statements(self.tree):
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                        and isinstance(stmt.value, ast.Call) and self.facts.resolve(stmt.value.func) in CONFIG_PARSERS:
                    values[stmt.targets[0].id] = values.get(stmt.targets[0].id, 0) + 1
            bound, declared = self.facts.top_level_bindings(), self.facts.maybe_global()
            found = self._parser_globals = frozenset(
                name for name, count in values.items() if bound.get(name) == count and name not in declared)
        if name not in found:
            return False
        scope = self._scope
        if scope is None or not scope.is_function:
            return True
        local = self._local_names.get(id(scope.node))
        if local is None:
            local = self._local_names[id(scope.node)] = frozenset(bound_anywhere(scope.node))
        return name not in local

    def _acquire_or_release(self, walker: Walker, node: ast.Call, func: ast.Attribute, state: State) -> None:
        """``lock.acquire()`` ... ``lock.release()`` of an inter-process lock, as a statement
        rather than a ``with``: held in between. The lock is one this scope bound (``lock =
        FileLock(p)``) or an attribute every method of the class binds only to one
        (``self._lock = FileLock(p)`` in ``__init__``). An acquire whose value the code looks
        at (``locked = lock.acquire(timeout=5)``) may have failed: not counted."""
        ref = dotted_name(func.value)
        if ref is None:
            return
        if func.attr == "close":
            # what ``close()`` lets go of: a lock taken when it was made (``zc.lockfile``)
            if state.get("iplock", "acquire:" + ref) is not None:
                state.discard("iplock", "acquire:" + ref)
            return
        statement = walker.current_statement()
        if func.attr == "acquire" and not (isinstance(statement, ast.Expr) and statement.value is node):
            return
        if state.get("iplock-object", ref) is None and not self._iplock_attribute(ref):
            return
        if func.attr == "acquire":
            state.set("iplock", "acquire:" + ref, May(node.lineno))
        else:
            state.discard("iplock", "acquire:" + ref)

    def _inherited_lock(self, walker: Walker, node: ast.Call, func: ast.Attribute, state: State) -> None:
        """``super().__enter__()`` (or ``self.acquire()``) as a statement, in a method of a class
        that is itself an inter-process lock (``class LockedJSON(FileLock)``): the instance's
        lock is held from there until ``super().__exit__(...)`` or ``self.release()``."""
        cls = walker.scope.enclosing_class
        if cls is None or not self._inherits_lock(cls):
            return
        receiver = func.value
        self_name = walker.scope.self_name
        on_self = self_name is not None and type(receiver) is ast.Name and receiver.id == self_name
        through_super = type(receiver) is ast.Call and type(receiver.func) is ast.Name \
            and receiver.func.id == "super" and not receiver.args
        if not (on_self or through_super):
            return
        if INHERITED_LOCK_METHODS[func.attr]:
            statement = walker.current_statement()
            if not (isinstance(statement, ast.Expr) and statement.value is node):
                return  # ``if self.acquire(timeout=1):`` may have failed
            state.set("iplock", "inherited", May(node.lineno))
        else:
            state.discard("iplock", "inherited")

    def _inherits_lock(self, cls: ast.ClassDef) -> bool:
        """Whether a class derives from an inter-process lock class (named, or imported
        with a name that says it locks a file)."""
        found = self._lock_classes.get(id(cls))
        if found is None:
            found = self._lock_classes[id(cls)] = any(
                self.facts.resolve(base) in INTERPROCESS_LOCKS or self._imported_file_lock(base)
                for base in cls.bases)
        return found

    def _parser_attribute(self, ref: str) -> bool:
        """Whether ``ref`` is ``self.x`` of a method whose class binds ``x`` (in any of its
        methods, on the instance) only to parsers it constructs: ``self.config =
        configparser.ConfigParser()`` in ``__init__``, then ``self.config.read(path)``."""
        values = self.attribute_values(ref)
        return bool(values) and all(
            isinstance(v, ast.Call) and self.facts.resolve(v.func) in CONFIG_PARSERS for v in values)

    def attribute_values(self, ref: str) -> Optional[List[ast.AST]]:
        """What the class of the method being walked binds ``ref`` (``self.x``) to, in any of
        its methods (``self.x = value`` or annotated, on the method's instance); None when
        ``ref`` is no such attribute. Looked up once per class and attribute."""
        scope = self._scope
        cls, self_name = (scope.enclosing_class, scope.self_name) if scope is not None else (None, None)
        root, _, attr = ref.partition(".")
        if cls is None or root != self_name or not attr or "." in attr:
            return None
        cache = self._attribute_values.setdefault(id(cls), {})
        found = cache.get(attr)
        if found is None:
            found = cache[attr] = []
            for method in cls.body:
                if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                instance = Scope(method, cls).self_name
                for stmt in own_statements(method):
                    if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                        if any(isinstance(t, ast.Attribute) and t.attr == attr and isinstance(t.value, ast.Name)
                               and t.value.id == instance for t in targets):
                            found.append(stmt.value)
        return found

    # -- with -------------------------------------------------------------------------

    def with_enter(self, walker: Walker, item: ast.withitem, state: State) -> None:
        expr = item.context_expr
        if self._is_iplock(expr, state):
            state.set("iplock", "with:%d:%d" % (expr.lineno, expr.col_offset), May(expr.lineno))
        elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "locked":
            box = state.get("mbox", dotted_name(expr.func.value) or "")
            if box is not None:
                self._scope_locked.setdefault(box.value, expr.lineno)

    def with_exit(self, walker: Walker, item: ast.withitem, state: State) -> None:
        expr = item.context_expr
        state.discard("iplock", "with:%d:%d" % (expr.lineno, expr.col_offset))

    # -- locked paths -------------------------------------------------------------------

    def finish(self, walker: Walker, exits: Optional[State]) -> None:
        self._finish_callers()
        if not self._renames:
            return
        scope = walker.scope
        if scope.enclosing_class is not None and scope.self_name:
            # Other methods of the class may lock the names: completed once all are walked.
            self._waiting.append((scope, self._scope_locked, self._renames))
        else:
            _mark_locked(self._renames, self._scope_locked)

    def finish_module(self) -> None:
        for scope, locked, renames in self._waiting:
            self._scope = scope  # a helper's returned path is read as from the renaming method
            locked = dict(locked)
            for key, line in self._locked_in_class(scope.enclosing_class).items():
                locked.setdefault(key, line)
            _mark_locked(renames, locked)
        self._waiting = []
        self._apply_caller_contexts()


#: words one of which a function that opens, reads or writes a file it is given spells
FILE_WORDS = ("open", "read_text", "read_bytes", "write_text", "write_bytes")


def _never(func: ast.AST) -> bool:
    return False


def _always(func: ast.AST) -> bool:
    return True


def _spanning(lines: List[int]):
    """Whether a function's lines include one of ``lines`` (ascending)."""
    def spans(func: ast.AST) -> bool:
        first = bisect.bisect_left(lines, func.lineno)
        return first < len(lines) and lines[first] <= (func.end_lineno or func.lineno)
    return spans


def _mark_locked(renames: List[FileRename], locked: Dict[PathKey, int]) -> None:
    for event in renames:
        event.dst_locked = locked.get(event.dst)
        event.src_locked = locked.get(event.src)


#: how many methods deep the attributes a getter reads are followed
_READS_DEPTH = 4


def _instance_reads(method: ast.AST, methods: Dict[str, ast.AST], cache: Dict[int, FrozenSet[str]]) -> FrozenSet[str]:
    """The attributes of its instance a method reads (``self.x`` anywhere in its body), with
    those of the methods of the class it calls on the instance, :data:`_READS_DEPTH` deep;
    found once per method. A method without an instance parameter reads none."""
    found = cache.get(id(method))
    if found is not None:
        return found
    reads: Set[str] = set()
    stack = [(method, 0)]
    seen = {id(method)}
    while stack:
        func, depth = stack.pop()
        params = func.args.posonlyargs + func.args.args if hasattr(func.args, "posonlyargs") else func.args.args
        if not params:
            continue
        instance = params[0].arg
        for node in ast.walk(func):
            if type(node) is ast.Attribute and type(node.value) is ast.Name and node.value.id == instance:
                reads.add(node.attr)
                called = methods.get(node.attr)
                if called is not None and id(called) not in seen and depth < _READS_DEPTH:
                    seen.add(id(called))
                    stack.append((called, depth + 1))
    found = cache[id(method)] = frozenset(reads)
    return found

"""Opens and acts: files opened, created or removed by path, with the facts in force there."""

import ast
import errno as errno_module
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from ..arms import Arms
from ..events import FileAct, FileOpen
from ..imports import PROGRAM_EXITS, dotted_name, parameter_names, same
from ..modes import combined_mode, mode_kind
from ..pathkey import PathKey, substitute
from ..state import State
from ..summaries import CATCHES_ANY_OS_ERROR, caught_classes, handler_reraises, string_defaults, is_none
from ..walk import Walker
from .expressions import PATHLIB_CLASSES, const_string, keyword_value


OPEN_FUNCTIONS = frozenset({"builtins.open", "io.open", "gzip.open", "bz2.open", "lzma.open", "codecs.open",
                            "aiofiles.open"})  # the asyncio spelling: the same open, awaited
#: ``Path`` methods called unbound, on the path as first argument: ``Path.open(p, "w")``
UNBOUND_PATH_METHODS = {"pathlib.Path.open": None, "pathlib.Path.read_text": "r", "pathlib.Path.read_bytes": "r",
                        "pathlib.Path.write_text": "w", "pathlib.Path.write_bytes": "w"}
#: calls that create or fill the file named by their second argument
COPIES = frozenset({"shutil.copy", "shutil.copy2", "shutil.copyfile", "os.link", "os.symlink"})
#: copies that make a link: the second argument is the new name, never a folder to copy into
LINKS = frozenset({"os.link", "os.symlink"})
MKDIR = frozenset({"os.mkdir", "os.makedirs"})
REMOVE = frozenset({"os.remove", "os.unlink", "os.rmdir", "shutil.rmtree"})
STAT = frozenset({"os.stat", "os.lstat"})
#: parsers whose ``read(paths)`` reads each file that is there and skips the others
CONFIG_PARSERS = frozenset({"configparser.ConfigParser", "configparser.RawConfigParser",
                            "configparser.SafeConfigParser"})


#: how many statements (nested ones counted) a ``try`` body may hold for a catch-all
#: handler of it to count as surviving a race: a longer body is a step of the program, and
#: the handler reports its crash (``except Exception: traceback.print_exc()``)
CRASH_HANDLER_STATEMENTS = 25


def _catches_all(handler: ast.ExceptHandler, resolve) -> bool:
    """``except:``, ``except Exception:`` or ``except BaseException:`` (alone)."""
    if handler.type is None:
        return True
    return not isinstance(handler.type, ast.Tuple) and \
        resolve(handler.type) in ("builtins.Exception", "builtins.BaseException")


#: blocks climbed from a check's ``if`` to the statement the program goes on to after it
_FALL_THROUGH_LEVELS = 8


def _bound_before(block, stmt: ast.stmt, name: str) -> Optional[ast.Call]:
    """The call ``name`` was last bound to by a plain assignment of ``block`` before ``stmt``
    (``bounded = Error("kind")``); None when it was not, or was last bound otherwise."""
    found = None
    for item in block:
        if item is stmt:
            return found
        if type(item) is ast.Assign and len(item.targets) == 1 and type(item.targets[0]) is ast.Name \
                and item.targets[0].id == name:
            found = item.value if type(item.value) is ast.Call else None
    return None


def _statements_beyond(body, limit: int) -> bool:
    """Whether ``body`` holds more than ``limit`` statements that can run, nested blocks
    counted (not those of nested functions and classes); stops counting there. ``pass``
    and what follows a ``return``, ``raise``, ``break`` or ``continue`` in its block do
    nothing, and do not count."""
    count = 0
    blocks = [body]
    while blocks:
        for stmt in blocks.pop():
            if isinstance(stmt, ast.Pass):
                continue
            count += 1
            if count > limit:
                return True
            if isinstance(stmt, _JUMPS):
                break  # the rest of the block never runs
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                block = getattr(stmt, field, None)
                if block:
                    blocks.append(block)
    return False


_JUMPS = (ast.Return, ast.Raise, ast.Break, ast.Continue)


class OpensAndActs:
    """:class:`~mboxlint.analysis.events.FileOpen` and :class:`~mboxlint.analysis.events.FileAct`
    events (a part of :class:`PathAnalysis`)."""

    def _open(self, walker: Walker, node: ast.Call, path: ast.AST, mode: str, state: State,
              missing_ok: bool = False) -> None:
        """``missing_ok``: a read that skips a missing file (``ConfigParser.read``): no check
        before it can go stale."""
        by_default = False
        if mode == "?":
            mode, by_default = self._local_mode(
                walker, _mode_node(node, 1 if node.args and path is node.args[0] else 0))
        self._open_key(walker, node, self.key(path, state), path, mode, state, missing_ok=missing_ok,
                       mode_default=by_default)

    def _open_key(self, walker: Walker, node: ast.Call, key: Optional[PathKey], path: Optional[ast.AST], mode: str,
                  state: State, helper: bool = False, missing_ok: bool = False, mode_default: bool = False,
                  of_instance: bool = False, partial: bool = False) -> None:
        if key is None or self.private(key):
            return
        kind = mode_kind(mode)
        guard = state.get("guard", key) if not missing_ok else None
        # Only a checked open can lose a race, so only then is it worth looking at the handlers.
        caught = frozenset(self._caught(walker, guard)) if guard is not None else frozenset()
        walker.emit(FileOpen, node, key=key, path=key, path_node=path, mode=kind, guard=guard,
                    stmt=walker.current_statement(),
                    iplock=self._iplocked(state), temp=state.get("temp", key), caught=caught, helper=helper,
                    mode_default=mode_default, of_instance=of_instance, partial=partial)
        if kind in ("truncate", "append", "exclusive", "update"):
            state.discard("guard", key)
            state.discard("removed", key)
            if kind != "update":
                self._maybe_derived_temp(key, node, state)

    def _local_mode(self, walker: Walker, mode_node: Optional[ast.AST]) -> Tuple[str, bool]:
        """The mode held by a local name every binding of which in the scope is a constant
        string (``mode = "ab" if resume else "wb"``): that mode when all say the same kind
        of open (see :func:`~..modes.combined_mode`). A parameter the function never rebinds,
        with a constant string default (``def save(p, data, mode="w")``), holds that default:
        the open as the function's own calls and most callers make it (then the second item
        is true: a caller may pass another mode, so no fix may rely on it). The scope's names
        are read once, when its first open by such a name is met."""
        if type(mode_node) is ast.IfExp:
            # ``"w" if there else "x"``: one of two constant modes, chosen at run time
            arms = (mode_node.body, mode_node.orelse)
            if all(type(arm) is ast.Constant and isinstance(arm.value, str) for arm in arms):
                return combined_mode(arm.value for arm in arms), False
            return "?", False
        if type(mode_node) is not ast.Name:
            return "?", False
        scope = walker.scope.node
        table = self._constant_modes.get(id(scope))
        if table is None:
            table = self._constant_modes[id(scope)] = constant_string_names(scope)
        modes = table[0].get(mode_node.id)
        if not modes:
            return "?", False
        return combined_mode(modes), mode_node.id in table[1]

    def _act(self, walker: Walker, node: ast.Call, op: str, path: ast.AST, state: State) -> None:
        key = self.key(path, state)
        if key is None or self.private(key):
            return
        guard = state.get("guard", key)
        walker.emit(FileAct, node, key=key, op=op, path=key, path_node=path, guard=guard,
                    stmt=walker.current_statement(), caught=self._caught(walker, guard),
                    iplock=self._iplocked(state))
        state.discard("guard", key)

    def _caught(self, walker: Walker, guard=None) -> Set[str]:
        """Exception names (last dotted part) that a ``with contextlib.suppress(...)`` or an
        ``except`` around the statement being walked catches; a bare ``except`` is ``BaseException``.

        A handler that raises counts only when it raises what the other branch of the act's
        ``guard`` raises (``if not isfile(p): raise KeyError(p)``, then ``except OSError: raise
        KeyError(p)``): losing the race then looks to the caller as the check's other answer."""
        names: Set[str] = set()
        summaries = self.facts.summaries
        for item in walker.enclosing_with_items():
            expr = item.context_expr
            if isinstance(expr, ast.Call) and self.facts.resolve(expr.func) == "contextlib.suppress":
                names.update(caught_classes(expr.args, self.facts.resolve))
            elif summaries is not None:  # a context manager of the module that suppresses as it does
                names.update(summaries.suppressed_by(expr, walker.scope.enclosing_class, walker.scope.self_name))
        for handler in self._handlers_around(walker):
            if handler_reraises(handler, self.facts.resolve) and not self._raises_as_checked(handler, guard, walker) \
                    and not self._checks_again(handler, guard, walker):
                continue  # re-raises (or raises another error, or exits): the failure is not survived
            survived = self._errno_survived(handler)
            if survived is not None:
                names.update(survived)
                continue
            if handler.type is None:
                names.add("BaseException")
            else:
                names.update(caught_classes(self.facts.handled_classes(handler.type), self.facts.resolve))
        return names

    def _handlers_around(self, walker: Walker) -> List[ast.ExceptHandler]:
        """The handlers of the ``try`` statements around the statement being walked, less the
        catch-all ones (``except Exception:``, ``except BaseException:``, a bare ``except:``)
        of a ``try`` whose body is a whole step of the program (more than
        :data:`CRASH_HANDLER_STATEMENTS` statements): such a handler reports that the step
        crashed, it does not carry on as if the file had been there."""
        found = []
        for node in walker.enclosing_tries():
            long_body = None
            for handler in node.handlers:
                if _catches_all(handler, self.facts.resolve):
                    if long_body is None:
                        long_body = _statements_beyond(node.body, CRASH_HANDLER_STATEMENTS)
                    if long_body:
                        continue
                found.append(handler)
        return found

    def _errno_survived(self, handler: ast.ExceptHandler) -> Optional[Set[str]]:
        """The exception classes a handler survives when it branches on the error's ``errno``
        and raises again on one branch (``if err.errno == errno.EXDEV: ... else: raise``): those
        of the errnos that take the other branch (``FileNotFoundError`` for ``ENOENT``). None
        for a handler of another shape."""
        if handler.name is None or handler.type is not None and not caught_classes(
                self.facts.handled_classes(handler.type), self.facts.resolve) & CATCHES_ANY_OS_ERROR:
            return None
        for stmt in handler.body:
            if not isinstance(stmt, ast.If):
                continue
            raising = [any(isinstance(s, ast.Raise) for s in branch) for branch in (stmt.body, stmt.orelse)]
            if raising[0] == raising[1]:
                continue
            tested = self._errno_test(stmt.test, handler.name)
            if tested is None:
                continue
            codes, equal = tested
            # the errnos taking the branch that does not raise
            survives_listed = equal != raising[0]
            return {cls for code, cls in _ERRNO_CLASSES.items() if (code in codes) == survives_listed}
        return None

    def _errno_test(self, test: ast.AST, name: str) -> Optional[Tuple[Set[str], bool]]:
        """``(errno names, whether the test is true for them)`` of ``name.errno == errno.X``,
        ``!=``, ``in (errno.X, ...)``, ``not in``; None for another test."""
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
            return None
        left, right = test.left, test.comparators[0]
        if not (isinstance(left, ast.Attribute) and left.attr == "errno" and isinstance(left.value, ast.Name)
                and left.value.id == name):
            return None
        op = test.ops[0]
        if isinstance(op, (ast.Eq, ast.NotEq)):
            listed = [right]
        elif isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
            listed = right.elts
        else:
            return None
        codes = set()
        for node in listed:
            if isinstance(node, ast.Constant) and type(node.value) is int:
                code = errno_module.errorcode.get(node.value)
            else:
                resolved = self.facts.resolve(node)
                code = resolved[len("errno."):] if resolved and resolved.startswith("errno.") else None
            if code is None:
                return None
            codes.add(code)
        return codes, isinstance(op, (ast.Eq, ast.In))

    def _raises_as_checked(self, handler: ast.ExceptHandler, guard, walker: Walker) -> bool:
        """Whether ``handler`` ends in raising the exception class that the branch of the
        ``guard``'s ``if`` the act is not in raises (that branch ending in the raise; what
        follows a ``raise`` in a block is dead code)."""
        check = getattr(guard, "node", None)
        if not isinstance(check, ast.If):
            return False
        raised = self._raised_class(self._ending(handler.body), handler.body)
        if raised is None:
            return False
        line = walker.current_statement().lineno
        other = None
        for branch in (check.body, check.orelse):
            if branch and branch[0].lineno <= line <= (branch[-1].end_lineno or branch[-1].lineno):
                continue  # the act's own branch
            other = branch
            ending = self._ending(branch)
            if ending is not None:
                return self._raised_class(ending, branch) == raised
        if other is None or line < check.body[0].lineno or any(
                isinstance(stmt, (ast.Return, ast.Continue, ast.Break)) for stmt in other):
            return False
        # The other branch (or none) goes on to what follows the ``if``: a raise there at
        # once (``if p.is_file(): ... return data`` then ``raise FileNotFoundError(p)``; the
        # ``if`` last in an ``if`` or ``with``, what follows that) is the other answer.
        if self._arms is None:
            self._arms = Arms(self._scope.node)
        after, node = None, check
        for _ in range(_FALL_THROUGH_LEVELS):
            after = self._arms.following(node)
            held = self._arms.holder(node) if after is None else None
            if held is None or not isinstance(held[0], (ast.If, ast.With, ast.AsyncWith)):
                break
            node = held[0]
        return after is not None and after is self._ending([after]) and self._raised_class(after) == raised

    def _checks_again(self, handler: ast.ExceptHandler, guard, walker: Walker) -> bool:
        """Whether ``handler`` first asks the ``guard``'s question again and, when it gets the
        answer that made the guard leave, leaves as the guard did (``if path.is_dir():
        return``, then ``mkdir``, then ``except OSError: if path.is_dir(): return`` and a
        ``raise`` for the rest): losing the race ends as the check would have ended."""
        check = getattr(guard, "node", None)
        if not isinstance(check, ast.If) or not handler.body or not isinstance(handler.body[0], ast.If):
            return False
        again = handler.body[0]
        if not same(again.test, check.test):
            return False
        line = walker.current_statement().lineno
        for branch, mirror in ((check.body, again.body), (check.orelse, again.orelse)):
            if branch and branch[0].lineno <= line <= (branch[-1].end_lineno or branch[-1].lineno):
                continue  # the act's own branch
            last = branch[-1] if branch else None
            return isinstance(last, (ast.Return, ast.Continue, ast.Break)) and bool(mirror) \
                and _same_exit(mirror[-1], last)
        return False

    def _ending(self, block) -> Optional[ast.stmt]:
        """The statement of ``block`` itself (not nested) that ends it by raising or by ending
        the program (``sys.exit(1)``), the first if more."""
        return next((stmt for stmt in block if isinstance(stmt, ast.Raise) or isinstance(stmt, ast.Expr)
                     and isinstance(stmt.value, ast.Call) and self.facts.resolve(stmt.value.func) in PROGRAM_EXITS),
                    None)

    def _raised_class(self, stmt: Optional[ast.stmt], block=()) -> Optional[str]:
        """The class a ``raise C``, ``raise C(...)`` or ``raise e`` raises, by its qualified
        name (``e`` bound to ``C(...)`` earlier in ``block``, the block ``stmt`` ends: ``e =
        C("kind")`` then ``raise e from err``); for an exit of the program, the call's name and
        arguments as spelt (``sys.exit(1)`` and ``sys.exit(2)`` are two answers)."""
        if stmt is None:
            return None
        if isinstance(stmt, ast.Expr):
            call = stmt.value
            spelt = [repr(arg.value) if isinstance(arg, ast.Constant) else None for arg in call.args]
            if None in spelt or call.keywords:
                return None  # an exit status computed here: not known to be the same
            return "%s(%s)" % (self.facts.resolve(call.func), ", ".join(spelt))
        exc = stmt.exc
        if type(exc) is ast.Name:
            exc = _bound_before(block, stmt, exc.id) or exc
        exc = exc.func if isinstance(exc, ast.Call) else exc
        if exc is None:
            return None
        return self.facts.resolve(exc) or dotted_name(exc)

    # -- helpers of the module that open a file and return it ---------------------------

    def _helper_open(self, call: ast.Call, state: Optional[State]) -> Optional[Tuple[PathKey, str, Optional[ast.AST]]]:
        """``(key, mode, path expression)`` when ``call`` calls a function or ``self`` method of
        this module every return of which gives a file it opened by path (see
        :meth:`~..summaries.ModuleSummaries.returned_call`): the call is that open, with the
        caller's arguments in place of the parameters in the path and in the mode. The path
        expression is the caller's argument when the helper opens a parameter as it is, the
        helper's own when it reads no parameter but its instance (else None: messages spell
        the key). None when the helper is not such a function, or
        its path reads a name of its own, a parameter it rebinds, or one the caller leaves
        to no default."""
        summaries, scope = self.facts.summaries, self._scope
        if summaries is None or scope is None:
            return None
        func = call.func
        # Most calls are of methods of other objects: ruled out before anything is looked up;
        # what a callee returns is then looked up once per name (per class for a method).
        self_name = self._self_name  # the scope's, kept at its start (a property of the scope)
        if type(func) is ast.Attribute:
            if type(func.value) is not ast.Name or func.value.id != self_name:
                return None
            callee = (id(scope.enclosing_class), func.attr)
        elif type(func) is ast.Name and func.id in summaries.functions:
            callee = func.id
        else:
            return None
        found = self._openers.get(callee, False)
        if found is False:
            found = self._openers[callee] = summaries.returning(
                call, scope.enclosing_class, self_name, self._opens_by_path, self._may_open())
        if found is None:
            return None
        helper, method, inner, bound = found
        arguments = summaries.arguments(helper, method, call)
        if arguments is None:
            return None
        path, mode_node, mode = self._open_parts(inner)
        if mode_node is not None:
            mode = self._argument_mode(mode_node, arguments, bound)
        saved = self._self_name
        self._self_name = None  # the callee's names as it spells them
        try:
            inner_key = self.key(path, None)
        finally:
            self._self_name = saved
        if inner_key is None:
            return None
        leaves: Dict[PathKey, PathKey] = {}
        shown = path  # the helper's own spelling, while it reads no parameter but its instance
        for leaf in inner_key.leaves():
            if leaf.kind != "name":
                continue
            root, dot, rest = leaf.head.partition(".")
            if root in bound:
                return None  # a local of the helper, or a parameter it rebinds
            if root not in arguments:
                if root not in self.facts.module_bindings:
                    return None
                continue  # a module name: the same in the caller
            given = arguments[root]
            if given is None:
                return None  # a parameter the caller gives no value
            value, passed = given
            receiver = value is getattr(call.func, "value", None)
            if receiver and not rest:
                return None  # the instance is the path: a path class's own primitive, for any file
            if not receiver:
                shown = None
            if rest:
                ref = dotted_name(value)
                if ref is None:
                    return None
                key = self._dotted_key(ref + dot + rest, state if passed else None)
            else:
                key = self.key(value, state if passed else None)
                if leaf is inner_key and passed:
                    shown = value
            if key is None:
                return None
            leaves[leaf] = key
        return substitute(inner_key, leaves), mode, shown

    def _opens_by_path(self, call: ast.Call) -> bool:
        return self._open_parts(call) is not None

    def _open_parts(self, call: ast.Call):
        """``(path, mode expression, mode)`` of an open by path written in a helper: the mode
        expression when one is given, else None and the call's default mode."""
        name = self.facts.resolve(call.func)
        if (name in OPEN_FUNCTIONS or name == "pathlib.Path.open") and call.args:
            return call.args[0], _mode_node(call, 1), "r"
        func = call.func
        if name is None and isinstance(func, ast.Attribute) and func.attr == "open" \
                and isinstance(func.value, ast.Call) and self.facts.resolve(func.value.func) in PATHLIB_CLASSES:
            return func.value, _mode_node(call, 0), "r"  # ``Path(p).open(m)``
        if name == "os.fdopen" and call.args and isinstance(call.args[0], ast.Call) \
                and self.facts.resolve(call.args[0].func) == "os.open" and len(call.args[0].args) >= 2:
            return call.args[0].args[0], None, self._flags_mode(call.args[0].args[1])
        return None

    def _flags_mode(self, flags: ast.AST) -> str:
        """The ``open`` mode an ``os.open`` with these flags acts like."""
        names = {self.facts.resolve(n) for n in ast.walk(flags) if isinstance(n, (ast.Name, ast.Attribute))}
        if "os.O_EXCL" in names and "os.O_CREAT" in names:
            return "x"
        if "os.O_TRUNC" in names:
            return "w"
        if "os.O_APPEND" in names:
            return "a"
        if names & {"os.O_WRONLY", "os.O_RDWR"}:
            return "r+"
        return "r" if names <= {"os.O_RDONLY", "os.O_CLOEXEC", "os.O_NOFOLLOW", "os.O_BINARY"} else "?"

    @staticmethod
    def _argument_mode(mode_node: ast.AST, arguments, bound: FrozenSet[str]) -> str:
        """The mode a helper's ``open`` gets: a constant, or the caller's constant for a
        parameter (its default when none is passed); ``?`` when not known."""
        text = const_string(mode_node)
        if text is not None:
            return text
        if isinstance(mode_node, ast.Name) and mode_node.id not in bound and arguments.get(mode_node.id):
            text = const_string(arguments[mode_node.id][0])
            if text is not None:
                return text
        return "?"

    def _opens_to_write(self, flags: ast.AST) -> bool:
        """Whether ``os.open`` flags make (``O_CREAT``) a file opened for writing."""
        names = {self.facts.resolve(n) for n in ast.walk(flags) if isinstance(n, (ast.Name, ast.Attribute))}
        return "os.O_CREAT" in names and bool(names & {"os.O_WRONLY", "os.O_RDWR"})

    def _creates(self, flags: ast.AST) -> bool:
        names = {self.facts.resolve(n) for n in ast.walk(flags) if isinstance(n, (ast.Name, ast.Attribute))}
        return "os.O_CREAT" in names and "os.O_EXCL" not in names


def constant_string_names(scope: ast.AST) -> Tuple[Dict[str, FrozenSet[str]], FrozenSet[str]]:
    """The names of a function (of a module: its top level) every binding of which is a plain
    assignment of a string constant or a choice of them (``"a" if c else "w"``), with those
    strings; and the names among them that are parameters. A parameter counts only with a
    constant string default and no binding in the body; a ``global``, or any other binding
    (a loop, ``+=``, an unpacking, a ``def``, an import; in a nested function too) rules the
    name out."""
    defaults: Dict[str, str] = {}
    params: Set[str] = set()
    if isinstance(scope, ast.Module):
        nodes = (sub for stmt in scope.body for sub in ast.walk(stmt))
    else:
        nodes = ast.walk(scope)
        if hasattr(scope, "args"):
            params = set(parameter_names(scope))
            defaults = string_defaults(scope.args)
    ruled_out: Set[str] = set()  # bound by a ``def``, a class or an import, or declared global
    stores: Dict[str, int] = {}
    values: Dict[str, Set[str]] = {}
    plain: Dict[str, int] = {}
    for node in nodes:
        kind = type(node)
        if kind is ast.Name and type(node.ctx) is not ast.Load:
            stores[node.id] = stores.get(node.id, 0) + 1
        elif kind is ast.Assign or kind is ast.AnnAssign and node.value is not None:
            targets = node.targets if kind is ast.Assign else [node.target]
            strings = _constant_strings(node.value)
            for target in targets:
                if type(target) is ast.Name and strings is not None:
                    plain[target.id] = plain.get(target.id, 0) + 1
                    values.setdefault(target.id, set()).update(strings)
        elif kind is ast.AnnAssign and type(node.target) is ast.Name:
            stores[node.target.id] = stores.get(node.target.id, 0) - 1  # a bare annotation binds nothing
        elif kind in (ast.Global, ast.Nonlocal):
            ruled_out.update(node.names)
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            ruled_out.add(node.name)
        elif kind is ast.alias:
            ruled_out.add((node.asname or node.name).split(".")[0])
    found = {name: frozenset(strings) for name, strings in values.items()
             if name not in ruled_out and name not in params and stores.get(name) == plain[name]}
    by_default = {name for name in defaults if not stores.get(name) and name not in ruled_out}
    found.update((name, frozenset((defaults[name],))) for name in by_default)
    return found, frozenset(by_default)


def _constant_strings(node: ast.AST) -> Optional[Set[str]]:
    """The strings a constant, or a conditional expression of constants, may be; else None."""
    found: Set[str] = set()
    stack = [node]
    while stack:
        node = stack.pop()
        if type(node) is ast.IfExp:
            stack += [node.body, node.orelse]
        elif type(node) is ast.Constant and type(node.value) is str:
            found.add(node.value)
        else:
            return None
        if len(found) + len(stack) > 16:
            return None  # no one writes a longer choice of modes
    return found


#: the errnos whose ``OSError`` is a class the rules ask about
_ERRNO_CLASSES = {
    "ENOENT": "FileNotFoundError", "EEXIST": "FileExistsError", "ENOTDIR": "NotADirectoryError",
    "EISDIR": "IsADirectoryError", "EACCES": "PermissionError", "EPERM": "PermissionError",
}


def _mode_node(call: ast.Call, index: int) -> Optional[ast.AST]:
    mode = keyword_value(call, "mode")
    if mode is None and len(call.args) > index:
        mode = call.args[index]
    return mode


def _same_exit(one: ast.stmt, other: ast.stmt) -> bool:
    """Whether two ``return``/``continue``/``break`` statements leave alike (``return`` and
    ``return None`` are one)."""
    if isinstance(one, ast.Return) and isinstance(other, ast.Return):
        values = [None if is_none(stmt.value) else stmt.value for stmt in (one, other)]
        if values[0] is None or values[1] is None:
            return values[0] is values[1]
        return same(values[0], values[1])
    return type(one) is type(other) and not isinstance(one, ast.Return)

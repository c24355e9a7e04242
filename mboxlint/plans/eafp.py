"""The plan of MBX301 (an open under an existence check becomes an open in ``try:``): which
shapes the fixer handles, how safe the rewrite is there, and its anchors."""

import ast
from collections import Counter

from ..analysis.imports import dotted_name, same, unnegated
from .model import SAFE, UNSAFE, Anchor, FixPlan, Span, no_fix
from .statements import fresh_name

#: the action of MBX301's plan
OPEN_IN_TRY = "open-in-try"

#: builtins that build a value from constants and do nothing else observable (with other
#: arguments they call ``__int__``, ``__str__``, ``__iter__`` ... which can raise)
_INERT_CALLS = frozenset({"dict", "list", "set", "tuple", "frozenset", "str", "bytes", "int", "float", "bool"})
_LAZY = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_EFFECTS = (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)
_EXITS = (ast.Return, ast.Raise, ast.Continue, ast.Break)


def _header(stmt):
    """The expressions of ``stmt`` evaluated once, before anything else of it: where an open
    can be taken out into ``try:``. None for other statements."""
    if isinstance(stmt, ast.With):
        return [stmt.items[0].context_expr]
    if isinstance(stmt, ast.For):
        return [stmt.iter]
    if isinstance(stmt, (ast.Expr, ast.Return, ast.Assign)) and stmt.value is not None:
        return [stmt.value]
    if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        return [stmt.value]
    if isinstance(stmt, ast.AugAssign):
        return [stmt.target, stmt.value]
    return None


def _path_to(root, target):
    """The nodes from ``root`` down to ``target`` (both included), or None."""
    parents = {id(root): None}
    stack = [root]
    while stack:
        node = stack.pop()
        if node is target:
            path = [node]
            while parents[id(path[-1])] is not None:
                path.append(parents[id(path[-1])])
            return path[::-1]
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
            stack.append(child)
    return None


def _hoistable(stmt, open_node) -> bool:
    """Whether the open can run first, on its own: it is evaluated exactly once, and nothing
    with an effect is evaluated before it in ``stmt``."""
    header = _header(stmt)
    if header is None:
        return False
    path = None
    for expr in header:
        path = path or _path_to(expr, open_node)
    if path is None:
        return False
    for parent, child in zip(path, path[1:]):
        if isinstance(parent, _LAZY):
            return False
        if isinstance(parent, ast.IfExp) and child is not parent.test:
            return False
        if isinstance(parent, ast.BoolOp) and child is not parent.values[0]:
            return False
        if isinstance(parent, ast.Compare) and any(child is c for c in parent.comparators[1:]):
            return False
    ancestors = {id(node) for node in path}
    start = (open_node.lineno, open_node.col_offset)
    for expr in header:
        for node in ast.walk(expr):
            if isinstance(node, _EFFECTS) and id(node) not in ancestors \
                    and (node.lineno, node.col_offset) < start:
                return False
    return True


def _bound(stmts):
    names = set()
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                names.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                names.update(node.names)
    return names


def _inert(stmt, facts) -> bool:
    """A statement with no effect but binding plain names (so it may run after the open)."""
    if isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
        return True
    if isinstance(stmt, ast.Assign):
        targets, value = stmt.targets, stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        targets, value = [stmt.target], stmt.value
    else:
        return False
    if not all(isinstance(t, ast.Name) for t in targets):
        return False
    for node in ast.walk(value):
        if isinstance(node, ast.Call):
            name = facts.resolve(node.func) or ""
            if not (name.startswith("builtins.") and name[len("builtins."):] in _INERT_CALLS):
                return False
            if not all(_constant(arg) for arg in node.args) or node.keywords:
                return False
        elif isinstance(node, _EFFECTS):
            return False
    return True


def _constant(node) -> bool:
    """A literal made of constants only (``3``, ``"a"``, ``(1, "b")``)."""
    return all(isinstance(n, (ast.Constant, ast.Tuple, ast.List, ast.Set, ast.Load)) for n in ast.walk(node))


#: calls that read the exception being handled: they see the FileNotFoundError in ``except``
_EXCEPTION_READERS = frozenset({"exc_info", "exception", "print_exc", "format_exc", "print_exception",
                                "format_exception", "print_last"})


def _sees_the_exception(stmts) -> bool:
    """Whether ``stmts`` raise (the raised exception's ``__context__`` would become the
    ``FileNotFoundError``) or read the exception being handled (``sys.exc_info()``,
    ``logging.exception``, ``traceback.print_exc()``...)."""
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Raise):
                return True
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in _EXCEPTION_READERS:
                    return True
    return False


def _direct(stmt, open_node) -> bool:
    """Whether the open is bound as it is (``with open(p) as f``, ``f = open(p)``), or holds
    no file once done (``read_text()``): elsewhere the fix binds it to a new name, which keeps
    the file open longer."""
    if isinstance(open_node.func, ast.Attribute) and open_node.func.attr in ("read_text", "read_bytes"):
        return True
    if isinstance(stmt, ast.With):
        return stmt.items[0].context_expr is open_node
    if isinstance(stmt, ast.Assign):
        return len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) and stmt.value is open_node
    if isinstance(stmt, ast.AnnAssign):
        return isinstance(stmt.target, ast.Name) and stmt.value is open_node
    return False


def _reraises(stmts) -> bool:
    """Whether a bare ``raise`` in ``stmts`` re-raises the exception being handled around
    them (not one of a handler, function or class inside them)."""
    stack = list(stmts)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Raise) and node.exc is None:
            return True
        if not isinstance(node, (ast.ExceptHandler, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                 ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))
    return False


def _calls_only_in(check: ast.Call, open_node: ast.AST) -> str:
    """A call the check's arguments make that the open does not make alike
    (``os.path.abspath(p)`` checked, ``p`` opened): removing the check would drop what it
    may raise. "" if none."""
    made = [n for n in ast.walk(open_node) if isinstance(n, ast.Call)]
    for arg in list(check.args) + [k.value for k in check.keywords]:
        for node in ast.walk(arg):
            if isinstance(node, ast.Call) and not any(same(node, other) for other in made):
                return (dotted_name(node.func) or "call") + "()"
    return ""


def _shares_a_line(block, index) -> bool:
    stmt = block[index]
    before = block[index - 1] if index else None
    after = block[index + 1] if index + 1 < len(block) else None
    return (before is not None and before.end_lineno == stmt.lineno) or \
        (after is not None and after.lineno == stmt.end_lineno)


def _read_only_by(test, scope, blocks) -> str:
    """A local name of ``scope`` that ``test`` reads and nothing else in the scope does (the
    fix removes the test), or ""."""
    if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return ""
    reads, stores, _params = blocks.names_of(scope)
    in_test = Counter(n.id for n in ast.walk(test) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load))
    for name, count in in_test.items():
        if name in stores and reads[name] == count:
            return name
    return ""


def open_plan(blocks, guard, stmt, open_node, facts) -> FixPlan:
    """MBX301 (see :func:`_open_plan`), with the names taken at the guard the try replaces.
    The action is ``open-in-try:<form>:<binding>:<name>``: the form of the guard (``arm``:
    the open is in the arm where the file exists, ``arm-negated`` the same under ``if not``,
    ``clause``: it follows ``if not check(p): <leave>``), how the open's file is bound in
    ``try:`` (:func:`_binding`) and under which name."""
    plan = _open_plan(blocks, guard, stmt, open_node, facts)
    if plan.safety is None:
        return plan
    binding = _binding(blocks, stmt, open_node)
    if binding is None:
        return no_fix("the open would need a new name in a class body, where it becomes an attribute")
    return plan._replace(action="%s:%s" % (plan.action, binding)).at_site(blocks, guard.node)


def _binding(blocks, stmt, open_node):
    """``with-as:<name>`` (``with open(p) as name:`` becomes ``name = open(p)`` then ``with
    name:``), ``assign:`` (``name = open(p)`` moves as it is), else ``fresh:<name>``: the open
    is bound to a name used nowhere in its function (module: a private one), which stands
    where the open stood. None in a class body."""
    if isinstance(stmt, ast.With) and isinstance(stmt.items[0].optional_vars, ast.Name) \
            and stmt.items[0].context_expr is open_node:
        return "with-as:" + stmt.items[0].optional_vars.id
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
            and stmt.value is open_node or isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) \
            and stmt.value is open_node:
        return "assign:"
    func = open_node.func
    base = {"read_text": "text", "read_bytes": "data"}.get(func.attr if isinstance(func, ast.Attribute) else "", "f")
    name = fresh_name(blocks, blocks.where[id(stmt)][2], base)
    return None if name is None else "fresh:" + name


def _open_plan(blocks, guard, stmt, open_node, facts) -> FixPlan:
    """The MBX301 plan for ``open_node`` (in ``stmt``) under ``guard``. Anchors: ``act`` (the
    open), ``guard`` (the ``if`` whose test is the check), ``check`` (the check's call) and
    ``stmt`` (the statement holding the open)."""
    node = guard.node
    if not isinstance(node, ast.If):
        return no_fix("the check is not the test of an if")
    test, negated = unnegated(node.test)
    if not isinstance(test, ast.Call) or test.lineno != guard.line:
        return no_fix("the check is not a call alone")
    here, there = blocks.where.get(id(node)), blocks.where.get(id(stmt))
    if here is None or there is None or isinstance(here[2], (ast.ClassDef, ast.Lambda)):
        return no_fix("the open is not in a function or module body")
    block, index, _ = there
    present = node.orelse if negated else node.body
    if block is present:
        moved, clause = present[:index], False
    elif negated and not node.orelse and block is here[0] and index > here[1] \
            and isinstance(node.body[-1], _EXITS):
        moved, clause = block[here[1] + 1:index], True
    else:
        return no_fix("the open is not a direct statement of the checked arm")
    action = "%s:%s" % (OPEN_IN_TRY, "clause" if clause else "arm-negated" if negated else "arm")
    if _shares_a_line(block, index) or not _hoistable(stmt, open_node):
        return no_fix("the open cannot be taken out of its statement")
    missing = node.body if negated else node.orelse
    if _reraises(missing):
        return no_fix("a bare raise would re-raise the FileNotFoundError")
    used = {n.id for n in ast.walk(open_node) if isinstance(n, ast.Name)}
    if _bound(moved) & used or any(isinstance(n, _EXITS) for s in moved for n in ast.walk(s)):
        return no_fix("the statements before the open bind what it uses or leave the block")
    only_the_check = _read_only_by(test, here[2], blocks)
    if only_the_check:
        return no_fix("the check is the only reader of `%s`: the fix would leave it unused" % only_the_check)
    anchors = (Anchor("act", Span.of(open_node)), Anchor("guard", Span.of(node)), Anchor("check", Span.of(test)),
               Anchor("stmt", Span.of(stmt)))
    handles = [s for s in missing if not isinstance(s, ast.Pass)]
    if handles and id(node) in blocks.in_handler:
        return FixPlan(UNSAFE, action, anchors,
                       "inside an except handler, the branch for a missing file would see the "
                       "FileNotFoundError in sys.exc_info() instead of the exception being handled")
    if _sees_the_exception(missing):
        return FixPlan(UNSAFE, action, anchors,
                       "the branch for a missing file raises or reads the exception being handled")
    # A name bound for a ``return`` dies with the frame, when the original's file was freed.
    returned = isinstance(stmt, ast.Return) and isinstance(here[2], (ast.FunctionDef, ast.AsyncFunctionDef))
    if not (_direct(stmt, open_node) or returned):
        return FixPlan(UNSAFE, action, anchors,
                       "the open is bound to a new name, which keeps the file open longer"
                       + (" (for the life of the process at module level)" if isinstance(here[2], ast.Module)
                          else ""))
    if clause:
        return FixPlan(UNSAFE, action, anchors, "the statements after the guard clause now run after the open")
    if guard.kind != "exists":
        return FixPlan(UNSAFE, action, anchors,
                       "a %s() check differs from the open's errors on links, directories or permissions"
                       % guard.kind)
    dropped = _calls_only_in(test, open_node)
    if dropped:
        return FixPlan(UNSAFE, action, anchors,
                       "the check's path makes a call the open does not (`%s`), whose errors would go" % dropped)
    if not all(_inert(s, facts) for s in moved):
        return FixPlan(UNSAFE, action, anchors, "statements with an effect would now run after the open")
    return FixPlan(SAFE, action, anchors)

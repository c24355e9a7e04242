"""Statement helpers shared by the plans: where a statement sits, what a call names, whether
control can leave a run of statements early. ``ast`` only."""

import ast
from collections import Counter
from typing import List, Optional, Sequence

from ..analysis.imports import same

#: nodes that open a scope of names
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)

#: exception names that catch ``FileNotFoundError`` (last dotted part)
CATCHES_MISSING = frozenset({"FileNotFoundError", "OSError", "IOError", "EnvironmentError", "Exception",
                             "BaseException"})


def own_line(stmts: Sequence[ast.stmt], index: int) -> bool:
    """Whether ``stmts[index]`` shares no line with its neighbours (no ``;``)."""
    stmt = stmts[index]
    return (index == 0 or stmts[index - 1].end_lineno < stmt.lineno) and \
        (index + 1 == len(stmts) or stmts[index + 1].lineno > stmt.end_lineno)


def indented(owner: ast.stmt, body) -> bool:
    """Whether ``body`` starts below the header of ``owner`` (not ``try: x`` on one line)."""
    header = owner.lineno
    for item in getattr(owner, "items", ()):
        for part in (item.context_expr, item.optional_vars):
            if part is not None:
                header = max(header, part.end_lineno)
    if isinstance(owner, ast.If):
        header = owner.test.end_lineno
    return bool(body) and body[0].lineno > header


def argument(call: ast.Call, index: int, keyword: str) -> Optional[ast.expr]:
    for arg in call.keywords:
        if arg.arg == keyword:
            return arg.value
    positional = [arg for arg in call.args if not isinstance(arg, ast.Starred)]
    return positional[index] if index < len(positional) else None


def callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def sole_call(stmt: ast.stmt) -> Optional[ast.Call]:
    """The call of a statement that is just ``f(...)``."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        return stmt.value
    return None


def exception_names(handler: ast.ExceptHandler) -> List[str]:
    """The last dotted part of each exception a handler names; ``BaseException`` for a bare one."""
    if handler.type is None:
        return ["BaseException"]
    return caught_names(handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type])


def caught_names(types: Sequence[ast.expr]) -> List[str]:
    """The last dotted part of each exception named in ``types`` (empty for an expression)."""
    return [node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
            for node in types]


def interrupts(stmts: Sequence[ast.AST], dst: ast.AST) -> bool:
    """Whether control can leave ``stmts`` other than by an exception or by falling through
    (``return``, ``raise``, ``yield``, a ``break``/``continue`` of a loop around them), or
    they rebind ``dst`` or a name it is built from (or ``del`` anything: cheap caution).
    Iterative: the depth of the statements comes from the input."""
    roots = {n.id for n in ast.walk(dst) if isinstance(n, ast.Name)}
    roots |= {n.attr for n in ast.walk(dst) if isinstance(n, ast.Attribute)}
    binders = tuple(t for t in (ast.ExceptHandler, getattr(ast, "MatchAs", None), getattr(ast, "MatchStar", None))
                    if t is not None)
    stack = [(stmt, 0) for stmt in stmts]
    while stack:
        node, loops = stack.pop()
        if isinstance(node, (ast.Return, ast.Raise, ast.Yield, ast.YieldFrom, ast.Delete)):
            return True
        if isinstance(node, (ast.Break, ast.Continue)):
            if loops == 0:
                return True
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name in roots:  # the body runs elsewhere, if at all
                return True
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Store) \
                and (same(node, dst) or (isinstance(node, ast.Name) and node.id in roots)):
            return True
        if isinstance(node, ast.alias) and (node.asname or node.name.split(".")[0]) in roots:
            return True
        if isinstance(node, binders) and getattr(node, "name", None) in roots:
            return True
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            # A jump in the body stays in the loop; one in its ``else:`` leaves it.
            head = [node.test] if isinstance(node, ast.While) else [node.target, node.iter]
            stack.extend((child, loops + 1) for child in node.body)
            stack.extend((child, loops) for child in head + node.orelse)
            continue
        stack.extend((child, loops) for child in ast.iter_child_nodes(node))
    return False


class Blocks:
    """Where each statement of a module stands: its block (a list) and index, and the scope
    (function, class or module) whose names it binds; the node owning each block; the
    statement of each call that is a statement of its own; and which statements run inside
    an ``except`` handler of their own scope. Built once per module (:func:`blocks_of`)."""

    def __init__(self, tree: ast.Module):
        self.where = {}
        self.owner = {}
        self.statement_of = {}
        self.in_handler = set()
        self._names = {}
        self._bindings = {}
        #: per scope, the names spelled there and those handed out (:func:`fresh_name`)
        self._fresh = {}
        #: per scope and base, the number :func:`fresh_name` tried last
        self._fresh_numbers = {}
        #: where each ``except`` handler stands: its ``try``'s list of handlers and index
        self._handlers = {}
        self.tree = tree
        #: each block's lock regions, found at its first lock() asked about (MBX103's fix)
        self.lock_regions = {}
        self._calls = self._holder = None
        stack = [(tree, tree, False)]  # iterative: long operator chains make deep trees
        while stack:
            node, scope, handled = stack.pop()
            if isinstance(node, SCOPES):
                inner, handled = node, False
            else:
                inner = scope
            if isinstance(node, ast.ExceptHandler):
                handled = True
            # Statements live only in these blocks (an expression holds none), so only they
            # are walked: a tenth of the module's nodes.
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                block = getattr(node, field, None)
                if isinstance(block, list):
                    self.owner[id(block)] = node
                    for index, child in enumerate(block):
                        if isinstance(child, ast.ExceptHandler):
                            self._handlers[id(child)] = (block, index, inner)
                        if isinstance(child, ast.stmt):
                            self.where[id(child)] = (block, index, inner)
                            if handled:
                                self.in_handler.add(id(child))
                            if isinstance(child, ast.Expr):
                                self.statement_of[id(child.value)] = child
                        stack.append((child, inner, handled))

    def call_at(self, site) -> Optional[ast.Call]:
        """The call starting at ``(line, col)``, the outermost one there."""
        if self._calls is None:
            self._calls = {}
            self._holder = {}
            for stmt_id, (block, index, _scope) in list(self.where.items()):
                stmt = block[index]
                for node in _own_nodes(stmt):
                    if isinstance(node, ast.Call):
                        self._calls.setdefault((node.lineno, node.col_offset), node)
                        self._holder[id(node)] = stmt
        return self._calls.get(tuple(site))

    def statement_holding(self, call: ast.Call) -> Optional[ast.stmt]:
        self.call_at((0, 0))
        return self._holder.get(id(call))

    def names_of(self, scope):
        """``(Counter of the names read, the names assigned, the parameters)`` in ``scope``'s body
        (nested functions and classes included: a closure's read is a read), once per scope."""
        known = self._names.get(id(scope))
        if known is None:
            reads, stores, params = Counter(), set(), set()
            for node in ast.walk(scope):
                if isinstance(node, ast.Name):
                    if isinstance(node.ctx, ast.Load):
                        reads[node.id] += 1
                    else:
                        stores.add(node.id)
                elif isinstance(node, ast.arg):
                    params.add(node.arg)
            known = self._names[id(scope)] = (reads, stores, params)
        return known

    def enclosing(self, stmt: ast.stmt):
        """``(owner, block)`` pairs from ``stmt``'s block outwards, up to its scope (an
        ``except`` handler's body, then its ``try``'s list of handlers)."""
        found = self.where.get(id(stmt))
        while found is not None:
            block, _index, _scope = found
            owner = self.owner.get(id(block))
            if owner is None or isinstance(owner, (ast.Module,) + SCOPES):
                return
            yield owner, block
            found = self.where.get(id(owner)) or self._handlers.get(id(owner))

    def own_line(self, stmt: ast.stmt) -> bool:
        """Whether ``stmt`` shares no line with the statements beside it (no ``;``)."""
        block, index, _scope = self.where[id(stmt)]
        return own_line(block, index)


def _own_nodes(stmt: ast.stmt):
    """The nodes of ``stmt`` outside the statements nested in it (those are walked on their own)."""
    stack = [child for child in ast.iter_child_nodes(stmt) if not isinstance(child, ast.stmt)]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in ast.iter_child_nodes(node) if not isinstance(child, ast.stmt))


def blocks_of(module) -> Blocks:
    """The :class:`Blocks` of an analysed module, built once and kept with it."""
    blocks = getattr(module, "plan_blocks", None)
    if blocks is None:
        blocks = module.plan_blocks = Blocks(module.tree)
        #: the source lines, for what ``ast`` does not keep (``elif`` against ``else: if``)
        blocks.lines = getattr(module, "lines", None)
    return blocks


#: builtins a fix spells (exceptions it catches or suppresses), or whose handlers it counts on
#: (see :data:`CATCHES_MISSING`): a module that binds one of them anywhere has the fix refer to
#: the builtin explicitly
FIX_BUILTINS = frozenset({"FileNotFoundError", "NotADirectoryError", "FileExistsError"}) | CATCHES_MISSING

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _scope_bindings(scope):
    """``(names bound in scope, names it declares global)``: parameters, assignment and loop
    targets, imports, ``def``/``class`` names, ``except ... as``, ``match`` captures; the
    bodies of nested functions and classes bind elsewhere (their decorators, defaults and
    bases do not), comprehension targets count (cheap caution). Iterative."""
    bound, declared = set(), set()
    stack = []
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = scope.args
        for arg in getattr(args, "posonlyargs", []) + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
            if arg is not None:
                bound.add(arg.arg)
        stack.extend(scope.body if isinstance(scope.body, list) else [scope.body])
    else:
        stack.extend(scope.body)
    captures = tuple(t for t in (getattr(ast, "MatchAs", None), getattr(ast, "MatchStar", None)) if t)
    mapping = getattr(ast, "MatchMapping", None)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            stack.extend(node.decorator_list)
            if isinstance(node, ast.ClassDef):
                stack.extend(node.bases + [k.value for k in node.keywords])
            else:
                stack.extend(d for d in node.args.defaults + node.args.kw_defaults if d is not None)
            continue
        if isinstance(node, ast.Lambda):
            stack.extend(d for d in node.args.defaults + node.args.kw_defaults if d is not None)
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound.add("*" if alias.name == "*" else (alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            (declared if isinstance(node, ast.Global) else bound).update(node.names)
        elif captures and isinstance(node, captures) and node.name:
            bound.add(node.name)
        elif mapping is not None and isinstance(node, mapping) and node.rest:
            bound.add(node.rest)
        stack.extend(ast.iter_child_nodes(node))
    return bound, declared


def _module_imports(blocks, tree):
    """``({name: line} of the names bound by the module's top-level import lines, the names
    among them that something else binds too, the builtins of FIX_BUILTINS the module's
    globals rebind)``: a second import, a top-level assignment, ``def`` or loop target, a
    ``global`` declaration anywhere; all of them after a top-level ``from x import *``.
    Those a fix never reuses."""
    known = getattr(blocks, "_imports", None)
    if known is not None:
        return known
    imports, counts = {}, Counter()
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                name = (alias.asname or alias.name).split(".")[0]
                imports.setdefault(name, stmt.lineno)
                counts[name] += 1
    rebound = {name for name, count in counts.items() if count > 1}
    for block, index, _scope in blocks.where.values():  # ``global`` is a statement
        if isinstance(block[index], ast.Global):
            rebound.update(block[index].names)
    rest = [s for s in tree.body if not isinstance(s, (ast.Import, ast.ImportFrom))]
    if rest:
        rebound |= _scope_bindings(ast.Module(body=rest, type_ignores=[]))[0]
    builtins = FIX_BUILTINS & (rebound | set(imports))
    if "*" in imports or "*" in rebound:
        imports.pop("*", None)
        rebound = set(imports)
        builtins = FIX_BUILTINS
    blocks._imports = known = (imports, rebound & set(imports), frozenset(builtins))
    return known


def taken_at(blocks, stmt: ast.stmt):
    """The names a fix at ``stmt`` must not use as they are: the module's imports that do not
    name the imported object there (a parameter, a local of an enclosing function, a class
    attribute when ``stmt`` is in the class body, an import below ``stmt`` at top level),
    and the builtins of :data:`FIX_BUILTINS` rebound where ``stmt`` would see them (a
    global, a ``global`` declaration anywhere, a local of ``stmt``'s function or one enclosing
    it; a binding in another function is not seen). Sorted, for the plan."""
    tree = getattr(blocks, "tree", None)
    found = blocks.where.get(id(stmt))
    if tree is None or found is None:
        return ()
    imports, rebound, builtins = _module_imports(blocks, tree)
    taken = set(builtins) | rebound
    scope, innermost = found[2], True
    while not isinstance(scope, ast.Module):
        # A class body's names are not seen from the functions inside it.
        if innermost or not isinstance(scope, ast.ClassDef):
            shadowing = blocks._bindings.get(id(scope))
            if shadowing is None:  # once per scope: a long function may hold many fixes
                bound, declared = _scope_bindings(scope)
                shadowing = blocks._bindings[id(scope)] = frozenset(
                    name for name in bound - declared if name in imports or name in FIX_BUILTINS)
            taken |= shadowing
        innermost = False
        outer = blocks.where.get(id(scope))
        if outer is None:
            break
        scope = outer[2]
    else:
        if found[2] is scope:  # top-level code runs before the imports below it
            taken.update(name for name, line in imports.items() if line >= stmt.lineno)
    return tuple(sorted(taken))


def spelled(node: ast.AST) -> set:
    """Every identifier spelled in ``node``: names, parameters, attributes, keywords, imported
    names, ``def``/``class`` names, ``global``/``nonlocal``/``except ... as`` names."""
    names = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            names.add(child.id)
        elif isinstance(child, ast.arg):
            names.add(child.arg)
        elif isinstance(child, ast.Attribute):
            names.add(child.attr)
        elif isinstance(child, ast.keyword) and child.arg:
            names.add(child.arg)
        elif isinstance(child, ast.alias):
            names.update(child.name.split("."))
            if child.asname:
                names.add(child.asname)
        elif isinstance(child, ast.ImportFrom) and child.module:
            names.update(child.module.split("."))
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(child.name)
        elif isinstance(child, (ast.Global, ast.Nonlocal)):
            names.update(child.names)
        elif isinstance(child, ast.ExceptHandler) and child.name:
            names.add(child.name)
        elif isinstance(getattr(child, "name", None), str):  # match captures
            names.add(child.name)
        elif isinstance(getattr(child, "rest", None), str):
            names.add(child.rest)
    return names


def fresh_name(blocks, scope, base: str):
    """A name for a value a fix binds in ``scope``: spelled nowhere in the function (nested
    scopes included), nor handed out there before; at module level, private (out of ``import
    *``) and spelled nowhere in the module. None in a class body, where it would become an
    attribute."""
    if isinstance(scope, ast.ClassDef):
        return None
    taken = blocks._fresh.get(id(scope))
    if taken is None:
        taken = blocks._fresh[id(scope)] = spelled(scope)
    if isinstance(scope, ast.Module):
        base = "_" + base
    # Numbering resumes where the last name of this base stopped: many fixes in one
    # function would otherwise try every number handed out before.
    number = blocks._fresh_numbers.get((id(scope), base), 1)
    candidate = base if number == 1 else "%s%d" % (base, number)
    while candidate in taken:
        number += 1
        candidate = "%s%d" % (base, number)
    taken.add(candidate)
    blocks._fresh_numbers[(id(scope), base)] = number
    return candidate

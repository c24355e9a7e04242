"""Plans of the file rules (MBX3)."""

import ast
from typing import List, Optional, Tuple

from ..analysis.imports import same, unnegated
from ..analysis.paths.expressions import flag_by_position
from .model import SAFE, UNSAFE, Anchor, FixPlan, Span, no_fix
from .statements import CATCHES_MISSING, argument, callee, caught_names, exception_names, indented, interrupts, own_line, \
    sole_call

#: what removes a file by name
REMOVE_FUNCTIONS = ("os.remove", "os.unlink")
EXISTS_FUNCTIONS = ("os.path.exists", "os.path.isfile", "os.path.lexists")

#: the action of MBX305's plan: drop the removal, make the rename a replace
DROP_REMOVAL = "drop-removal-and-replace"


def _removal_of(stmt: ast.stmt, dst: ast.AST, facts) -> Optional[Tuple[bool]]:
    """``(quiet,)`` when ``stmt`` is a removal of ``dst`` (``os.remove``/``os.unlink`` as the
    analysis resolves them, or ``dst.unlink()``); ``quiet``: it tolerates a missing file."""
    call = sole_call(stmt)
    if call is None:
        return None
    if facts.resolve(call.func) in REMOVE_FUNCTIONS:
        return (False,) if same(argument(call, 0, "path"), dst) else None
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "unlink" and facts.resolve(func) is None \
            and (not call.args or flag_by_position(call)) and all(k.arg == "missing_ok" for k in call.keywords) \
            and same(func.value, dst):
        missing_ok = list(call.args) + [k.value for k in call.keywords]
        return (bool(missing_ok) and isinstance(missing_ok[0], ast.Constant) and missing_ok[0].value is True,)
    return None


def _checks_exists(test: ast.AST, dst: ast.AST, facts) -> bool:
    if not isinstance(test, ast.Call):
        return False
    if facts.resolve(test.func) in EXISTS_FUNCTIONS:
        return same(argument(test, 0, "path"), dst)
    func = test.func
    return isinstance(func, ast.Attribute) and callee(test) in ("exists", "is_file") and not test.args \
        and not test.keywords and same(func.value, dst)


def _removal_site(stmts, index, dst, facts, quiet=False):
    """If ``stmts[index]`` removes ``dst`` in a shape the fix drops: ``(removal statement, the
    statements that run after the removal inside it, whether a missing file is tolerated)``.
    The shapes: the removal alone; the last statement of a ``try`` whose handlers only ``pass``
    and that has no ``else``/``finally`` (or of ``with contextlib.suppress(...)``): a handler
    that logs, or code that ran only once the removal succeeded, would be lost otherwise; in
    the body of ``if os.path.exists(dst):``."""
    stmt = stmts[index]
    if not own_line(stmts, index):
        return None
    removal = _removal_of(stmt, dst, facts)
    if removal is not None:
        return stmt, [], quiet or removal[0]
    body = getattr(stmt, "body", None)
    if not isinstance(body, list) or not indented(stmt, body):
        return None
    if isinstance(stmt, ast.Try):
        silent = all(all(isinstance(s, ast.Pass) for s in h.body) and h.body[0].lineno == h.body[-1].lineno
                     for h in stmt.handlers)
        if stmt.orelse or stmt.finalbody or not silent:
            return None
        catches = any(CATCHES_MISSING.intersection(exception_names(h)) for h in stmt.handlers)
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        if not all(isinstance(item.context_expr, ast.Call) and item.optional_vars is None
                   and facts.resolve(item.context_expr.func) == "contextlib.suppress" for item in stmt.items):
            return None
        catches = bool(CATCHES_MISSING.intersection(
            caught_names([arg for item in stmt.items for arg in item.context_expr.args])))
    elif isinstance(stmt, ast.If) and _checks_exists(stmt.test, dst, facts):
        for position in range(len(body)):
            site = _removal_site(body, position, dst, facts, True)
            if site is not None and not site[1]:
                # An ``if`` left empty is dropped only when it has no ``else:``.
                if len(body) == 1 and stmt.orelse:
                    return None
                return site[0], body[position + 1:], True
        return None
    else:
        return None
    # Last only: statements after it in the try ran only when the removal succeeded.
    site = _removal_site(body, len(body) - 1, dst, facts, quiet or catches)
    return site if site is not None and not site[1] else None


#: why a rename a helper of the module makes is not fixed at the call
HELPER_RENAME = "the rename is made by a helper of the module: a change there changes every call"


def replace_plan(event, facts, blocks) -> FixPlan:
    """MBX305 (see :func:`_replace_plan`), with the names taken at the rename."""
    if getattr(event, "helper", False):
        return no_fix(HELPER_RENAME)
    plan = _replace_plan(event, facts).at_site(blocks, blocks.statement_of.get(id(event.node)))
    if plan.safety == SAFE and CATCHES_MISSING & set(plan.taken):
        # ``except FileNotFoundError: pass`` caught something else: the removal was not quiet.
        return plan._replace(safety=UNSAFE, reason="the module rebinds an exception the removal's handler names")
    return plan


def _replace_plan(event, facts) -> FixPlan:
    """MBX305: drop the removal of ``dst`` before this rename, and make the rename a replace.

    The rename is a line of its own; the removal is the nearest earlier statement of its
    block, or of a block around it when the rename is reached through ``try:``/``with``
    bodies only (not an ``if``, a loop or a handler), that removes ``dst``; and nothing
    between them leaves early or rebinds ``dst``: a path that removed the file but skips the
    rename would keep it. Anchors: ``act`` (the rename call), ``site`` (the statement of the
    block holding the removal) and ``removal`` (the removal statement)."""
    blocks = event.blocks
    dst = event.dst_node
    if event.op == "os.renames":
        return no_fix("os.renames() also makes the target's folders, which os.replace() does not")
    if not blocks:
        return no_fix("the rename is not a statement of a block")
    stmts, index = blocks[-1]
    stmt = stmts[index]
    if not (isinstance(stmt, ast.Expr) and stmt.value is event.node and own_line(stmts, index)):
        return no_fix("the rename is not a statement of its own")
    preceding: List[ast.stmt] = []
    for level in range(len(blocks) - 1, -1, -1):
        stmts, index = blocks[level]
        for earlier in range(index - 1, -1, -1):
            site = _removal_site(stmts, earlier, dst, facts)
            if site is None:
                continue
            removal, after, quiet = site
            if removal.lineno != event.removed:
                return no_fix("the removal the rename follows is not one the fix can drop")
            if interrupts(list(after) + list(stmts[earlier + 1:index]) + preceding, dst):
                return no_fix("a path between the removal and the rename leaves early or rebinds the target")
            anchors = (Anchor("act", Span.of(event.node)), Anchor("site", Span.of(stmts[earlier])),
                       Anchor("removal", Span.of(removal)))
            if not quiet:
                return FixPlan(UNSAFE, DROP_REMOVAL, anchors,
                               "a missing target made the removal raise FileNotFoundError; os.replace does not")
            temp = event.temp
            if temp is None or temp.origin != "tempfile":
                return FixPlan(UNSAFE, DROP_REMOVAL, anchors,
                               "when source and target are hard links of one file, os.replace leaves both")
            return FixPlan(SAFE, DROP_REMOVAL, anchors)
        if level == 0:
            break
        outer, outer_index = blocks[level - 1]
        owner = outer[outer_index]
        if not (isinstance(owner, (ast.Try, ast.With, ast.AsyncWith)) and stmts is owner.body
                and indented(owner, stmts)):
            return no_fix("the rename is not reached on every path that ran the removal")
        preceding = list(stmts[:index]) + preceding
    return no_fix("no removal of the target in a shape the fix can drop")


#: the actions of MBX302's plans: make the act survive the race (a keyword argument, or
#: ``contextlib.suppress``); create exclusively in ``try:``. Each is followed by ``:`` and
#: the act as the analysis resolved it (``tolerate:os.remove``, ``create-exclusive:open``).
TOLERATE = "tolerate"
CREATE_EXCLUSIVE = "create-exclusive"

#: guard kinds under which each act's rewrite behaves exactly as before in every file-system
#: state (missing, file, directory, dangling link, link to a directory, parent a file)
SAFE_GUARDS = {
    # exist_ok=True still raises for a file in the way; ``not exists()`` skipped it
    "os.makedirs": ("isdir",), "Path.mkdir": ("isdir",),
    # ``not exists()`` let a dangling link reach mkdir, which raised: suppress would hide it
    "os.mkdir": ("lexists",),
    # ``exists()`` skipped a dangling link that the removal now takes away
    "os.remove": ("lexists",), "os.unlink": ("lexists",),
    # missing_ok=True lets NotADirectoryError through, and ``exists()`` skips dangling links
    "Path.unlink": (),
    # rmdir of a link to a directory raised NotADirectoryError, which suppress now hides
    "os.rmdir": (), "Path.rmdir": (),
    # rmtree of a link (to a file, which isdir() skipped) raises OSError, which is not hidden
    "shutil.rmtree": (),
}
#: why each act's fix is unsafe under the other guards
UNSAFE_EDGES = {
    "os.makedirs": "a regular file in the way now raises FileExistsError where the check skipped it",
    "Path.mkdir": "a regular file in the way now raises FileExistsError where the check skipped it",
    "os.mkdir": "a dangling link or a file in the way raised FileExistsError, which suppress now hides",
    "os.remove": "a dangling link that exists() skipped is now removed",
    "os.unlink": "a dangling link that exists() skipped is now removed",
    "Path.unlink": "a dangling link that exists() skipped is now removed, and a parent that is a "
                   "file raises NotADirectoryError",
    "os.rmdir": "removing a link to a directory raised NotADirectoryError, which suppress now hides",
    "Path.rmdir": "removing a link to a directory raised NotADirectoryError, which suppress now hides",
    "shutil.rmtree": "a link to a file that isdir() skipped now makes rmtree raise OSError, and under "
                     "exists() a regular file raised NotADirectoryError, which suppress now hides",
}
#: acts fixed by a keyword argument; the others are wrapped in ``contextlib.suppress``
KEYWORD_FIXED = frozenset({"os.makedirs", "Path.mkdir", "Path.unlink"})


def _alone(event) -> bool:
    """Whether the reported call is a statement of its own (what ``suppress`` can wrap)."""
    stmt = event.stmt
    return isinstance(stmt, ast.Expr) and stmt.value is event.node


#: the checks MBX302's fix can drop: functions (first argument) and methods (no argument)
_CHECK_FUNCTIONS = frozenset({"exists", "lexists", "isfile", "isdir", "access"})
_CHECK_METHODS = frozenset({"exists", "is_file", "is_dir"})
#: modules whose ``open`` takes the path first (so ``gzip.open(p)`` is not ``Path.open``)
_OPEN_MODULES = frozenset({"io", "gzip", "bz2", "lzma", "codecs", "builtins"})
#: what a create does; the other acts remove
_CREATING = frozenset({"os.makedirs", "os.mkdir", "Path.mkdir", "os.open", "open"})
_JUMPS = (ast.Return, ast.Raise, ast.Continue, ast.Break)


def _checked(test):
    """``(negated, path)`` when ``test`` is just ``[not] exists(P)`` (or ``P.exists()`` ...)."""
    test, negated = unnegated(test)
    if not isinstance(test, ast.Call):
        return None
    positional = [a for a in test.args if not isinstance(a, ast.Starred)]
    name = callee(test)
    if name in _CHECK_FUNCTIONS and positional:
        return negated, positional[0]
    if name in _CHECK_METHODS and not test.args and not test.keywords and isinstance(test.func, ast.Attribute):
        return negated, test.func.value
    return None


def _act_path(op, call):
    """The path the act works on, as the fixer spells the check it drops against it."""
    func = call.func
    if op.startswith("Path.") or op == "open" and isinstance(func, ast.Attribute) and not (
            isinstance(func.value, ast.Name) and func.value.id in _OPEN_MODULES):
        return func.value if isinstance(func, ast.Attribute) else None
    return argument(call, 0, "path") or next(
        (k.value for k in call.keywords if k.arg in ("name", "file")), None)


def _is_elif(node, blocks) -> bool:
    lines = getattr(blocks, "lines", None)
    if not lines or not 0 < node.lineno <= len(lines):
        return True  # cannot tell: keep the chain as it is
    line = lines[node.lineno - 1]
    line = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
    return line.lstrip().startswith("elif")


def _guard_roles(plan, event, guard, blocks):
    """The anchors of what happens to the check: ``drop`` (the ``if`` goes, its body being the
    act alone and its test that check of the act's path), ``convert`` (a create's ``if not
    exists(P):`` becomes the ``try`` of the exclusive create: the create opens its body),
    ``clause`` (the ``if exists(P): ... <leave>`` right before the create becomes its ``try``)."""
    if plan.safety is None:
        return plan
    op = plan.action.split(":", 1)[1]
    stmt, node = event.stmt, getattr(guard, "node", None)
    path = _act_path(op, event.node)
    roles = []
    if isinstance(node, ast.If) and node.body and node.body[0] is stmt:
        check = _checked(node.test)
        polarity = check is not None and check[0] == (op in _CREATING) and same(check[1], path)
        holder = blocks.where[id(node)][0]
        parent = blocks.owner.get(id(holder))
        elif_ = isinstance(parent, ast.If) and holder is parent.orelse and _is_elif(node, blocks)
        if polarity and not node.orelse and len(node.body) == 1:
            roles.append(Anchor("drop", Span.of(node)))
        if polarity and op in ("open", "os.open") and not elif_ and not (
                len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If) and _is_elif(node.orelse[0], blocks)):
            roles.append(Anchor("convert", Span.of(node)))
    found = blocks.where.get(id(stmt))
    if op in ("open", "os.open") and found is not None and found[1] > 0:
        before = found[0][found[1] - 1]
        check = _checked(before.test) if isinstance(before, ast.If) and not before.orelse else None
        last = before.body[-1] if check is not None else None
        if check is not None and not check[0] and same(check[1], path) and isinstance(last, _JUMPS):
            roles.append(Anchor("clause", Span.of(before)))
    return plan._replace(anchors=plan.anchors + tuple(roles)) if roles else plan


def _guard_anchors(event, guard):
    anchors = [Anchor("act", Span.of(event.node)), Anchor("stmt", Span.of(event.stmt))]
    if getattr(guard, "node", None) is not None and hasattr(guard.node, "lineno"):
        anchors.append(Anchor("guard", Span.of(guard.node)))
    return tuple(anchors)


def act_plan(event, guard, blocks) -> FixPlan:
    """MBX302 on a mkdir, a removal or ``os.open``: make the act survive the race."""
    return _guard_roles(_act_plan(event, guard), event, guard, blocks).at_site(blocks, event.stmt)


def _act_plan(event, guard) -> FixPlan:
    op, call = event.op, event.node
    anchors = _guard_anchors(event, guard)
    if op == "os.open":
        stmt = event.stmt
        if isinstance(stmt, ast.Expr) or isinstance(stmt, ast.Assign) and \
                len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            return FixPlan(UNSAFE, CREATE_EXCLUSIVE + ":os.open", anchors,
                           "the create now fails with FileExistsError where another process won the race")
        return no_fix("the os.open() is part of a larger statement")
    if op in KEYWORD_FIXED:
        # An explicit exist_ok=/missing_ok= (or **kwargs) says more than the guard does.
        if any(k.arg in (None, "exist_ok", "missing_ok") for k in call.keywords) or \
                op == "os.makedirs" and len(call.args) > 2 or op == "Path.unlink" and (call.keywords or call.args):
            return no_fix("an explicit exist_ok=/missing_ok= says more than the check")
    elif not _alone(event):
        return no_fix("the act is part of a larger statement")
    action = "%s:%s" % (TOLERATE, op)
    if guard.kind in SAFE_GUARDS[op]:
        return FixPlan(SAFE, action, anchors)
    return FixPlan(UNSAFE, action, anchors, "under %s(): %s" % (guard.kind, UNSAFE_EDGES[op]))


def create_plan(event, guard, blocks) -> FixPlan:
    """MBX302 on ``open(P, "w"/"a")`` after a check that P is missing: mode ``"x"`` in
    ``try:``, for a ``with`` of that one open bound to a name, or a line of its own. A line
    binding the file (``f = open(P, "w")``) only where the check becomes the ``try``
    (``convert`` or ``clause``): anywhere else the name would be unbound after the
    ``except``."""
    plan = _guard_roles(_create_plan(event, guard), event, guard, blocks)
    if plan.safety is not None and isinstance(event.stmt, ast.Assign) and not any(
            anchor.role in ("convert", "clause") for anchor in plan.anchors):
        plan = no_fix("the open binds a name, which would be unbound where the file was there")
    return plan.at_site(blocks, event.stmt)


def _create_plan(event, guard) -> FixPlan:
    call, stmt = event.node, event.stmt
    anchors = _guard_anchors(event, guard)
    unsafe = FixPlan(UNSAFE, CREATE_EXCLUSIVE + ":open", anchors,
                     "the open now fails with FileExistsError where another process created the file")
    if isinstance(call.func, ast.Attribute) and call.func.attr in ("write_text", "write_bytes"):
        return no_fix("write_text()/write_bytes() have no exclusive mode")
    if isinstance(stmt, ast.AsyncWith):
        return no_fix("an async with")
    mode = next((k.value for k in call.keywords if k.arg == "mode"), None)
    if mode is None:
        index = 1 if call.args and event.path_node is call.args[0] else 0
        mode = call.args[index] if len(call.args) > index else None
    if mode is not None and not (isinstance(mode, ast.Constant) and isinstance(mode.value, str)):
        return no_fix("the mode is held in a name, which other opens may read")
    if isinstance(stmt, ast.With):
        item = stmt.items[0]
        if len(stmt.items) == 1 and item.context_expr is call and isinstance(item.optional_vars, ast.Name):
            return unsafe
        return no_fix("a with that opens several files or does not name the file")
    if isinstance(stmt, ast.Expr) or isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
            isinstance(stmt.targets[0], ast.Name):
        return unsafe
    return no_fix("the open is part of a larger statement")


#: the action of MBX304's plan: give the temp file's creation the target's folder
TEMP_NEXT_TO_TARGET = "temp-next-to-target"


def temp_dir_plan(event, blocks) -> FixPlan:
    """MBX304: ``dir=os.path.dirname(target)`` at the temp file's creation. Always unsafe:
    the folder is evaluated at the creation, and a temp file orphaned by an error stays in
    it. Anchors: ``act`` (the rename), ``create`` (the creating call), ``target`` (the
    rename's target, copied into the new argument). No fix where the function binds ``os``
    or ``path`` itself (the inserted ``os.path.dirname`` would read that)."""
    if getattr(event, "helper", False):
        return no_fix(HELPER_RENAME)
    temp = event.temp
    create = blocks.call_at(temp.site) if temp.site is not None else None
    if create is None:
        return no_fix("the temp file's creation is not one call")
    scope = blocks.where.get(id(blocks.statement_holding(create)), (None, None, None))[2]
    if scope is not None and not isinstance(scope, ast.Module):
        _reads, assigned, params = blocks.names_of(scope)
        if {"os", "path"} & (assigned | params):
            return no_fix("the function binds os or path itself")
    anchors = (Anchor("act", Span.of(event.node)), Anchor("create", Span.of(create)),
               Anchor("target", Span.of(event.dst_node)))
    return FixPlan(UNSAFE, TEMP_NEXT_TO_TARGET, anchors,
                   "the target's folder is evaluated where the temp file is made, and an orphaned temp "
                   "file now stays in it").at_site(blocks, blocks.statement_holding(create))


#: the action of MBX306's plan, followed by ``:method`` (``x.rename(...)`` becomes
#: ``x.replace(...)``) or ``:imported`` (``rename(...)`` imported from ``os`` becomes ``os``'s
#: ``replace`` reached as the plan's names allow)
RENAME_TO_REPLACE = "rename-to-replace"


def rename_plan(event, blocks) -> FixPlan:
    """MBX306: the rename becomes a replace. Unsafe: on Windows the replace succeeds where the
    rename raised. Anchor: ``act`` (the rename call)."""
    if getattr(event, "helper", False):
        return no_fix(HELPER_RENAME)
    func = event.node.func
    if isinstance(func, ast.Attribute) and func.attr == "rename":
        form = "method"
    elif isinstance(func, ast.Name) and func.id == "rename":
        form = "imported"
    else:
        return no_fix("the rename is not called by its name")
    return FixPlan(UNSAFE, "%s:%s" % (RENAME_TO_REPLACE, form), (Anchor("act", Span.of(event.node)),),
                   "on Windows the replace now succeeds where the rename raised FileExistsError") \
        .at_site(blocks, blocks.statement_holding(event.node))


#: the action of MBX303's plan: the rename becomes ``copy_back(src, dst)``
COPY_BACK = "copy-back"


def copy_back_plan(event, blocks) -> FixPlan:
    """MBX303, a rename onto a locked file: ``copy_back(src, dst)`` in its place. Anchors:
    ``act`` (the rename call), ``src`` and ``dst`` (its source and target expressions:
    ``Path.rename``'s receiver and argument, or the first two arguments)."""
    if getattr(event, "helper", False):
        return no_fix(HELPER_RENAME)
    call = event.node
    if event.op.startswith("Path."):
        source, target = call.func.value if isinstance(call.func, ast.Attribute) else None, \
            argument(call, 0, "target")
        if len(call.args) + len(call.keywords) != 1:
            return no_fix("the rename does not take one target")
    else:
        source, target = argument(call, 0, "src"), argument(call, 1, "dst")
    if source is None or target is None:
        return no_fix("the rename's source or target is not an argument of its own")
    return FixPlan(UNSAFE, COPY_BACK, (Anchor("act", Span.of(call)), Anchor("src", Span.of(source)),
                                       Anchor("dst", Span.of(target))),
                   "the file keeps its inode (hard links, owner and mode stay), which code relying "
                   "on a fresh inode may notice") \
        .at_site(blocks, blocks.statement_holding(call))

"""Fixer for MBX304: a temp file renamed onto a target is created in the target's directory."""

from typing import Dict, List, Optional, Set, Tuple

import libcst as cst
import libcst.matchers as m
from libcst.metadata import PositionProvider

from ..finding import Finding
from ..rules.files import TempFileInOtherDirectory
from .base import Fixer, callee_name, char_column, module_code, split_lines
from .files import _argument

_CREATORS = ("mkstemp", "mktemp", "NamedTemporaryFile")


class TempNextToTarget(Fixer):
    """MBX304 (safe): ``tempfile.mkstemp()`` (``mktemp``, ``NamedTemporaryFile``) whose file
    is later renamed onto ``target`` gets ``dir=os.path.dirname(target)``, so the rename
    stays within one file system and is atomic.

    ``os.path.dirname`` takes a ``str`` or a ``Path`` and gives a ``str``, which every
    ``tempfile`` function accepts; it is spelled through the file's own ``import os`` (or
    ``from os import path``), adding ``import os`` when there is none. The rule offers the
    fix only where the target means the same at the creation (see its "Fix safety"); the
    fixer also leaves a creation alone when its renames name different targets, or when
    the function binds the name the reference to ``os`` would use.
    """

    code = "MBX304"
    DESCRIPTION = "Create temp files in the directory of the file they replace (MBX304)."

    def lines_to_fix(self, source, findings):
        # The rewrite is at the temp file's creation, which the message names.
        return {f.line for f in findings} | {line for _op, line in map(_named, findings) if line}

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        findings = self.findings if self.findings is not None else self.engine_findings(tree.code)
        findings = [f for f in findings if f.code == self.code]
        if not findings:
            return tree
        lines = split_lines(self.source_of(tree))
        calls: List[Tuple[Tuple[int, int], cst.Call]] = []
        for call in m.findall(tree, m.Call(), metadata_resolver=self):
            start = self.get_metadata(PositionProvider, call).start
            calls.append(((start.line, start.column), call))
        # creation call -> (the targets its renames name, the findings)
        plans: Dict[int, Tuple[cst.Call, Set[str], List[cst.BaseExpression], List[Finding]]] = {}
        for finding in findings:
            op, created = _named(finding)
            where = (finding.line, char_column(lines, finding.line, finding.col))
            renames = [c for start, c in calls if start == where and callee_name(c) in ("rename", "replace", "move")]
            if op is None or created is None or len(renames) != 1:
                continue
            target = _target(renames[0], op)
            creators = [c for (line, _), c in calls if line == created and callee_name(c) in _CREATORS]
            if target is None or len(creators) != 1:
                continue
            creator = creators[0]
            plan = plans.setdefault(id(creator), (creator, set(), [], []))
            plan[1].add(module_code(target))
            plan[2].append(target)
            plan[3].append(finding)
        self._rewrites: Dict[int, cst.BaseExpression] = {}
        functions = [(self.get_metadata(PositionProvider, f), f) for f in m.findall(tree, m.FunctionDef())]
        for creator, targets, target_nodes, owned in plans.values():
            if len(targets) != 1 or not _dir_can_be_added(creator):
                continue
            local = _locals(_enclosing(functions, self.get_metadata(PositionProvider, creator).start))
            if "os" in local:
                continue
            os_path = self.reference("os", "path", qualified=True)
            if _root(os_path) in local:
                continue  # ``from os import path`` shadowed by a parameter named ``path``
            self._rewrites[id(creator)] = cst.Call(
                func=cst.Attribute(value=os_path, attr=cst.Name("dirname")),
                args=[cst.Arg(target_nodes[0].deep_clone())],
            )
            for finding in owned:
                self.mark_applied(finding)
        if not self._rewrites:
            return tree
        self._targets = {}
        self._lines = sorted({start[0] for start, c in calls if id(c) in self._rewrites})
        return tree.visit(self)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        directory = self._rewrites.get(id(original))
        if directory is None:
            return updated
        return updated.with_changes(args=_with_dir(updated, directory))


def _named(finding: Finding) -> Tuple[Optional[str], Optional[int]]:
    """The rename's name and the temp file's creation line, as the rule's message gives them."""
    op = TempFileInOtherDirectory.message_field(finding.message, "op")
    line = TempFileInOtherDirectory.message_field(finding.message, "line")
    return op, int(line) if line is not None and line.isdigit() else None


def _target(rename: cst.Call, op: str) -> Optional[cst.BaseExpression]:
    if op.startswith("Path."):
        return rename.args[0].value if len(rename.args) == 1 and rename.args[0].keyword is None else None
    return _argument(rename, 1, "dst")


#: how many positional arguments come before ``dir``
_DIR_POSITION = {"mkstemp": 2, "mktemp": 2, "NamedTemporaryFile": 6}


def _dir_can_be_added(call: cst.Call) -> bool:
    """No ``*args``/``**kwargs``, ``dir`` not passed by position, and ``dir`` absent or None."""
    positional = 0
    for arg in call.args:
        if arg.star:
            return False
        if arg.keyword is None:
            positional += 1
        elif arg.keyword.value == "dir" and not (isinstance(arg.value, cst.Name) and arg.value.value == "None"):
            return False
    return positional <= _DIR_POSITION[callee_name(call)]


def _with_dir(call: cst.Call, directory: cst.BaseExpression) -> List[cst.Arg]:
    args = list(call.args)
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == "dir":  # ``dir=None``
            args[index] = arg.with_changes(value=directory)
            return args
    new = cst.Arg(value=directory, keyword=cst.Name("dir"),
                  equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                        whitespace_after=cst.SimpleWhitespace("")))
    if not args:
        return [new]
    last = args[-1]
    if isinstance(last.comma, cst.Comma):
        # A trailing comma: one argument a line. The new one takes the last one's comma (the
        # line break before ``)``); the last one takes the break between arguments.
        if len(args) > 1 and isinstance(args[-2].comma, cst.Comma):
            between = args[-2].comma
        else:
            between = cst.Comma(whitespace_after=call.whitespace_before_args)
        args[-1] = last.with_changes(comma=between)
        return args + [new.with_changes(comma=last.comma)]
    args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return args + [new]


def _enclosing(functions, start) -> Optional[cst.FunctionDef]:
    """The innermost function whose span holds ``start``."""
    best = None
    for position, function in functions:
        if (position.start.line, position.start.column) <= (start.line, start.column) \
                <= (position.end.line, position.end.column):
            if best is None or (position.start.line, position.start.column) >= best[0]:
                best = ((position.start.line, position.start.column), function)
    return best[1] if best is not None else None


def _locals(function: Optional[cst.FunctionDef]) -> Set[str]:
    """Names a function binds anywhere in it (nested scopes too: a wider net is only safer)."""
    if function is None:
        return set()
    collector = _Bindings()
    function.visit(collector)
    return collector.names


class _Bindings(cst.CSTVisitor):
    def __init__(self):
        super().__init__()
        self.names: Set[str] = set()

    def _targets(self, node: Optional[cst.CSTNode]) -> None:
        if isinstance(node, cst.Name):
            self.names.add(node.value)
        elif isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                self._targets(element.value)
        elif isinstance(node, cst.StarredElement):
            self._targets(node.value)

    def visit_Param(self, node: cst.Param) -> None:
        self.names.add(node.name.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._targets(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._targets(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._targets(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._targets(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._targets(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:  # with/except/import ... as name
        self._targets(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._targets(node.target)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        if node.asname is None:
            self.names.add(module_code(node.name).split(".")[0])

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.names.add(node.name.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.names.add(node.name.value)


def _root(expression: cst.BaseExpression) -> str:
    while isinstance(expression, cst.Attribute):
        expression = expression.value
    return expression.value if isinstance(expression, cst.Name) else ""


__all__ = ["TempNextToTarget"]

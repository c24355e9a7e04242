"""Node positions where the findings are, instead of everywhere.

libcst's ``PositionProvider`` prints the whole module once to learn where every node is: on a
large file that costs more than parsing it, and a fixer only looks inside the statements that
hold a reported line. Here the ``ast`` of the same source tells, for each statement, the lines
it spans; the libcst statements are paired with the ``ast`` ones block by block, and only the
innermost statements holding a reported line are printed (alone, with their indentation, so
that the positions equal what the whole-module pass gives; each is checked against the
``ast``). The compound statements and blocks on the way down are listed so that a fixer's walk
enters them; every other node is outside the reported lines. When the two trees do not pair
up, :func:`reported_positions` returns None and the caller uses the whole-module pass.
"""

import ast
import bisect
import warnings
from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst
from libcst.metadata.position_provider import PositionProvider, PositionProvidingCodegenState
from libcst.metadata import CodePosition, CodeRange

_COMPOUND = {
    cst.FunctionDef: (ast.FunctionDef, ast.AsyncFunctionDef),
    cst.ClassDef: (ast.ClassDef,),
    cst.If: (ast.If,),
    cst.For: (ast.For, ast.AsyncFor),
    cst.While: (ast.While,),
    cst.Try: (ast.Try,),
    cst.With: (ast.With, ast.AsyncWith),
}
# Statements only newer interpreters parse: the match statement (3.10) and ``except*`` (3.11).
for _name in ("Match", "TryStar"):
    if hasattr(ast, _name) and hasattr(cst, _name):
        _COMPOUND[getattr(cst, _name)] = (getattr(ast, _name),)
_SIMPLE_AST = tuple(kind for kind in vars(ast).values()
                    if isinstance(kind, type) and issubclass(kind, ast.stmt)
                    and not any(issubclass(kind, pair) for pairs in _COMPOUND.values() for pair in pairs))


class _Mismatch(Exception):
    """The libcst and ast statements do not pair up."""


class Positions:
    """Positions of the nodes inside the reported statements, and the nodes that lead to them."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.ranges: Dict[cst.CSTNode, CodeRange] = {}
        #: ids of the compound statements and blocks that contain reported statements
        self.path: Set[int] = set()
        self._keep: List[cst.CSTNode] = []


def quiet_parse(source: str) -> Optional[ast.Module]:
    """``ast.parse(source)``, without its warnings; None when it fails."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def reported_positions(module: cst.Module, source: str, lines: Sequence[int]) -> Optional[Positions]:
    """:class:`Positions` for the statements holding ``lines`` (1-based), or None when the
    ``ast`` of ``source`` and ``module`` do not pair up."""
    tree = quiet_parse(source)
    if tree is None:
        return None
    found = Positions(module)
    found.path.add(id(module))
    wanted = sorted(set(lines))
    try:
        pairs = _pair(module.body, tree.body)
        # Top-level statements do not overlap: a bisection finds the one holding a line.
        starts = [first for _node, _stmts, first, _last in pairs]
        for line in wanted:
            index = bisect.bisect_right(starts, line) - 1
            if index < 0 or line > pairs[index][3]:
                return None  # a reported line outside every statement: let the full pass say
        _place(module, pairs, wanted, [], found)
    except (_Mismatch, KeyError, AttributeError, IndexError, TypeError, RecursionError):
        return None
    return found


def _span(stmts: Sequence[ast.stmt]) -> Tuple[int, int]:
    first = stmts[0]
    start = first.lineno
    for decorator in getattr(first, "decorator_list", ()):
        start = min(start, decorator.lineno)
    return start, stmts[-1].end_lineno


def _pair(nodes: Sequence[cst.BaseStatement], stmts: Sequence[ast.stmt]):
    """``[(libcst statement, its ast statements, first line, last line)]``."""
    pairs = []
    index = 0
    for node in nodes:
        if isinstance(node, cst.SimpleStatementLine):
            count = len(node.body)
            group = stmts[index:index + count]
            if len(group) != count or not all(isinstance(s, _SIMPLE_AST) for s in group):
                raise _Mismatch
        else:
            kinds = _COMPOUND.get(type(node))
            group = stmts[index:index + 1]
            if kinds is None or len(group) != 1 or not isinstance(group[0], kinds):
                raise _Mismatch
        index += len(group)
        pairs.append((node, group, *_span(group)))
    if index != len(stmts):
        raise _Mismatch
    return pairs


def _blocks(node: cst.BaseStatement, stmt: ast.stmt):
    """``[(containers, libcst block, ast statements, indents)]`` of a compound statement: the
    nodes to enter on the way to a block's statements, the block, the matching ``ast`` body,
    and the indents (besides the block's own) its statements are printed with."""
    if isinstance(node, cst.Match):
        if len(node.cases) != len(stmt.cases):
            raise _Mismatch
        # the cases are indented once more than the match, by the match's own indent
        return [((case,), case.body, ast_case.body, [node.indent]) for case, ast_case in zip(node.cases, stmt.cases)]
    found = [((), node.body, stmt.body, [])]
    if isinstance(node, cst.If):
        while isinstance(node.orelse, cst.If):  # elif: a nested If in both trees
            if len(stmt.orelse) != 1 or not isinstance(stmt.orelse[0], ast.If):
                raise _Mismatch
            node, stmt = node.orelse, stmt.orelse[0]
            found.append(((node,), node.body, stmt.body, []))
    if isinstance(node, (cst.If, cst.For, cst.While, cst.Try)) or type(node).__name__ == "TryStar":
        if node.orelse is not None:
            found.append(((node.orelse,), node.orelse.body, stmt.orelse, []))
        elif stmt.orelse:
            raise _Mismatch
    if isinstance(node, cst.Try) or type(node).__name__ == "TryStar":
        if len(node.handlers) != len(stmt.handlers):
            raise _Mismatch
        for handler, ast_handler in zip(node.handlers, stmt.handlers):
            found.append(((handler,), handler.body, ast_handler.body, []))
        if node.finalbody is not None:
            found.append(((node.finalbody,), node.finalbody.body, stmt.finalbody, []))
        elif stmt.finalbody:
            raise _Mismatch
    return found


def _place(parent, pairs, wanted, indents: List[str], found: Positions) -> None:
    # ``wanted`` is sorted and the pairs' spans do not overlap: each line is looked at once.
    for node, group, first, last in pairs:
        inside = wanted[bisect.bisect_left(wanted, first):bisect.bisect_right(wanted, last)]
        if not inside:
            continue
        if isinstance(node, cst.SimpleStatementLine) or not _enter(node, group[0], inside, indents, found):
            _print(node, group, indents, found)


def _enter(node, stmt, inside, indents, found) -> bool:
    """Place the reported lines in ``node``'s blocks; False when one lies outside them (in a
    header), or the trees do not pair up inside: then ``node`` is printed whole."""
    try:
        blocks = []
        for containers, block, body, extra in _blocks(node, stmt):
            if not isinstance(block, cst.IndentedBlock) or not body:
                return False  # ``if x: y`` on one line: printed with its header
            blocks.append((containers, block, _pair(block.body, body), extra))
    except _Mismatch:
        return False
    spans = sorted((first, last) for _c, _b, pairs, _e in blocks for _n, _g, first, last in pairs)
    starts = [first for first, _last in spans]
    for line in inside:
        index = bisect.bisect_right(starts, line) - 1
        if index < 0 or line > spans[index][1]:
            return False
    found.path.add(id(node))
    found._keep.append(node)
    for containers, block, pairs, extra in blocks:
        if any(inside[bisect.bisect_left(inside, first):bisect.bisect_right(inside, last)]
               for _n, _g, first, last in pairs):
            for container in containers + (block,):
                found.path.add(id(container))
                found._keep.append(container)
            _place(block, pairs, inside, indents + extra + [block.indent], found)
    return True


def _print(node, group, indents, found: Positions) -> None:
    """Positions of ``node`` and everything in it, as the whole-module pass gives them."""
    provider = PositionProvider()
    provider._computed = {}
    module = found.module
    state = PositionProvidingCodegenState(
        default_indent=module.default_indent, default_newline=module.default_newline, provider=provider)
    state.indent_tokens = [module.default_indent if indent is None else indent for indent in indents]
    node._codegen(state)
    computed = provider._computed
    anchor = computed[node.body[0]] if isinstance(node, cst.SimpleStatementLine) else computed[node]
    shift = group[0].lineno - anchor.start.line
    if anchor.start.column != group[0].col_offset:
        raise _Mismatch
    end = computed[node.body[-1]] if isinstance(node, cst.SimpleStatementLine) else computed[node]
    if end.end.line + shift != group[-1].end_lineno:
        raise _Mismatch
    for child, where in computed.items():
        found.ranges[child] = CodeRange(CodePosition(where.start.line + shift, where.start.column),
                                        CodePosition(where.end.line + shift, where.end.column))


"""The MBX301 fixer: an open guarded by an existence check becomes an open in ``try:``.

The open alone moves into ``try:``; only ``(FileNotFoundError, NotADirectoryError)`` is caught,
the errors for which ``exists()`` said False; what ran when the file was missing becomes the
``except`` body, and what processed the file goes in ``else:``, so a corrupt file still raises
(the review in sage-star-imports-cache-race)::

    if os.path.exists(p):              try:
        with open(p, "rb") as f:           f = open(p, "rb")
            cache = pickle.load(f)     except (FileNotFoundError, NotADirectoryError):
    else:                                  cache = {}
        cache = {}                     else:
                                           with f:
                                               cache = pickle.load(f)

The plan decides everything (``mboxlint.plans.eafp.open_plan``): whether the shape is handled,
the form of the guard, how the open is bound and under which name, and anchors the guard and
the open; this module finds them and rebuilds the statements.
"""

from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from ..finding import Finding
from .base import Fixer, split_leading_lines


def _caught(fixer: Fixer) -> cst.Tuple:
    """``(FileNotFoundError, NotADirectoryError)``, the errors for which ``exists()`` said False."""
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return cst.Tuple([cst.Element(fixer.builtin("FileNotFoundError"), comma=comma),
                      cst.Element(fixer.builtin("NotADirectoryError"))])


def _statements(suite: cst.BaseSuite) -> Optional[List[cst.BaseStatement]]:
    """A suite as a list of statements (``if x: a`` counts as one line ``a``)."""
    if isinstance(suite, cst.IndentedBlock):
        return list(suite.body)
    if isinstance(suite, cst.SimpleStatementSuite) and len(suite.body) == 1:
        small = suite.body[0].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return [cst.SimpleStatementLine(body=[small], trailing_whitespace=suite.trailing_whitespace)]
    return None


def _with_statements(suite: cst.BaseSuite, body: Sequence[cst.BaseStatement], header: bool = True,
                     indent: Optional[str] = None) -> cst.IndentedBlock:
    """``body`` in a block shaped like ``suite`` (its indentation, footer and, with
    ``header``, the comment on its first line)."""
    if isinstance(suite, cst.IndentedBlock):
        block = suite.with_changes(body=list(body))
        return block if header else block.with_changes(header=cst.TrailingWhitespace())
    return cst.IndentedBlock(body=list(body), indent=indent)


def _calls_in(node: cst.CSTNode, wanted: Dict[int, Tuple[Finding, cst.Call]]) -> List[cst.Call]:
    found = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Call) and id(current) in wanted:
            found.append(current)
        stack.extend(reversed(current.children))
    return found


def _line(small: cst.BaseSmallStatement) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(body=[small])


def _assign(name: str, value: cst.BaseExpression) -> cst.SimpleStatementLine:
    return _line(cst.Assign(targets=[cst.AssignTarget(target=cst.Name(name))], value=value))


class OpenInTry(Fixer):
    """MBX301: ``if os.path.exists(p): <open p ...>`` becomes ``try: <open>`` /
    ``except (FileNotFoundError, NotADirectoryError): <else-branch>`` / ``else: <the rest>``.

    Handled: the open as the first item of a ``with``, the value of an assignment, or nested
    in the first expression a statement evaluates (``return pickle.load(open(p, "rb"))``,
    ``for line in open(p):``), then bound to a fresh name; ``open``, ``io/gzip/bz2/lzma/codecs
    .open`` and ``Path.open/read_text/read_bytes``; a negated guard with the open in its
    ``else:``; the guard-clause form; ``elif`` chains (the ``elif`` becomes ``else:`` around
    the ``try``).
    """

    code = "MBX301"
    DESCRIPTION = "Open in try: and catch FileNotFoundError instead of checking exists() first (MBX301)."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: the reported opens, by ``id`` of the node that stands in the updated tree
        self._opens: Dict[int, Tuple[Finding, cst.Call]] = {}
        #: ``elif`` nodes (original ids), and the ``try`` that replaces a rewritten one
        self._elifs: Set[int] = set()
        self._elif_try: Dict[int, cst.BaseCompoundStatement] = {}
        #: the guard clauses left in the updated tree (by id), with the findings they guard
        self._clause_guards: Dict[int, List[Finding]] = {}
        self._hold: List[cst.CSTNode] = []
        #: indentation of the enclosing indented blocks (None in a block: the file's default)
        self._indents: List[Optional[str]] = []

    # -- the reported opens ---------------------------------------------------------------

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        for finding, role in self.anchors_at(original):
            if role == "act" and finding.code == self.code:
                self._opens[id(updated)] = (finding, original)
                self._hold.append(updated)
        return updated

    def visit_If(self, node: cst.If) -> bool:
        if isinstance(node.orelse, cst.If):
            self._elifs.add(id(node.orelse))
        return True

    def leave_If(self, original: cst.If, updated: cst.If) -> cst.BaseStatement:
        rewritten = None
        if isinstance(updated.orelse, cst.If):
            rewritten = self._elif_try.pop(id(updated.orelse), None)
        if rewritten is not None:
            elif_ = updated.orelse
            # The comments above ``elif`` now stand above ``else:``.
            updated = updated.with_changes(orelse=cst.Else(
                body=cst.IndentedBlock(body=[rewritten.with_changes(leading_lines=())],
                                       indent=self._block_indent(updated)),
                leading_lines=elif_.leading_lines))
        planned = [f for f, role in self.anchors_at(original) if role == "guard" and f.code == self.code]
        result = None
        for finding in planned:
            form = finding.plan.action.split(":")[1]
            if form != "clause":
                result = self._arm_form(updated, finding, form == "arm-negated")
                if result is not None:
                    break
        if result is None:
            clauses = [f for f in planned if f.plan.action.split(":")[1] == "clause"]
            if clauses:
                self._clause_guards[id(updated)] = clauses
                self._hold.append(updated)
            return updated
        if id(original) in self._elifs:
            self._elif_try[id(updated)] = result
            self._hold.append(updated)
            return updated
        return result

    def _reported_open(self, stmt: cst.BaseStatement, finding: Finding) -> Optional[cst.Call]:
        """The open of ``finding`` in (the updated) ``stmt``, if it is there."""
        for call in _calls_in(stmt, self._opens):
            if self._opens[id(call)][0] is finding:
                return call
        return None

    # -- the rewrite ---------------------------------------------------------------------

    def _bind(self, stmt: cst.BaseStatement, call: cst.Call):
        """``(the statement for try:, what stands for stmt in else: or None)``, as the plan's
        binding says (see :func:`mboxlint.plans.eafp.open_plan`)."""
        finding = self._opens[id(call)][0]
        _action, _form, binding, name = finding.plan.action.split(":", 3)
        if binding == "with-as":
            item = stmt.items[0]
            new_item = item.with_changes(item=cst.Name(name), asname=None)
            return _assign(name, call), stmt.with_changes(items=[new_item] + list(stmt.items[1:]))
        if binding == "assign":
            # It opens the try: blank lines above it would stand after ``try:``.
            return stmt.with_changes(leading_lines=split_leading_lines(stmt)[1]), None
        return _assign(name, call), stmt.deep_replace(call, cst.Name(name))

    def _block_indent(self, node: cst.If) -> Optional[str]:
        """The indentation for new blocks at ``node``: what its own blocks use, else what
        the block around it uses (a file may mix tabs and spaces across functions)."""
        for suite in (node.body, getattr(node.orelse, "body", None)):
            if isinstance(suite, cst.IndentedBlock):
                return suite.indent
        return self._indents[-1] if self._indents else None

    def _try(self, first: cst.SimpleStatementLine, handler_body: Optional[cst.BaseSuite], orelse, *,
             header=None, leading=(), handler_leading=(), indent=None,
             footer=()) -> cst.BaseCompoundStatement:
        body = cst.IndentedBlock(body=[first], header=header or cst.TrailingWhitespace(), indent=indent,
                                 footer=footer)
        if handler_body is None and orelse is None:
            # Nothing to do when the file is missing nor after the open: ``try:`` ...
            # ``except ...: pass`` is what ruff's SIM105 asks to write as ``suppress``.
            suppress = cst.Call(func=self.reference("contextlib", "suppress"),
                                args=[cst.Arg(self.builtin("FileNotFoundError"),
                                              comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                                      cst.Arg(self.builtin("NotADirectoryError"))])
            return cst.With(items=[cst.WithItem(suppress)], body=body, leading_lines=leading)
        if handler_body is None:
            handler_body = cst.IndentedBlock(body=[_line(cst.Pass())], indent=indent)
        handler = cst.ExceptHandler(body=handler_body, type=_caught(self),
                                    leading_lines=handler_leading)
        return cst.Try(body=body, handlers=[handler], orelse=orelse, leading_lines=leading)

    def _arm_form(self, node: cst.If, finding: Finding, negated: bool) -> Optional[cst.BaseCompoundStatement]:
        """``if [not] check(p): ... else: ...`` with the open directly in the arm where the
        file exists (the ``else:`` when ``negated``)."""
        present_suite = node.orelse.body if negated else node.body
        present = _statements(present_suite)
        if present is None:
            return None
        indent = self._block_indent(node)
        for index, stmt in enumerate(present):
            call = self._reported_open(stmt, finding)
            if call is not None:
                break
        else:
            return None  # changed by another fix: left for the next round
        first, replacement = self._bind(stmt, call)
        rest = present[:index] + ([replacement] if replacement is not None else []) + present[index + 1:]
        if negated:
            handler_body, handler_leading = node.body, ()
            else_block = _with_statements(present_suite, rest, indent=indent)
            orelse = cst.Else(body=else_block, leading_lines=node.orelse.leading_lines) if rest else None
            header = None
        else:
            handler_leading = ()
            if node.orelse is None:
                handler_body = None  # fall through, as the if did
            elif isinstance(node.orelse, cst.Else):
                handler_body, handler_leading = node.orelse.body, node.orelse.leading_lines
            else:  # an elif chain: it runs as an if of its own
                handler_body = cst.IndentedBlock(body=[node.orelse], indent=indent)
            orelse = None
            if rest:
                orelse = cst.Else(body=_with_statements(present_suite, rest, header=False, indent=indent))
            # The comment on the ``if`` line now stands on the ``try`` line.
            header = present_suite.header if isinstance(present_suite, cst.IndentedBlock) else None
        # Comments closing the arm close the try: body when no else: takes them.
        footer = present_suite.footer if not rest and isinstance(present_suite, cst.IndentedBlock) else ()
        self.mark_applied(self._opens[id(call)][0])
        return self._try(first, handler_body, orelse, header=header, leading=node.leading_lines,
                         handler_leading=handler_leading, indent=indent, footer=footer)

    # -- the guard-clause form: ``if not check(p): return ...`` then the open ---------------

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> bool:
        self._indents.append(node.indent)
        return True

    def leave_IndentedBlock(self, original, updated):
        self._indents.pop()
        body = self._clauses(updated.body, updated.indent)
        return updated if body is None else updated.with_changes(body=body)

    def leave_Module(self, original, updated):
        body = self._clauses(updated.body, None)
        return updated if body is None else updated.with_changes(body=body)

    def _clauses(self, body: Sequence[cst.BaseStatement],
                 indent: Optional[str]) -> Optional[List[cst.BaseStatement]]:
        if not self._opens or not self._clause_guards:
            return None
        body = list(body)
        changed = False
        index = 0
        while index < len(body):
            guard = body[index]
            findings = self._clause_guards.get(id(guard), ())
            for finding in findings:
                for later in range(index + 1, len(body)):
                    call = self._reported_open(body[later], finding)
                    if call is not None:
                        break
                else:
                    continue
                break
            else:
                index += 1
                continue
            bound = self._bind(body[later], call)
            first, replacement = bound
            inner = guard.body.indent if isinstance(guard.body, cst.IndentedBlock) else indent
            new = self._try(first, guard.body, None, leading=guard.leading_lines, indent=inner)
            between = body[index + 1:later]
            after = [replacement] if replacement is not None else []
            body[index:later + 1] = [new] + between + after
            self.mark_applied(self._opens[id(call)][0])
            changed = True
            index += 1
        return body if changed else None

"""Fixer for MBX210: IMAP commands on sequence numbers become their UID forms."""

import ast
from typing import Dict, List, Set, Tuple

import libcst as cst
from libcst.metadata import PositionProvider

from ..analysis import analyse
from ..analysis.keys import search_uses
from ..finding import Finding
from .base import Fixer, char_column, split_lines

Position = Tuple[int, int]


class UidCommands(Fixer):
    """MBX210 (unsafe): ``conn.search(None, c)`` → ``conn.uid("SEARCH", None, c)`` and the
    reported ``conn.store(n, ...)``/``copy``/``fetch`` → ``conn.uid("STORE", n, ...)``.

    A search is rewritten once, and only together with every reported use of its numbers:
    rewriting it for one use would hand UIDs to the others. The rule offers no fix when the
    numbers also reach a call that is not rewritten (a read-only fetch, a helper), so those
    findings never get here.
    """

    code = "MBX210"
    DESCRIPTION = "Use UID SEARCH / UID STORE, COPY, FETCH instead of sequence numbers (MBX210)."

    _plan = None

    def lines_to_fix(self, source, findings):
        accepted, searches = self._planned(source, findings)
        return {f.line for f in accepted} | {line for line, _ in searches}

    def _planned(self, source: str, findings: List[Finding]) -> Tuple[List[Finding], Set[Position]]:
        """The findings to rewrite and the positions of their searches."""
        if self._plan is not None and self._plan[0] == source:
            return self._plan[1]
        # Which search each reported use depends on is the analysis's business; ask it.
        uses = search_uses(analyse(ast.parse(source), text=source).events)
        given = {(f.line, f.col) for f in findings}
        searches: Set[Position] = set()
        accepted = []
        for finding in findings:
            sites = [site for site, users in uses.items() if (finding.line, finding.col) in users]
            # Every use of that search must be rewritten in this same pass.
            if len(sites) == 1 and uses[sites[0]] <= given:
                searches.add(sites[0])
                accepted.append(finding)
        self._plan = (source, (accepted, searches))
        return accepted, searches

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        findings = self.findings if self.findings is not None else self.engine_findings(tree.code)
        findings = [f for f in findings if f.code == self.code]
        if not findings:
            return tree
        source = getattr(self, "_source", None)
        accepted, searches = self._planned(source if source is not None else tree.code, findings)
        if not accepted:
            return tree
        lines = split_lines(self.source_of(tree))
        self._targets = {(f.line, char_column(lines, f.line, f.col)): f for f in accepted}
        self._searches: Dict[Position, bool] = {
            (line, char_column(lines, line, col)): True for line, col in searches
        }
        self._lines = sorted({line for line, _ in self._targets} | {line for line, _ in self._searches})
        return tree.visit(self)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        func = updated.func
        if not isinstance(func, cst.Attribute):
            return updated
        if self.finding_at(original) is not None:
            if func.attr.value not in ("store", "copy", "fetch") or _has_keywords(updated):
                return updated
            self.applied_to(original)
            return _uid_call(updated, func.attr.value.upper())
        if func.attr.value == "search" and not _has_keywords(updated):
            start = self.get_metadata(PositionProvider, original).start
            if (start.line, start.column) in self._searches:
                return _uid_call(updated, "SEARCH")
        return updated


def _has_keywords(call: cst.Call) -> bool:
    return any(arg.keyword is not None or arg.star == "**" for arg in call.args)


def _uid_call(call: cst.Call, command: str) -> cst.Call:
    """``conn.cmd(a, b)`` → ``conn.uid("CMD", a, b)``, quoting as the call's strings do."""
    quote = '"'
    for arg in call.args:
        value = arg.value
        # A string quoted with ' only because it holds a " says nothing of the file's style.
        if isinstance(value, cst.SimpleString) and ('"' if value.quote[-1] == "'" else "'") not in value.value:
            quote = value.quote[-1]
            break
    first = cst.Arg(cst.SimpleString(quote + command + quote))
    args: List[cst.Arg] = list(call.args)
    if args:
        first = first.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return call.with_changes(func=call.func.with_changes(attr=cst.Name("uid")), args=[first] + args)


__all__ = ["UidCommands"]

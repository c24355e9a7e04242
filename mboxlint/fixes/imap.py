"""Fixer for MBX210: IMAP commands on sequence numbers become their UID forms."""

from typing import List

import libcst as cst

from ..finding import Finding
from .base import Fixer


class UidCommands(Fixer):
    """MBX210 (unsafe): executes the plan :func:`mboxlint.plans.keys.uid_plan` made: the
    use anchored as ``act`` (``conn.store(n, ...)``/``copy``/``fetch``) becomes
    ``conn.uid("STORE", n, ...)``, and the search anchored as ``search`` becomes
    ``conn.uid("SEARCH", None, c)``, once, and only when every ``peer`` (each reported use
    of that search's numbers) is rewritten in the same pass.
    """

    code = "MBX210"
    DESCRIPTION = "Use UID SEARCH / UID STORE, COPY, FETCH instead of sequence numbers (MBX210)."

    def _complete(self, finding: Finding) -> bool:
        """Whether every use of this finding's search is among the findings fixed now."""
        if self._batch is None:
            self._batch = {(f.line, f.col) for f in self.batch}
        return all((span.line, span.col) in self._batch for span in finding.plan.spans("peer"))

    _batch = None

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        func = updated.func
        if not isinstance(func, cst.Attribute) or _has_keywords(updated):
            return updated
        for finding, role in self.anchors_at(original):
            if finding.plan is None or not self._complete(finding):
                continue
            if role == "act" and func.attr.value in ("store", "copy", "fetch"):
                self.applied_to(original)
                return _uid_call(updated, func.attr.value.upper())
            if role == "search" and func.attr.value == "search":
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

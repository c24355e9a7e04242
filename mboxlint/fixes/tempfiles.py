"""Fixer for MBX304: a temp file renamed onto a target is created in the target's directory."""

from typing import Dict, List, Tuple

import libcst as cst

from ..finding import Finding
from .base import Fixer


class TempNextToTarget(Fixer):
    """MBX304 (unsafe): executes the plan :func:`mboxlint.plans.files.temp_dir_plan` made:
    the creating call anchored as ``create`` (``tempfile.mkstemp()``, ``mktemp``,
    ``NamedTemporaryFile``) gets ``dir=os.path.dirname(<target>)``, the target being the
    rename's argument anchored as ``target``, so the rename stays within one file system and
    is atomic.

    ``os.path.dirname`` takes a ``str`` or a ``Path`` and gives a ``str``, which every
    ``tempfile`` function accepts; it is spelled through the file's own ``import os`` (or
    ``from os import path``), adding ``import os`` when there is none.
    """

    code = "MBX304"
    DESCRIPTION = "Create temp files in the directory of the file they replace (MBX304)."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: the creating calls (original ids) and the target each gets its folder from
        self._creations: Dict[int, Tuple[cst.BaseExpression, List[Finding]]] = {}
        self._collecting = False

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        # The target comes after the creation: a first pass finds every anchor, the second
        # rewrites the creations.
        self._collecting = True
        super().transform_module_impl(tree)
        self._collecting = False
        return super().transform_module_impl(tree)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if self._collecting:
            return updated
        for finding, role in self.anchors_at(original):
            target = self.anchored(finding, "target", cst.BaseExpression) if role == "create" else None
            if target is not None:
                self._creations.setdefault(id(original), (target, []))[1].append(finding)
        planned = self._creations.get(id(original))
        if planned is None:
            return updated
        target, owned = planned
        directory = cst.Call(func=cst.Attribute(value=self.reference("os", "path", qualified=True),
                                                attr=cst.Name("dirname")),
                             args=[cst.Arg(target.deep_clone())])
        for finding in owned:
            self.mark_applied(finding)
        return updated.with_changes(args=_with_dir(updated, directory))


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


__all__ = ["TempNextToTarget"]

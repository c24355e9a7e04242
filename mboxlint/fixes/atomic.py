"""Fix of MBX901: a state file rewritten in place is written through ``atomic_write``.

``mboxlint.mailbox.atomic_write(path, mode="w", **open_kwargs)`` takes what ``open`` takes
after the file, so the rewrite only moves arguments:

- ``with open(P, "w", ...) as f:`` (also ``io.open``) becomes ``with atomic_write(P, ...) as f:``;
- ``with p.open("wb", ...) as f:`` (``pathlib``) becomes ``with atomic_write(p, "wb", ...) as f:``;
- a statement ``p.write_text(data, encoding=...)`` becomes ``with atomic_write(p, "w",
  encoding=...) as f: f.write(data)`` (``write_bytes``: mode ``"wb"``), ``f`` being a name the
  module does not use.

Positional arguments after the mode become keywords (``atomic_write`` takes only the path and
the mode by position); a mode of ``"w"``, the default, is left out. Declined (the rule reports
no fix): an ``open`` that is not the context manager of a ``with`` (``f = open(P, "w")`` ...
``f.close()`` would need the close turned into the commit), ``"w+"`` modes (``atomic_write``
yields a write-only temp file, so the code's reads of what it wrote would fail), ``gzip``/``codecs``
opens, ``closefd``/``opener``, ``*args``, and a ``write_text`` whose value is used.
"""

from typing import List, Optional, Sequence, Set

import libcst as cst

from .base import Fixer, sole_call

#: ``open``'s parameters after the file, in order (``Path.open`` starts at the mode)
_OPEN_PARAMETERS = ("mode", "buffering", "encoding", "errors", "newline")
_WRITE_TEXT_PARAMETERS = ("data", "encoding", "errors", "newline")
#: names tried, in order, for the file object of a rewritten ``write_text``
_FILE_NAMES = ("f", "fh", "out")


def _comma() -> cst.Comma:
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(value=value.deep_clone(), keyword=cst.Name(name),
                   equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                         whitespace_after=cst.SimpleWhitespace("")))


def _separated(args: Sequence[cst.Arg]) -> List[cst.Arg]:
    return [arg.with_changes(comma=_comma() if i < len(args) - 1 else cst.MaybeSentinel.DEFAULT)
            for i, arg in enumerate(args)]


def _string_value(node: Optional[cst.BaseExpression]) -> Optional[str]:
    if isinstance(node, cst.SimpleString):
        return node.evaluated_value if isinstance(node.evaluated_value, str) else None
    return None


def _bound(call: cst.Call, parameters: Sequence[str], leading: Sequence[str] = ()):
    """The arguments of ``call`` by parameter name (``leading`` names come first by position),
    plus its ``**kwargs``; None when an argument does not fit (``*args``, unknown keyword)."""
    names = tuple(leading) + tuple(parameters)
    values = {}
    rest = []
    positional = 0
    for arg in call.args:
        if arg.star == "*":
            return None
        if arg.star == "**":
            rest.append(arg)
        elif arg.keyword is None:
            if positional >= len(names):
                return None
            values[names[positional]] = arg.value
            positional += 1
        elif arg.keyword.value in names and arg.keyword.value not in values:
            values[arg.keyword.value] = arg.value
        else:
            return None
    return values, rest


def _atomic_arguments(path: cst.BaseExpression, mode: Optional[cst.BaseExpression],
                      values: dict, rest: Sequence[cst.Arg], default_mode: str) -> Optional[List[cst.Arg]]:
    """``atomic_write``'s arguments: the path, the mode unless it is ``"w"``, the rest by keyword."""
    text = _string_value(mode) if mode is not None else default_mode
    if text is None or "w" not in text or any(c in text for c in "ra+x"):
        return None
    args = [cst.Arg(path.deep_clone())]
    if text != "w":
        args.append(cst.Arg(mode.deep_clone()) if mode is not None else cst.Arg(cst.SimpleString('"%s"' % text)))
    for name in _OPEN_PARAMETERS[1:]:
        if name in values:
            args.append(_keyword(name, values[name]))
    args.extend(arg.deep_clone() for arg in rest)
    return _separated(args)


class AtomicWrite(Fixer):
    """MBX901 (unsafe): the in-place rewrite goes through ``mboxlint.mailbox.atomic_write``."""

    code = "MBX901"
    DESCRIPTION = "Rewrite state files through mboxlint.mailbox.atomic_write (MBX901)."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: indentation of the enclosing blocks (None: the module's default)
        self._indents: List[Optional[str]] = []
        self._names: Optional[Set[str]] = None

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._indents.append(node.indent)

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        self._indents.pop()
        return updated

    # -- with open(P, "w") as f: --------------------------------------------------------

    def leave_WithItem(self, original: cst.WithItem, updated: cst.WithItem) -> cst.WithItem:
        if not isinstance(original.item, cst.Call) or self.finding_at(original.item) is None:
            return updated
        args = self._open_arguments(updated.item)
        if args is None:
            return updated
        self.applied_to(original.item)
        call = cst.Call(func=self.reference(self.runtime_module, "atomic_write"), args=args)
        return updated.with_changes(item=call)

    def _open_arguments(self, call: cst.Call) -> Optional[List[cst.Arg]]:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "open" and _is_path_open(call):
            bound = _bound(call, _OPEN_PARAMETERS)  # Path.open(mode, ...)
            path = func.value
        else:
            bound = _bound(call, _OPEN_PARAMETERS, leading=("file",))
            path = None if bound is None else bound[0].get("file")
        if bound is None or path is None:
            return None
        values, rest = bound
        return _atomic_arguments(path, values.get("mode"), values, rest, "r")

    # -- p.write_text(data) -------------------------------------------------------------

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine,
                                  updated: cst.SimpleStatementLine) -> cst.BaseStatement:
        call = sole_call(original)
        if call is None or self.finding_at(call) is None:
            return updated
        new_call = sole_call(updated)
        func = new_call.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in ("write_text", "write_bytes"):
            return updated
        text = func.attr.value == "write_text"
        bound = _bound(new_call, _WRITE_TEXT_PARAMETERS if text else ("data",))
        if bound is None or bound[1] or "data" not in bound[0]:
            return updated
        values = bound[0]
        args = _atomic_arguments(func.value, None, values, (), "w" if text else "wb")
        name = self._free_name()
        self.applied_to(call)
        write = cst.Call(func=cst.Attribute(value=cst.Name(name), attr=cst.Name("write")),
                         args=[cst.Arg(values["data"].deep_clone())])
        opened = cst.Call(func=self.reference(self.runtime_module, "atomic_write"), args=args)
        return cst.With(
            items=[cst.WithItem(item=opened, asname=cst.AsName(name=cst.Name(name)))],
            body=cst.IndentedBlock(
                body=[cst.SimpleStatementLine(body=[cst.Expr(value=write)])],
                header=updated.trailing_whitespace,  # a comment on the line stays on it
                indent=self._indents[-1] if self._indents else None,
            ),
            leading_lines=updated.leading_lines,
        )

    def _free_name(self) -> str:
        """A name for the file object that no code of the module uses, so binding it neither
        shadows a variable read later nor changes what ``data`` refers to."""
        if self._names is None:
            self._names = self.names_used(self.module)
        candidates = list(_FILE_NAMES) + ["f%d" % n for n in range(1, 1000)]
        return next(n for n in candidates if n not in self._names)


def _is_path_open(call: cst.Call) -> bool:
    """``p.open("w")`` rather than ``io.open(P, "w")``: a module's ``open`` takes the file
    first, a path's takes a mode (a literal, as the rule only reports constant modes)."""
    func = call.func
    if isinstance(func.value, cst.Name) and func.value.value == "io":
        return False
    first = next((arg for arg in call.args if arg.keyword is None and not arg.star), None)
    if first is None:
        return not any(arg.keyword is not None and arg.keyword.value == "file" for arg in call.args)
    text = _string_value(first.value)
    return text is not None and set(text) <= set("rwxabt+")


__all__ = ["AtomicWrite"]

"""The fixer of MBX302: acts that no longer rely on a check made before them.

Each act is made to survive losing the race, then the check it relied on goes away when
nothing else hangs on it:

* ``os.makedirs(P)`` / ``Path.mkdir()`` get ``exist_ok=True``; ``Path.unlink()`` gets
  ``missing_ok=True``;
* ``os.mkdir``, ``os.remove``/``unlink``, ``os.rmdir``, ``shutil.rmtree`` and ``Path.rmdir``
  lines go inside ``with contextlib.suppress(...)``: the error the check meant to avoid;
* ``open(P, "w"/"a")`` becomes ``open(P, "x")`` and ``os.open(P, O_CREAT...)`` gets
  ``os.O_EXCL``, in a ``try`` whose ``except FileExistsError:`` does what the code did when
  ``P`` was there: the old ``else:`` branch, the guard clause's ``return``, or nothing.

The ``if`` that checked goes when the plan anchors it as ``drop`` (its test is just that
check of the same path, it has no ``else`` and its body was only the act); it becomes the
``try`` of an exclusive create when anchored ``convert`` or ``clause``. An ``if`` with other statements, an ``else``, a
compound test or an ``elif`` stays, with the act rewritten inside it: its other statements
still run only when the check said so. Shapes not listed stay reported.
"""

from typing import Dict, List, NamedTuple, Optional, Sequence, Set

import libcst as cst

from ..finding import Finding
from .base import Fixer, split_leading_lines

#: acts wrapped in ``suppress``, with the errors suppressed
SUPPRESSED = {
    "os.mkdir": ("FileExistsError",),
    "os.remove": ("FileNotFoundError", "NotADirectoryError"),
    "os.unlink": ("FileNotFoundError", "NotADirectoryError"),
    "os.rmdir": ("FileNotFoundError", "NotADirectoryError"),
    "shutil.rmtree": ("FileNotFoundError", "NotADirectoryError"),
    "Path.rmdir": ("FileNotFoundError", "NotADirectoryError"),
}
#: acts fixed by one keyword argument
KEYWORDS = {"os.makedirs": "exist_ok", "Path.mkdir": "exist_ok", "Path.unlink": "missing_ok"}
#: the ops the rule names in its message; every other reported call opens a file
ACTS = frozenset(SUPPRESSED) | frozenset(KEYWORDS) | {"os.open"}
#: the modules whose ``open`` takes the path first and the mode second
OPEN_MODULES = frozenset({"io", "gzip", "bz2", "lzma", "codecs", "builtins"})


class _Act(NamedTuple):
    op: str  # "os.makedirs", ... or "open" for every file-opening call
    original: cst.Call
    updated: cst.Call
    finding: Finding


class MakeActsRaceFree(Fixer):
    """MBX302: ``exist_ok=True``/``missing_ok=True``, ``contextlib.suppress``, or an
    exclusive create in ``try: ... except FileExistsError:``; the check goes when it guarded
    the act alone."""

    code = "MBX302"
    DESCRIPTION = "Make mkdir/remove/create survive the race instead of checking first (MBX302)."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: reported calls met so far, by id of the original call
        self._calls: Dict[int, _Act] = {}
        self._used: Set[Finding] = set()
        #: acts met on the current simple statement line (or suite)
        self._line_acts: List[_Act] = []
        #: updated lines, suites and ``with`` statements that hold one act -> the act
        self._acts: Dict[int, _Act] = {}
        #: statements whose act is fixed already (keyword added, or the suppress built)
        self._done: Dict[int, _Act] = {}
        self._ifs: List[cst.If] = []
        #: original ``if`` statements that become the ``try`` of the open they guard
        self._convert: Dict[int, _Act] = {}
        #: the indentation of the block being rewritten (None: the module's default)
        self.indent: Optional[str] = None
        #: the indentations of the blocks being visited
        self._indents: List[Optional[str]] = []

    # -- the calls ----------------------------------------------------------------------

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        finding = self.finding_at(original)
        if finding is None or finding in self._used:
            return updated  # ``open(P).close()``: the inner call, left first, is the act
        self._used.add(finding)
        op = finding.plan.action.split(":", 1)[1] if finding.plan is not None else ""
        if op not in ACTS:
            op = "open"
        act = _Act(op, original, updated, finding)
        if op in KEYWORDS:
            new = _with_keyword(updated, KEYWORDS[op])
            if new is None:
                return updated
            self.applied_to(original)
            act = act._replace(updated=new)
        self._calls[id(original)] = act
        self._line_acts.append(act)
        return act.updated

    def visit_SimpleStatementLine(self, node) -> None:
        self._line_acts = []

    def leave_SimpleStatementLine(self, original, updated):
        return self._note_line(updated)

    def visit_SimpleStatementSuite(self, node) -> None:
        self._line_acts = []

    def leave_SimpleStatementSuite(self, original, updated):
        acts = self._line_acts
        self._note_line(updated)
        if len(acts) != 1 or acts[0].op not in SUPPRESSED or len(updated.body) != 1:
            return updated
        # ``if exists(p): os.remove(p)`` on one line: the body becomes a block for the with.
        line = cst.SimpleStatementLine(body=updated.body, trailing_whitespace=updated.trailing_whitespace)
        indent = self._indents[-1] if self._indents else None
        new = self._suppressed(acts[0], line, indent)
        if new is None:
            return updated
        return cst.IndentedBlock(body=new, indent=indent)

    def visit_IndentedBlock(self, node) -> None:
        self._indents.append(node.indent)

    def _note_line(self, updated):
        if len(self._line_acts) == 1 and len(updated.body) == 1:
            act = self._line_acts[0]
            self._note(self._acts, updated, act)
            if act.op in KEYWORDS:
                self._note(self._done, updated, act)
        self._line_acts = []
        return updated

    def leave_With(self, original: cst.With, updated: cst.With) -> cst.With:
        if len(updated.items) == 1:
            act = self._calls.get(id(original.items[0].item))
            if act is not None and act.updated is updated.items[0].item:
                self._note(self._acts, updated, act)
        return updated

    def _note(self, table: Dict[int, _Act], node: cst.CSTNode, act: _Act) -> None:
        self._keep.append(node)  # alive, so that no other node gets its id
        table[id(node)] = act

    # -- where statements are -------------------------------------------------------------

    def visit_If(self, node: cst.If) -> None:
        self._ifs.append(node)

    def leave_If(self, original, updated):
        self._ifs.pop()
        return updated

    def leave_IndentedBlock(self, original, updated):
        # A new block nested here indents by what this block indents by.
        self._indents.pop()
        self.indent = updated.indent
        owner = None
        if self._ifs and self._ifs[-1].body is original:
            owner = self._ifs[-1]
            if len(self._ifs) > 1 and self._ifs[-2].orelse is owner:
                owner = None  # an elif: its chain stays as it is
        result = self._rewrite(original.body, updated.body, owner)
        if result is None:
            return updated
        body, footer = result
        return updated.with_changes(body=body, footer=list(footer) + list(updated.footer))

    def leave_Module(self, original, updated):
        self.indent = None
        result = self._rewrite(original.body, updated.body, None)
        if result is None:
            return updated
        body, footer = result
        return updated.with_changes(body=body, footer=list(footer) + list(updated.footer))

    # -- statement lists -------------------------------------------------------------------

    def _rewrite(self, originals: Sequence[cst.BaseStatement], updated: Sequence[cst.BaseStatement],
                 owner: Optional[cst.If]):
        if not self._calls or len(originals) != len(updated):
            return None
        out: List[cst.BaseStatement] = []
        carried: List[cst.EmptyLine] = []  # comments that ended a dropped ``if`` body
        changed = False
        for index, (original, stmt) in enumerate(zip(originals, updated)):
            new: Optional[List[cst.BaseStatement]] = None
            footer: Sequence[cst.EmptyLine] = ()
            if isinstance(original, cst.If):
                dropped = self._drop_guard(original, stmt)
                if dropped is not None:
                    new, footer = dropped
            if new is None and id(stmt) in self._acts:
                new = self._fix_statement(self._acts[id(stmt)], stmt, index, originals, updated, out, owner)
            if new is None:
                new = [stmt]
            else:
                changed = True
            if carried:
                new[0] = new[0].with_changes(leading_lines=carried + list(new[0].leading_lines))
            carried = list(footer)
            out.extend(new)
        return (out, carried) if changed else None

    def _fix_statement(self, act: _Act, stmt, index, originals, updated, out, owner):
        if act.op in SUPPRESSED:
            return self._suppressed(act, stmt)
        if act.op not in ("open", "os.open"):
            return None
        if owner is not None and index == 0 and self.anchored(act.finding, "convert", cst.If) is owner:
            self._convert[id(owner)] = act  # the ``if`` itself becomes the ``try``
            return None
        if index > 0 and out and out[-1] is updated[index - 1]:
            if self.anchored(act.finding, "clause", cst.If) is originals[index - 1]:
                built = self._exclusive(act, stmt)
                if built is None:
                    return None
                first, rest = built
                guard = updated[index - 1]
                _blanks, comments = split_leading_lines(stmt)
                first = first.with_changes(leading_lines=comments)
                handler = _statements(guard.body)
                # The handler leaves, as the guard clause did: what follows needs no else.
                new = self._try(first, handler, [], self.indent, guard.leading_lines)
                out.pop()
                self.applied_to(act.original)
                return [new] + rest
        # A name bound by the create would be unbound after the except.
        built = self._exclusive(act, stmt, assign=False)
        if built is None:
            return None
        first, rest = built
        new = self._try(first.with_changes(leading_lines=()), None, rest, self.indent, stmt.leading_lines)
        self.applied_to(act.original)
        return [new]

    def _suppressed(self, act: _Act, stmt, indent="current") -> Optional[List[cst.BaseStatement]]:
        """``with suppress(E): <the act's line>``, for a line that is only the act."""
        if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1 or \
                not isinstance(stmt.body[0], cst.Expr) or stmt.body[0].value is not act.updated:
            return None
        new = self._suppress(SUPPRESSED[act.op], [stmt.with_changes(leading_lines=())],
                             self.indent if indent == "current" else indent, stmt.leading_lines)
        self._note(self._done, new, act)
        self.applied_to(act.original)
        return [new]

    # -- dropping the check -----------------------------------------------------------------

    def _drop_guard(self, original: cst.If, stmt: cst.If):
        """The statements that replace a guarding ``if``, and comments for the next line."""
        if id(original) in self._convert:
            return self._convert_if(stmt, self._convert.pop(id(original)))
        if stmt.orelse is not None:
            return None
        body = stmt.body
        if isinstance(body, cst.SimpleStatementSuite):
            act = self._acts.get(id(body))
            if act is None or not self._guards(original, stmt, act):
                return None
            line = cst.SimpleStatementLine(body=body.body, leading_lines=stmt.leading_lines,
                                           trailing_whitespace=body.trailing_whitespace)
            return ([line], ()) if act.op in KEYWORDS else None
        if len(body.body) != 1 or id(body.body[0]) not in self._done:
            return None
        inner = body.body[0]
        act = self._done[id(inner)]
        if not self._guards(original, stmt, act):
            return None
        leading = list(stmt.leading_lines) + list(inner.leading_lines)
        new = inner.with_changes(leading_lines=leading)
        header = body.header
        if header.comment is not None:
            if isinstance(new, cst.SimpleStatementLine) and new.trailing_whitespace.comment is None:
                new = new.with_changes(trailing_whitespace=header)
            elif isinstance(new, cst.With) and new.body.header.comment is None:
                new = new.with_changes(body=new.body.with_changes(header=header))
            else:
                comment = cst.EmptyLine(whitespace=cst.SimpleWhitespace(""), comment=header.comment)
                new = new.with_changes(leading_lines=leading + [comment])
        return [new], body.footer

    def _guards(self, original: cst.If, stmt: cst.If, act: _Act) -> bool:
        """Whether the plan says this ``if`` goes (see :func:`mboxlint.plans.files.act_plan`)."""
        return self.anchored(act.finding, "drop", cst.If) is original

    def _convert_if(self, stmt: cst.If, act: _Act):
        """``if not exists(P): <create>; rest [else: other]`` becomes
        ``try: <exclusive create> except FileExistsError: other|pass [else: rest]``."""
        body = stmt.body
        first = body.body[0]
        built = self._exclusive(act, first)
        if built is None:
            return None
        new_first, rest = built
        rest = rest + list(body.body[1:])
        handler, handler_header, handler_footer = None, None, ()
        if stmt.orelse is not None:
            other = stmt.orelse.body
            handler = _statements(other)
            if isinstance(other, cst.IndentedBlock):
                handler_header, handler_footer = other.header, other.footer
        new = self._try(new_first.with_changes(leading_lines=first.leading_lines), handler, rest, body.indent,
                        stmt.leading_lines, header=body.header, handler_header=handler_header,
                        handler_footer=handler_footer)
        self.applied_to(act.original)
        return [new], body.footer

    # -- building -----------------------------------------------------------------------

    def _exclusive(self, act: _Act, stmt, assign: bool = True):
        """``(first line, statements for else:)``: the create made exclusive, or None. A line
        that binds a name is refused unless ``assign``."""
        if isinstance(stmt, cst.With):
            item = stmt.items[0]
            if stmt.asynchronous is not None or item.asname is None or not isinstance(item.asname.name, cst.Name):
                return None
        elif not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1 or \
                not isinstance(stmt.body[0], (cst.Expr, cst.Assign)) or \
                not assign and isinstance(stmt.body[0], cst.Assign):
            return None
        call = self._with_excl(act.updated) if act.op == "os.open" else _exclusive_mode(act.updated)
        if call is None:
            return None
        if isinstance(stmt, cst.SimpleStatementLine):
            return stmt.deep_replace(act.updated, call), []
        name = stmt.items[0].asname.name.value
        line = cst.SimpleStatementLine(
            body=[cst.Assign(targets=[cst.AssignTarget(target=cst.Name(name))], value=call)],
            leading_lines=stmt.leading_lines)
        body = stmt.body
        if body.header.comment is not None:  # it spoke of the open
            line = line.with_changes(trailing_whitespace=body.header)
            body = body.with_changes(header=cst.TrailingWhitespace())
        return line, [stmt.with_changes(items=[cst.WithItem(item=cst.Name(name))], body=body, leading_lines=())]

    def _with_excl(self, call: cst.Call) -> Optional[cst.Call]:
        """``os.open(P, flags, ...)`` with ``| os.O_EXCL`` added to its flags."""
        args = list(call.args)
        if len(args) < 2 or args[1].keyword is not None or args[1].star:
            return None
        flags = args[1].value
        # Every binary operator binds at least as tightly as ``|``; a test or lambda does not.
        if not flags.lpar and not isinstance(flags, (cst.Name, cst.Attribute, cst.BinaryOperation, cst.Call,
                                                     cst.Integer, cst.Subscript)):
            flags = flags.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        space = cst.SimpleWhitespace(" ")
        args[1] = args[1].with_changes(value=cst.BinaryOperation(
            left=flags, operator=cst.BitOr(whitespace_before=space, whitespace_after=space),
            right=self.reference("os", "O_EXCL")))
        return call.with_changes(args=args)

    def _suppress(self, errors: Sequence[str], body: List[cst.BaseStatement], indent, leading,
                  header: Optional[cst.TrailingWhitespace] = None) -> cst.With:
        args = [cst.Arg(self.builtin(name), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                for name in errors]
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        item = cst.WithItem(item=cst.Call(func=self.reference("contextlib", "suppress"), args=args))
        block = cst.IndentedBlock(body=body, indent=indent)
        if header is not None:
            block = block.with_changes(header=header)
        return cst.With(items=[item], body=block, leading_lines=leading)

    def _try(self, first, handler, rest, indent, leading, header=None, handler_header=None, handler_footer=()):
        """``try: first except FileExistsError: handler [else: rest]``; with nothing to do in
        the handler and nothing after, ``with suppress(FileExistsError): first``."""
        if not handler and not rest:
            return self._suppress(("FileExistsError",), [first], indent, leading, header)
        handler = handler or [cst.SimpleStatementLine(body=[cst.Pass()])]
        body = cst.IndentedBlock(body=[first], indent=indent)
        if header is not None:
            body = body.with_changes(header=header)
        handler_block = cst.IndentedBlock(body=handler, indent=indent, footer=handler_footer)
        if handler_header is not None:
            handler_block = handler_block.with_changes(header=handler_header)
        return cst.Try(
            body=body,
            handlers=[cst.ExceptHandler(body=handler_block, type=self.builtin("FileExistsError"))],
            orelse=cst.Else(body=cst.IndentedBlock(body=rest, indent=indent)) if rest else None,
            leading_lines=leading,
        )


# -- reading the shapes -------------------------------------------------------------------


def _positional(call: cst.Call) -> List[cst.Arg]:
    return [arg for arg in call.args if arg.keyword is None and not arg.star]


def _keyword(call: cst.Call, name: str) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def _is_path_open(call: cst.Call) -> bool:
    """``p.open(mode)`` rather than ``open(P, mode)``/``gzip.open(P, mode)``."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return False
    return not (isinstance(func.value, cst.Name) and func.value.value in OPEN_MODULES)


def _statements(body) -> List[cst.BaseStatement]:
    if isinstance(body, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=body.body, trailing_whitespace=body.trailing_whitespace)]
    return list(body.body)


def _with_keyword(call: cst.Call, name: str) -> Optional[cst.Call]:
    """``call`` with ``name=True`` appended, keeping a multi-line layout."""
    if any(arg.keyword is not None and arg.keyword.value == name or arg.star for arg in call.args):
        return None
    new = cst.Arg(value=cst.Name("True"), keyword=cst.Name(name),
                  equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                        whitespace_after=cst.SimpleWhitespace("")))
    args = list(call.args)
    if not args:
        return call.with_changes(args=[new])
    last = args[-1]
    if isinstance(last.comma, cst.Comma):
        # A trailing comma (a multi-line call): the new argument takes it, the old last one
        # takes the separator the others use.
        separator = args[-2].comma if len(args) > 1 and isinstance(args[-2].comma, cst.Comma) else \
            cst.Comma(whitespace_after=_first_line_whitespace(call))
        args[-1] = last.with_changes(comma=separator)
        args.append(new.with_changes(comma=last.comma))
    else:
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(new)
    return call.with_changes(args=args)


def _first_line_whitespace(call: cst.Call):
    space = call.whitespace_before_args
    return space if isinstance(space, cst.ParenthesizedWhitespace) else cst.SimpleWhitespace(" ")


def _exclusive_mode(call: cst.Call) -> Optional[cst.Call]:
    """An opening call with its "w"/"a" mode made "x" (the mode a constant), or None."""
    arg = _keyword(call, "mode")
    if arg is None:
        positional = _positional(call)
        index = 0 if _is_path_open(call) else 1
        if len(positional) <= index:
            return None
        arg = positional[index]
    literal = arg.value
    if not isinstance(literal, cst.SimpleString) or "\\" in literal.raw_value:
        return None
    mode = literal.raw_value
    if not mode or set(mode) - set("rwabt+") or "x" in mode or ("w" in mode) == ("a" in mode):
        return None
    new_mode = mode.replace("w" if "w" in mode else "a", "x", 1)
    new = literal.with_changes(value=literal.prefix + literal.quote + new_mode + literal.quote)
    return call.deep_replace(literal, new)

"""What every fixer is: a libcst transformer for one rule code, driven by the engine's findings.

Detection stays on ``ast``; a fixer only rewrites. It receives the findings of its rule (or,
run as a libcst codemod command, asks the engine for them on the module it is given), finds
the reported nodes by their start position and rewrites them. A finding whose shape the fixer
does not handle is left alone: it stays reported, and ``--fix`` counts it as remaining.

A fixer for a new rule is one small class::

    class UseReplace(Fixer):
        code = "MBX305"
        TARGETS = (cst.Call,)
        def leave_Call(self, original, updated):
            if self.finding_at(original) is None:
                return updated
            self.applied_to(original)
            return updated.with_changes(func=self.reference("os", "replace"))

Positions: ``ast`` columns are UTF-8 byte offsets, libcst's are characters; :func:`char_column`
converts, so a line with non-ASCII text before the call still matches.
"""

import bisect
from collections.abc import Mapping
from dataclasses import replace
import re
from typing import ClassVar, Dict, Iterable, List, Optional, Sequence, Set, Tuple

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider

from ..config import DEFAULT_FIX_IMPORT_MODULE
from ..finding import Finding, allowed
from .excerpt import Excerpt
from .positions import Positions, reported_positions

try:  # how libcst marks a method decorated by a matcher decorator
    from libcst.matchers._decorators import (
        CONSTRUCTED_LEAVE_MATCHER_ATTR,
        CONSTRUCTED_VISIT_MATCHER_ATTR,
        VISIT_NEGATIVE_MATCHER_ATTR,
        VISIT_POSITIVE_MATCHER_ATTR,
    )

    _MATCHER_MARKS: Optional[Tuple[str, ...]] = (
        CONSTRUCTED_LEAVE_MATCHER_ATTR, CONSTRUCTED_VISIT_MATCHER_ATTR,
        VISIT_NEGATIVE_MATCHER_ATTR, VISIT_POSITIVE_MATCHER_ATTR)
except ImportError:  # another libcst: keep its matcher machinery, slower but right
    _MATCHER_MARKS = None

#: Fixer classes by the rule code they fix; filled by subclassing :class:`Fixer`.
FIXERS: Dict[str, type] = {}

_LINE_BREAK = re.compile(r"\r\n|\r|\n")



def char_column(lines: Sequence[str], line: int, byte_col: int) -> int:
    """The character column of an ``ast`` (UTF-8 byte) column on 1-based ``line``."""
    if not 0 < line <= len(lines):
        return byte_col
    text = lines[line - 1]
    if text.isascii():
        return byte_col
    return len(text.encode("utf-8")[:byte_col].decode("utf-8", "ignore"))


def split_lines(code: str) -> List[str]:
    """Lines as the tokenizer counts them (not ``str.splitlines``, which also splits on \\f etc.)."""
    return _LINE_BREAK.split(code)


class Fixer(VisitorBasedCodemodCommand):
    """Rewrites the nodes the engine reported for :attr:`code`.

    Also a libcst codemod command: ``python -m libcst.tool codemod -x --no-format
    mboxlint.fixes.locking.WrapLockInTryFinally src/`` runs the engine on each module itself.
    """

    #: the rule code this fixer repairs
    code: ClassVar[str] = ""
    #: libcst node types whose start position can be a finding's position
    TARGETS: ClassVar[Tuple[type, ...]] = (cst.Call,)
    #: codes whose findings this fix can settle along with its own (it drops the statement
    #: they report on): ``--fix`` runs this fixer before theirs, so theirs does not rewrite
    #: that statement into a shape this one no longer recognises
    SETTLES: ClassVar[Tuple[str, ...]] = ()
    DESCRIPTION: str = "Apply mboxlint's fix for one rule."
    METADATA_DEPENDENCIES = (PositionProvider,)

    #: the module ``copy_back``/``atomic_write`` are imported from (``fix-import-module``)
    runtime_module: str = DEFAULT_FIX_IMPORT_MODULE

    #: no method carries a libcst matcher decorator (see :func:`_plain`)
    _PLAIN: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._PLAIN = _plain(cls)
        if cls._PLAIN:
            cls.__dir__ = _visitor_free_dir
        if cls.code:
            if cls.code in FIXERS:
                raise ValueError("two fixers for %s" % cls.code)
            FIXERS[cls.code] = cls

    def __init__(self, context: CodemodContext, findings: Optional[Iterable[Finding]] = None,
                 unsafe_fixes: bool = False):
        super().__init__(context)
        self.findings = None if findings is None else list(findings)
        self.unsafe_fixes = unsafe_fixes
        self._targets: Dict[Tuple[int, int], Finding] = {}
        self._lines: List[int] = []
        #: findings of reported nodes met so far, by ``id`` of the (original) node
        self._matched: Dict[int, Finding] = {}
        self._keep: List[cst.CSTNode] = []  # keeps matched nodes alive so their ids stay unique
        #: findings this fixer rewrote
        self.applied: List[Finding] = []
        self._source: Optional[str] = None
        #: positions known only inside the reported statements (see :mod:`.positions`)
        self._partial: Optional[Positions] = None
        #: what the module stands in for, when it was parsed from an excerpt
        self._excerpt: Optional[Excerpt] = None

    @staticmethod
    def add_args(arg_parser) -> None:
        arg_parser.add_argument("--unsafe-fixes", action="store_true", dest="unsafe_fixes",
                                help="also apply this rule's unsafe fixes")

    def apply(self, module: cst.Module, source: Optional[str] = None,
              excerpt: Optional[Excerpt] = None) -> cst.Module:
        """What ``transform_module`` does, without copying ``module`` first (``--fix`` parses a
        fresh tree for every round, so no one else holds it; the copy costs a parse).
        ``source``, when given, is ``module``'s code (it saves generating it again).
        ``excerpt``: the :class:`~.excerpt.Excerpt` ``module`` was parsed from, if any."""
        self._excerpt = excerpt
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        lines = None
        if source is not None and self.findings is not None:
            lines = frozenset(self.lines_to_fix(source, [f for f in self.findings if f.code == self.code]))
        self._partial = _prefill_metadata(wrapper, self.get_inherited_dependencies(), source, lines)
        self.context = replace(self.context, wrapper=wrapper)
        self._source = source
        with self.resolve(wrapper):
            new = self.transform_module_impl(wrapper.module)
        if AddImportsVisitor.CONTEXT_KEY in self.context.scratch:
            new = add_imports(self.context, new)
        return new

    def source_of(self, tree: cst.Module) -> str:
        """``tree``'s code: the text :meth:`apply` was given for it, else generated (a
        large module's code generation costs about as much as its parse)."""
        source = getattr(self, "_source", None)
        return source if source is not None else tree.code

    def lines_to_fix(self, source: str, findings: List[Finding]) -> Iterable[int]:
        """The lines whose nodes this fixer looks at: libcst positions are computed for the
        statements holding them only. A fixer that also rewrites a node elsewhere (the
        search behind an IMAP command) adds its line."""
        return {f.line for f in findings}

    # -- finding the reported nodes ---------------------------------------------------

    def engine_findings(self, code: str) -> List[Finding]:
        """The engine's fixable findings of this rule in ``code`` (the codemod-command path)."""
        from ..config import Selection
        from ..engine import check_source

        result = check_source(code, self.context.filename or "<codemod>", Selection(select=[self.code]))
        return [f for f in result.findings if f.code == self.code and allowed(f, self.unsafe_fixes)]

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        findings = self.findings if self.findings is not None else self.engine_findings(tree.code)
        findings = [f for f in findings if f.code == self.code]
        if not findings:
            return tree
        source = getattr(self, "_source", None)
        lines = split_lines(source if source is not None else tree.code)
        self._targets = {(f.line, char_column(lines, f.line, f.col)): f for f in findings}
        self._lines = sorted({line for line, _ in self._targets})
        return tree.visit(self)

    # Without matcher decorators, libcst's plain dispatch does all the matcher one would.
    def _dispatch_visit(self, node: cst.CSTNode) -> bool:
        if self._PLAIN:
            return cst.CSTTransformer.on_visit(self, node)
        return super().on_visit(node)

    def on_leave(self, original_node, updated_node):
        if self._PLAIN:
            return cst.CSTTransformer.on_leave(self, original_node, updated_node)
        return super().on_leave(original_node, updated_node)

    def on_visit_attribute(self, node, attribute) -> None:
        if self._PLAIN:
            return cst.CSTTransformer.on_visit_attribute(self, node, attribute)
        return super().on_visit_attribute(node, attribute)

    def on_leave_attribute(self, original_node, attribute) -> None:
        if self._PLAIN:
            return cst.CSTTransformer.on_leave_attribute(self, original_node, attribute)
        return super().on_leave_attribute(original_node, attribute)

    def on_visit(self, node: cst.CSTNode) -> bool:
        partial = self._partial
        if partial is not None:
            position = partial.ranges.get(node)
            if position is None:  # a block leading to reported lines, or outside them all
                descend = self._dispatch_visit(node)
                return descend and id(node) in partial.path
        else:
            position = self.get_metadata(PositionProvider, node, None)
            if position is None:
                return self._dispatch_visit(node)
        start = position.start
        if isinstance(node, self.TARGETS):
            finding = self._targets.get((start.line, start.column))
            if finding is not None:
                self._matched[id(node)] = finding
                self._keep.append(node)
                self.matched(node, finding)
        descend = self._dispatch_visit(node)  # always: visit_X/leave_X hooks come in pairs
        # Speed: a subtree spanning no reported line holds nothing to rewrite.
        lines = self._lines
        index = bisect.bisect_left(lines, start.line)
        return descend and index < len(lines) and lines[index] <= position.end.line

    def position_if_asked(self, node: cst.CSTNode):
        """``node``'s position when it lies on a line of :meth:`lines_to_fix` (or every
        position is known); None otherwise, instead of paying libcst's whole-module pass."""
        if self._partial is not None:
            return self._partial.ranges.get(node)
        return self.get_metadata(PositionProvider, node, None)

    def matched(self, node: cst.CSTNode, finding: Finding) -> None:
        """Called when a reported node is visited; subclasses note its context here."""

    def finding_at(self, original: cst.CSTNode) -> Optional[Finding]:
        """The finding reported at this original node, if any (valid once it was visited)."""
        return self._matched.get(id(original))

    def applied_to(self, original: cst.CSTNode) -> None:
        finding = self._matched.get(id(original))
        if finding is not None and finding not in self.applied:
            self.applied.append(finding)

    def names_used(self, node: cst.CSTNode) -> Set[str]:
        """:func:`names_in` ``node``, counting, for the module, the code an excerpt hid."""
        names = names_in(node)
        if self._excerpt is not None and node is self.module:
            names |= self._excerpt.names()
        return names

    # -- imports ----------------------------------------------------------------------

    def reference(self, module: str, name: str, qualified: bool = False) -> cst.BaseExpression:
        """An expression naming ``module.name``, importing it once in the file's style.

        An existing ``from module import name [as alias]`` or ``import module [as alias]``
        (or ``import module.sub``, which binds ``module`` too) is reused; otherwise
        ``from module import name`` is added (merged into an existing ``from module import ...``),
        or ``import module`` when ``name`` is taken or ``qualified`` asks for ``module.name``.
        """
        tree = self.module
        bound = set()
        for stmt in tree.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar) \
                        and small.module is not None and not small.relative \
                        and tree.code_for_node(small.module) == module:
                    for alias in small.names:
                        if tree.code_for_node(alias.name) == name:
                            return cst.Name(_alias_name(tree, alias) or name)
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        imported = tree.code_for_node(alias.name)
                        local = _alias_name(tree, alias)
                        if imported == module or (local is None and imported.startswith(module + ".")):
                            return cst.parse_expression("%s.%s" % (local or module, name))
                if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
                    for alias in small.names:
                        bound.add(_alias_name(tree, alias) or tree.code_for_node(alias.name).split(".")[0])
                elif isinstance(small, (cst.Assign, cst.AnnAssign)):
                    for target in (small.targets if isinstance(small, cst.Assign) else [small]):
                        if isinstance(target.target, cst.Name):
                            bound.add(target.target.value)
        # A module-level def or class of that name would be shadowed by the import.
        bound.update(s.name.value for s in tree.body if isinstance(s, (cst.FunctionDef, cst.ClassDef)))
        if self._excerpt is not None:
            bound.update(self._excerpt.bindings)
        if name in bound or qualified:
            AddImportsVisitor.add_needed_import(self.context, module)
            return cst.parse_expression("%s.%s" % (module, name))
        AddImportsVisitor.add_needed_import(self.context, module, name)
        return cst.Name(name)


def _plain(cls: type) -> bool:
    """Whether no method of ``cls`` carries a libcst matcher decorator (``@m.visit``,
    ``@m.call_if_inside``...): then the matcher machinery of libcst's transformer has nothing
    to do. False when this libcst does not mark decorated methods the way it is read here."""
    if _MATCHER_MARKS is None:
        return False
    for klass in cls.__mro__:
        for value in vars(klass).values():
            if callable(value) and any(hasattr(value, mark) for mark in _MATCHER_MARKS):
                return False
    return True


def _visitor_free_dir(self) -> List[str]:
    """``dir()`` of a :func:`_plain` transformer, less its ``visit_*``/``leave_*`` methods.

    libcst looks for matcher decorators, on every construction, by reading each attribute
    ``dir()`` lists: the thousand hooks a transformer inherits cost about as much as parsing
    a small file, and on a plain class they carry no decorator to find."""
    return [name for name in object.__dir__(self) if not name.startswith(("visit_", "leave_"))]


class _AddImports(AddImportsVisitor):
    """libcst's ``AddImportsVisitor``, built without the matcher scan (it uses no matchers)."""


if _plain(_AddImports):
    _AddImports.__dir__ = _visitor_free_dir


def _alias_name(tree: cst.Module, alias: cst.ImportAlias) -> Optional[str]:
    if alias.asname is None:
        return None
    return tree.code_for_node(alias.asname.name)


# -- speed: what libcst would compute or visit for nothing ---------------------------

#: the last module's positions and the lines they cover: a round tries a batch of findings,
#: then each alone, on one tree (trees are immutable)
_POSITIONS: List[object] = [None, None, None]


class _LazyPositions(Mapping):
    """``PositionProvider``'s mapping for a fixer that asks: exact where :mod:`.positions`
    placed the reported statements; anywhere else, libcst's whole-module pass, once."""

    def __init__(self, wrapper: MetadataWrapper, partial: Positions):
        self._wrapper, self._partial, self._full = wrapper, partial, None

    def _whole(self):
        if self._full is None:
            self._full = PositionProvider()._gen(self._wrapper)
        return self._full

    def __getitem__(self, node):
        if self._full is None:
            found = self._partial.ranges.get(node)
            if found is not None:
                return found
        return self._whole()[node]

    def __iter__(self):
        return iter(self._whole())

    def __len__(self):
        return len(self._whole())


def _prefill_metadata(wrapper: MetadataWrapper, providers, source: Optional[str] = None,
                      lines: Optional[frozenset] = None) -> Optional[Positions]:
    """Set the positions before libcst's resolver does. Given the source and the reported
    lines, only the statements holding them are placed (returned, for the walk to prune by);
    otherwise the whole module is, once per tree. Either way libcst's resolver is left nothing
    to do: after a provider that is not batchable it walks the whole tree once more with an
    empty batch of visitors (as long as a file's parse)."""
    metadata = getattr(wrapper, "_metadata", None)
    if PositionProvider not in providers or not isinstance(metadata, dict):
        return None
    module = wrapper.module
    known = _POSITIONS[2] if _POSITIONS[0] is module else None
    if source is not None and lines and known != "whole":
        if not (isinstance(known, frozenset) and lines <= known):
            _POSITIONS[:] = [module, reported_positions(module, source, sorted(lines)), lines]
        partial = _POSITIONS[1]
        if isinstance(partial, Positions):
            metadata[PositionProvider] = _LazyPositions(wrapper, partial)
            return partial
    if _POSITIONS[0] is not module or _POSITIONS[2] != "whole":
        _POSITIONS[:] = [module, PositionProvider()._gen(wrapper), "whole"]
    metadata[PositionProvider] = _POSITIONS[1]
    return None


def _is_import_line(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 \
        and isinstance(stmt.body[0], (cst.Import, cst.ImportFrom))


def add_imports(context: CodemodContext, module: cst.Module) -> cst.Module:
    """``AddImportsVisitor(context).transform_module(module)``, on the module's head only.

    The visitor reads and rewrites only the first statement (a docstring), the block of
    imports after it and the leading lines of the statement after the block, but it copies
    and walks the whole tree twice. It is run here on a module made of that head, with the
    statement after the block standing in as a ``pass`` with the same leading lines; the
    rest of the body is put back unchanged.
    """
    body = list(module.body)
    keep = 1 if body and isinstance(body[0], cst.SimpleStatementLine) else 0
    while keep < len(body) and _is_import_line(body[keep]):
        keep += 1
    if keep >= len(body):
        return _AddImports(context).transform_module(module)
    follower = body[keep]
    stand_in = cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=follower.leading_lines)
    head = _AddImports(context).transform_module(module.with_changes(body=body[:keep] + [stand_in]))
    new_body = list(head.body)
    new_body[-1] = follower.with_changes(leading_lines=new_body[-1].leading_lines)
    return head.with_changes(body=new_body + body[keep + 1:])


# -- small helpers shared by statement-level fixers --------------------------------------


def sole_call(stmt: cst.CSTNode) -> Optional[cst.Call]:
    """The call of a line that is just ``expr(...)`` (no ``;``), else None."""
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
        small = stmt.body[0]
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            return small.value
    return None


def names_in(node: cst.CSTNode) -> Set[str]:
    """Every name spelled in ``node``'s subtree, so that a name a fix binds is fresh there.
    Iterative: generated or deeply nested code must not hit the recursion limit here."""
    names = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            names.add(current.value)
        stack.extend(current.children)
    return names


def callee_name(call: cst.Call) -> str:
    """The called name of ``f(...)`` or ``x.f(...)``; empty for anything else."""
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return ""


def method_call(receiver: cst.BaseExpression, method: str) -> cst.SimpleStatementLine:
    """A new line ``receiver.method()``."""
    call = cst.Call(func=cst.Attribute(value=receiver.deep_clone(), attr=cst.Name(method)))
    return cst.SimpleStatementLine(body=[cst.Expr(value=call)])


def split_leading_lines(stmt: cst.BaseStatement):
    """(blank lines before the first comment, the rest) of a statement's leading lines."""
    lines = list(stmt.leading_lines)
    index = 0
    while index < len(lines) and lines[index].comment is None:
        index += 1
    return lines[:index], lines[index:]


def insert_before(stmt: cst.BaseStatement, new: cst.SimpleStatementLine) -> List[cst.BaseStatement]:
    """``new`` then ``stmt``; the comments and blank lines above ``stmt`` move above ``new``,
    so a comment introducing ``stmt`` still introduces the pair."""
    return [new.with_changes(leading_lines=stmt.leading_lines), stmt.with_changes(leading_lines=())]


def module_code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)

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
import dataclasses
from dataclasses import replace
import re
import sys
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
        #: the start of each anchor of the findings' plans (libcst columns): its end, finding, role
        self._anchor_starts: Dict[Tuple[int, int], List[tuple]] = {}
        #: original nodes spanning an anchor, outermost first, by (finding, role)
        self._anchored: Dict[tuple, List[cst.CSTNode]] = {}
        #: the (finding, role) pairs each original node (by id) stands for
        self._roles: Dict[int, List[Tuple[Finding, str]]] = {}
        #: findings this fixer rewrote
        self.applied: List[Finding] = []
        self._applied_ids: Set[int] = set()  # (a list's ``in`` made fixing N findings cost N^2)
        self._source: Optional[str] = None
        #: positions known only inside the reported statements (see :mod:`.positions`)
        self._partial: Optional[Positions] = None
        #: what the module stands in for, when it was parsed from an excerpt
        self._excerpt: Optional[Excerpt] = None
        #: every name spelled in the module (see :meth:`reference`), computed on first use
        self._names: Optional[Set[str]] = None
        #: names the plans of this run say do not name their import (or builtin) at some site
        self._taken: Set[str] = set()

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
        if new is not wrapper.module and self.applied:
            hidden = excerpt.names() if excerpt is not None else set()
            new = drop_unused_imports(wrapper.module, new, hidden)
        if AddImportsVisitor.CONTEXT_KEY in self.context.scratch:
            new = place_added_imports(new, add_imports(self.context, new))
        return new

    def transform_module(self, tree: cst.Module) -> cst.Module:
        """As a libcst codemod command: the fix, then the imports it left unused go."""
        new = super().transform_module(tree)
        if new is not tree and self.applied:
            new = drop_unused_imports(tree, new, set())
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
        return {f.line for f in findings} | {a.span.line for f in findings if f.plan for a in f.plan.anchors}

    # -- finding the reported nodes ---------------------------------------------------

    def engine_findings(self, code: str) -> List[Finding]:
        """The engine's fixable findings of this rule in ``code`` (the codemod-command path)."""
        from ..selection import Selection
        from ..engine import check_source

        result = check_source(code, self.context.filename or "<codemod>", Selection(select=[self.code]))
        return [f for f in result.findings if f.code == self.code and allowed(f, self.unsafe_fixes)]

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        findings = self.findings if self.findings is not None else self.engine_findings(tree.code)
        findings = [f for f in findings if f.code == self.code]
        #: the findings this run fixes
        self.batch = findings
        if not findings:
            return tree
        # One spelling serves every site of the run: a name taken at any of them is not used.
        self._taken = {name for f in findings if f.plan is not None for name in f.plan.taken}
        source = getattr(self, "_source", None)
        lines = split_lines(source if source is not None else tree.code)
        self._targets = {(f.line, char_column(lines, f.line, f.col)): f for f in findings}
        anchors: Dict[Tuple[int, int], List[tuple]] = {}
        for finding in findings:
            for anchor in finding.plan.anchors if finding.plan is not None else ():
                span = anchor.span
                start = (span.line, char_column(lines, span.line, span.col))
                end = (span.end_line, char_column(lines, span.end_line, span.end_col))
                anchors.setdefault(start, []).append((end, finding, anchor.role))
        self._anchor_starts = anchors
        self._lines = sorted({line for line, _ in self._targets} | {line for line, _ in anchors})
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
        at = self._anchor_starts.get((start.line, start.column))
        if at is not None:
            end = (position.end.line, position.end.column)
            for span_end, finding, role in at:
                nodes = self._anchored.setdefault((finding, role), [])
                if span_end == end and not any(known is node for known in nodes):
                    nodes.append(node)
                    self._roles.setdefault(id(node), []).append((finding, role))
                    self._keep.append(node)
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

    def anchored(self, finding: Finding, role: str, kind: type = cst.CSTNode) -> Optional[cst.CSTNode]:
        """The outermost original node of type ``kind`` spanning exactly the anchor ``role`` of
        ``finding``'s plan (valid once it was visited); None when the tree holds no such node."""
        for node in self._anchored.get((finding, role), ()):
            if isinstance(node, kind):
                return node
        return None

    def anchors_at(self, original: cst.CSTNode) -> List[Tuple[Finding, str]]:
        """The (finding, role) pairs whose anchor spans exactly this original node."""
        return self._roles.get(id(original), [])

    def finding_at(self, original: cst.CSTNode) -> Optional[Finding]:
        """The finding reported at this original node, if any (valid once it was visited)."""
        return self._matched.get(id(original))

    def applied_to(self, original: cst.CSTNode) -> None:
        finding = self._matched.get(id(original))
        if finding is not None:
            self.mark_applied(finding)

    def mark_applied(self, finding: Finding) -> None:
        if id(finding) not in self._applied_ids:
            self._applied_ids.add(id(finding))
            self.applied.append(finding)

    def was_applied(self, finding: Finding) -> bool:
        return id(finding) in self._applied_ids

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
        or ``import module`` when ``name`` is spelled anywhere in the module (a parameter, a
        local or a global of that name would shadow it) or ``qualified`` asks for
        ``module.name``; ``import module as _module`` when ``module`` is spelled too.
        """
        tree = self.module
        bound = set()
        taken = self._taken
        for stmt in tree.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar) \
                        and small.module is not None and not small.relative \
                        and tree.code_for_node(small.module) == module:
                    for alias in small.names:
                        local = _alias_name(tree, alias) or tree.code_for_node(alias.name)
                        if tree.code_for_node(alias.name) == name and local not in taken:
                            return cst.Name(local)
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        imported = tree.code_for_node(alias.name)
                        local = _alias_name(tree, alias)
                        if (imported == module or (local is None and imported.startswith(module + "."))) \
                                and (local or module.split(".")[0]) not in taken:
                            return dotted("%s.%s" % (local or module, name))
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
        # A name spelled anywhere in the module may be a parameter, a local or a global that
        # the new import would shadow, or that would shadow it where the fix uses it.
        used = self._module_names()
        if not qualified and name not in bound and name not in used:
            AddImportsVisitor.add_needed_import(self.context, module, name)
            return cst.Name(name)
        if module.split(".")[0] not in used:
            AddImportsVisitor.add_needed_import(self.context, module)
            return dotted("%s.%s" % (module, name))
        alias = self._fresh_module_alias(module, used)
        AddImportsVisitor.add_needed_import(self.context, module, asname=alias)
        return dotted("%s.%s" % (alias, name))

    def builtin(self, name: str) -> cst.BaseExpression:
        """The builtin ``name``, as ``builtins.name`` where a plan says the module binds it."""
        if name in self._taken:
            return self.reference("builtins", name, qualified=True)
        return cst.Name(name)

    def _module_names(self) -> Set[str]:
        """:meth:`names_used` of the whole module, once per fixer run."""
        if self._names is None:
            self._names = self.names_used(self.module)
        return self._names

    def _fresh_module_alias(self, module: str, used: Set[str]) -> str:
        base = "_" + module.replace(".", "_")
        alias, number = base, 1
        while alias in used:
            number += 1
            alias = "%s%d" % (base, number)
        return alias


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


#: modules whose import a fix may remove once it took away their last use: the standard
#: library's, whose import has no effect a program relies on
DROPPABLE_IMPORTS = frozenset({"os", "os.path", "posixpath", "ntpath", "genericpath", "shutil", "contextlib", "io",
                               "pathlib", "tempfile"})


def _names_outside_imports(module: cst.Module, wanted: Set[str]) -> Set[str]:
    """Which of ``wanted`` are spelled in ``module`` outside its top-level import statements;
    the walk stops once all of them are found."""
    found: Set[str] = set()
    stack = [stmt for stmt in reversed(module.body) if not _is_import_line(stmt)]
    while stack and len(found) < len(wanted):
        current = stack.pop()
        if isinstance(current, cst.Name) and current.value in wanted:
            found.add(current.value)
        stack.extend(_child_nodes(current))
    return found


#: the field names of each libcst node type
_FIELDS: Dict[type, Tuple[str, ...]] = {}


def _child_nodes(node: cst.CSTNode) -> List[cst.CSTNode]:
    """``node.children``, in no particular order, read from its fields: libcst computes
    ``children`` by running a visitor over the node, which made a walk of a large module
    cost more than its parse."""
    kind = type(node)
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
    found = []
    for name in names:
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            found.append(value)
        elif isinstance(value, (list, tuple)):
            found.extend(item for item in value if isinstance(item, cst.CSTNode))
    return found


def _droppable_bindings(module: cst.Module) -> Set[str]:
    """The names bound by the module's top-level imports of :data:`DROPPABLE_IMPORTS`."""
    names: Set[str] = set()
    for stmt in module.body:
        if not _is_import_line(stmt):
            continue
        small = stmt.body[0]
        if isinstance(small, cst.ImportFrom):
            if small.relative or small.module is None or isinstance(small.names, cst.ImportStar) \
                    or module.code_for_node(small.module) not in DROPPABLE_IMPORTS:
                continue
            names.update(_bound_by(module, a) for a in small.names)
        else:
            names.update(_bound_by(module, a) for a in small.names
                         if module.code_for_node(a.name) in DROPPABLE_IMPORTS)
    return names


def _bound_by(module: cst.Module, alias: cst.ImportAlias) -> str:
    if alias.asname is not None:
        return module.code_for_node(alias.asname.name)
    return module.code_for_node(alias.name).split(".")[0]


def drop_unused_imports(before: cst.Module, after: cst.Module, hidden: Set[str]) -> cst.Module:
    """``after`` without the names of top-level imports (of :data:`DROPPABLE_IMPORTS`) that
    ``before`` used and ``after`` no longer does: the fix took away their last use, and
    flake8's F401 (ruff's too) would fail the file right after ``--fix``. An import that was
    unused before stays as it was. ``hidden``: names used in code an excerpt hid."""
    # Only names those imports bind can go: the walks look for them alone, and stop early.
    droppable = _droppable_bindings(after)
    if not droppable:
        return after
    used_before = _names_outside_imports(before, droppable)
    if not used_before:
        return after
    used_after = _names_outside_imports(after, used_before) | (hidden & used_before)
    gone = used_before - used_after
    if not gone:
        return after
    body: List[cst.BaseStatement] = []
    carried: List[cst.EmptyLine] = []
    changed = False
    at_top = False  # an import dropped at the module's top: no blank lines left above what follows
    for stmt in after.body:
        if carried or at_top:
            leading = carried + list(stmt.leading_lines)
            if at_top:
                while leading and leading[0].comment is None:
                    leading.pop(0)
            stmt = stmt.with_changes(leading_lines=leading)
            carried, at_top = [], False
        if not _is_import_line(stmt):
            body.append(stmt)
            continue
        small = stmt.body[0]
        if isinstance(small, cst.ImportFrom):
            if small.relative or small.module is None or isinstance(small.names, cst.ImportStar) \
                    or after.code_for_node(small.module) not in DROPPABLE_IMPORTS:
                body.append(stmt)
                continue
            aliases = list(small.names)
            keep = [a for a in aliases if _bound_by(after, a) not in gone]
        else:
            aliases = list(small.names)
            keep = [a for a in aliases
                    if after.code_for_node(a.name) not in DROPPABLE_IMPORTS or _bound_by(after, a) not in gone]
        if len(keep) == len(aliases):
            body.append(stmt)
            continue
        changed = True
        if not keep:
            carried = list(stmt.leading_lines)  # its comments stay, above what follows
            at_top = not body and not after.header
            continue
        keep[-1] = keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        if isinstance(small, cst.ImportFrom) and small.rpar is not None and len(keep) == 1:
            small = small.with_changes(lpar=None, rpar=None)
        body.append(stmt.with_changes(body=[small.with_changes(names=keep)]))
    if not changed:
        return after
    if carried:
        after = after.with_changes(footer=carried + list(after.footer))
    return after.with_changes(body=body)


_STDLIB: Dict[str, bool] = {}


def _is_stdlib(module: str) -> bool:
    """Whether a top-level module name is the standard library's (isort's second section)."""
    known = _STDLIB.get(module)
    if known is None:
        names = getattr(sys, "stdlib_module_names", None)
        if names is not None:
            known = module in names
        else:  # Python 3.9: where the module would be found
            import importlib.util
            import sysconfig

            try:
                spec = importlib.util.find_spec(module)
            except (ImportError, ValueError):
                spec = None
            origin = getattr(spec, "origin", None) or ""
            stdlib = sysconfig.get_paths()["stdlib"]
            known = spec is not None and (origin in ("built-in", "frozen") or (
                origin.startswith(stdlib) and "site-packages" not in origin))
        _STDLIB[module] = known
    return known


def _import_key(module: cst.Module, stmt: cst.SimpleStatementLine) -> Tuple[int, int, str]:
    """Where isort (and ruff's ``I``) puts an import line, by default: its section
    (``__future__``, standard library, the rest, relative), then ``import x`` lines before
    ``from x import y`` lines, then the module's name."""
    small = stmt.body[0]
    if isinstance(small, cst.ImportFrom):
        if small.relative:
            return 3, 1, ""
        name = module.code_for_node(small.module)
        is_from = 1
    else:
        name = module.code_for_node(small.names[0].name)
        is_from = 0
    top = name.split(".")[0]
    section = 0 if top == "__future__" else 1 if _is_stdlib(top) else 2
    return section, is_from, name.lower()


def place_added_imports(before: cst.Module, after: cst.Module) -> cst.Module:
    """``after`` with the import lines it added to ``before`` moved where isort would put
    them in the module's leading block of imports: in the group (lines between blank lines)
    of their section, in order when that group is in order (at its end otherwise), or in a
    group of their own after the sections before theirs."""
    had = {before.code_for_node(s.with_changes(leading_lines=())) for s in before.body if _is_import_line(s)}
    body = list(after.body)
    start = 1 if body and isinstance(body[0], cst.SimpleStatementLine) and not _is_import_line(body[0]) else 0
    end = start
    while end < len(body) and _is_import_line(body[end]):
        end += 1
    block = body[start:end]
    added = [s for s in block if after.code_for_node(s.with_changes(leading_lines=())) not in had]
    if not added or len(added) == len(block):
        return after
    kept = [s for s in block if s not in added]
    groups: List[List[cst.SimpleStatementLine]] = []
    for stmt in kept:
        if not groups or any(line.comment is None for line in stmt.leading_lines):
            groups.append([])
        groups[-1].append(stmt)
    for stmt in added:
        key = _import_key(after, stmt)
        home = [g for g in groups if all(_import_key(after, s)[0] == key[0] for s in g)]
        if home:
            group = home[0]
            keys = [_import_key(after, s) for s in group]
            at = len(group)
            if keys == sorted(keys):
                at = next((i for i, k in enumerate(keys) if k > key), len(group))
            group.insert(at, stmt.with_changes(leading_lines=()))
            if at == 0:  # the blank lines and comments above the group stay above it
                group[0], group[1] = (group[0].with_changes(leading_lines=group[1].leading_lines),
                                      group[1].with_changes(leading_lines=()))
        else:
            at = next((i for i, g in enumerate(groups) if _import_key(after, g[0])[0] > key[0]), len(groups))
            groups.insert(at, [stmt.with_changes(leading_lines=())])
    placed = []
    for number, group in enumerate(groups):
        for index, stmt in enumerate(group):
            lead = list(stmt.leading_lines)
            if index == 0 and number == 0:
                lead = list(block[0].leading_lines)
            elif index == 0 and not any(line.comment is None for line in lead):
                lead = [cst.EmptyLine()] + lead  # a blank line between sections
            placed.append(stmt.with_changes(leading_lines=lead))
    return after.with_changes(body=body[:start] + placed + body[end:])


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
        stack.extend(_child_nodes(current))
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


def dotted(name: str) -> cst.BaseExpression:
    """``a.b.c`` as a libcst expression, built without a parse (a parse per fix is most of a
    small fix's cost)."""
    parts = name.split(".")
    expr: cst.BaseExpression = cst.Name(parts[0])
    for part in parts[1:]:
        expr = cst.Attribute(value=expr, attr=cst.Name(part))
    return expr


def module_code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)

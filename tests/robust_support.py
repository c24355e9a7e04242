"""Helpers for the robustness properties: example budgets, program generators, invariants.

Budgets: every property takes its ``settings`` from :func:`budget`, so the default run stays
small enough for CI, and ``MBOXLINT_HYPOTHESIS_PROFILE=thorough`` multiplies every budget
(several thousand examples per property). The settings are plain objects applied per test,
not registered hypothesis profiles, so other test modules keep whatever profile they load.

Programs: :func:`composed_programs` builds modules out of the statements of the fixtures and
of the rules' ``VALID``/``INVALID`` examples, shuffled, nested in random compound statements
and with random names, through ``ast`` and ``ast.unparse``. New rules and fixtures join the
pool by themselves; a property for ``--fix`` can draw from the same strategy and filter on
the findings that carry a fix.
"""

import ast
import builtins
import copy
import functools
import os
import keyword
import textwrap
import tokenize
from typing import Dict, List, Optional, Sequence, Set

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from mboxlint.analysis.imports import REEXPORTED_MODULES
from mboxlint.analysis.summaries import PYTEST_PRIVATE_PARAMETERS
from mboxlint.config import Selection
from mboxlint.engine import FileResult, check_source, check_tree
from mboxlint.rules import REGISTRY, all_rules

from support import fixture_files

EVERY_RULE = Selection(select=["MBX"])
EVERY_CODE = frozenset(EVERY_RULE.enabled)

PROFILE = os.environ.get("MBOXLINT_HYPOTHESIS_PROFILE", "ci")
if PROFILE not in ("ci", "thorough"):
    raise RuntimeError("MBOXLINT_HYPOTHESIS_PROFILE must be 'ci' or 'thorough', not %r" % PROFILE)

#: how many times more examples the thorough profile runs
THOROUGH_FACTOR = 40


def budget(examples: int) -> settings:
    """Settings for a property: ``examples`` in CI, many times that when thorough."""
    count = examples * THOROUGH_FACTOR if PROFILE == "thorough" else examples
    return settings(
        max_examples=count,
        deadline=None,  # generated programs vary a lot in size; speed is not asserted here
        # Without a stored database, a property replays nothing in CI that a developer found;
        # failures print a reproducible seed and example instead.
        database=None,
        derandomize=PROFILE == "ci",
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )


# -- invariants ------------------------------------------------------------------------


def assert_well_formed(result: FileResult, text: str) -> None:
    """A checked file: no error, findings inside the file, registered codes, sorted, unique."""
    assert result.error is None, result.error
    line_count = max(len(text.splitlines()), 1)
    keys = []
    for finding in result.findings:
        assert 1 <= finding.line <= line_count, finding
        assert finding.col >= 0, finding
        assert finding.code in REGISTRY and finding.code in EVERY_CODE, finding
        assert isinstance(finding.message, str) and finding.message.strip(), finding
        assert finding.fix in (None, "safe", "unsafe"), finding
        keys.append((finding.line, finding.col, finding.code))
    assert keys == sorted(keys), "findings are not sorted"
    assert len(keys) == len(set(keys)), "a finding is reported twice"


def check_text(text: str) -> FileResult:
    return check_source(text, "<generated>", EVERY_RULE)


def positions(tree: ast.Module):
    """Findings of every rule on a tree, as ``(line, col, code)``; messages name refs."""
    return [(f.line, f.col, f.code) for f in check_tree(tree, EVERY_CODE)]


def parses(text: str) -> bool:
    try:
        compile(text, "<generated>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


# -- the pool of statements ----------------------------------------------------------------


def _example_sources() -> List[str]:
    sources = []
    for path in fixture_files():
        with tokenize.open(path) as handle:  # fixtures may declare another encoding
            sources.append(handle.read())
    for rule in all_rules():
        for example in list(rule.VALID) + list(rule.INVALID):
            code = example if isinstance(example, str) else example.code
            sources.append(textwrap.dedent(code))
            fixed = None if isinstance(example, str) else example.fixed
            if fixed:
                sources.append(textwrap.dedent(fixed))
    return sources


@functools.lru_cache(maxsize=None)
def example_modules() -> tuple:
    """Every fixture and rule example, parsed (the sources of the generated programs)."""
    return tuple(ast.parse(text) for text in _example_sources())


@functools.lru_cache(maxsize=None)
def statement_pool() -> tuple:
    """``(imports, statements)``: imports of the examples, and their other statements at
    every depth (a ``box.lock()`` from a function body, a whole class, a try block...)."""
    imports: Dict[str, ast.stmt] = {}
    statements: List[ast.stmt] = []
    for module in example_modules():
        for node in ast.walk(module):
            for field in ("body", "orelse", "finalbody"):
                block = getattr(node, field, None)
                if not isinstance(block, list):
                    continue
                for stmt in block:
                    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                        imports.setdefault(ast.unparse(stmt), stmt)
                    elif isinstance(stmt, ast.stmt):
                        statements.append(stmt)
    return tuple(imports.values()), tuple(statements)


# -- composing programs ----------------------------------------------------------------

_NAME_STYLE = st.from_regex(r"\A[a-z][a-z0-9_]{0,8}\Z", fullmatch=True).filter(
    lambda name: not keyword.iskeyword(name) and name not in _RESERVED_NAMES
)
#: pytest hands its fixtures to a test by their names (``monkeypatch``, ``tmp_path``): renamed,
#: they are other parameters, and the rules read them by their spelling
_PYTEST_FIXTURES = frozenset(PYTEST_PRIVATE_PARAMETERS) | {"monkeypatch", "request", "capsys", "caplog"}
_RESERVED_NAMES = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | {"self", "cls", "mailbox", "contextlib"} \
    | _PYTEST_FIXTURES

_WRAPPERS = ("if", "if-else", "for", "while", "while-true", "try-except", "try-finally",
             "try-except-finally", "with", "def", "async-def", "class", "plain")


def _expr(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def _wrap(kind: str, body: List[ast.stmt], other: List[ast.stmt], name: str) -> List[ast.stmt]:
    """``body`` inside one compound statement of ``kind`` (``other`` fills second blocks)."""
    body = body or [ast.Pass()]
    other = other or [ast.Pass()]
    if kind == "if":
        return [ast.If(test=_expr(name), body=body, orelse=[])]
    if kind == "if-else":
        return [ast.If(test=_expr("not " + name), body=body, orelse=other)]
    if kind == "for":
        return [ast.For(target=ast.Name(name, ast.Store()), iter=_expr("range(3)"), body=body,
                        orelse=[], type_comment=None)]
    if kind == "while":
        return [ast.While(test=_expr(name), body=body, orelse=[])]
    if kind == "while-true":
        return [ast.While(test=ast.Constant(True), body=body + [ast.Break()], orelse=[])]
    if kind.startswith("try"):
        handlers = []
        if "except" in kind:
            handlers = [ast.ExceptHandler(type=_expr("Exception"), name=name, body=other)]
        final = other if kind.endswith("finally") else []
        return [ast.Try(body=body, handlers=handlers, orelse=[], finalbody=final)]
    if kind == "with":
        item = ast.withitem(context_expr=_expr("open(%s)" % name), optional_vars=ast.Name(name + "_f", ast.Store()))
        return [ast.With(items=[item], body=body, type_comment=None)]
    if kind in ("def", "async-def"):
        cls = ast.FunctionDef if kind == "def" else ast.AsyncFunctionDef
        args = ast.arguments(posonlyargs=[], args=[ast.arg(name, None), ast.arg("path", None)], vararg=None,
                             kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
        node = cls(name="f_" + name, args=args, body=body, decorator_list=[], returns=None, type_comment=None)
        if hasattr(node, "type_params"):  # 3.12+
            node.type_params = []
        return [node]
    if kind == "class":
        node = ast.ClassDef(name="C_" + name, bases=[], keywords=[], body=body, decorator_list=[])
        if hasattr(node, "type_params"):
            node.type_params = []
        return [node]
    return body


@st.composite
def _nested(draw, statements: Sequence[ast.stmt], depth: int) -> List[ast.stmt]:
    count = draw(st.integers(1, 4))
    body: List[ast.stmt] = []
    for _ in range(count):
        if depth > 0 and draw(st.booleans()):
            body.extend(draw(_nested(statements, depth - 1)))
        else:
            body.append(copy.deepcopy(draw(st.sampled_from(statements))))
    body = draw(st.permutations(body))
    kind = draw(st.sampled_from(_WRAPPERS))
    other = [copy.deepcopy(draw(st.sampled_from(statements)))] if draw(st.booleans()) else []
    return _wrap(kind, list(body), other, draw(_NAME_STYLE))


class _Renamer(ast.NodeTransformer):
    """Renames identifiers consistently: names, parameters, definitions, aliases, globals."""

    def __init__(self, mapping: Dict[str, str]):
        self.mapping = mapping

    def _new(self, name: Optional[str]) -> Optional[str]:
        return self.mapping.get(name, name) if name is not None else None

    def visit_Name(self, node):
        node.id = self._new(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self._new(node.arg)
        self.generic_visit(node)
        return node

    def _visit_def(self, node):
        node.name = self._new(node.name)
        self.generic_visit(node)
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_def

    def visit_ExceptHandler(self, node):
        node.name = self._new(node.name)
        self.generic_visit(node)
        return node

    def visit_alias(self, node):
        node.asname = self._new(node.asname)
        return node

    def visit_Global(self, node):
        node.names = [self._new(n) for n in node.names]
        return node

    visit_Nonlocal = visit_Global


def renamable_names(tree: ast.AST) -> List[str]:
    """Identifiers whose consistent renaming cannot change what any rule sees.

    Left alone: builtins, dunders, names bound by an import without ``as`` (the module's own
    name), names that are also spelled as an attribute or keyword argument somewhere (a
    class-level ``box: mbox`` read as ``self.box``) or inside a string (string annotations),
    and names the rules read by their spelling: a helper whose name contains ``sync`` counts
    as an fsync (MBX902), a rename onto a name ending in ``lock`` is a lock test (MBX306), a
    top-level ``test*`` function is a test's, a name spelled like a standard module that
    a star import may give (``os``) is that module, and pytest's own fixtures
    (``monkeypatch``, ``tmp_path``) are what pytest hands over by those names.
    """
    names: Set[str] = set()
    fixed: Set[str] = set(_RESERVED_NAMES)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            if node.asname:
                names.add(node.asname)
            fixed.add(node.name.split(".")[0])
        elif isinstance(node, ast.Attribute):
            fixed.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            fixed.add(node.arg)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            fixed.update(part for part in _words(node.value))
    return sorted(n for n in names - fixed if not (n.startswith("__") and n.endswith("__"))
                  and "sync" not in n.lower() and not n.lower().endswith("lock")
                  and not n.startswith("test") and n not in REEXPORTED_MODULES)


def _words(text: str):
    word = []
    for char in text + " ":
        if char.isalnum() or char == "_":
            word.append(char)
        elif word:
            yield "".join(word)
            word = []


@st.composite
def renamings(draw, tree: ast.AST) -> Dict[str, str]:
    """A consistent renaming of some of ``tree``'s renamable names to fresh names."""
    candidates = renamable_names(tree)
    if not candidates:
        return {}
    chosen = draw(st.lists(st.sampled_from(candidates), unique=True, max_size=len(candidates)))
    taken = set(candidates) | _every_identifier(tree)
    mapping: Dict[str, str] = {}
    for name in chosen:
        # The prefix keeps a new name clear of every word in the source; composed programs
        # already hold prefixed names, so freshness is checked on the prefixed form, and by
        # suffixing rather than a filter (small draws repeat, and a filter gives up on them).
        new = "r_" + draw(_NAME_STYLE)
        while new in taken:
            new += "_"
        taken.add(new)
        mapping[name] = new
    return mapping


def _every_identifier(tree: ast.AST) -> Set[str]:
    found = set()
    for node in ast.walk(tree):
        for field in ("id", "arg", "name", "attr", "asname"):
            value = getattr(node, field, None)
            if isinstance(value, str):
                found.update(value.split("."))
    return found


def rename(tree: ast.AST, mapping: Dict[str, str]) -> ast.AST:
    return _Renamer(mapping).visit(tree)


@st.composite
def composed_programs(draw, max_depth: int = 4) -> str:
    """Source of a module made of example statements, shuffled, nested and renamed."""
    imports, statements = statement_pool()
    header = [copy.deepcopy(stmt) for stmt in imports if draw(st.integers(0, 9)) > 0]
    blocks = draw(st.lists(_nested(statements, draw(st.integers(0, max_depth))), min_size=1, max_size=4))
    body = [stmt for block in blocks for stmt in block]
    module = ast.Module(body=header + body, type_ignores=[])
    module = rename(module, draw(renamings(module)))
    ast.fix_missing_locations(module)
    return ast.unparse(module) + "\n"

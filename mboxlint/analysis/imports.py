"""What each local name of a module refers to.

Rules ask questions such as "is this call ``mailbox.mbox(...)``?" or "is this ``os.rename``?"
without caring how the module spelled the import. ``ModuleFacts`` answers them with one pass
over the module's top-level statements (imports inside functions are collected too, since
``import os`` inside a function is common in scripts).
"""

import ast
import builtins
from typing import Dict, Iterable, Optional, Set

# The bundled fixed mailbox is a drop-in: its classes are the same kinds of mailbox.
_CANONICAL_PREFIXES = (("mboxlint.mailbox", "mailbox"),)

#: Single-file and MH mailboxes: their lock() matters and their keys are positions.
LOCKABLE_CLASSES = frozenset(
    {"mailbox.mbox", "mailbox.MMDF", "mailbox.Babyl", "mailbox.MH"}
)
#: Annotations that make a name a tracked mailbox (the abstract base included).
LOCKABLE_ANNOTATIONS = LOCKABLE_CLASSES | {"mailbox.Mailbox"}
#: Mailboxes exempt from the locking rules: lock() is a no-op, keys are unique file names.
EXEMPT_CLASSES = frozenset({"mailbox.Maildir"})
#: Every mailbox class a module may construct or derive from (private bases included,
#: since subclasses of ``_singlefileMailbox`` implement single-file mailboxes).
MAILBOX_CLASSES = LOCKABLE_ANNOTATIONS | EXEMPT_CLASSES | {
    "mailbox._singlefileMailbox",
    "mailbox._mboxMMDF",
}

_BUILTIN_NAMES = frozenset(dir(builtins))


def canonical(qualname: str) -> str:
    for prefix, replacement in _CANONICAL_PREFIXES:
        if qualname == prefix or qualname.startswith(prefix + "."):
            return replacement + qualname[len(prefix):]
    return qualname


def dotted_name(node: ast.AST) -> Optional[str]:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class ModuleFacts:
    """Import aliases and module-level class facts of one module."""

    def __init__(self, tree: ast.Module):
        self.aliases: Dict[str, str] = {}
        #: local class name -> the lockable stdlib class it derives from
        self.lockable_subclasses: Dict[str, str] = {}
        #: local class name -> the stdlib mailbox class (any kind) it derives from
        self.mailbox_subclasses: Dict[str, str] = {}
        #: names bound at module level by something other than an import
        self.module_bindings: Set[str] = set()
        #: what the module's own functions do (:class:`~.summaries.ModuleSummaries`), set by ``analyse``
        self.summaries = None
        self._collect(tree)

    # -- collection -----------------------------------------------------------------

    def _collect(self, tree: ast.Module) -> None:
        for node in _imports_and_top_level(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.aliases[alias.asname] = canonical(alias.name)
                    else:
                        # ``import os.path`` binds ``os``; attribute access resolves the rest.
                        top = alias.name.split(".")[0]
                        self.aliases[top] = canonical(top) if top != "mboxlint" else top
            elif isinstance(node, ast.ImportFrom):
                if node.level or not node.module:
                    continue  # relative imports name the project's own modules
                for alias in node.names:
                    if alias.name == "*":
                        continue
                    local = alias.asname or alias.name
                    self.aliases[local] = canonical(node.module + "." + alias.name)
        for stmt in tree.body:
            if isinstance(stmt, ast.ClassDef):
                self.module_bindings.add(stmt.name)
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.module_bindings.add(stmt.name)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            self.module_bindings.add(name.id)
        # Subclasses, in source order so that a subclass of a subclass resolves too.
        for stmt in tree.body:
            if isinstance(stmt, ast.ClassDef):
                for base in stmt.bases:
                    kind = self.mailbox_class(base)
                    if kind:
                        self.mailbox_subclasses[stmt.name] = kind
                        if kind in LOCKABLE_CLASSES:
                            self.lockable_subclasses[stmt.name] = kind
                        break

    # -- questions ------------------------------------------------------------------

    def resolve(self, node: ast.AST) -> Optional[str]:
        """The qualified name an expression refers to (``os.path.exists``), or None.

        Builtins resolve to ``builtins.<name>`` unless the module rebinds the name.
        """
        if isinstance(node, ast.Name):
            target = self.aliases.get(node.id)
            if target is not None:
                return target
            if node.id in _BUILTIN_NAMES and node.id not in self.module_bindings:
                return "builtins." + node.id
            return None
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            if base is None:
                return None
            return canonical(base + "." + node.attr)
        return None

    def mailbox_class(self, node: ast.AST) -> Optional[str]:
        """``mailbox.mbox`` etc. when ``node`` names a stdlib mailbox class or a local subclass."""
        if isinstance(node, ast.Name) and node.id in self.mailbox_subclasses:
            return self.mailbox_subclasses[node.id]
        name = self.resolve(node)
        if name in MAILBOX_CLASSES:
            return name
        return None

    def lockable_constructor(self, node: ast.AST) -> Optional[str]:
        """The lockable class a call constructs (``mailbox.mbox(...)``), or None."""
        if not isinstance(node, ast.Call):
            return None
        kind = self.mailbox_class(node.func)
        if kind in LOCKABLE_CLASSES:
            return kind
        return None

    def lockable_annotation(self, node: Optional[ast.AST]) -> Optional[str]:
        """The lockable class an annotation names (``mailbox.mbox``, ``"mailbox.mbox"``, ``Optional[...]``)."""
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(node, ast.Subscript):  # Optional[mailbox.mbox]
            inner = node.slice
            if isinstance(inner, ast.Index):  # Python 3.8 shape, kept for safety
                inner = inner.value  # pragma: no cover
            return self.lockable_annotation(inner)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):  # mbox | None
            return self.lockable_annotation(node.left) or self.lockable_annotation(node.right)
        kind = self.mailbox_class(node)
        if kind in LOCKABLE_ANNOTATIONS:
            return kind
        return None

    def imports_any(self, prefixes: Iterable[str]) -> bool:
        """Whether any alias refers to a module under one of ``prefixes``."""
        targets = tuple(prefixes)
        return any(
            value == p or value.startswith(p + ".") for value in self.aliases.values() for p in targets
        )


_IMPORTS = (ast.Import, ast.ImportFrom)
#: statements that hold no statements
_SIMPLE = (
    ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Pass, ast.Raise,
    ast.Delete, ast.Assert, ast.Break, ast.Continue, ast.Global, ast.Nonlocal,
)


def _imports_and_top_level(tree: ast.Module):
    """Every import statement of the module, wherever it stands."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, _IMPORTS):
            yield node
            continue
        if isinstance(node, _SIMPLE):  # most statements: nothing nested to look into
            continue
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(node, field, None)
            if children:
                stack.extend(children)

"""Files nobody else reads back, which the file rules never report: files in a private
temporary directory of the scope, or named relative to a private current directory (the directories come from
:class:`~mboxlint.analysis.summaries.PrivatePaths`), and the kernel's files (devices such as
``/dev/null`` or ``os.devnull``, ``/proc``, ``/sys``)."""

import ast
from typing import Callable, Dict, Optional

from ..imports import canonical
from ..pathkey import PathKey, const_text
from ..summaries import PRIVATE_CWD, relative_path, under

#: folders whose entries are devices or the kernel's view of processes and the system: a
#: write there is no file another run reads back, and nothing there is created or removed
KERNEL_FOLDERS = ("/dev/", "/proc/", "/sys/")
#: folders under ``/dev`` that hold ordinary files shared between processes (tmpfs)
SHARED_MEMORY_FOLDERS = ("/dev/shm/", "/dev/mqueue/")
#: how many leading parts of a path are read for its folder
_LEADING_PARTS = 3


def _leading_text(key: PathKey, aliases, named=None) -> str:
    """The constant start of the path a key names (``/proc/`` for ``"/proc/%d" % pid``,
    ``/dev/null`` for ``os.devnull``): its first parts while they are constants, joined
    as the key joins them."""
    parts, separator = (key,), ""
    while key.kind == "call" and key.head == "concat" and len(key.parts) > 1 and key.parts[0].kind == "const" \
            and (const_text(key.parts[0]) or "").startswith("%s"):
        key = key.parts[1]  # ``"%s/%s/serial" % (SYS_BLOCK, dev)`` starts as its first argument does
        parts = (key,)
    if key.kind == "call" and key.head in ("join", "concat"):
        parts, separator = key.parts[:_LEADING_PARTS], "/" if key.head == "join" else ""
    texts = []
    for part in parts:
        text = const_text(part)
        if text is None and part.kind == "name":
            text = "/dev/null" if _is_devnull(part.head, aliases) else _named_text(part.head, named)
        if text is None:
            texts.append("")  # an unknown part ends what is known, after its separator
            break
        texts.append(text)
    return separator.join(texts)


def _is_devnull(ref: str, aliases) -> bool:
    root, dot, rest = ref.partition(".")
    qualified = aliases.get(root)
    if qualified is None:
        return ref == "os.devnull"
    return canonical(qualified + dot + rest) == "os.devnull"


def _named_text(ref: str, named) -> Optional[str]:
    """The kernel path a name holds (``SYSFS``, ``Gpio.PREFIX``, ``self.PREFIX``), from
    ``named`` (see :func:`kernel_names`)."""
    if not named:
        return None
    text = named.get(ref)
    if text is None and ref.count(".") == 1:
        text = named.get(ref[ref.index("."):])  # a class attribute, read on the class or an instance
    return text


def _kernel_text(node) -> Optional[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(KERNEL_FOLDERS) \
            and not node.value.startswith(SHARED_MEMORY_FOLDERS):
        return node.value
    return None


def kernel_names(tree: ast.Module) -> Dict[str, str]:
    """Names of the module's top level (``SYSFS``), and class attributes (as ``.PREFIX``),
    bound only to one string constant in a kernel folder, and the constant: bound once, by a
    plain assignment, at the top level or in a top-level class's body; never stored as an
    attribute elsewhere."""
    found: Dict[str, str] = {}
    bound: Dict[str, int] = {}
    noted = set()  # ids of the targets counted here

    def note(target, name: str, value) -> None:
        noted.add(id(target))
        bound[name] = bound.get(name, 0) + 1
        text = _kernel_text(value)
        if text is not None:
            found[name] = text

    for stmt in tree.body:
        blocks = [("", stmt)]
        if isinstance(stmt, ast.ClassDef):
            blocks = [(".", inner) for inner in stmt.body]
        for prefix, item in blocks:
            if isinstance(item, ast.Assign):
                for target in item.targets:
                    if isinstance(target, ast.Name):
                        note(target, prefix + target.id, item.value if len(item.targets) == 1 else None)
            elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                note(item.target, prefix + item.target.id, item.value)
    if not found:
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load):
            bound["." + node.attr] = 2  # stored on an object too: not one value
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load) and node.id in found \
                and id(node) not in noted:
            bound[node.id] = bound.get(node.id, 0) + 1  # bound in a function as well
    return {name: text for name, text in found.items() if bound.get(name) == 1}


def names_kernel_file(key: PathKey, aliases, named=None) -> bool:
    """Whether a key names a device or another of the kernel's files, not a file on disk
    (``aliases``: the module's import aliases, for ``os.devnull`` however it is imported;
    ``named``: names holding a kernel path, from :func:`kernel_names`)."""
    text = _leading_text(key, aliases, named)
    return text.startswith(KERNEL_FOLDERS) and not text.startswith(SHARED_MEMORY_FOLDERS)


def placing_leaves(key: PathKey):
    """The leaves of a key that can place its file in a folder, each once: of a join or a
    concatenation, those of its first part only (what follows names a file inside it,
    ``dest / entry.name`` is in ``dest``; a ``"%s/..."`` template starts with its first
    argument, other literal text is a folder of its own); of any other operation, every
    leaf. A helper's call (``call(self.path, name)``) is yielded too, before its parts: its
    value may be a path in a private folder. Each distinct sub-key is visited once."""
    seen = set()
    stack = [key]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if current.kind != "call":
            yield current
        elif current.head not in ("join", "concat"):
            if current.head == "call":
                yield current
            stack.extend(current.parts)
        elif current.head == "concat" and current.parts[0].kind == "const":
            template = const_text(current.parts[0])
            if template.startswith("%") and len(current.parts) > 1:
                stack.append(current.parts[1])
        else:
            stack.append(current.parts[0])


class PrivateDirectories:
    """Whether a key is private to the scope being walked (a part of :class:`PathAnalysis`)."""

    def _private_names(self, scope) -> frozenset:
        """Names of this scope holding a fresh private temporary directory or a path in it,
        spelled as keys spell them."""
        summaries = self.facts.summaries
        if summaries is None:
            return frozenset()
        names = summaries.private.in_scope(scope)
        if self._self_name in (None, "self"):
            return names  # spelled as keys spell them already
        return frozenset(self._ref_key(name) for name in names)

    def names_kernel_folder(self, key: PathKey) -> bool:
        """Whether ``key`` names one of the kernel's files or folders (:func:`names_kernel_file`)."""
        named = self._kernel_names
        if named is None:
            named = self._kernel_names = kernel_names(self.tree) if self.spells_kernel_folder() else {}
        return names_kernel_file(key, self.facts.aliases, named)

    def spells_kernel_folder(self) -> bool:
        """Whether the module's text spells a kernel folder anywhere."""
        if self._kernel_spelt is None:
            self._kernel_spelt = any(self.facts.spells(folder) for folder in KERNEL_FOLDERS)
        return self._kernel_spelt

    def private(self, key: Optional[PathKey]) -> bool:
        """Whether a key names a file nobody else reads back: one in a private temporary
        directory of this scope, or one of the kernel's (:func:`names_kernel_file`)."""
        if key is None:
            return False
        if self.names_kernel_folder(key):
            return True
        if self._private is None:
            self._private = self._private_names(self._scope)
        methods = self._private_methods()
        if not self._private and methods is None:
            return False
        cwd = PRIVATE_CWD in self._private
        return any(leaf.kind == "name" and under(leaf.head, self._private)
                   or cwd and leaf.kind == "const" and relative_path(const_text(leaf))
                   or methods is not None and leaf.kind == "call" and methods(leaf) for leaf in placing_leaves(key))

    def _private_methods(self) -> Optional[Callable[[PathKey], bool]]:
        """In a method, a test of whether a helper's call key calls a method of the class
        that returns a path in a private folder (``self.path(name)``); None elsewhere."""
        summaries = self.facts.summaries
        scope = self._scope
        cls, self_name = scope.enclosing_class, scope.self_name
        if summaries is None or cls is None or not self_name or not summaries.private.may_make_private():
            return None  # most methods: no private folder anywhere in the module
        prefix = self_name + "."

        def calls_private_method(call: PathKey) -> bool:
            callee = call.parts[0] if call.parts else None
            if callee is None or callee.kind != "name" or not callee.head.startswith(prefix):
                return False
            attr = callee.head[len(prefix):]
            return "." not in attr and summaries.private.method_returns_private(cls, attr)
        return calls_private_method

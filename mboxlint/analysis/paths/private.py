"""Files nobody else reads back, which the file rules never report: files in a private
temporary directory of the scope, or named relative to a private current directory (the directories come from
:class:`~mboxlint.analysis.summaries.PrivatePaths`), and the kernel's files (devices such as
``/dev/null`` or ``os.devnull``, ``/proc``, ``/sys``)."""

from typing import Callable, Optional

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


def _leading_text(key: PathKey, aliases) -> str:
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
        if text is None and part.kind == "name" and _is_devnull(part.head, aliases):
            text = "/dev/null"
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


def names_kernel_file(key: PathKey, aliases) -> bool:
    """Whether a key names a device or another of the kernel's files, not a file on disk
    (``aliases``: the module's import aliases, for ``os.devnull`` however it is imported)."""
    text = _leading_text(key, aliases)
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
        return frozenset(self._ref_key(name) for name in summaries.private.in_scope(scope))

    def private(self, key: Optional[PathKey]) -> bool:
        """Whether a key names a file nobody else reads back: one in a private temporary
        directory of this scope, or one of the kernel's (:func:`names_kernel_file`)."""
        if key is None:
            return False
        if names_kernel_file(key, self.facts.aliases):
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

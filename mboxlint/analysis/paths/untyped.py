"""Paths whose type is written nowhere: an un-annotated parameter, a ``self`` attribute, a loop
variable. What the code does to a name can say it is a ``pathlib`` path:

* a method only a path has, called on it with a path's arguments (``p.joinpath(x)``,
  ``p.with_name(n)``, ``p.is_file()``, ``p.mkdir()``, ``p.write_text(s)``...): a file-system
  object taking the path as an argument (``fs.mkdir(name)``) is not one, and nor is an
  imported module (``os.unlink(p)``, ``glob.glob(p)``);
* being bound from a path: a ``Path(...)`` call, a path-only derivation (``p.with_suffix(s)``),
  ``p / x`` or ``p.parent`` of such a name, or the name itself (``self.path = path``);
* being the variable of a loop over ``p.iterdir()``/``glob()``/``rglob()``, or over a list or
  tuple display all of whose elements are such names.

A ``self`` attribute counts when any method of the class says so. ``open()`` says nothing
(an archive or a storage backend has one); ``exists()`` and the other checks a path answers
of itself are followed, flow-sensitively, by the guards (:mod:`.checks`), not here.
The look is lazy: a scope is read only when an act on a receiver of unknown type is judged,
once, statements of nested functions and classes left out."""

import ast
from typing import Callable, Dict, List, Optional, Set, Tuple

from ..imports import dotted_name, own_statements
from ..summaries import own_nodes
from ..walk import Scope

#: methods only a ``pathlib`` path has -> how many positional arguments it takes there
#: (None: any number)
PATH_ONLY_METHODS: Dict[str, Optional[int]] = {
    "is_file": 0, "is_dir": 0, "is_symlink": 0, "iterdir": 0, "unlink": 0, "rmdir": 0, "touch": 0,
    "mkdir": 0, "read_text": 0, "read_bytes": 0, "write_text": 1, "write_bytes": 1, "with_suffix": 1,
    "with_name": 1, "with_stem": 1, "joinpath": None,
}
#: methods of a path whose value is a path
_DERIVING = frozenset({"with_suffix", "with_name", "with_stem", "joinpath"})
#: methods of a path, called without arguments, whose value is a path to the same file;
#: others have methods of these names too (``resolver.resolve(name)``), so they say nothing
#: of their receiver, but keep what it is
TRANSPARENT_METHODS = frozenset({"resolve", "absolute", "expanduser"})
#: methods of a path whose elements are paths
_LISTING = frozenset({"iterdir", "glob", "rglob"})
#: rounds of following names bound from one another (``a = b / x``, ``b = c.parent``...)
_ROUNDS = 8


class Evidence:
    """What one scope says of its names: those that are paths outright, and those that are
    when every name they were bound from is (all in the spelling with ``self``)."""

    __slots__ = ("paths", "derived")

    def __init__(self):
        self.paths: Set[str] = set()
        #: name -> each list of names it was bound from (a loop over a display: all of them)
        self.derived: Dict[str, List[Tuple[str, ...]]] = {}

    def closed(self, known: Set[str]) -> Set[str]:
        """The names that are paths, given that those of ``known`` are."""
        paths = self.paths | known
        for _ in range(_ROUNDS):
            grown = {name for name, sources in self.derived.items() if name not in paths
                     and any(all(source in paths for source in each) for each in sources)}
            if not grown:
                break
            paths |= grown
        return paths


def annotated_pathlib(annotation: ast.AST, resolve, pathlib_classes) -> bool:
    """Whether an annotation names a ``pathlib`` class (``Path``, ``"pathlib.Path"``)."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return annotation.value.rsplit(".", 1)[-1] in ("Path", "PurePath", "PosixPath")
    return resolve(annotation) in pathlib_classes


def scope_evidence(root: ast.AST, self_name: Optional[str], resolve: Callable[[ast.AST], Optional[str]],
                   pathlib_classes) -> Evidence:
    """The :class:`Evidence` of the statements of ``root`` (a function or a module)."""
    found = Evidence()

    def spelled(node: ast.AST) -> Optional[str]:
        ref = dotted_name(node)
        if ref is None or resolve(node) is not None:
            return None  # not a name, or an imported one (a module, a class)
        if self_name and self_name != "self" and (ref == self_name or ref.startswith(self_name + ".")):
            ref = "self" + ref[len(self_name):]
        return ref

    def path_method(call: ast.AST, methods) -> Optional[str]:
        """The receiver of ``call`` when it calls one of ``methods`` with a path's arguments."""
        if type(call) is not ast.Call or type(call.func) is not ast.Attribute or call.func.attr not in methods:
            return None
        arity = PATH_ONLY_METHODS.get(call.func.attr)
        if any(isinstance(arg, ast.Starred) for arg in call.args) or arity is not None and len(call.args) != arity:
            return None
        return spelled(call.func.value)

    def sources(value: ast.AST) -> Optional[Tuple[str, ...]]:
        """What ``name = value`` makes ``name`` a path by: () outright, else the names."""
        while True:  # a loop, not recursion: ``/`` chains and ``.parent`` chains may be long
            if type(value) is ast.Call:
                if resolve(value.func) in pathlib_classes or path_method(value, _DERIVING) is not None:
                    return ()
                func = value.func
                if type(func) is ast.Attribute and func.attr in TRANSPARENT_METHODS and not value.args:
                    value = func.value  # ``Path(p).expanduser()`` is a path when its receiver is
                    continue
                return None
            if type(value) is ast.BinOp and type(value.op) is ast.Div:
                value = value.left
            elif type(value) is ast.Attribute and value.attr == "parent":
                value = value.value
            else:
                ref = spelled(value) if type(value) in (ast.Name, ast.Attribute) else None
                return (ref,) if ref is not None else None

    def bound(target: ast.AST, how: Optional[Tuple[str, ...]]) -> None:
        ref = spelled(target) if type(target) in (ast.Name, ast.Attribute) else None
        if ref is None or how is None:
            return
        if how:
            found.derived.setdefault(ref, []).append(how)
        else:
            found.paths.add(ref)

    def iterated(target: ast.AST, value: ast.AST) -> None:
        if path_method(value, _LISTING) is not None:
            bound(target, ())
        elif type(value) in (ast.List, ast.Tuple) and value.elts:
            names = tuple(spelled(e) if type(e) in (ast.Name, ast.Attribute) else None for e in value.elts)
            if all(names):
                bound(target, names)

    def annotated(annotation: Optional[ast.AST]) -> bool:
        return annotation is not None and annotated_pathlib(annotation, resolve, pathlib_classes)

    # ``def __init__(self, root: Path)``: a parameter annotated as a path is one
    arguments = getattr(root, "args", None)
    if arguments is not None:
        for arg in list(getattr(arguments, "posonlyargs", [])) + list(arguments.args) + list(arguments.kwonlyargs):
            if annotated(arg.annotation):
                found.paths.add(arg.arg)

    for node in own_nodes(root):
        kind = type(node)
        if kind is ast.Call:
            receiver = path_method(node, PATH_ONLY_METHODS)
            if receiver is not None:
                found.paths.add(receiver)
        elif kind is ast.Assign:
            how = sources(node.value)
            for target in node.targets:
                bound(target, how)
        elif kind is ast.AnnAssign and node.value is not None:
            # ``self.token_file: Path = token_file``: the annotation says it
            bound(node.target, () if annotated(node.annotation) else sources(node.value))
        elif kind in (ast.For, ast.AsyncFor, ast.comprehension):
            iterated(node.target, node.iter)
    return found


def class_paths(cls: ast.ClassDef, resolve, pathlib_classes) -> Set[str]:
    """The ``self`` attributes some method of ``cls`` (one under an ``if`` or a ``try`` of its
    body included) says are paths."""
    found: Set[str] = set()
    for method in own_statements(cls):
        if type(method) not in (ast.FunctionDef, ast.AsyncFunctionDef):
            continue
        self_name = Scope(method, cls).self_name
        if self_name:
            evidence = scope_evidence(method, self_name, resolve, pathlib_classes)
            found |= {ref for ref in evidence.closed(set()) if ref.startswith("self.")}
    return found

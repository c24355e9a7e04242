"""Mailboxes kept in a dict or list that a scope fills with mailboxes it constructs.

An entry is followed like a plain name: its ref is the container's dotted name with the
subscript spelled after it, ``boxes['inbox']`` for a constant key, ``boxes[name]`` for a
name, and ``boxes[*]`` stands for the entries no spelling names (those of a list built by
a comprehension, or an entry whose subscript was rebound). ``boxes.get(k)`` and
``boxes.setdefault(k, ...)`` name the entry ``boxes[k]``.

A container is followed in a scope only when the scope binds it (to a display or
comprehension of mailboxes it constructs, or to an empty one) and everything it does with it
is one of the uses :func:`survey_containers` accepts: every value stored in it is a lockable
mailbox constructed there, entries are only called methods on (``boxes[k].add(m)``), bound
to a local name (``box = boxes.get(k)``, ``box = boxes[k] = M(p)``), stored, deleted or
iterated by a ``for`` statement, and the container itself is only tested (``k in boxes``,
``len(boxes)``), iterated or rebound to a display of such mailboxes. A container passed to a
call, returned, bound to another name, holding anything else or named in a nested function
is left alone: whatever locks its entries may be out of sight.

A name bound to an entry (an alias) and the entry are one mailbox while neither the name
nor the subscript is rebound: a call through either changes both. An alias, a loop's
variable over the container and every entry spelled otherwise may be the same mailbox; a
call through one of them is not reported while another disagrees with it on the lock state.
"""

import ast
from typing import Dict, Optional, Set, Tuple

from .imports import ModuleFacts, dotted_name

#: the key spelling of the entries no spelling names
ANY_KEY = "*"
#: the builtins a container may be handed to
_INSPECTING = frozenset({"len", "bool"})
#: methods on a dict that give its entries, its keys, or both
_ITERATIONS = frozenset({"values", "items", "keys"})
#: containers a scope may follow, and entry spellings and names (aliases, loop variables)
#: each may have: past them none is followed, so the work of a change to an entry (which looks
#: at every spelling of its container that may be the same mailbox) stays bounded
MAX_CONTAINERS = 16
MAX_KEYS = 32
MAX_ALIASES = 16


def entry_key(node: ast.AST) -> Optional[str]:
    """How a subscript is spelled in an entry's ref: a name, or the ``repr`` of a str, int or
    bytes constant; None for anything else (``boxes[f(x)]``)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Constant) and type(node.value) in (str, int, bytes):
        return repr(node.value)
    return None


def entry_parts(node: ast.AST) -> Optional[Tuple[str, str]]:
    """``(container, key)`` of ``c[k]``, ``c.get(k)`` or ``c.setdefault(k, v)``, else None."""
    if isinstance(node, ast.Subscript):
        container, key = dotted_name(node.value), entry_key(node.slice)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.keywords \
            and len(node.args) == (1 if node.func.attr == "get" else 2) \
            and node.func.attr in ("get", "setdefault"):
        container, key = dotted_name(node.func.value), entry_key(node.args[0])
    else:
        return None
    if container is None or key is None:
        return None
    return container, key


def entry_ref(container: str, key: str) -> str:
    return "%s[%s]" % (container, key)


def box_ref(node: ast.AST) -> Optional[str]:
    """The ref a mailbox expression spells: a dotted name (``self.box``) or a container entry
    (``boxes['a']``), else None."""
    ref = dotted_name(node)
    if ref is not None:
        return ref
    parts = entry_parts(node)
    return entry_ref(*parts) if parts is not None else None


def may_be_same(key: str, other: str) -> bool:
    """Whether two key spellings of one container may name the same entry: unless both are
    constants (and different, as spelled)."""
    return not (_constant(key) and _constant(other)) or key == other


def _constant(key: str) -> bool:
    return key != ANY_KEY and not key.isidentifier()


class Container:
    """What a scope does with one container of mailboxes."""

    __slots__ = ("is_list", "key_names", "keys", "made_here", "aliases", "loop_names")

    def __init__(self):
        #: bound in the scope to a display (or comprehension) of mailboxes made there, or empty
        self.made_here = False
        #: built as a list (``for box in boxes:`` gives entries, not keys)
        self.is_list = False
        #: names used as its subscripts
        self.key_names: Set[str] = set()
        #: every spelling of its subscripts
        self.keys: Set[str] = set()
        #: local names bound to one of its entries (``box = boxes[k]``)
        self.aliases: Set[str] = set()
        #: the variables of the loops over it
        self.loop_names: Set[str] = set()


def iterated_container(iterated: ast.AST) -> Optional[Tuple[str, str]]:
    """``(container, how)`` for the iterable of a ``for``: ``how`` is ``"self"`` for
    ``for x in c``, else the method of ``c.values()``, ``c.items()`` or ``c.keys()``."""
    if isinstance(iterated, ast.Call) and isinstance(iterated.func, ast.Attribute) \
            and iterated.func.attr in _ITERATIONS and not iterated.args and not iterated.keywords:
        container = dotted_name(iterated.func.value)
        return (container, iterated.func.attr) if container is not None else None
    container = dotted_name(iterated)
    return (container, "self") if container is not None else None


def stores_mailbox(facts: ModuleFacts, node: ast.AST, scope_node: ast.AST) -> Optional[str]:
    """The container a statement or call fills with a lockable mailbox constructed here
    (``c[k] = M(p)``, ``c = {k: M(p)}``, ``c = [M(p) for ...]``, ``c = {k: M(k) for ...}``, ``c.setdefault(k, M(p))``,
    ``c.append(M(p))``), else None. Cheap for everything else: called on every assignment
    and call of a scope that mentions mailboxes."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Subscript):
                container = dotted_name(target.value)
                if container is not None and facts.lockable_constructor(node.value, scope_node):
                    return container
            elif isinstance(target, (ast.Name, ast.Attribute)) and _display_of_mailboxes(facts, node.value, scope_node):
                return dotted_name(target)
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args \
            and node.func.attr in ("setdefault", "append") \
            and facts.lockable_constructor(node.args[-1], scope_node):
        return dotted_name(node.func.value)
    return None


def _display_of_mailboxes(facts: ModuleFacts, value: ast.AST, scope_node: ast.AST, allow_empty: bool = False) -> bool:
    """A dict, list or tuple display (or comprehension) whose every value is a lockable
    mailbox constructed here; with ``allow_empty``, an empty one (``{}``, ``dict()``) too."""
    if isinstance(value, ast.Dict):
        values = value.values
        if any(key is None for key in value.keys):
            return False  # ``{**other}``
    elif isinstance(value, (ast.List, ast.Tuple)):
        values = value.elts
    elif isinstance(value, ast.ListComp):
        values = [value.elt]
    elif isinstance(value, ast.DictComp):
        values = [value.value]
    elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("dict", "list") \
            and not value.args and not value.keywords:
        values = []
    else:
        return False
    if not values:
        return allow_empty
    return all(facts.lockable_constructor(v, scope_node) for v in values)


def survey_containers(facts: ModuleFacts, scope_node: ast.AST, candidates: Set[str]) -> Dict[str, Container]:
    """The candidates (containers a scope stores mailboxes in) whose every use in the scope
    is one the walk follows (see the module's overview). One look at the scope, nested scopes
    included, made only for scopes with candidates."""
    found = {name: Container() for name in candidates}
    parents: Dict[int, ast.AST] = {}
    stack = [(stmt, scope_node, False) for stmt in scope_node.body]
    while stack and found:
        node, parent, nested = stack.pop()
        parents[id(node)] = parent
        ref = dotted_name(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
        if ref in found:
            if nested or not _accepted_use(facts, scope_node, node, parents, found[ref]):
                del found[ref]
            elif not isinstance(node, ast.Attribute):
                continue  # a name: nothing below it
        inner = nested or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            stack.append((child, node, inner))
    if len(found) > MAX_CONTAINERS:
        return {}
    # One the scope does not make may hold what others put there, locked or not.
    kept = {name: container for name, container in found.items()
            if container.made_here and len(container.keys) <= MAX_KEYS
            and len(container.aliases | container.loop_names) <= MAX_ALIASES}
    shared = {alias for name, container in kept.items() for alias in container.aliases
              if any(alias in other.aliases for other_name, other in kept.items() if other_name != name)}
    return {name: container for name, container in kept.items() if not container.aliases & shared}


def _accepted_use(facts: ModuleFacts, scope_node: ast.AST, node: ast.AST, parents: Dict[int, ast.AST],
                  container: Container) -> bool:
    parent = parents.get(id(node))
    above = parents.get(id(parent))
    if isinstance(parent, ast.Subscript) and parent.value is node:
        key = entry_key(parent.slice)
        if key is None:
            return False
        container.keys.add(key)
        if isinstance(parent.slice, ast.Name):
            container.key_names.add(key)
        if isinstance(parent.ctx, ast.Store):
            if not isinstance(above, ast.Assign) or not facts.lockable_constructor(above.value, scope_node):
                return False
            others = [target for target in above.targets if target is not parent]
            if len(others) > 1 or others and not isinstance(others[0], ast.Name):
                return False
            container.aliases.update(other.id for other in others)  # ``box = boxes[k] = M(p)``
            return True
        if isinstance(parent.ctx, ast.Del):
            return True
        return _receiver(parent, parents) or _aliased(parent, above, container)
    if isinstance(parent, ast.Attribute) and parent.value is node:
        call = above
        if not isinstance(call, ast.Call) or call.func is not parent:
            return False
        outer = parents.get(id(call))
        method = parent.attr
        if method in ("get", "setdefault"):
            parts = entry_parts(call)
            if parts is None:
                return False
            container.keys.add(parts[1])
            if isinstance(call.args[0], ast.Name):
                container.key_names.add(parts[1])
            if method == "get":
                return _receiver(call, parents) or _aliased(call, outer, container)
            return bool(facts.lockable_constructor(call.args[1], scope_node)) and (
                isinstance(outer, ast.Expr) or _receiver(call, parents) or _aliased(call, outer, container))
        if method in _ITERATIONS:
            if call.args or not isinstance(outer, (ast.For, ast.AsyncFor)) or outer.iter is not call:
                return False
            container.loop_names.update(_names(outer.target))
            return True
        if method == "append":
            container.is_list = True
            return len(call.args) == 1 and isinstance(outer, ast.Expr) \
                and bool(facts.lockable_constructor(call.args[0], scope_node))
        return False
    if isinstance(parent, ast.Compare):
        return any(right is node and isinstance(op, (ast.In, ast.NotIn))
                   for op, right in zip(parent.ops, parent.comparators))
    if isinstance(parent, (ast.For, ast.AsyncFor)):
        container.loop_names.update(_names(parent.target))
        return parent.iter is node
    if isinstance(parent, ast.Call):
        return isinstance(parent.func, ast.Name) and parent.func.id in _INSPECTING and parent.args == [node]
    if isinstance(parent, (ast.If, ast.While)) and parent.test is node:
        return True
    if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
        return True
    if isinstance(parent, (ast.Assign, ast.AnnAssign)):
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        if len(targets) != 1 or targets[0] is not node or parent.value is None:
            return False
        value = parent.value
        if isinstance(value, (ast.List, ast.Tuple, ast.ListComp)) or (
                isinstance(value, ast.Call) and getattr(value.func, "id", None) == "list"):
            container.is_list = True
        if isinstance(value, ast.Dict):
            container.keys.update(entry_key(key) or ANY_KEY for key in value.keys if key is not None)
        elif isinstance(value, (ast.List, ast.Tuple)):
            container.keys.update(repr(index) for index in range(len(value.elts)))
        container.made_here = _display_of_mailboxes(facts, parent.value, scope_node, allow_empty=True)
        return container.made_here
    return False


def _names(target: ast.AST):
    """The plain names a ``for`` target binds."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [element.id for element in target.elts if isinstance(element, ast.Name)]
    return []


def _aliased(entry: ast.AST, parent: Optional[ast.AST], container: Container) -> bool:
    """Whether ``entry`` is the value a local name is bound to (``box = boxes[k]``)."""
    if isinstance(parent, ast.Assign) and parent.value is entry and len(parent.targets) == 1 \
            and isinstance(parent.targets[0], ast.Name):
        container.aliases.add(parent.targets[0].id)
        return True
    return False


def _receiver(node: ast.AST, parents: Dict[int, ast.AST]) -> bool:
    """Whether ``node`` is what a method is called on (``node.add(m)``)."""
    attribute = parents.get(id(node))
    if not isinstance(attribute, ast.Attribute) or attribute.value is not node:
        return False
    call = parents.get(id(attribute))
    return isinstance(call, ast.Call) and call.func is attribute

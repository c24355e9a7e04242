"""Which expressions are the same text on every run: constants, and names only ever bound
to one (a rule asks it of the text a create writes: racers writing the same bytes lose
nothing to each other)."""

import ast
import textwrap
from typing import Dict, Iterable, Set

from .imports import dotted_name, parameter_names

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
#: functions that turn the data they are given into the same text every time, as spelt by
#: a module that imports them under these names (not ``pickle.dumps``: its default protocol
#: changes with the interpreter, so two racers may write other bytes)
SERIALISERS = frozenset({"json.dumps", "yaml.dump", "yaml.safe_dump", "toml.dumps", "tomli_w.dumps"})
#: the platform's separators, the same text on every run on one machine
PLATFORM_TEXTS = frozenset({"os.linesep", "os.sep"})
#: how many nodes a literal of constants may have to be read as one
_LITERAL_NODES = 2000
#: the key of the table of class-body texts among the per-scope tables
_CLASS_TEXTS = object()


class ConstantTexts:
    """For one module: which names of each function, and of its top level, only ever hold
    constant text, each scope read in one pass when first asked about."""

    def __init__(self, tree: ast.Module):
        self._tree = tree
        self._tables: Dict[int, Dict[str, bool]] = {}
        self._data_tables: Dict[int, Dict[str, bool]] = {}

    def constant(self, node: ast.AST, scope_node: ast.AST) -> bool:
        """Whether ``node`` is the same text on every run: a non-empty string or bytes constant
        (implicit concatenation included, or ``+`` of two), or a name every binding of which is
        a plain assignment of one: in the function ``scope_node`` (not a parameter of it), or,
        when the function does not bind it, at the module's top level."""
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            # ``"# Generated" + os.linesep``: the platform's separators are one text on a machine
            sides = (node.left, node.right)
            return any(is_text(side) for side in sides) and all(
                is_text(side) or dotted_name(side) in PLATFORM_TEXTS for side in sides)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return self._class_texts().get(node.attr, False)  # ``self.TEMPLATE``
        if isinstance(node, ast.Call) and dotted_name(node.func) in SERIALISERS and len(node.args) == 1 \
                and all(isinstance(keyword.value, ast.Constant) for keyword in node.keywords):
            # ``json.dumps(DEFAULTS, indent=2)`` of a literal of constants
            data = node.args[0]
            if isinstance(data, ast.Name):
                return self._bound_to(data.id, scope_node, self._data_tables, literal_data)
            return literal_data(data)
        if not isinstance(node, ast.Name):
            return is_text(node)
        return self._bound_to(node.id, scope_node, self._tables, is_text)

    def _bound_to(self, name: str, scope_node: ast.AST, tables, kind) -> bool:
        """Whether every binding of ``name`` (in the function ``scope_node``, not a parameter
        of it, or else at the module's top level) assigns a value of ``kind``."""
        local = tables.get(id(scope_node))
        if local is None:
            is_function = isinstance(scope_node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            parameters = set(parameter_names(scope_node)) if is_function else set()
            local = tables[id(scope_node)] = _text_names(ast.walk(scope_node), parameters, kind)
        if name in local:
            return local[name]
        module = tables.get(id(self._tree))
        if module is None:
            top = [stmt for stmt in self._tree.body if not isinstance(stmt, _DEFINITIONS)]
            defined: Set[str] = set()
            for stmt in self._tree.body:
                defined |= _names_defined(stmt)
            module = tables[id(self._tree)] = _text_names((sub for stmt in top for sub in ast.walk(stmt)), defined, kind)
        return module.get(name, False)

    def _class_texts(self) -> Dict[str, bool]:
        """Attribute names some class body of the module binds, each to constant text in
        every class body that binds it, and that nothing in the module assigns as an
        attribute (``self.TEMPLATE = ...``): read as ``self.TEMPLATE``, the same text."""
        found = self._tables.get(id(_CLASS_TEXTS))
        if found is None:
            bodies = [node for node in ast.walk(self._tree) if isinstance(node, ast.ClassDef)]
            found = _text_names((sub for cls in bodies for stmt in cls.body if not isinstance(stmt, _DEFINITIONS)
                                 for sub in ast.walk(stmt)), set()) if bodies else {}
            if found:
                assigned = {target.attr for node in ast.walk(self._tree)
                            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign))
                            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                            for target in ast.walk(target) if isinstance(target, ast.Attribute)}
                found = {name: ok and name not in assigned for name, ok in found.items()}
            self._tables[id(_CLASS_TEXTS)] = found
        return found


def is_text(node: ast.AST) -> bool:
    """A non-empty string or bytes constant, or a constant spelled through pure string
    functions (``textwrap.dedent(TEXT).strip()``, ``"...".encode()``). Not an empty
    one: an empty file is made for something else to fill, and a racer that filled it in
    between loses what it wrote."""
    value = constant_text(node)
    return value is not None and len(value) > 0


#: methods of a string or bytes constant whose value depends on it and constant arguments alone
_TEXT_METHODS = frozenset({"strip", "lstrip", "rstrip", "lower", "upper", "encode", "decode"})
#: how deep such calls are followed (``dedent(...).strip().encode()``)
_TEXT_CALLS = 8


def constant_text(node: ast.AST):
    """The text a constant expression always gives (see :func:`is_text`), else None."""
    calls = []
    for _ in range(_TEXT_CALLS):
        if not isinstance(node, ast.Call) or node.keywords or not all(isinstance(a, ast.Constant) for a in node.args):
            break
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _TEXT_METHODS:
            calls.append((func.attr, [a.value for a in node.args]))
            node = func.value
        elif (isinstance(func, ast.Name) and func.id == "dedent" or isinstance(func, ast.Attribute)
              and func.attr == "dedent" and isinstance(func.value, ast.Name) and func.value.id == "textwrap") \
                and len(node.args) == 1:
            calls.append(("dedent", []))
            node = node.args[0]
        else:
            break
    if not (isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes))):
        return None
    value = node.value
    try:
        for name, args in reversed(calls):
            value = textwrap.dedent(value) if name == "dedent" else getattr(value, name)(*args)
    except (TypeError, ValueError, AttributeError, LookupError):
        return None
    return value if isinstance(value, (str, bytes)) else None


def _names_defined(stmt: ast.stmt) -> Set[str]:
    """Names a ``def``, ``class`` or import statement binds."""
    if isinstance(stmt, _DEFINITIONS):
        return {stmt.name}
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in stmt.names}
    return set()


def literal_data(node: ast.AST) -> bool:
    """A literal made of constants only (``{"key": "value"}``, ``[1, 2]``): data that a
    serialiser turns into the same text on every run."""
    stack, seen = [node], 0
    while stack:
        current = stack.pop()
        seen += 1
        if seen > _LITERAL_NODES:
            return False
        if isinstance(current, ast.Constant):
            continue
        if isinstance(current, (ast.List, ast.Tuple, ast.Set)):
            stack.extend(current.elts)
        elif isinstance(current, ast.Dict) and all(key is not None for key in current.keys):
            stack.extend(current.keys)
            stack.extend(current.values)
        else:
            return False
    return True


def _text_names(nodes: Iterable[ast.AST], bound_otherwise: Set[str], kind=None) -> Dict[str, bool]:
    """For each name bound among ``nodes``: whether every binding is a plain assignment of a
    string or bytes constant, or of what ``kind`` accepts (False for the names in
    ``bound_otherwise``, and for one also unpacked, a loop or ``with`` target, ``+=``'d or
    ``:=``'d)."""
    kind = kind or is_text
    stores, texts = {}, {}
    for node in nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stores[node.id] = stores.get(node.id, 0) + 1
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    texts.setdefault(target.id, []).append(kind(node.value))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if node.value is None:
                stores[node.target.id] = stores.get(node.target.id, 0) - 1  # a bare annotation binds nothing
            else:
                texts.setdefault(node.target.id, []).append(kind(node.value))
    found = {name: False for name in bound_otherwise}
    for name, count in stores.items():
        if name not in found:
            kinds = texts.get(name, [])
            found[name] = count == len(kinds) and count > 0 and all(kinds)
    return found

"""Path keys of expressions: when two expressions name the same file (the package's overview
says how). Keys are evaluated with explicit stacks: operator chains and nested calls may be as
deep as the parser allows."""

import ast
import re
import string
from typing import Dict, List, Optional, Sequence, Set, Tuple

from ..imports import bound_anywhere, dotted_name, own_statements, sequential_statements
from ..pathkey import PathKey, call_key, const_key, name_key, opaque_key
from ..state import State
from ..triggers import name_bounds
from ..summaries import ENVIRONMENT_LOOKUPS, NOTHING, TRANSPARENT, constant_defaults, converts_path, name_words, names_path_getter, instance_name, is_none, local_bindings, local_names, object_method  # lookups: ``environ(name[,default])`` keys
from .facts import Must
from .untyped import PATH_ONLY_METHODS, TRANSPARENT_METHODS, annotated_pathlib, class_paths, scope_evidence


PATHLIB_CLASSES = frozenset(n for n in TRANSPARENT if n.startswith("pathlib."))
JOINS = frozenset({"os.path.join", "posixpath.join", "ntpath.join"}) | PATHLIB_CLASSES
#: per-user and per-site folders named by a library from the application's name: the same
#: folder for the same arguments, in every function of a run
USER_DIRECTORIES = frozenset(
    "%s.%s_%s_dir" % (library, who, what)
    for library in ("appdirs", "platformdirs")
    for who in ("user", "site")
    for what in ("config", "data", "cache", "state", "log", "runtime")
) | {"click.get_app_dir", "click.utils.get_app_dir"}
DERIVING_METHODS = frozenset({"with_suffix", "with_name", "with_stem"})
#: calls whose value differs on every call: names built from them are fresh, unique files
FRESH_SOURCES = frozenset({
    "uuid.uuid1", "uuid.uuid4", "time.time", "time.time_ns", "time.monotonic", "time.monotonic_ns",
    "time.perf_counter", "time.perf_counter_ns", "os.getpid", "datetime.datetime.now", "datetime.datetime.utcnow",
    "secrets.token_hex", "secrets.token_urlsafe", "secrets.token_bytes",
})
FRESH_MODULES = ("hashlib.", "random.", "secrets.")
#: how the key of a fresh value (see :func:`fresh_key`) is spelled
FRESH_PREFIX = "fresh:"
#: conversions that keep a fresh value fresh (``int(time.time())``)
_FRESH_CONVERSIONS = frozenset({"builtins.str", "builtins.int", "builtins.hex", "builtins.format"})


def is_fresh_source(name: Optional[str]) -> bool:
    return name is not None and (name in FRESH_SOURCES or name.startswith(FRESH_MODULES))


#: calls whose value no other program can know or guess: a file named from one, or made by
#: one, is private to this run (a time, a pid or a hash of the content can be found again)
UNIQUE_SOURCES = frozenset({
    "uuid.uuid1", "uuid.uuid4", "tempfile.mkstemp", "tempfile.mktemp", "tempfile.NamedTemporaryFile",
})


def is_unique_source(name: Optional[str]) -> bool:
    return name is not None and (name in UNIQUE_SOURCES or name.startswith("secrets.") or names_random_name(name))


#: a word of a function's name that says its value is drawn at random
_RANDOM_WORDS = ("rand", "uuid", "guid")
#: the last word of such a name when the value is a part of a new name, not a file found
#: somewhere (``random_file`` may pick one that exists)
_NAME_PART_WORDS = frozenset({
    "suffix", "prefix", "name", "str", "string", "id", "token", "hex", "tag", "stem", "chars", "key", "slug",
})


def names_random_name(name: str) -> bool:
    """Whether a function of another module says by its name that it draws a random name or
    part of one, which no other program can guess: ``get_randomized_file_name_suffix``,
    ``random_string``, ``shortuuid.uuid``, or a project's own ``mktemp``. Not
    ``random.choice`` (standard functions are modelled one by one) nor ``random_file``."""
    module, _, last = name.rpartition(".")
    if not module or module in ("random", "uuid", "secrets", "os", "tempfile"):
        return False
    if last == "mktemp":
        return True  # a project's own ``tempfile.mktemp``: ``ZODB.utils.mktemp(dir=d)``
    words = name_words(last)
    if not words:
        return False
    if words[-1] in ("uuid", "guid"):
        return True
    return len(words) >= 2 and words[-1] in _NAME_PART_WORDS and any(word.startswith(_RANDOM_WORDS) for word in words[:-1])


def fresh_key(name: str, node: ast.AST) -> PathKey:
    """The key of the value of a fresh call: its own site, since two calls never agree."""
    return opaque_key("%s%s()@%d:%d" % (FRESH_PREFIX, name, node.lineno, node.col_offset))


def is_fresh_key(key: PathKey) -> bool:
    return key.kind == "opaque" and key.head.startswith(FRESH_PREFIX)


def fresh_key_source(key: PathKey) -> str:
    """The call a fresh key (see :func:`fresh_key`) was made by: ``uuid.uuid4``."""
    return key.head[len(FRESH_PREFIX):].partition("()@")[0]


def _constant_arguments(node: ast.Call) -> bool:
    return all(type(arg) is ast.Constant for arg in node.args) and \
        all(k.arg is not None and type(k.value) is ast.Constant for k in node.keywords)


def const_string(node: ast.AST) -> Optional[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _formatted_parts(node: ast.Call) -> Optional[List[ast.AST]]:
    """The parts of ``"TEMPLATE".format(...)`` as the f-string of the same text spells them
    (constant text and the arguments in place), when every field is a plain ``{}``,
    ``{0}`` or ``{name}`` without conversion or format spec; else None."""
    template = const_string(node.func.value)
    if type(template) is not str or any(type(a) is ast.Starred for a in node.args) \
            or any(k.arg is None for k in node.keywords):
        return None
    keywords = {k.arg: k.value for k in node.keywords}
    parts: List[ast.AST] = []
    automatic = 0
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return None  # unbalanced braces: ``format`` would raise
    for literal, field, spec, conversion in fields:
        if literal:
            parts.append(ast.Constant(value=literal))
        if field is None:
            continue
        if spec or conversion:
            return None
        if field == "":
            index, automatic = automatic, automatic + 1
            value = node.args[index] if index < len(node.args) else None
        elif field.isdigit():
            value = node.args[int(field)] if int(field) < len(node.args) else None
        else:
            value = keywords.get(field)
        if value is None:
            return None  # ``{0.name}``, ``{x[0]}``, or a field the call does not fill
        parts.append(value)
    return parts or None


#: builtins that hand on the items of what they are given, in another order or container
_ORDERING_BUILTINS = frozenset({"sorted", "list", "tuple", "set", "reversed", "frozenset"})


class _Combine:
    """A step of :meth:`PathAnalysis.key`: combine the last ``count`` keys computed."""

    __slots__ = ("combine", "count")

    def __init__(self, combine, count: int):
        self.combine = combine
        self.count = count


#: attribute chains longer than this are no names a path was bound to (``p.parent.parent...``)
_MAX_NAME_PARTS = 64


def _short_dotted_name(node: ast.AST) -> Optional[str]:
    """``dotted_name`` of a chain of at most :data:`_MAX_NAME_PARTS`: spelling every level
    of a ``.parent`` chain thousands deep would cost its depth squared."""
    inner, parts = node, 0
    while isinstance(inner, ast.Attribute):
        inner = inner.value
        parts += 1
        if parts > _MAX_NAME_PARTS:
            return None
    return dotted_name(node)


#: methods of a list that add nothing to it: every element left is still the one path
_KEEP_ELEMENTS = frozenset({"pop", "remove", "clear", "copy", "index", "count", "sort", "reverse"})


#: builtins that read a whole list (or iterable) into a new one, in another order at most
WHOLE_COPIES = frozenset({"builtins.list", "builtins.sorted", "builtins.tuple", "builtins.reversed"})


def _all_known(parts) -> bool:
    return all(part is not None for part in parts)


def _join(parts):
    return call_key("join", parts) if _all_known(parts) else None


def _concat(parts):
    return call_key("concat", parts) if _all_known(parts) else None


def _only(parts):
    return parts[0]


def _fresh_only(parts):
    """``uuid4().hex``, ``md5(b).hexdigest()``: still the fresh value, else not understood."""
    return parts[0] if parts[0] is not None and is_fresh_key(parts[0]) else None


def _environ(parts):
    return call_key("environ", parts) if _all_known(parts) else None


def _expandvars(parts):
    return call_key("expandvars", parts) if parts[0] is not None else None


def _dirname(parts):
    return call_key("dirname", parts) if parts[0] is not None else None


def _basename(parts):
    return call_key("basename", parts) if parts[0] is not None else None


def _deriving(method):
    def combine(parts):
        return call_key(method, parts) if _all_known(parts) else None
    return combine


_DERIVING = {method: _deriving(method) for method in DERIVING_METHODS}
#: ``p.relative_to(base)``: a part of ``p`` to place elsewhere (``mirror / p.relative_to(root)``),
#: one name for the same two paths; not a name derived from a target, as those above are
_RELATIVE = _deriving("relative_to")
PATH_METHODS = DERIVING_METHODS | TRANSPARENT_METHODS | {"joinpath"}
#: methods of a string that make another of it and constants alone, by their number of
#: arguments (only those: ``p.replace(target)`` of a path renames it)
_TEXT_METHODS = {"replace": 2, "lower": 0, "upper": 0, "casefold": 0, "strip": 0, "lstrip": 0, "rstrip": 0}


def open_mode(call: ast.Call, mode_index: int = 1) -> str:
    """The mode of an ``open``-like call, ``"?"`` when not a constant."""
    mode_node = call.args[mode_index] if len(call.args) > mode_index else None
    for keyword in call.keywords:
        if keyword.arg == "mode":
            mode_node = keyword.value
    if mode_node is None:
        return "r"
    mode = const_string(mode_node)
    return mode if mode is not None else "?"


def keyword_value(call: ast.Call, name: str) -> Optional[ast.AST]:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def is_true(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def is_true_false(node: Optional[ast.AST], value: bool) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def flag_by_position(call: ast.Call) -> bool:
    """``p.unlink(True)``: pathlib's ``missing_ok`` given by position, a ``True`` or ``False``
    alone (an ``unlink(name)`` of another kind of object takes a name)."""
    return len(call.args) == 1 and not call.keywords and type(call.args[0]) is ast.Constant \
        and type(call.args[0].value) is bool


def _constant_index(node: ast.AST) -> bool:
    """A subscript made of constants only (``[:-1]``, ``[0]``)."""
    return all(isinstance(n, (ast.Slice, ast.Constant, ast.UnaryOp, ast.USub, ast.Load)) for n in ast.walk(node))


def _missing_test(test: ast.AST) -> Optional[Tuple[str, bool, bool]]:
    """``(name, true_when_missing, none_only)`` of a test for a parameter that was not passed:
    ``p is None``/``not p`` (true when missing), ``p is not None``/``p`` (true when given)."""
    if isinstance(test, ast.Name):
        return test.id, False, False
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Name):
        return test.operand.id, True, False
    if isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and len(test.ops) == 1 \
            and is_none(test.comparators[0]) and isinstance(test.ops[0], (ast.Is, ast.IsNot)):
        return test.left.id, isinstance(test.ops[0], ast.Is), True
    return None


def _assigned_to(stmt: ast.stmt) -> Optional[Tuple[str, ast.AST]]:
    """``(name, value)`` of ``name = value`` or ``name: T = value``."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id, stmt.value
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
        return stmt.target.id, stmt.value
    return None


#: the last part of the name of a function (or a method, called without arguments) whose
#: value names the file its argument (or receiver) names, spelt otherwise: ``default_rebinding``
#: has no resolver, so it goes by spelling
_NORMALISING = frozenset(name.rsplit(".", 1)[1] for name in TRANSPARENT) | TRANSPARENT_METHODS | {"expandvars", "as_posix"}

#: methods called without arguments whose value names the file their receiver names: a
#: path's own normalisations, and ``as_posix()``, its name as a string (a string, not a path,
#: so not one of :data:`TRANSPARENT_METHODS`: its ``replace()`` is no rename)
_SAME_FILE_METHODS = TRANSPARENT_METHODS | {"as_posix"}


def _normalised(node: ast.AST, name: str) -> bool:
    """Whether ``node`` is ``name`` itself or a normalisation of it (``expanduser(name)``,
    ``Path(name).expanduser()``): the file a caller passed, not another (``name + ".x"``)."""
    for _ in range(8):
        if isinstance(node, ast.Name):
            return node.id == name
        if not isinstance(node, ast.Call) or node.keywords:
            return False
        func = node.func
        last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if last not in _NORMALISING:
            return False
        if len(node.args) == 1:
            node = node.args[0]
        elif not node.args and isinstance(func, ast.Attribute):
            node = func.value
        else:
            return False
    return False


def default_rebinding(stmt: ast.stmt) -> Optional[Tuple[str, bool, ast.AST]]:
    """``(parameter, none_only, EXPR)`` when ``stmt`` gives a parameter the value EXPR only
    when it was not passed: ``if p is None: p = EXPR`` (without an ``else``, or with one that
    only rebinds ``p`` from itself), ``if not p: p = EXPR``, ``p = p or EXPR``, ``p = EXPR
    if p is None else p``, ``p = p if p else EXPR``, ``p = expanduser(p) if p else EXPR``
    (a passed value normalised, which is the caller's file, not followed; ``p + ".x"`` is
    another file).
    ``none_only``: the test is ``is None``, so EXPR replaces None and nothing else."""
    if isinstance(stmt, ast.If):
        tested = _missing_test(stmt.test)
        if tested is None:
            return None
        missing, given = (stmt.body, stmt.orelse) if tested[1] else (stmt.orelse, stmt.body)
        missing = [s for s in missing if not isinstance(s, ast.Pass)]
        given = [s for s in given if not isinstance(s, ast.Pass)]
        assigned = _assigned_to(missing[0]) if len(missing) == 1 else None
        if assigned is None or assigned[0] != tested[0]:
            return None
        if given:  # ``else: p = expanduser(p)``
            kept = _assigned_to(given[0]) if len(given) == 1 else None
            if kept is None or kept[0] != tested[0] or not _normalised(kept[1], tested[0]):
                return None
        return tested[0], tested[2], assigned[1]
    assigned = _assigned_to(stmt)
    if assigned is None:
        return None
    name, value = assigned
    if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or) and len(value.values) == 2 \
            and isinstance(value.values[0], ast.Name) and value.values[0].id == name:
        return name, False, value.values[1]
    if isinstance(value, ast.IfExp):
        tested = _missing_test(value.test)
        if tested is None or tested[0] != name:
            return None
        given, default = (value.orelse, value.body) if tested[1] else (value.body, value.orelse)
        if _normalised(given, name):
            return name, tested[2], default
    return None


class PathExpressions:
    """The keys of path expressions in the scope being walked (a part of :class:`PathAnalysis`)."""

    def _ref_key(self, ref: str) -> str:
        """``ref`` with a method's instance parameter spelled ``self``."""
        self_name = self._self_name
        if self_name and self_name != "self":
            if ref == self_name:
                return "self"
            if ref.startswith(self_name + "."):
                return "self" + ref[len(self_name):]
        return ref

    def _name_key(self, ref: str) -> PathKey:
        return name_key(self._ref_key(ref))

    def key(self, node: ast.AST, state: Optional[State]) -> Optional[PathKey]:
        """The key of a path expression, or None when it is not understood.

        Evaluated with an explicit stack: operator chains and nested calls may be as deep
        as the parser allows."""
        values: List[Optional[PathKey]] = []
        work: List[object] = [node]
        while work:
            item = work.pop()
            if type(item) is _Combine:
                count = item.count
                args = values[len(values) - count:]
                del values[len(values) - count:]
                values.append(item.combine(args))
                continue
            step = self._key_step(item, state)
            if type(step) is tuple:
                children, combine = step
                work.append(_Combine(combine, len(children)))
                work.extend(reversed(children))
            else:
                values.append(step)
        return values[0]

    def _key_step(self, node: ast.AST, state: Optional[State]):
        """Either the key of ``node`` outright (a :class:`PathKey` or None), or
        ``(children, combine)``: the key is ``combine`` of the children's keys."""
        if isinstance(node, ast.Constant):
            return const_key(node.value) if isinstance(node.value, (str, bytes)) else None
        if isinstance(node, (ast.Name, ast.Attribute)):
            ref = _short_dotted_name(node)
            if ref is not None and state is not None:
                known = self._known_key(ref, state)
                if known is not None:
                    return known
                if isinstance(node, ast.Attribute) and node.attr == "name":
                    opened = state.get("file", dotted_name(node.value) or "")
                    if opened is not None:
                        return opened.value[0]
            if isinstance(node, ast.Attribute) and node.attr == "parent" and not (
                    type(node.value) is ast.Name and node.value.id == self._self_name):
                return [node.value], _dirname  # (``self.parent`` is an attribute: the instance is no path)
            if ref is None and isinstance(node, ast.Attribute) and isinstance(node.value, ast.Call):
                return [node.value], _fresh_only
            return self._name_key(ref) if ref is not None else None
        if isinstance(node, ast.Call):
            return self._call_step(node, state)
        if type(node) is ast.BoolOp and self._default_values:
            return self._default_values.get(id(node))  # ``open(path or default_path())``
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Div):
                return [node.left, node.right], _join
            if isinstance(node.op, ast.Add):
                return [node.left, node.right], _concat
            if isinstance(node.op, ast.Mod) and const_string(node.left) is not None:
                args = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
                return [node.left] + list(args), _concat
            return None
        if isinstance(node, ast.JoinedStr):
            return [v.value if isinstance(v, ast.FormattedValue) else v for v in node.values], _concat
        if isinstance(node, ast.Subscript) and self.facts.resolve(node.value) == "os.environ":
            return [node.slice], _environ  # ``os.environ[NAME]``: ``os.environ.get(NAME)`` when set
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and state is not None \
                and isinstance(node.slice, ast.Constant) and type(node.slice.value) is int:
            carried = state.get("elements", node.value.id)
            if carried is not None:
                return carried.value  # ``names[0]`` of ``names = [p]``: p
        if isinstance(node, ast.Subscript) and _constant_index(node.slice):
            # ``self.filename[:-1]``: the same slice of the same string is the same path
            index = opaque_key("[%s]" % ast.unparse(node.slice))
            return [node.value], lambda parts: call_key("subscript", [parts[0], index]) if parts[0] else None
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Name):
            # ``names[i]``: the same entry while neither name is bound again (a path built
            # from a name is forgotten when the name is, as for ``join(d, name)``)
            return [node.value, node.slice], \
                lambda parts: call_key("subscript", [parts[0], parts[1]]) if parts[0] and parts[1] else None
        return None

    def _known_key(self, ref: str, state: State) -> Optional[PathKey]:
        """The key the walk bound the dotted name ``ref`` to, or the one its class keeps on
        ``self`` for it; None when neither."""
        fact = state.get("path", ref)
        if fact is not None:
            return fact.value
        return self._attribute_key(ref) if self._class_view is not None else None

    def _dotted_key(self, ref: str, state: Optional[State]) -> PathKey:
        """The key of the dotted name ``ref`` (``self.tmp``) as the scope being walked knows it."""
        known = self._known_key(ref, state) if state is not None else None
        return known if known is not None else self._name_key(ref)

    def _call_step(self, node: ast.Call, state: Optional[State]):
        name = self.facts.resolve(node.func)
        if is_fresh_source(name) or name is not None and names_random_name(name):
            return fresh_key(name, node)
        if name in _FRESH_CONVERSIONS and node.args and name != "builtins.str":
            return [node.args[0]], _fresh_only
        if name in JOINS and node.args and not node.keywords:
            return list(node.args), _join
        if name in TRANSPARENT and len(node.args) == 1:
            return [node.args[0]], _only
        if len(node.args) == 1 and type(node.args[0]) is not ast.Starred \
                and all(keyword.arg is not None for keyword in node.keywords):
            spelled = name or dotted_name(node.func)
            if spelled is not None and converts_path(spelled):
                return [node.args[0]], _only  # ``syspath(p)``: p, spelled for the system
        if name == "os.path.dirname" and len(node.args) == 1:
            return [node.args[0]], _dirname
        if name == "os.path.basename" and len(node.args) == 1:
            return [node.args[0]], _basename
        if name in ENVIRONMENT_LOOKUPS:
            default = keyword_value(node, "default")
            lookup = list(node.args) + ([default] if default is not None else [])
            if 1 <= len(lookup) <= 2 and len(node.keywords) == (default is not None) and \
                    not any(isinstance(a, ast.Starred) for a in node.args):
                return lookup, _environ
            return None
        if name == "os.path.expandvars" and len(node.args) == 1:
            return [node.args[0]], _expandvars
        if name in USER_DIRECTORIES and not any(isinstance(a, ast.Starred) for a in node.args) \
                and all(k.arg is not None for k in node.keywords):
            # ``user_config_dir("app", "Me")``: one folder for the same arguments all the run
            words = [opaque_key("%s=" % k.arg) for k in node.keywords]
            values = list(node.args) + [k.value for k in node.keywords]
            head = opaque_key(name)
            return values, lambda parts: call_key("call", [head] + parts[:len(node.args)] + [
                part for pair in zip(words, parts[len(node.args):]) for part in pair]) \
                if all(part is not None for part in parts) else None
        if name == "pathlib.Path.home" and not node.args and not node.keywords:
            # the directory ``expanduser("~")`` names, spelled the same way
            return const_key("~")
        if type(node.func) is ast.Attribute and node.func.attr == "join":
            joined = self._joined_parts(node)
            if joined is not None:
                return joined, _concat
        if type(node.func) is ast.Attribute and node.func.attr == "format":
            formatted = _formatted_parts(node)
            if formatted is not None:
                return formatted, _concat  # ``"/proc/{}/cmdline".format(pid)``, as its f-string
        method = object_method(node, name)
        if method is not None:
            if method in _SAME_FILE_METHODS and not node.args:
                return [node.func.value], _only
            if method in DERIVING_METHODS and len(node.args) == 1:
                return [node.func.value, node.args[0]], _DERIVING[method]
            if method == "joinpath" and node.args:
                return [node.func.value] + list(node.args), _join
            if method == "relative_to" and len(node.args) == 1 and not node.keywords:
                return [node.func.value, node.args[0]], _RELATIVE
            if method in _TEXT_METHODS and not node.keywords and len(node.args) == _TEXT_METHODS[method] \
                    and all(const_string(arg) is not None for arg in node.args):
                # ``date[5:15].replace(" ", "")``: the same text made of the same text (a path's
                # ``replace(target)``, one argument, is a rename)
                spelled = [opaque_key(".%s(%s)" % (method, ", ".join(repr(const_string(a)) for a in node.args)))]
                return [node.func.value], lambda parts: call_key("text", parts + spelled) if parts[0] else None
            if isinstance(node.func.value, ast.Call):
                made = node.func.value
                maker = self.facts.imported_name(made.func) if not node.args and not node.keywords \
                    and not made.args and not made.keywords else None
                if maker is not None and names_path_getter(maker + "." + method):
                    # ``AppConfig().get_savefile()``: a getter of an instance made afresh, as below
                    return opaque_key("%s().%s()" % (maker, method))
                return [node.func.value], _fresh_only
        if name is None:
            name = self.facts.imported_name(node.func)
            if name is None:
                return self._inlined_step(node, state)
        if names_path_getter(name) and _constant_arguments(node):
            # A function of another module named for the path it gives, called with the same
            # constants (``config.save_config_file("accels.json")``, ``get_config_path()``):
            # one file wherever the module spells the call so.
            return call_key("call", [opaque_key(name)] + [
                const_key(arg.value) for arg in node.args] + [
                call_key("kw", [opaque_key(k.arg), const_key(k.value.value)])
                for k in sorted(node.keywords, key=lambda k: k.arg)])
        return None

    def _joined_parts(self, node: ast.Call) -> Optional[List[ast.AST]]:
        """The parts of ``SEP.join([a, b, ...])`` (or of a tuple display) as the concatenation
        ``a + SEP + b ...`` spells them, constant text run together, so that both are one
        key: ``".".join([mail, "bak"])`` is ``mail + ".bak"``. Only a constant separator, or
        ``os.sep``, and a display of the parts: a list built elsewhere may hold anything by then."""
        if len(node.args) != 1 or node.keywords or type(node.args[0]) not in (ast.List, ast.Tuple):
            return None
        elements = node.args[0].elts
        if not elements or any(type(element) is ast.Starred for element in elements):
            return None
        separator = node.func.value
        text = const_string(separator)
        if text is None and self.facts.resolve(separator) not in ("os.sep", "os.path.sep"):
            return None
        pieces: List[object] = []  # constant text as str, the rest as nodes
        for element in elements:
            if pieces:
                pieces.append(text if text is not None else separator)
            element_text = const_string(element)
            pieces.append(element_text if element_text is not None else element)
        parts: List[ast.AST] = []
        run: List[str] = []
        for piece in pieces + [None]:
            if type(piece) is str:
                run.append(piece)
                continue
            if run and "".join(run) or run and not parts and piece is None:
                parts.append(ast.Constant(value="".join(run)))
            run = []
            if piece is not None:
                parts.append(piece)
        return parts

    def _returns(self, node: ast.Call):
        """What the function or ``self`` method of this module called at ``node`` returns."""
        summaries = self.facts.summaries
        scope = self._scope
        if summaries is None or scope is None:
            return NOTHING
        return summaries.returns(node, scope.enclosing_class, scope.self_name)

    def _builds_path(self, node: ast.Call) -> bool:
        """Whether the helper of this module called at ``node`` builds a path from its
        arguments alone (:meth:`~..summaries.ModuleSummaries.builds_path`)."""
        summaries, scope = self.facts.summaries, self._scope
        if summaries is None or scope is None:
            return False
        found = summaries.callee_node(node, scope.enclosing_class, scope.self_name)
        return found is not None and summaries.builds_path(found[0], found[1])

    def _unpacked_paths(self, target: ast.AST, value: ast.AST, state: State) -> None:
        """``state, temp = self._paths()``: each name is the same item of the same helper call."""
        if not isinstance(value, ast.Call) or value.keywords or any(isinstance(a, ast.Starred) for a in value.args):
            return
        summaries, scope = self.facts.summaries, self._scope
        if summaries is None or scope is None:
            return
        if self._returns(value).paths != len(target.elts):
            return
        args = [self.key(arg, state) for arg in value.args]
        if any(arg is None for arg in args):
            return
        call = call_key("call", [self._name_key(dotted_name(value.func))] + args)
        for index, element in enumerate(target.elts):
            ref = dotted_name(element)
            if ref is not None:
                state.set("path", ref, Must(call_key("item", [call, opaque_key(str(index))])))

    def _inlined_step(self, node: ast.Call, state: Optional[State]):
        """A helper of the module whose body only returns a path spelled from its parameters
        (``def _tmp_path(self, path): return f"{path}.tmp"``) gives the path its return
        spells with the call's arguments put in: ``self._tmp_path(p)`` is ``p + ".tmp"``, a
        temp named after ``p``. Otherwise (or when that is not understood), the helper's
        call itself (:meth:`_helper_step`); that too when the return calls what the module
        imports (``os.path.join(d, name + ".json")``) and the call is a key of its own: two
        functions calling the helper with parameters of the same names name one file,
        which the spelling put in would not say (``Path(*args)`` is put in: it is none)."""
        helper = self._helper_step(node, state)
        inlined = self._inline(node)
        if inlined is None or helper is not None and id(node) in self._inlined_imports:
            return helper
        if helper is None:
            return [inlined], _only
        args, combine = helper
        return [inlined] + list(args), lambda parts: parts[0] if parts[0] is not None else combine(parts[1:])

    def _inline(self, node: ast.Call) -> Optional[ast.AST]:
        """The expression the helper called at ``node`` returns, its parameters replaced by
        the call's arguments (see :meth:`_inlined_step`); None when the helper is not such a
        one. Found once per call. Only one level: what was put in is not inlined again."""
        cache = self._inlines
        if id(node) in cache:
            return cache[id(node)][1]
        cache[id(node)] = (node, None)
        if id(node) in self._inlined_nodes:
            return None
        summaries, scope = self.facts.summaries, self._scope
        if summaries is None or scope is None or any(isinstance(a, ast.Starred) for a in node.args) \
                or any(k.arg is None for k in node.keywords):
            return None
        found = summaries.callee_node(node, scope.enclosing_class, scope.self_name)
        if found is None:
            return None
        func, owner = found
        # a docstring or ``pass`` does nothing, nor does ``try: ... finally: pass`` around the
        # body, and what follows the ``return`` never runs
        statements = func.body
        while len(statements) == 1 and isinstance(statements[0], ast.Try) and not statements[0].handlers \
                and not statements[0].orelse and all(isinstance(s, ast.Pass) for s in statements[0].finalbody):
            statements = statements[0].body
        body = [stmt for stmt in statements if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
                                                    or isinstance(stmt, ast.Pass))][:1]
        if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None \
                or isinstance(func, ast.AsyncFunctionDef) or func.decorator_list and owner is None:
            return None
        args = func.args
        if args.kwarg is not None or getattr(args, "posonlyargs", None):
            return None
        # ``def make_path(*args): return Path(*args)``: the extra arguments go where ``*args`` is
        vararg = args.vararg.arg if args.vararg is not None else None
        params = [a.arg for a in args.args]
        given: Dict[str, ast.AST] = {}
        positional = list(node.args)
        if owner is not None:
            if func.decorator_list or not params or not isinstance(node.func, ast.Attribute):
                return None  # a static or class method: which object it is given is not this
            given[params[0]] = node.func.value
            params = params[1:]
        extra: List[ast.AST] = []
        if len(positional) > len(params):
            if vararg is None:
                return None
            extra = positional[len(params):]
        given.update(zip(params, positional))
        defaults = dict(zip([a.arg for a in args.args][-len(args.defaults):], args.defaults)) if args.defaults else {}
        defaults.update((a.arg, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None)
        every = set(params) | {a.arg for a in args.kwonlyargs} | set(given)
        for keyword in node.keywords:
            if keyword.arg not in every or keyword.arg in given:
                return None
            given[keyword.arg] = keyword.value
        for name in every - set(given):
            default = defaults.get(name)
            if not isinstance(default, ast.Constant):
                return None  # no value known for it
            given[name] = default
        value = body[0].value
        if not _inlinable(value, self.facts.resolve, vararg):
            return None
        # A name the helper reads from the module must mean the same in the caller's scope.
        local = self._local_names.get(id(scope.node)) if scope.is_function else frozenset()
        if local is None:
            local = self._local_names[id(scope.node)] = frozenset(bound_anywhere(scope.node))
        # (An import counts: ``Path`` of ``return Path(*args)``; see :meth:`_inlined_step`.)
        facts = self.facts
        for part in ast.walk(value):
            if isinstance(part, ast.Name) and part.id not in given and part.id != vararg:
                if part.id in local or part.id not in facts.module_bindings and part.id not in facts.aliases:
                    return None
                if part.id not in facts.module_bindings:
                    self._inlined_imports.add(id(node))
        copied = _copied(value)
        # the copy's own calls only: the arguments put in are the caller's, as deep as it wrote them
        self._inlined_nodes.update(id(part) for part in ast.walk(copied) if isinstance(part, ast.Call))
        inlined = _Substitute(given, vararg, extra).visit(copied)
        cache[id(node)] = (node, inlined)
        return inlined

    def _helper_step(self, node: ast.Call, state: Optional[State]):
        """``call(f,a,b)``: the same helper called with the same arguments names the same file;
        so does a getter of the class or an accessor of an object the instance holds called
        with the same constants (``self.basename()``, ``self.config.getmetadata()``).
        Keywords are parts too, in the order of their names (``kw(name,value)``).

        An argument that is a parameter still holding what the caller passed is
        ``param(name)`` (the ``passed`` facts): two functions calling the helper with their
        parameters of the same names build their file from what their callers pass them,
        one file per value. An argument that gives the helper's parameter its default (the
        same constant, or a parameter as passed whose own default is that constant) is left
        out, as an omitted one: what a caller passes instead is not followed, as for the
        other defaults."""
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            return None
        if not self._builds_path(node) and not self._stable_call(node):
            return None
        ref = dotted_name(node.func)
        if ref is None:
            return None
        helper = self._name_key(ref)
        positional, keywords = self._without_defaults(node)
        keywords = sorted(keywords, key=lambda k: k.arg)
        args = positional + [k.value for k in keywords]
        passed = self._passed_arguments.get(id(node))
        entered = [isinstance(arg, ast.Name) and (arg.id in passed if passed is not None else
                                                  state is not None and state.get("passed", arg.id) is not None)
                   for arg in args]

        def combine(parts):
            if not _all_known(parts):
                return None
            parts = [call_key("param", [part]) if at_entry and part is self._name_key(arg.id) else part
                     for part, arg, at_entry in zip(parts, args, entered)]
            for index, keyword in enumerate(keywords, len(positional)):
                parts[index] = call_key("kw", [opaque_key(keyword.arg), parts[index]])
            return call_key("call", [helper] + parts)
        return args, combine

    def _without_defaults(self, node: ast.Call) -> Tuple[List[ast.AST], List[ast.keyword]]:
        """The positional arguments and keywords of a helper call, less trailing positional
        ones and keywords that give the helper's parameter its default (see
        :meth:`_helper_step`)."""
        positional, keywords = list(node.args), list(node.keywords)
        summaries, scope = self.facts.summaries, self._scope
        found = summaries.callee_node(node, scope.enclosing_class, scope.self_name) \
            if summaries is not None and scope is not None else None
        if found is None:
            return positional, keywords
        defaults = constant_defaults(found[0].args)
        if not defaults:
            return positional, keywords
        own = constant_defaults(scope.node.args) if scope.is_function else {}
        params = [a.arg for a in list(getattr(found[0].args, "posonlyargs", [])) + list(found[0].args.args)]
        if instance_name(self.facts, found[0], found[1]) is not None:
            params = params[1:]  # ``self.helper(a)``: the first argument is the second parameter
        passed = self._passed_arguments.get(id(node), frozenset())

        def gives_default(param: Optional[str], value: ast.AST) -> bool:
            default = defaults.get(param)
            if default is None:
                return False
            if isinstance(value, ast.Name):
                value = own.get(value.id) if value.id in passed else None
            return isinstance(value, ast.Constant) and type(value.value) is type(default.value) \
                and value.value == default.value
        while positional and len(positional) <= len(params) and \
                gives_default(params[len(positional) - 1], positional[-1]):
            positional.pop()
        return positional, [k for k in keywords if not gives_default(k.arg, k.value)]

    def _note_passed_arguments(self, node: ast.Call, state: State) -> None:
        """Which arguments of a call of a helper are parameters as passed, for its key."""
        names = [arg.id for arg in list(node.args) + [k.value for k in node.keywords] if isinstance(arg, ast.Name)]
        if names:
            self._passed_arguments[id(node)] = frozenset(
                name for name in names if state.get("passed", name) is not None)

    def _stable_call(self, node: ast.Call) -> bool:
        summaries, scope = self.facts.summaries, self._scope
        if summaries is None or scope is None:
            return False
        return summaries.stable_call(node, scope.enclosing_class, scope.self_name)

    def element_key(self, node: ast.AST, state: State) -> Optional[PathKey]:
        """The key every element of a list or tuple display has, when they all have one and
        the same (``[pid]``, ``(lock, lock)``); else None."""
        if not isinstance(node, (ast.List, ast.Tuple)) or not node.elts:
            return None
        found = None
        for element in node.elts:
            if isinstance(element, ast.Starred):
                return None
            key = self.key(element, state)
            if key is None or (found is not None and key is not found):
                return None
            found = key
        return found

    def _bind_element(self, target: ast.AST, iterated: ast.AST, state: State) -> None:
        """``for name in names`` (or a comprehension's ``for``) over a list or tuple all of
        whose elements are one path, displayed there or bound to ``names`` here: ``name`` is
        that path."""
        if not isinstance(target, ast.Name):
            return
        if self._any_elements or isinstance(iterated, (ast.Call, ast.ListComp, ast.GeneratorExp)):
            self._bind_checked(target, iterated, state)
        if isinstance(iterated, ast.Name):
            carried = state.get("elements", iterated.id)
            key = carried.value if carried is not None else None
        else:
            key = self.element_key(iterated, state) or self.kernel_entry_key(iterated, state)
        if key is not None and key is not self._name_key(target.id):
            state.set("path", target.id, Must(key))

    def kernel_entry_key(self, node: ast.AST, state: State) -> Optional[PathKey]:
        """The key of any entry of a listing of one of the kernel's folders
        (``Path("/sys/class/drm").iterdir()``, ``glob.glob("/sys/class/net/*")``, sorted or
        filtered by a comprehension): a file of the kernel's as well. None for any other
        listing, whose entries stay unknown paths."""
        for _ in range(8):  # ``sorted(c for c in d.iterdir() if ...)``: a few wrappers deep
            if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)) and len(node.generators) == 1 \
                    and isinstance(node.elt, ast.Name) and isinstance(node.generators[0].target, ast.Name) \
                    and node.elt.id == node.generators[0].target.id:
                node = node.generators[0].iter
            elif isinstance(node, ast.Call) and len(node.args) == 1 and isinstance(node.func, ast.Name) \
                    and node.func.id in _ORDERING_BUILTINS and self.facts.resolve(node.func) == "builtins." + node.func.id:
                node = node.args[0]
            else:
                break
        if not isinstance(node, ast.Call):
            return None
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("iterdir", "glob", "rglob") \
                and self.facts.resolve(node.func) is None:
            folder = self.key(node.func.value, state)
        elif self.facts.resolve(node.func) in ("glob.glob", "glob.iglob") and node.args:
            folder = self.key(node.args[0], state)
        else:
            return None
        if folder is None or not self.names_kernel_folder(folder):
            return None
        return call_key("join", [folder, opaque_key("<entry>")])

    def _elements_escape(self, target: ast.AST, value: Optional[ast.AST], how: str, state: State) -> None:
        """A list of one path stops being one when it may grow: an item stored into it
        (``names[0] = x``, ``names += more``) or another name bound to it (which may grow it)."""
        for domain in ("elements", "checked-elements"):
            if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                state.discard(domain, target.value.id)
            elif how == "augassign" and isinstance(target, ast.Name):
                state.discard(domain, target.id)
            if isinstance(value, ast.Name) and how not in ("for", "comprehension"):
                state.discard(domain, value.id)

    def _elements_passed(self, call: ast.Call, state: State) -> None:
        """A list of one path handed to a call, or whose method is called other than to read
        or remove, may have grown."""
        func = call.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.attr not in _KEEP_ELEMENTS:
            state.discard("elements", func.value.id)
            if not self._appended_checked(call, state):
                state.discard("checked-elements", func.value.id)
        if self.facts.resolve(func) in WHOLE_COPIES or self.facts.resolve(func) == "builtins.len":
            return  # ``sorted(files)`` reads the list
        for arg in list(call.args) + [keyword.value for keyword in call.keywords]:
            if isinstance(arg, ast.Name):
                state.discard("elements", arg.id)
                state.discard("checked-elements", arg.id)

    def is_pathlib(self, node: ast.AST, state: State, untyped: bool = False) -> bool:
        """Whether an expression is known to be a ``pathlib`` path. ``untyped``: for an act
        about to be judged, a name of unknown type is one when what the code does to it says
        so (:mod:`.untyped`)."""
        while True:  # a loop, not recursion: method chains may be long
            if isinstance(node, ast.Call):
                if self.facts.resolve(node.func) in PATHLIB_CLASSES:
                    return True
                returned = self._returns(node)
                if returned.path:
                    return returned.pathlib
                if self._annotated_path_return(node):
                    return True
                if isinstance(node.func, ast.Attribute) and node.func.attr in PATH_METHODS:
                    node = node.func.value
                    continue
                return False
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
                node = node.left
            elif isinstance(node, ast.Attribute) and node.attr == "parent":
                node = node.value
            else:
                ref = dotted_name(node)
                if ref is None:
                    return False
                return state.get("pathlib", ref) is not None or untyped and self._untyped_path(ref) \
                    or "." not in ref and self._module_pathlib(ref)

    def _module_pathlib(self, name: str) -> bool:
        """Whether ``name`` is a module constant every top-level binding of which is a
        ``pathlib`` path (``CONFIG = Path(__file__).with_name("config.json")``), or an
        imported path (:func:`imported_pathlib_names`), that the function being walked does
        not bind itself."""
        names = self._pathlib_constants
        if names is None:
            names = self._pathlib_constants = module_pathlib_names(self.tree, self.facts)
        if name not in names:
            # an imported name: the module is read for what it does to such names only when
            # one of them is asked about (most receivers are locals)
            if self.facts.imported_name(ast.Name(id=name, ctx=ast.Load())) is None:
                return False
            imported = self._imported_paths
            if imported is None:
                imported = self._imported_paths = imported_pathlib_names(self.facts)
            if name not in imported:
                return False
        scope = self._scope
        if scope is None or not scope.is_function:
            return False  # the module's own walk knows its bindings
        local = self._local_names.get(id(scope.node))
        if local is None:
            local = self._local_names[id(scope.node)] = frozenset(bound_anywhere(scope.node))
        return name not in local

    def _untyped_path(self, ref: str) -> bool:
        """Whether the scope being walked (or, for a ``self`` attribute, a method of its
        class) treats the dotted name ``ref`` as a path. Each scope is read once, and its
        class once, only for a name that is, or was bound from, an attribute."""
        scope = self._scope
        if scope is None:
            return False
        cache = self._untyped_cache
        found = cache.get(id(scope.node))
        if found is None:
            evidence = scope_evidence(scope.node, self._self_name, self.facts.resolve, PATHLIB_CLASSES)
            found = cache[id(scope.node)] = [evidence, evidence.closed(frozenset()), None]
        evidence, local, with_class = found
        ref = self._ref_key(ref)
        if ref in local:
            return True
        cls = scope.enclosing_class
        if cls is None or not self._self_name or not (ref.startswith("self.") or ref in evidence.derived):
            return False
        if with_class is None:
            # keyed apart from the scopes: the class's own body is a scope of the same id
            known = cache.get(("class", id(cls)))
            if known is None:
                known = cache[("class", id(cls))] = frozenset(class_paths(cls, self.facts.resolve, PATHLIB_CLASSES))
            with_class = found[2] = evidence.closed(known)
        return ref in with_class

    def _default_paths(self, args: ast.arguments, state: State, body: Sequence[ast.stmt] = ()) -> None:
        """A parameter whose default is a module constant (``def load(path=STATE)``) names the
        file of that constant: a reader and a writer with the same default share the file.

        So does a parameter given its value at the top of the body when none was passed
        (``def load(path=None): if path is None: path = EXPR``, ``path = path or EXPR``): it
        names EXPR's file. As with a constant default, what a caller may pass instead is not
        followed; the walk itself still sees the rebinding, and any later one."""
        positional = list(getattr(args, "posonlyargs", [])) + list(args.args)
        pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
        pairs += [(arg, default) for arg, default in zip(args.kwonlyargs, args.kw_defaults) if default is not None]
        unset = {}  # parameter -> whether its default is None (else a falsy string)
        for arg, default in pairs:
            # A module constant, not a literal: ``base=""`` says nothing about which file.
            if isinstance(default, ast.Name) and default.id in self.facts.module_bindings:
                key = self.key(default, None)
                if key is not None:
                    state.set("path", arg.arg, Must(key))
            elif isinstance(default, ast.Constant) and not default.value and \
                    (default.value is None or isinstance(default.value, (str, bytes))):
                unset[arg.arg] = default.value is None
        if unset:
            self._rebound_defaults(unset, body, state)

    def _rebound_defaults(self, unset: Dict[str, bool], body: Sequence[ast.stmt], state: State) -> None:
        """Keys of parameters given a value by the statements that open the body, each only
        once; the first other statement ends the search (it could rebind anything)."""
        found: Dict[str, Optional[Tuple[ast.AST, ast.stmt]]] = {}
        for stmt in sequential_statements(body):
            if isinstance(stmt, ast.Pass) or isinstance(stmt, ast.Expr) and const_string(stmt.value) is not None:
                continue  # a docstring, or a string used as a comment
            rebinding = default_rebinding(stmt)
            if rebinding is None:
                break
            name, none_only, value = rebinding
            if name not in unset or (none_only and not unset[name]):
                break  # ``if p is None`` of a parameter whose default is "": EXPR is not its default
            # A second rebinding of the same parameter: not one value when none was passed.
            found[name] = None if name in found else (value, stmt)
        later = [name for name in unset if name not in found]
        if self._scope is not None:
            if later:
                found.update(self._later_defaults(later, unset))
            self._defaulted_locals(unset, found, state)
        for name, rebinding in found.items():
            if rebinding is None:
                continue
            value, stmt = rebinding
            if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(value)):
                continue
            key = self.key(value, state)
            if key is not None and key is not self._name_key(name):
                state.set("path", name, Must(key))
                if not isinstance(stmt, ast.If):
                    # ``p = p or EXPR`` is walked after ``p`` is forgotten: it binds this key again
                    self._default_values[id(stmt.value)] = key
                else:
                    for arm in (stmt.body, stmt.orelse):  # ``else: p = expanduser(p)`` likewise
                        arm = [s for s in arm if not isinstance(s, ast.Pass)]
                        assigned = _assigned_to(arm[0]) if len(arm) == 1 else None
                        if assigned is not None and _normalised(assigned[1], name):
                            self._default_values[id(assigned[1])] = key

    def _defaulted_locals(self, unset: Dict[str, bool], rebound: Dict[str, object], state: State) -> None:
        """A local bound once, from a parameter the function never rebinds or its value when
        none was passed (``cfg = path or default_path()``, ``cfg = expanduser(path) if path
        else default_path()``), names that value's file, as the parameter itself would when
        rebound so (see :meth:`_rebound_defaults`). One pass over the function's own
        statements, in a function with such parameters."""
        func = self._scope.node
        bindings = local_names_of = None
        inline: Dict[str, object] = {}  # what _inline_defaults looks up once per function
        for stmt in own_statements(func):
            if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
                self._inline_defaults(stmt, unset, rebound, state, inline)
                continue
            local, value = stmt.targets[0].id, stmt.value
            if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or) and len(value.values) == 2 \
                    and isinstance(value.values[0], ast.Name):
                name, none_only, default = value.values[0].id, False, value.values[1]
            elif isinstance(value, ast.IfExp):
                tested = _missing_test(value.test)
                if tested is None:
                    continue
                name, none_only = tested[0], tested[2]
                given, default = (value.orelse, value.body) if tested[1] else (value.body, value.orelse)
                if not _normalised(given, name):
                    continue
            else:
                continue
            if name not in unset or name in rebound or local in unset or (none_only and not unset[name]):
                continue
            if bindings is None:
                bindings = local_bindings(func, self.facts.may_walrus)
            if bindings.get(name) or len(bindings.get(local, ())) != 1:
                continue  # the parameter rebound, or the local bound elsewhere too
            if local_names_of is None:
                local_names_of = local_names(func) - {self._self_name}
            if any(isinstance(n, ast.Name) and n.id in local_names_of for n in ast.walk(default)):
                continue  # built from a local or another parameter: one file per call, at most
            key = self.key(default, state)
            if key is not None:
                self._default_values[id(value)] = key

    def _inline_defaults(self, stmt: ast.stmt, unset: Dict[str, bool], rebound: Dict[str, object],
                         state: State, found: Dict[str, object]) -> None:
        """``open(path or EXPR)`` in a ``with`` or an expression statement, ``path`` a
        parameter whose default is None or empty and which the function never rebinds: EXPR's
        file, as for ``cfg = path or EXPR`` (see :meth:`_defaulted_locals`)."""
        if type(stmt) in (ast.With, ast.AsyncWith):
            places = [item.context_expr for item in stmt.items]
        elif type(stmt) in (ast.Expr, ast.Return):
            places = [stmt.value] if stmt.value is not None else []
        else:
            return
        for place in places:
            if type(place) is not ast.Call:
                continue
            for value in list(place.args) + [keyword.value for keyword in place.keywords]:
                if type(value) is not ast.BoolOp or type(value.op) is not ast.Or or len(value.values) != 2 \
                        or type(value.values[0]) is not ast.Name:
                    continue
                name, default = value.values[0].id, value.values[1]
                if name not in unset or name in rebound:
                    continue
                if "bindings" not in found:  # the function's names, looked up once however many opens
                    found["bindings"] = local_bindings(self._scope.node, self.facts.may_walrus)
                    found["locals"] = local_names(self._scope.node) - {self._self_name}
                if found["bindings"].get(name):
                    continue  # the parameter rebound somewhere
                if any(isinstance(n, ast.Name) and n.id in found["locals"] for n in ast.walk(default)):
                    continue  # built from a local or another parameter
                key = self.key(default, state)
                if key is not None:
                    self._default_values[id(value)] = key

    def _later_defaults(self, names: List[str], unset: Dict[str, bool]) -> Dict[str, Tuple[ast.AST, ast.stmt]]:
        """Parameters given their value when none was passed further down the body (``if not
        dbfile: dbfile = self.db`` after a loop, under an ``if``): each the only binding of
        its parameter in the function, of a value built from module names and ``self``
        alone, which mean at the top what they mean there. One pass over the statements."""
        func = self._scope.node
        bindings = local_bindings(func, self.facts.may_walrus)
        wanted = {name for name in names if len(bindings.get(name, ())) == 1}
        if not wanted:
            return {}
        found: Dict[str, Tuple[ast.AST, ast.stmt]] = {}
        local = None
        for stmt in own_statements(func):
            rebinding = default_rebinding(stmt) if isinstance(stmt, (ast.If, ast.Assign)) else None
            if rebinding is None or rebinding[0] not in wanted or (rebinding[1] and not unset[rebinding[0]]):
                continue
            name, _, value = rebinding
            if local is None:
                local = local_names(func) - {self._self_name}
            if any(isinstance(n, ast.Name) and n.id in local for n in ast.walk(value)):
                continue  # built from a local, which may mean something else at the top
            found[name] = (value, stmt)
        return found

    def _annotated_path_return(self, call: ast.Call) -> bool:
        """Whether ``call`` calls a function or ``self`` method of the module annotated to
        return a ``pathlib`` path (``def cache_file(mode) -> Path``), whatever it builds."""
        summaries, scope = self.facts.summaries, self._scope
        if summaries is None or scope is None:
            return False
        found = summaries.callee_node(call, scope.enclosing_class, scope.self_name)
        returns = getattr(found[0], "returns", None) if found is not None else None
        return returns is not None and self._annotated_pathlib(returns)

    def _annotated_pathlib(self, annotation: ast.AST) -> bool:
        return annotated_pathlib(annotation, self.facts.resolve, PATHLIB_CLASSES)


def module_pathlib_names(tree: ast.Module, facts) -> frozenset:
    """Names bound at the module's top level only by plain assignments (and declared
    ``global`` by no function), each of a ``pathlib`` path built there: a constructor call, then ``/``, ``.parent`` or path methods
    (``Path(__file__).parent / "data.json"``), or another such name assigned before."""
    values: Dict[str, int] = {}
    found: Set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if len(targets) == 1 and isinstance(targets[0], ast.Name):
                name = targets[0].id
                if _builds_pathlib(stmt.value, facts.resolve, found) and values.get(name, 0) >= 0:
                    values[name] = values.get(name, 0) + 1
                    found.add(name)
                else:
                    values[name] = -1
                    found.discard(name)
    if not found:
        return frozenset()
    bound = facts.top_level_bindings()  # no binding of another kind, nor in a block
    declared = facts.maybe_global()  # nor one a function may make
    return frozenset(name for name in found if bound.get(name) == values[name] and name not in declared)


def imported_pathlib_names(facts) -> frozenset:
    """Names an import binds (``from .paths import cache_file``) that the module treats as a
    ``pathlib`` path somewhere: a method only a path has is called on it with a path's
    arguments, or ``exists()`` with none (``if not cache_file.is_file():``). What another
    module bound is one object for the whole run, so every function of this one that does
    not bind the name sees a path. Found in one pass over the text, not by walking the tree;
    a comment or a string that spells such a call counts too."""
    text = facts.text
    if text is None:
        return frozenset()
    bound, declared = facts.top_level_bindings(), facts.maybe_global()
    spelt = _path_call_names(text)
    return frozenset(name for name in spelt if bound.get(name) == 1 and name not in declared
                     and facts.imported_name(ast.Name(id=name, ctx=ast.Load())) is not None)


#: ``name.is_file()``, ``name.mkdir(parents=True)``, ``name.write_text(s)``...: the methods
#: :data:`PATH_ONLY_METHODS` takes without positional arguments called with none, the others
#: with some (on a bare name: ``self.cache.is_file()`` says nothing of a ``cache`` imported)
#: (what follows the name: the pattern starts at the dot, which ``re`` can search for fast;
#: one starting at the name would be tried at every word of the text)
_PATH_CALL = re.compile(r"\.\s*(?:(?:%s)\s*\(\s*(?:\)|\w+\s*=[^=])|(?:%s)\s*\(\s*[^)\s])" % (
    "|".join(sorted(m for m, arity in PATH_ONLY_METHODS.items() if arity == 0) + ["exists"]),
    "|".join(sorted(m for m, arity in PATH_ONLY_METHODS.items() if arity != 0))))


def _path_call_names(text: str) -> Set[str]:
    """The bare names :data:`_PATH_CALL` calls a path's method on: the identifier before the
    dot (spaces allowed between), not itself after a dot or inside a longer word."""
    names = set()
    for match in _PATH_CALL.finditer(text):
        end = match.start()
        while end and text[end - 1].isspace():
            end -= 1
        start = name_bounds(text, end, end)[0]
        name = text[start:end]
        if name and (name[0] == "_" or "a" <= name[0].lower() <= "z") and (not start or text[start - 1] != "."):
            names.add(name)
    return names


def _builds_pathlib(node: ast.AST, resolve, known: Set[str]) -> bool:
    for _ in range(64):  # chains longer than anyone writes are not followed
        if isinstance(node, ast.Call):
            if resolve(node.func) in PATHLIB_CLASSES:
                return True
            if isinstance(node.func, ast.Attribute) and node.func.attr in PATH_METHODS:
                node = node.func.value
                continue
            return False
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            node = node.left
        elif isinstance(node, ast.Attribute) and node.attr == "parent":
            node = node.value
        else:
            return isinstance(node, ast.Name) and node.id in known
    return False


#: how many nodes a helper's return may have to be put in at its calls
_MAX_INLINED_NODES = 48
#: calls a return put in at a call may make: each gives a path from its arguments alone
_INLINABLE_CALLS = frozenset({
    "os.path.join", "os.path.dirname", "os.path.basename", "os.path.abspath", "os.path.normpath",
    "os.path.expanduser", "os.fspath", "builtins.str", "pathlib.Path", "pathlib.PurePath",
})
_INLINABLE_METHODS = frozenset({"with_suffix", "with_name", "with_stem", "joinpath"})


def _inlinable(value: ast.AST, resolve, vararg: Optional[str] = None) -> bool:
    """Whether a helper's return spells a path from names, constants, ``+``, ``/``, ``%``,
    f-strings, attributes and path joins alone: nothing fresh at each call (a ``uuid4()``
    put in at two calls would read as one name), nothing that reads a file. The helper's
    ``*vararg`` may only be spread into the arguments of such a call (``Path(*args)``)."""
    count = 0
    spread = set()
    for part in ast.walk(value):
        count += 1
        if count > _MAX_INLINED_NODES:
            return False
        if isinstance(part, ast.Call):
            spread.update(id(a.value) for a in part.args if isinstance(a, ast.Starred)
                          and isinstance(a.value, ast.Name) and a.value.id == vararg)
        if isinstance(part, ast.Starred):
            if id(part.value) not in spread:
                return False
            continue
        if isinstance(part, ast.Name) and part.id == vararg and id(part) not in spread:
            return False  # ``args[0]``, ``len(args)``: not a list of parts put in as given
        if isinstance(part, (ast.Name, ast.Constant, ast.Attribute, ast.JoinedStr, ast.FormattedValue, ast.Tuple,
                             ast.Load, ast.Add, ast.Div, ast.Mod)):
            continue
        if isinstance(part, ast.BinOp) and isinstance(part.op, (ast.Add, ast.Div, ast.Mod)):
            continue
        if isinstance(part, ast.Call) and all(k.arg is not None for k in part.keywords) and (
                resolve(part.func) in _INLINABLE_CALLS
                or isinstance(part.func, ast.Attribute) and part.func.attr in _INLINABLE_METHODS):
            continue
        return False
    return True


def _copied(value: ast.AST) -> ast.AST:
    """A copy of a small expression: its fields and positions only. Not ``copy.deepcopy``,
    which would also copy what other tools hang on the nodes (pyflakes' parent links, and
    through them the whole tree, into a cycle)."""
    def shallow(node: ast.AST) -> ast.AST:
        made = type(node).__new__(type(node))  # its fields are set below: no constructor to warn of them
        for name in node._attributes:
            if hasattr(node, name):
                setattr(made, name, getattr(node, name))
        return made

    root = shallow(value)
    work = [(value, root)]
    while work:
        original, made = work.pop()
        for name, field in ast.iter_fields(original):
            if isinstance(field, ast.AST):
                child = shallow(field)
                work.append((field, child))
                setattr(made, name, child)
            elif isinstance(field, list):
                items = []
                for item in field:
                    if isinstance(item, ast.AST):
                        child = shallow(item)
                        work.append((item, child))
                        items.append(child)
                    else:
                        items.append(item)
                setattr(made, name, items)
            else:
                setattr(made, name, field)
    return root


class _Substitute(ast.NodeTransformer):
    """A copy of a helper's return with its parameters' names replaced by what was given."""

    def __init__(self, given: Dict[str, ast.AST], vararg: Optional[str] = None, extra: Sequence[ast.AST] = ()):
        self.given = given
        self.vararg = vararg
        self.extra = list(extra)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return self.given.get(node.id, node)

    def visit_Starred(self, node: ast.Starred):
        if isinstance(node.value, ast.Name) and node.value.id == self.vararg:
            return list(self.extra)  # spliced into the call's arguments
        return self.generic_visit(node)


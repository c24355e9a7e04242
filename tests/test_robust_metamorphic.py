"""Metamorphic properties of the lock analysis: changes that cannot alter what a rule sees.

Each property transforms a module's tree and compares the findings, as ``(line, col, code)``,
with those of the original. Transformations keep the positions of the original nodes (the
trees go to ``check_tree`` directly, as flake8 hands its tree over), so the findings must be
equal, not merely shifted. The modules are the fixtures, the rule examples, and programs
recomposed from them (see ``robust_support``).

Why each holds:

* consistent renaming: rules match on what names refer to, never on their spelling (names
  spelled elsewhere as attributes, keywords or inside strings, imports and builtins are kept);
* ``pass`` between statements: it changes no state; the only syntactic adjacency the rules
  look at (``lock()`` followed by ``try``/``with``) is left intact by not inserting right
  after a statement that locks or at the head of an ``else`` block;
* ``try: <body> finally: pass`` around a function body: every way out of the body passes
  through a ``finally`` that does nothing;
* statements after ``return``/``raise``/``break``/``continue`` never run: they may not add,
  remove or move findings (they use the mailbox, but never lock, unlock, close or return it,
  which the analysis rightly reads from the whole scope);
* reordering the functions of a module: every function is analysed on its own.
"""

import ast
import copy
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from robust_support import budget, composed_programs, example_modules, positions, rename, renamings


def _modules():
    return st.one_of(
        st.sampled_from(range(len(example_modules()))).map(lambda i: copy.deepcopy(example_modules()[i])),
        composed_programs().map(ast.parse),
    )


def _blocks(tree):
    """Every statement list in the tree, with the node and field that holds it."""
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield node, field, block


def _locks(stmt):
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("lock", "locked")
        for n in ast.walk(stmt)
    )


def _located(new, near):
    for node in ast.walk(new):
        ast.copy_location(node, near)
        if hasattr(node, "end_lineno"):
            node.end_lineno, node.end_col_offset = near.end_lineno, near.end_col_offset
    return new


def _receivers(tree):
    """The dotted names methods are called on (``box``, ``self.box``)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            value = node.func.value
            parts = []
            while isinstance(value, ast.Attribute):
                parts.append(value.attr)
                value = value.value
            if isinstance(value, ast.Name):
                found.add(".".join([value.id] + parts[::-1]))
    return sorted(found) or ["box"]


# -- transformations ----------------------------------------------------------------------


def insert_passes(tree, rng):
    for _node, field, block in list(_blocks(tree)):
        for _ in range(rng.randint(0, 2)):
            allowed = [i for i in range(len(block) + 1)
                       if (i == 0 and field != "orelse") or (i > 0 and not _locks(block[i - 1]))]
            if allowed:
                index = rng.choice(allowed)
                near = block[min(index, len(block) - 1)]
                block.insert(index, _located(ast.Pass(), near))
    return tree


def wrap_function_bodies(tree, rng):
    for node in list(ast.walk(tree)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and rng.random() < 0.8:
            wrapper = ast.Try(body=node.body, handlers=[], orelse=[], finalbody=[ast.Pass()])
            _located(wrapper.finalbody[0], node.body[-1])
            ast.copy_location(wrapper, node.body[0])
            wrapper.end_lineno, wrapper.end_col_offset = node.body[-1].end_lineno, node.body[-1].end_col_offset
            node.body = [wrapper]
    return tree


DEAD = ("{0}.add(m)", "{0}.flush()", "{0}[k] = m", "del {0}[k]", "m = {0}.get(k)", "{0}.remove(k)",
        "n = len({0})", "for m in {0}:\n    {0}.discard(m)", "{0}.pack()", "{0}.clear()")


def insert_dead_code(tree, rng):
    refs = _receivers(tree)
    for _node, _field, block in list(_blocks(tree)):
        jumps = [i for i, s in enumerate(block) if isinstance(s, (ast.Return, ast.Raise, ast.Break, ast.Continue))]
        for index in reversed(jumps):
            dead = [ast.parse(rng.choice(DEAD).format(rng.choice(refs))).body[0] for _ in range(rng.randint(1, 3))]
            block[index + 1:index + 1] = [_located(s, block[index]) for s in dead]
    return tree


def reorder_functions(tree, rng):
    slots = [i for i, s in enumerate(tree.body) if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
    functions = [tree.body[i] for i in slots]
    rng.shuffle(functions)
    for slot, function in zip(slots, functions):
        tree.body[slot] = function
    return tree


def _same_findings(tree, transform):
    expected = positions(copy.deepcopy(tree))
    changed = transform(copy.deepcopy(tree))
    got = positions(changed)
    assert got == expected, ast.unparse(changed)
    return expected


# -- properties ---------------------------------------------------------------------------

SEEDS = st.integers(0, 2 ** 32 - 1)


@pytest.mark.slow
@budget(60)
@given(st.data())
def test_consistent_renaming_keeps_findings(data):
    tree = data.draw(_modules())
    mapping = data.draw(renamings(tree))
    _same_findings(tree, lambda t: rename(t, mapping))


@pytest.mark.slow
@budget(60)
@given(_modules(), SEEDS)
def test_pass_between_statements_keeps_findings(tree, seed):
    _same_findings(tree, lambda t: insert_passes(t, random.Random(seed)))


@pytest.mark.slow
@budget(60)
@given(_modules(), SEEDS)
def test_try_finally_pass_around_function_bodies_keeps_findings(tree, seed):
    _same_findings(tree, lambda t: wrap_function_bodies(t, random.Random(seed)))


@pytest.mark.slow
@budget(60)
@given(_modules(), SEEDS)
def test_dead_code_after_a_jump_changes_nothing(tree, seed):
    _same_findings(tree, lambda t: insert_dead_code(t, random.Random(seed)))


@pytest.mark.slow
@budget(60)
@given(_modules(), SEEDS)
def test_function_order_does_not_matter(tree, seed):
    _same_findings(tree, lambda t: reorder_functions(t, random.Random(seed)))


def test_properties_see_findings_in_their_inputs():
    # The properties are only as strong as their inputs: most example modules have findings.
    with_findings = sum(1 for module in example_modules() if positions(copy.deepcopy(module)))
    assert with_findings >= len(example_modules()) // 3


def test_a_helper_wrapped_in_try_finally_pass_is_still_put_in_at_its_calls():
    # Found by the property above: the one-line helper naming the temp file after its target
    # was followed only while its body was the bare ``return``.
    tree = ast.parse(
        "import os\n"
        "class TextFile:\n"
        "    def __init__(self, path):\n"
        "        self.path = path\n"
        "    def _tmp_path(self, path):\n"
        "        return f'{path}.tmp'\n"
        "    def write(self, lines):\n"
        "        tpath = self._tmp_path(self.path)\n"
        "        with open(tpath, 'w') as f:\n"
        "            f.writelines(lines)\n"
        "        os.rename(tpath, self.path)\n"
    )
    found = _same_findings(tree, lambda t: wrap_function_bodies(t, random.Random(0)))
    assert (11, 8, "MBX306") in found


#: found by the properties above: a create of constant text after ``if exists(p): return p``,
#: then ``return p``, is exempt however its function is padded
CONSTANT_CREATE = (
    "import os\n"
    "def init_ignore_file(root, box):\n"
    "    ignore = os.path.join(root, '.appignore')\n"
    "    if os.path.exists(ignore):\n"
    "        return ignore\n"
    "    with open(ignore, 'w', encoding='utf-8') as handle:\n"
    "        handle.write('# patterns to ignore\\n')\n"
    "    return ignore\n"
)


@pytest.mark.parametrize("transform", [insert_passes, wrap_function_bodies, insert_dead_code])
@pytest.mark.parametrize("seed", range(8))
def test_a_constant_create_returning_the_checked_name_stays_exempt(transform, seed):
    assert _same_findings(ast.parse(CONSTANT_CREATE), lambda t: transform(t, random.Random(seed))) == []

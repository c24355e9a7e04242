"""A checked module is freed the moment its check ends.

Reference cycles through the tree (the facts pointing at their summaries and back, a path key
naming itself, closures of ``ast.dump``) leave every node of every module to the cycle
collector, whose passes then grow with everything checked so far: a cold check of a large
tree spent a tenth of its time there. Checked here with the collector off, over every
fixture and every rule example."""

import gc
import textwrap
import tokenize

import pytest

from mboxlint.config import Selection
from mboxlint.engine import check_source
from mboxlint.rules import all_rules

from support import fixture_files


def _sources():
    for path in fixture_files():
        with tokenize.open(path) as handle:
            yield path, handle.read()
    for rule in all_rules():
        for index, example in enumerate(list(rule.VALID) + [e.code for e in rule.invalid_examples()]):
            yield "%s-%d" % (rule.code, index), textwrap.dedent(example)


@pytest.fixture
def cycle_collector_off():
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield
    finally:
        gc.set_debug(0)
        del gc.garbage[:]
        if was_enabled:
            gc.enable()


def test_checking_leaves_no_cyclic_garbage(cycle_collector_off):
    checked = 0
    every_rule = Selection(select=["MBX"])  # the rules off by default too
    for name, text in _sources():
        result = check_source(text, name, every_rule)
        checked += 1
        assert result.error is None or result.error.code != "E902", (name, result.error)
    assert checked > 100
    found = gc.collect()
    kinds = sorted({type(obj).__qualname__ for obj in gc.garbage})
    assert found == 0, "cyclic garbage left by the checks: %s" % kinds


def test_links_other_tools_hang_on_the_tree_are_not_copied(cycle_collector_off):
    # flake8 hands every plugin one tree, and pyflakes links each node to its parent. What
    # the analysis copies of the tree (a helper's return put in at its calls) must not copy
    # those links: they would copy the whole tree, into a cycle, at every call.
    import ast
    from mboxlint.flake8_plugin import MboxlintChecker

    text = "\n".join(["import os", "", "def tmp_of(path):", "    return path + '.tmp'", ""]
                     + ["def save%d(path, data):\n    tmp = tmp_of(path)\n    with open(tmp, 'w') as f:\n"
                        "        f.write(data)\n    os.replace(tmp, path)\n" % i for i in range(20)])
    tree = ast.parse(text)
    for parent in ast.walk(tree):
        parent._checked_here = True  # told apart from what other tests leave to the collector
        for child in ast.iter_child_nodes(parent):
            child._pyflakes_parent = parent
    reported = list(MboxlintChecker(tree, "linked.py", text.splitlines(True)).run())
    assert len([r for r in reported if "MBX306" in r[2] or "MBX902" in r[2]]) >= 20
    for node in ast.walk(tree):
        node.__dict__.pop("_pyflakes_parent", None)
    del tree, reported
    gc.collect()
    ours = [obj for obj in gc.garbage if getattr(obj, "_checked_here", False)
            or type(obj) is dict and "_checked_here" in obj]
    assert not ours, sorted({type(obj).__qualname__ for obj in ours})

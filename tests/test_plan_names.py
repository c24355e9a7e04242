"""Which names a fix may reuse at its site: decided on ``ast`` with Python's scope rules."""

import ast
import textwrap

import pytest

from mboxlint.plans.statements import FIX_BUILTINS, Blocks, taken_at


def _taken(code, marker="site()"):
    tree = ast.parse(textwrap.dedent(code))
    blocks = Blocks(tree)
    [stmt] = [node for node in ast.walk(tree) if isinstance(node, ast.Expr) and ast.unparse(node) == marker] \
        if hasattr(ast, "unparse") else [node for node in ast.walk(tree) if isinstance(node, ast.Expr)
                                         and isinstance(node.value, ast.Call)
                                         and getattr(node.value.func, "id", "") == "site"]
    return set(taken_at(blocks, stmt))


@pytest.mark.parametrize("code, taken", [
    ("from contextlib import suppress\ndef f():\n    site()\n", set()),
    ("from contextlib import suppress\ndef f(suppress):\n    site()\n", {"suppress"}),
    ("from contextlib import suppress\ndef f(*suppress):\n    site()\n", {"suppress"}),
    ("from contextlib import suppress\ndef f():\n    site()\n    for suppress in []: pass\n", {"suppress"}),
    ("from contextlib import suppress\ndef f():\n    site()\n    try: pass\n    except OSError as suppress: pass\n",
     {"suppress"}),
    ("import os\ndef f():\n    site()\n    import os.path\n", {"os"}),
    # a binding in a nested function stays there; one in an enclosing function is seen
    ("import os\ndef f():\n    site()\n    def g(os): pass\n", set()),
    ("import os\ndef f(os):\n    def g():\n        site()\n", {"os"}),
    # a class body's names are seen by its own statements, not by its methods
    ("import os\nclass C:\n    os = 1\n    site()\n", {"os"}),
    ("import os\nclass C:\n    os = 1\n    def m(self):\n        site()\n", set()),
    # global: the module's name is rebound; a second import rebinds it too
    ("import os\ndef g():\n    global os\n    os = 1\ndef f():\n    site()\n", {"os"}),
    ("import os\nimport os as os\ndef f():\n    site()\n", {"os"}),
    ("import os\nos = None\ndef f():\n    site()\n", {"os"}),
    # a star import may bind anything
    ("import os\nfrom x import *\ndef f():\n    site()\n",
     {"os"} | FIX_BUILTINS),
    # top-level code runs before an import below it
    ("import os\nsite()\nimport shutil\n", {"shutil"}),
    # the builtins a fix spells, when the module binds them
    ("FileNotFoundError = KeyError\ndef f():\n    site()\n", {"FileNotFoundError"}),
    ("def f(NotADirectoryError):\n    site()\n", {"NotADirectoryError"}),
    ("def f(OSError):\n    def g():\n        site()\n", {"OSError"}),
    ("def g():\n    global OSError\n    OSError = 1\ndef f():\n    site()\n", {"OSError"}),
    ("from errors import FileExistsError\ndef f():\n    site()\n", {"FileExistsError"}),
    # a builtin rebound in another function is not what the site sees
    ("def f(NotADirectoryError):\n    pass\nsite()\n", set()),
    ("def f():\n    OSError = 1\ndef g():\n    site()\n", set()),
])
def test_names_taken_at_a_site(code, taken):
    assert _taken(code) == taken


def test_a_deeply_nested_site_costs_no_recursion():
    depth = 90  # the parser's own limit is 100
    lines = ["import os"]
    for level in range(depth):
        lines.append("    " * level + "def f%d(x%d):" % (level, level))
    lines.append("    " * depth + "site()")
    assert _taken("\n".join(lines) + "\n") == set()


def test_a_fresh_name_is_spelled_nowhere_in_its_function_and_handed_out_once():
    from mboxlint.plans.statements import fresh_name

    tree = ast.parse("import f2\ndef g(f):\n    def inner():\n        return x.f3\n\nclass C:\n    pass\n")
    blocks = Blocks(tree)
    function, klass = tree.body[1], tree.body[2]
    assert [fresh_name(blocks, function, "f") for _ in range(3)] == ["f2", "f4", "f5"]
    assert fresh_name(blocks, tree, "f") == "_f"  # a module global: private
    assert fresh_name(blocks, klass, "f") is None  # it would become a class attribute

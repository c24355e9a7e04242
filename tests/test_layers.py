"""The layers of the package, read from its import statements (those inside functions too).

Rules -> Plans -> Analysis; Fixes -> Plans; nothing ``check`` uses imports the fixes or
libcst; the engine never imports the command-line faces; no two modules import each other.
"""

import ast
import os
import subprocess
import sys
import textwrap

import pytest

import mboxlint

PACKAGE = os.path.dirname(mboxlint.__file__)

#: fixers that still read what the rules or the analysis decide instead of a plan; a test
#: keeps this set exact, so it can only shrink
UNPLANNED_FIXERS = {}


def _module_name(path):
    relative = os.path.relpath(path, os.path.dirname(PACKAGE))[: -len(".py")].replace(os.sep, ".")
    return relative[: -len(".__init__")] if relative.endswith(".__init__") else relative


def _imports():
    """{module: set of modules it imports}, every ``import`` statement counted."""
    graph = {}
    for folder, _dirs, files in os.walk(PACKAGE):
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            module = _module_name(path)
            package = module if name == "__init__.py" else module.rsplit(".", 1)[0]
            with open(path, encoding="utf-8") as handle:
                tree = ast.parse(handle.read())
            found = set()
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    found.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom):
                    if node.level:
                        base = package.split(".")
                        base = base[: len(base) - node.level + 1]
                        target = ".".join(base + ([node.module] if node.module else []))
                    else:
                        target = node.module
                    found.add(target)
                    # ``from . import locking`` imports a module
                    for alias in node.names:
                        candidate = target + "." + alias.name
                        if os.path.exists(os.path.join(os.path.dirname(PACKAGE), *candidate.split(".")) + ".py"):
                            found.add(candidate)
            graph[module] = found
    return graph


GRAPH = _imports()


def _in(module, layer):
    return module == layer or module.startswith(layer + ".")


def _project(imported):
    return {m for m in imported if _in(m, "mboxlint")}


def test_the_graph_was_read():
    assert "mboxlint.plans.files" in GRAPH and "mboxlint.fixes.files" in GRAPH
    assert "mboxlint.plans.files" in GRAPH["mboxlint.rules.files"]


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _in(m, "mboxlint.plans")))
def test_plans_use_only_the_analysis(module):
    imported = GRAPH[module]
    assert not any(_in(m, "libcst") for m in imported)
    assert all(_in(m, "mboxlint.plans") or _in(m, "mboxlint.analysis") for m in _project(imported)), imported


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _in(m, "mboxlint.rules") or _in(m, "mboxlint.analysis")))
def test_rules_and_analysis_never_reach_the_fixes(module):
    imported = GRAPH[module]
    assert not any(_in(m, "libcst") or _in(m, "mboxlint.fixes") or _in(m, "mboxlint.fix") for m in imported)
    if _in(module, "mboxlint.analysis"):
        assert not any(_in(m, "mboxlint.rules") or _in(m, "mboxlint.plans") for m in imported)


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _in(m, "mboxlint.fixes")))
def test_fixers_read_plans_not_rules(module):
    wrong = {m for m in _project(GRAPH[module]) if _in(m, "mboxlint.rules") or _in(m, "mboxlint.analysis")}
    assert wrong == UNPLANNED_FIXERS.get(module, set())


@pytest.mark.parametrize("module", ["mboxlint.engine", "mboxlint.runner", "mboxlint.selection",
                                    "mboxlint.finding", "mboxlint.source", "mboxlint.noqa"])
def test_the_engine_never_imports_the_command_line_faces(module):
    faces = ("mboxlint.cli", "mboxlint.config", "mboxlint.output", "mboxlint.fix_command", "mboxlint.fix",
             "mboxlint.fixes")
    assert not any(m == face or _in(m, face) for m in GRAPH[module] for face in faces), GRAPH[module]


def test_no_two_modules_import_each_other():
    pairs = sorted((a, b) for a in GRAPH for b in _project(GRAPH[a]) if a < b and a in GRAPH.get(b, ()))
    # a package's __init__ importing its submodules, which import siblings through it, is fine
    pairs = [(a, b) for a, b in pairs if not (_in(b, a) or _in(a, b))]
    assert pairs == []


def test_checking_loads_neither_libcst_nor_the_fixers():
    program = textwrap.dedent("""
        import sys
        from mboxlint.engine import check_source
        from mboxlint.selection import Selection
        import mboxlint.flake8_plugin, mboxlint.runner
        code = "import os\\ndef save(tmp, dst):\\n    if os.path.exists(dst):\\n        os.remove(dst)\\n    os.rename(tmp, dst)\\n"
        findings = check_source(code, "s.py", Selection(select=["MBX"])).findings
        assert any(f.plan is not None for f in findings), findings
        loaded = sorted(m for m in sys.modules if m.startswith(("libcst", "mboxlint.fixes", "mboxlint.fix")))
        print(loaded)
    """)
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"

"""A fixer executes the plan it is given, and nothing else decides: a plan its rule would never
make (a shape the rule refuses) is still carried out exactly, so plan and fixer cannot disagree."""

import ast
import textwrap

import libcst as cst
from libcst.codemod import CodemodContext

from mboxlint.finding import Finding
from mboxlint.fixes import FIXERS
from mboxlint.plans import SAFE, Anchor, FixPlan, Span


def _span(tree, predicate):
    [node] = [n for n in ast.walk(tree) if predicate(n)]
    return Span.of(node)


def _run(code, finding):
    fixer = FIXERS[finding.code](CodemodContext(), findings=[finding])
    new = fixer.apply(cst.parse_module(code), code)
    return new.code, fixer.applied


def _unlock_call(node):
    return isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "unlock"


def test_the_flush_goes_where_the_plan_says_even_in_an_except_handler():
    # The rule makes no plan here (a handler discards the changes on purpose): a fixer with
    # checks of its own would refuse it too. Given one, it inserts exactly what it says.
    code = textwrap.dedent("""\
        def f(box):
            try:
                box.lock()
            except OSError:
                box.add("x")
                box.unlock()
        """)
    tree = ast.parse(code)
    act = _span(tree, _unlock_call)
    stmt = _span(tree, lambda n: isinstance(n, ast.Expr) and _unlock_call(n.value))
    plan = FixPlan(SAFE, "flush-before-unlock:before-unlock", (Anchor("act", act), Anchor("stmt", stmt)))
    finding = Finding(act.line, act.col, "MBX102", "m", SAFE, act.end_line, act.end_col, plan)
    text, applied = _run(code, finding)
    assert applied == [finding]
    assert "        box.add(\"x\")\n        box.flush()\n        box.unlock()\n" in text


def test_the_flush_goes_before_the_last_jump_of_the_planned_try():
    code = textwrap.dedent("""\
        def f(box):
            box.lock()
            try:
                box.add("x")
                return 1
            finally:
                box.unlock()
        """)
    tree = ast.parse(code)
    act = _span(tree, _unlock_call)
    plan = FixPlan(SAFE, "flush-before-unlock:before-last-jump",
                   (Anchor("act", act), Anchor("try", _span(tree, lambda n: isinstance(n, ast.Try))),
                    Anchor("last", _span(tree, lambda n: isinstance(n, ast.Return)))))
    finding = Finding(act.line, act.col, "MBX102", "m", SAFE, act.end_line, act.end_col, plan)
    text, applied = _run(code, finding)
    assert applied == [finding]
    assert "        box.add(\"x\")\n        box.flush()\n        return 1\n" in text


def test_a_plan_whose_anchors_are_not_in_the_tree_changes_nothing():
    code = "def f(box):\n    box.unlock()\n"
    act = Span(2, 4, 2, 16)
    plan = FixPlan(SAFE, "flush-before-unlock:before-unlock", (Anchor("act", act), Anchor("stmt", Span(9, 0, 9, 3))))
    finding = Finding(2, 4, "MBX102", "m", SAFE, 2, 16, plan)
    text, applied = _run(code, finding)
    assert (text, applied) == (code, [])


def test_the_open_is_bound_to_the_name_the_plan_chose():
    from mboxlint.engine import check_source
    from mboxlint.selection import Selection

    code = textwrap.dedent("""\
        import os
        def load(p):
            if os.path.exists(p):
                return open(p).read()
            return None
        """)
    [finding] = check_source(code, "x.py", Selection(select=["MBX301"])).findings
    assert finding.plan.action == "open-in-try:arm:fresh:f"
    chosen = finding._replace(plan=finding.plan._replace(action="open-in-try:arm:fresh:handle"))
    text, applied = _run(code, chosen)
    assert applied == [chosen]
    assert "        handle = open(p)\n" in text and "return handle.read()" in text


def test_the_check_goes_only_where_the_plan_says():
    from mboxlint.engine import check_source
    from mboxlint.selection import Selection

    code = textwrap.dedent("""\
        import os
        def clean(p):
            if os.path.lexists(p):
                os.remove(p)
        """)
    [finding] = check_source(code, "x.py", Selection(select=["MBX302"])).findings
    assert [a.role for a in finding.plan.anchors if a.role == "drop"] == ["drop"]
    text, _ = _run(code, finding)
    assert "if os.path.lexists(p)" not in text
    kept = finding._replace(plan=finding.plan._replace(
        anchors=tuple(a for a in finding.plan.anchors if a.role != "drop")))
    text, applied = _run(code, kept)
    assert applied == [kept]
    assert "    if os.path.lexists(p):\n        with suppress(" in text

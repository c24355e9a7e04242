"""The abstract walk's control flow, observed through the lock state it hands to events."""

import ast
import sys
import textwrap

import pytest

from mboxlint.analysis import analyse
from mboxlint.analysis.state import LOCKED, MAYBE, UNLOCKED


def lock_states(source: str, op: str = "add"):
    module = analyse(ast.parse(textwrap.dedent(source)))
    return [e["fact"].lock for e in module.events_of("box-op") if e["op"] == op]


HEADER = "import mailbox\nbox = mailbox.mbox('x')\n"


def test_if_without_else_joins_to_maybe():
    assert lock_states(HEADER + "if c:\n    box.lock()\nbox.add(1)\n") == [MAYBE]


def test_if_else_both_lock():
    assert lock_states(HEADER + "if c:\n    box.lock()\nelse:\n    box.lock()\nbox.add(1)\n") == [LOCKED]


def test_loop_body_sees_the_state_of_later_iterations():
    source = HEADER + "for m in ms:\n    box.add(m)\n    box.lock()\n"
    assert lock_states(source) == [MAYBE]


def test_while_true_exits_only_through_break():
    source = HEADER + "while True:\n    box.lock()\n    break\nbox.add(1)\n"
    assert lock_states(source) == [LOCKED]


def test_return_inside_try_passes_through_finally():
    source = HEADER + textwrap.dedent(
        """
        def f():
            box.lock()
            try:
                return 1
            finally:
                box.unlock()
        """
    )
    module = analyse(ast.parse(source))
    unlocks = [e for e in module.events_of("box-op") if e["op"] == "unlock"]
    # box is a module global not locked in f's module scope... f locks it: tracked in f.
    assert [e["fact"].lock for e in unlocks] == [LOCKED]


def test_handler_starts_from_the_state_before_the_failing_statement():
    source = HEADER + "try:\n    box.lock()\nexcept OSError:\n    box.add(1)\n"
    assert lock_states(source) == [UNLOCKED]


def test_with_locked_locks_inside_and_unlocks_after():
    source = "from mboxlint import mailbox\nbox = mailbox.mbox('x')\nwith box.locked():\n    box.add(1)\nbox.add(2)\n"
    assert lock_states(source) == [LOCKED, UNLOCKED]


def test_nested_function_is_its_own_scope():
    source = HEADER + "box.lock()\ndef f():\n    box.add(1)\n"
    assert lock_states(source) == []  # f never locks the global: its caller's business


@pytest.mark.skipif(sys.version_info < (3, 10), reason="the match statement needs Python 3.10")
def test_match_statement_joins_cases():
    every_case = "match x:\n    case 1:\n        box.lock()\n    case _:\n        box.lock()\nbox.add(1)\n"
    assert lock_states(HEADER + every_case) == [LOCKED]
    may_fall_through = "match x:\n    case 1:\n        box.lock()\nbox.add(1)\n"
    assert lock_states(HEADER + may_fall_through) == [MAYBE]

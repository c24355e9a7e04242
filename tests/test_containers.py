"""Mailboxes kept in containers: what the lock analysis records for their entries."""

import ast
import textwrap

from mboxlint.analysis import analyse
from mboxlint.analysis.events import BoxOp


def box_ops(source: str):
    source = textwrap.dedent(source)
    module = analyse(ast.parse(source), text=source)
    return [(event.node.lineno, event.ref, event.op, event.fact.lock) for event in module.events_of(BoxOp)]


def test_an_entry_locked_through_its_subscript_is_locked_for_its_changes():
    ops = box_ops("""
        import mailbox
        def deliver(msg):
            boxes = {"a": mailbox.mbox("a")}
            boxes["a"].lock()
            boxes["a"].add(msg)
            boxes["a"].unlock()
    """)
    assert (6, "boxes['a']", "add", "locked") in ops
    assert (7, "boxes['a']", "unlock", "locked") in ops


def test_a_name_bound_to_an_entry_is_the_same_mailbox():
    ops = box_ops("""
        import mailbox
        def deliver(msg, k):
            boxes = {}
            box = boxes[k] = mailbox.mbox(k)
            box.lock()
            boxes[k].add(msg)
            box.unlock()
            boxes[k].add(msg)
    """)
    assert (7, "boxes[k]", "add", "locked") in ops
    assert (9, "boxes[k]", "add", "unlocked") in ops


def test_a_loop_that_locks_each_entry_leaves_them_all_locked():
    ops = box_ops("""
        import mailbox
        def deliver(msg):
            boxes = {"a": mailbox.mbox("a"), "b": mailbox.mbox("b")}
            for box in boxes.values():
                box.lock()
            boxes["b"].add(msg)
    """)
    assert (7, "boxes['b']", "add", "locked") in ops


def test_a_rebound_subscript_is_any_entry_and_unreported_when_they_differ():
    source = """
        import mailbox
        def deliver(msg, names):
            boxes = {"a": mailbox.mbox("a"), "b": mailbox.mbox("b")}
            boxes["a"].lock()
            name = names[0]
            boxes[name].add(msg)
    """
    assert not [op for op in box_ops(source) if op[0] == 7]
    # all unlocked: whichever entry it is, it is unlocked
    assert (7, "boxes[name]", "add", "unlocked") in box_ops(source.replace('boxes["a"].lock()', "pass"))


def test_a_container_handed_to_a_call_or_not_made_here_is_not_followed():
    handed = box_ops("""
        import mailbox
        def deliver(msg):
            boxes = {"a": mailbox.mbox("a")}
            prepare(boxes)
            boxes["a"].add(msg)
    """)
    given = box_ops("""
        import mailbox
        def deliver(boxes, msg):
            boxes["a"] = mailbox.mbox("a")
            boxes["a"].add(msg)
    """)
    assert handed == [] and given == []


def test_a_container_holding_anything_else_is_not_followed():
    assert box_ops("""
        import mailbox
        def deliver(msg):
            boxes = {"a": mailbox.mbox("a"), "log": open("log", "a")}
            boxes["a"].add(msg)
    """) == []

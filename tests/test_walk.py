"""The abstract walk's control flow, observed through the lock state it hands to events."""

import ast
import sys
import textwrap

import pytest

from mboxlint.analysis import analyse
from mboxlint.analysis.events import BoxOp, FileOpen, FileRename
from mboxlint.analysis.state import LOCKED, MAYBE, UNLOCKED


def lock_states(source: str, op: str = "add"):
    module = analyse(ast.parse(textwrap.dedent(source)))
    return [e.fact.lock for e in module.events_of(BoxOp) if e.op == op]


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
    unlocks = [e for e in module.events_of(BoxOp) if e.op == "unlock"]
    # box is a module global not locked in f's module scope... f locks it: tracked in f.
    assert [e.fact.lock for e in unlocks] == [LOCKED]


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


# -- path keys ------------------------------------------------------------------------

from mboxlint.analysis.pathkey import MAX_FLAT_PARTS, call_key, const_key, name_key  # noqa: E402


def _path_keys(source: str, kind: type = FileOpen):
    module = analyse(ast.parse(textwrap.dedent(source)))
    return [e.path for e in module.events_of(kind)]


def test_path_keys_are_interned_values():
    d, x = name_key("d"), const_key("x")
    assert call_key("join", [d, x]) is call_key("join", [d, x])
    assert call_key("join", [call_key("join", [d, x]), x]) is call_key("join", [d, x, x])
    assert str(call_key("join", [d, x])) == "join(d,'x')"
    assert call_key("concat", [d]) is d
    for key in (call_key("concat", []), call_key("dirname", [call_key("join", [d, x])]), const_key(b"y")):
        assert key.size == len(str(key)) == len(key.prefix(1000))


def test_spellings_of_one_path_have_one_key():
    source = """
        import os
        from pathlib import Path
        def f(d):
            open(Path(d) / "x" / "y")
            open(os.path.join(d, "x", "y"))
            p = os.path.join(os.path.join(d, "x"), "y")
            open(str(p))
    """
    first, second, third = _path_keys(source)
    assert first is second is third
    assert str(first) == "join(d,'x','y')"


def test_a_reused_name_does_not_grow_its_key():
    lines = ["import os", "def f(p0):"]
    lines += ["    p%d = p%d + p%d" % (i + 1, i, i) for i in range(60)]
    lines += ["    open(p60)"]
    (key,) = _path_keys("\n".join(lines) + "\n")
    assert key.size > 2 ** 60  # the spelling would be astronomically long...
    assert sum(1 for _ in key.subkeys()) < 200  # ...but the key shares its parts
    assert len(key.parts) <= MAX_FLAT_PARTS
    assert len(str(key)) <= 400 and key.spell(60).endswith("...") and len(key.spell(60)) == 60
    assert key.roots == frozenset({"p0"})


def test_rebinding_a_name_forgets_its_guard():
    source = """
        import os
        def f(p, make):
            if os.path.exists(p):
                open(p)
                p = make()
                open(p)
    """
    module = analyse(ast.parse(textwrap.dedent(source)))
    guarded, rebound = module.events_of(FileOpen)
    assert guarded.path is rebound.path and str(rebound.path) == "p"
    assert guarded.guard is not None and rebound.guard is None


def test_path_keys_survive_pickling_as_the_same_key():
    import pickle

    key = call_key("join", [name_key("self._path"), const_key(".lock")])
    assert pickle.loads(pickle.dumps(key)) is key


# -- the persistent state, against a plain dict ----------------------------------------------

import random  # noqa: E402

from mboxlint.analysis.pathkey import PathKey  # noqa: E402
from mboxlint.analysis.paths import May, Must  # noqa: E402
from mboxlint.analysis.state import Joiner, State, join, join_all  # noqa: E402


def _model_join(a, b):
    merged = {}
    for key, fact in a.items():
        other = b.get(key)
        merged[key] = fact if other == fact else fact.join(other)
    for key, fact in b.items():
        if key not in a:
            merged[key] = fact.join(None)
    return {k: v for k, v in merged.items() if v is not None}


def _model_of(state: State, refs, domains):
    return {(d, r): state.get(d, r) for d in domains for r in refs if state.get(d, r) is not None}


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("size", [5, 40, 300])
def test_states_behave_as_dicts_of_facts_whatever_their_size(size, seed):
    """Small states are dicts, large ones hash tries: copies, changes, rebinding, joins,
    equality and incremental joins must agree with a plain dict at every size."""
    rng = random.Random(seed)
    names = ["v%d" % i for i in range(size)]
    built = [call_key("join", [name_key(n), const_key("x")]) for n in names[:10]]
    refs = names + [n + ".attr" for n in names[:20]] + built
    domains = ["a", "b"]
    states, models = [State()], [{}]
    joiner, joined_model = Joiner(), None
    for _ in range(600):
        i = rng.randrange(len(states))
        state, model = states[i], models[i]
        action = rng.random()
        if action < 0.5:
            domain, ref = rng.choice(domains), rng.choice(refs)
            fact = rng.choice([Must, May])(rng.randrange(3))  # facts dropped or kept by a join
            state.set(domain, ref, fact)
            model[(domain, ref)] = fact
        elif action < 0.6:
            domain, ref = rng.choice(domains), rng.choice(refs)
            state.discard(domain, ref)
            model.pop((domain, ref), None)
        elif action < 0.68:
            name = rng.choice(names)
            state.forget_ref(name)
            for key in [k for k in model if isinstance(k[1], str) and (k[1] == name or k[1].startswith(name + "."))]:
                del model[key]
            for key in [k for k in model if isinstance(k[1], PathKey) and k[1].ref == name]:
                del model[key]
        elif action < 0.8:
            states.append(state.copy())
            models.append(dict(model))
        elif action < 0.92:
            j = rng.randrange(len(states))
            result = join(state, states[j])
            expected = _model_join(model, models[j])
            assert _model_of(result, refs, domains) == expected
            assert (result == state) == (expected == model)
            states.append(result)
            models.append(expected)
        else:
            joiner.add(state)
            joined_model = dict(model) if joined_model is None else _model_join(joined_model, model)
            assert _model_of(joiner.joined, refs, domains) == joined_model
        assert _model_of(state, refs, domains) == model
        assert sorted(map(repr, state.items("a"))) == sorted(repr((r, f)) for (d, r), f in model.items() if d == "a")
    for state, model in zip(states, models):
        assert _model_of(state, refs, domains) == model
    expected = None
    for model in models:
        expected = dict(model) if expected is None else _model_join(expected, model)
    assert _model_of(join_all(states), refs, domains) == expected


def test_events_of_takes_an_event_class():
    module = analyse(ast.parse("open('x')\n"))
    assert [type(e) for e in module.events_of(FileOpen)] == [FileOpen]
    with pytest.raises(TypeError):
        module.events_of("file-open")


LOCKED_IN_ANOTHER_METHOD = """\
import fcntl, os
class Store:
    def save(self, data):
        with open(self.path + ".tmp", "w") as f:
            f.write(data)
        os.replace(self.path + ".tmp", self.path)
    def attach(self):
        self.handle = open(self.path, "a")
    def acquire(self):
        fcntl.lockf(self.handle, fcntl.LOCK_EX)
"""


@pytest.mark.parametrize("gate", [False, True], ids=["every-scope", "scopes-with-triggers"])
def test_a_rename_learns_that_its_target_is_locked_in_another_method(gate):
    # The method that takes the lock names no path: it is found even when only the scopes
    # holding a file word are walked.
    module = analyse(ast.parse(LOCKED_IN_ANOTHER_METHOD), text=LOCKED_IN_ANOTHER_METHOD if gate else None)
    (rename,) = module.events_of(FileRename)
    assert str(rename.dst) == "self.path"
    assert rename.dst_locked == 10 and rename.src_locked is None


def test_a_lock_taken_in_a_loop_and_a_finally_is_noted_once_per_call():
    source = """\
import fcntl, os
class Store:
    def save(self, data):
        os.replace(self.path + ".tmp", self.path)
    def attach(self):
        self.handle = open(self.path, "a")
        for attempt in range(3):
            try:
                fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX)
            finally:
                pass
"""
    (rename,) = analyse(ast.parse(source), text=source).events_of(FileRename)
    assert rename.dst_locked == 9


def test_a_lock_in_a_method_defined_under_an_if_of_the_class_body_is_not_the_class_lock():
    source = LOCKED_IN_ANOTHER_METHOD.replace("    def acquire(self):", "    if DEBUG:\n      def acquire(self):")
    (rename,) = analyse(ast.parse(source), text=source).events_of(FileRename)
    assert rename.dst_locked is None

"""Shared test helpers: where things are, and how to run the engine on a snippet."""

import gc
import os
import re
import subprocess
import sys
import textwrap
import time

from mboxlint.config import Selection
from mboxlint.engine import check_source

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "fixtures")
EVERY_RULE = Selection(select=["MBX"])


def findings(code: str, selection: Selection = EVERY_RULE):
    """Findings of every rule (MBX9 included) for a dedented snippet; a parse failure fails."""
    result = check_source(textwrap.dedent(code), "<example>", selection)
    assert result.error is None, result.error
    return result.findings


def marked_lines(code: str, rule_code: str):
    """Lines of an example that end with a ``# MBXnnn`` marker for ``rule_code``."""
    pattern = re.compile(r"#\s*%s\b" % rule_code)
    return {number for number, line in enumerate(textwrap.dedent(code).splitlines(), 1) if pattern.search(line)}


def fixture_files():
    """Every fixture scenario (``fixtures/<family>/<name>.py``), sorted; not the expected
    outputs of ``--fix`` (``<name>.fixed.py``, ``<name>.unsafe-fixed.py``) beside them."""
    found = []
    for root, _dirs, files in os.walk(FIXTURES):
        for name in files:
            if name.endswith(".py") and not name.endswith((".fixed.py", ".unsafe-fixed.py")):
                found.append(os.path.join(root, name))
    return sorted(found)


def read_expected(path: str):
    """The ``LINE:COL: CODE`` lines written next to a fixture."""
    expected = path[: -len(".py")] + ".expected"
    with open(expected, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip()]


def run_cli(*args, cwd=None, input=None):
    """Run ``python -m mboxlint`` in a subprocess; returns the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", "mboxlint", *args],
        cwd=cwd or ROOT,
        input=input,
        capture_output=True,
        text=True,
        timeout=300,
    )


#: a file whose lock, add, unlock has two safe fixes: MBX103 (try/finally) and MBX102 (flush;
#: safe because the close() right after the unlock wrote the change anyway)
FIXABLE = textwrap.dedent(
    """\
    import mailbox


    def deliver(path, message):
        box = mailbox.mbox(path)
        box.lock()
        box.add(message)
        box.unlock()
        box.close()
    """
)

#: FIXABLE after its two safe fixes (MBX103's try/finally, MBX102's flush before the unlock)
FIXABLE_FIXED = textwrap.dedent(
    """\
    import mailbox


    def deliver(path, message):
        box = mailbox.mbox(path)
        box.lock()
        try:
            box.add(message)
            box.flush()
        finally:
            box.unlock()
        box.close()
    """
)


def count_fixes(monkeypatch):
    """The paths handed to :func:`mboxlint.fix.fix_source` from now on, in order, by this
    process or the child processes ``--fix`` runs libcst in (a list-like view of a file)."""
    import tempfile

    from mboxlint import fix as fix_module

    handle, log = tempfile.mkstemp(prefix="mboxlint-fixes-")
    os.close(handle)
    calls = _LoggedCalls(log)
    real = fix_module.fix_source

    def counting(text, path="<unknown>", *args, **kwargs):
        with open(log, "a", encoding="utf-8") as out:
            out.write(path + "\n")
        return real(text, path, *args, **kwargs)

    monkeypatch.setattr(fix_module, "fix_source", counting)
    return calls


class _LoggedCalls:
    def __init__(self, log):
        self.log = log

    def _items(self):
        with open(self.log, encoding="utf-8") as handle:
            return handle.read().splitlines()

    def __eq__(self, other):
        return self._items() == list(other)

    def __len__(self):
        return len(self._items())

    def __iter__(self):
        return iter(self._items())

    def __repr__(self):
        return repr(self._items())

    def __del__(self):
        try:
            os.unlink(self.log)
        except OSError:
            pass


#: a user and group no file of the machine belongs to, for tests of other users' files
OTHER_UID, OTHER_GID = 54321, 54322


def let_anyone_in(path) -> None:
    """Make ``path`` and every folder above it searchable by anyone (pytest's own temporary
    folders are root's alone), so that another user can reach what is inside."""
    walk = str(path)
    while walk != os.path.dirname(walk):
        os.chmod(walk, os.stat(walk).st_mode | 0o111)
        walk = os.path.dirname(walk)


def as_another_user(function, groups=()):
    """Run ``function()`` in a forked child as OTHER_UID (when we are root; else as
    ourselves, who are another user already), its group OTHER_GID; returns
    ``(exit status, the text it returned)``. Modules it needs must be imported already:
    the other user may not be able to read the interpreter's files."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        status = 70
        try:
            os.close(read_end)
            if os.geteuid() == 0:
                os.setgroups(list(groups))
                os.setgid(OTHER_GID)
                os.setuid(OTHER_UID)
            said = function()
            os.write(write_end, said.encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    chunks = []
    while True:
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_end)
    _pid, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode()


def growth(check, make, n, limit=2.8, rounds=5):
    """``(time of check(make(2 * n)) / time of check(make(n)), result of the larger)``: the
    least CPU time of each, from pairs measured one after the other, with the collector off
    (its passes grow with whatever earlier tests left on the heap, not with the input). The
    CPU of a shared virtual machine runs at times half as fast for a while: pairs put such a
    spell on both sides alike, and a ratio over ``limit`` is measured again, three pairs a
    round up to ``rounds`` rounds, the least times of all counting. Cost that grows faster
    than the input shows in every round."""
    def timed(text):
        gc.collect()
        gc.disable()
        try:
            start = time.process_time()
            result = check(text)
            return time.process_time() - start, result
        finally:
            gc.enable()

    small_text, large_text = make(n), make(2 * n)
    timed(small_text)  # warm-up
    small = large = float("inf")
    result = None
    for _ in range(rounds):
        for _ in range(3):
            small = min(small, timed(small_text)[0])
            seconds, result = timed(large_text)
            large = min(large, seconds)
        if large / max(small, 1e-3) <= limit:
            break
    return large / max(small, 1e-3), result

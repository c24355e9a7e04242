"""Safe fixes keep behaviour: small programs run before and after ``--fix`` (and ``--fix
--unsafe-fixes``) under many file-system states, in subprocesses with a timeout.

Each program defines ``main(p, src)``: ``p`` is the file it works on, ``src`` a regular file
beside it (a hard link of ``p`` in the "hardlink" state). What is compared, per state: the
return value, the type of the exception that escaped and of its ``__context__``, stdout (where
handlers print what ``sys.exc_info()`` shows them), and the tree left behind (kinds, link
targets, contents, which names share an inode). A safe fix must match the original in every
state; an unsafe one only has to run.
"""

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

from mboxlint.fix import fix_source
from mboxlint.selection import Selection

EVERY_RULE = Selection(select=["MBX"])

#: the states ``p`` starts in
STATES = ("missing", "file", "dir", "dangling", "linkdir", "linkfile", "parentfile", "hardlink", "readonly")

#: runs one program under every state and prints what it saw, as JSON
RUNNER = r'''
import contextlib, io, json, os, re, shutil, stat, sys, tempfile

STATES = %(states)r


def setup(state, root):
    p, src = os.path.join(root, "t"), os.path.join(root, "src")
    with open(src, "w") as handle:
        handle.write("new")
    os.mkdir(os.path.join(root, "d"))
    with open(os.path.join(root, "d", "inside"), "w") as handle:
        handle.write("kept")
    if state in ("file", "readonly"):
        with open(p, "w") as handle:
            handle.write("From a\n\nold\n")
    elif state == "dir":
        os.mkdir(p)
        with open(os.path.join(p, "inside"), "w") as handle:
            handle.write("kept")
    elif state == "dangling":
        os.symlink("gone", p)
    elif state == "linkdir":
        os.symlink("d", p)
    elif state == "linkfile":
        with open(os.path.join(root, "f"), "w") as handle:
            handle.write("From b\n\nlinked to\n")
        os.symlink("f", p)
    elif state == "parentfile":
        with open(os.path.join(root, "pf"), "w") as handle:
            handle.write("a file")
        p = os.path.join(root, "pf", "t")
    elif state == "hardlink":
        os.remove(src)
        with open(p, "w") as handle:
            handle.write("linked")
        os.link(p, src)
    if state == "readonly":
        os.chmod(root, 0o555)
    return p, src


_RANDOM = re.compile(r"tmp[a-z0-9_]{6,}")


def tree(root):
    found, inodes = {}, {}
    for folder, dirs, files in os.walk(root):
        for name in sorted(dirs + files):
            path = os.path.join(folder, name)
            key = _RANDOM.sub("tmpXXXX", os.path.relpath(path, root))
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                found[key] = ["link", os.readlink(path)]
            elif stat.S_ISDIR(info.st_mode):
                found[key] = ["dir"]
            else:
                with open(path, "rb") as handle:
                    found[key] = ["file", handle.read().decode("latin-1")]
                inodes.setdefault(info.st_ino, []).append(key)
    shared = sorted(sorted(names) for names in inodes.values() if len(names) > 1)
    return {"entries": found, "hardlinks": shared}


def run(code, state):
    root = tempfile.mkdtemp(prefix="behaviour-")
    p, src = setup(state, root)
    out = io.StringIO()
    result = {"state": state}
    try:
        namespace = {"__name__": "program", "P": p, "SRC": src}
        with contextlib.redirect_stdout(out):
            try:
                exec(compile(code, "program.py", "exec"), namespace)
                main = namespace.get("main")
                value = main(p, src) if main is not None else namespace.get("RESULT")
                # an object's default repr names its address, which differs run to run
                result["returned"] = re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))
            except BaseException as error:  # what escapes is part of the behaviour
                context = error.__context__
                result["raised"] = [type(error).__name__, type(context).__name__ if context else None]
        result["stdout"] = out.getvalue()
        result["tree"] = tree(root)
    finally:
        os.chmod(root, 0o755)
        shutil.rmtree(root, ignore_errors=True)
    return result


code = open(sys.argv[1]).read()
print(json.dumps([run(code, state) for state in sys.argv[2:]]))
'''


def states():
    """The states that mean something here: as root, a read-only folder stops nothing."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        print("behaviour suite: the read-only state is skipped: running as root, which writes anyway")
        return [s for s in STATES if s != "readonly"]
    return list(STATES)


def observe(code, tmp_path, name, stale_locks=True):
    """What ``code`` does in every state, one subprocess per program version. Without
    ``stale_locks``, dot-lock files left behind are not part of the tree: a crash that left
    one is the very race MBX103's fix closes."""
    program = tmp_path / ("%s.py" % name)
    program.write_text(code)
    runner = tmp_path / "runner.py"
    if not runner.exists():
        runner.write_text(RUNNER % {"states": STATES})
    done = subprocess.run([sys.executable, str(runner), str(program)] + states(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    if not stale_locks:
        for outcome in seen:
            entries = outcome.get("tree", {}).get("entries", {})
            for key in [k for k in entries if k.endswith(".lock")]:
                del entries[key]
    return seen


def fixed(code, unsafe):
    result = fix_source(code, "program.py", EVERY_RULE, unsafe=unsafe)
    assert result.error is None and not result.problems, result.problems
    return result


# -- the programs ------------------------------------------------------------------------
# Each names the fixes it exercises; SAFE lists the codes whose safe fix must apply to it
# (so the suite proves it met that fixer), () where no safe fix should apply.

PROGRAMS = {
    "open-under-exists": (("MBX301",), """
        import os
        def main(p, src):
            if os.path.exists(p):
                with open(p) as f:
                    return f.read()
            else:
                return None
        """),
    "open-in-return": (("MBX301",), """
        import os
        def main(p, src):
            if os.path.exists(p):
                return open(p).read()
            return "none"
        """),
    "open-else-in-handler": ((), """
        import os, sys
        def main(p, src):
            try:
                raise KeyError("outer")
            except KeyError:
                if os.path.exists(p):
                    with open(p) as f:
                        data = f.read()
                else:
                    print("handling", sys.exc_info()[0].__name__)
                    data = None
            return data
        """),
    "open-else-raises": ((), """
        import os
        def main(p, src):
            if os.path.exists(p):
                with open(p) as f:
                    return f.read()
            else:
                raise LookupError(p)
        """),
    "open-after-str-that-raises": ((), """
        import os
        class Odd:
            def __str__(self):
                raise ValueError("odd")
        def main(p, src):
            if os.path.exists(p):
                label = str(Odd())
                with open(p) as f:
                    return label + f.read()
            return "none"
        """),
    "open-nested-keeps-file-open": ((), """
        import json, os
        def main(p, src):
            if os.path.exists(p):
                data = len(open(p).read())
            else:
                data = 0
            return data
        """),
    "open-module-level": ((), """
        import os
        if os.path.exists(P):
            DATA = open(P).read()
        else:
            DATA = None
        RESULT = DATA
        """),
    "open-suppress-shadowed-by-a-parameter": (("MBX301",), """
        import os
        from pathlib import Path
        def main(p, src, suppress=print):
            if os.path.exists(p):
                text = Path(p).read_text()
            suppress("done")
        """),
    # -- a name the fix reuses must name the same object at the site ------------------------
    "open-imported-suppress-shadowed-by-a-parameter": (("MBX301",), """
        import os
        from contextlib import suppress
        from pathlib import Path
        def main(p, src, suppress=print):
            if os.path.exists(p):
                text = Path(p).read_text()
            suppress("done")
        """),
    "remove-imported-suppress-shadowed-by-a-local": (("MBX302",), """
        import os
        from contextlib import suppress
        def main(p, src):
            suppress = []
            if os.path.lexists(p):
                os.remove(p)
            suppress.append("done")
            return suppress
        """),
    "remove-imported-suppress-rebound-globally": (("MBX302",), """
        import os
        from contextlib import suppress
        def main(p, src):
            if os.path.lexists(p):
                os.remove(p)
            return suppress("ab")
        suppress = len
        """),
    "remove-imported-suppress-shadowed-in-an-enclosing-function": (("MBX302",), """
        import os
        from contextlib import suppress
        def main(p, src, suppress=len):
            def clean():
                if os.path.lexists(p):
                    os.remove(p)
                return suppress("abc")
            return clean()
        """),
    "remove-imported-contextlib-shadowed-by-a-parameter": (("MBX302",), """
        import os
        import contextlib
        def main(p, src, contextlib=None):
            if os.path.lexists(p):
                os.unlink(p)
            return contextlib
        """),
    "remove-suppress-imported-below-top-level-code": (("MBX302",), """
        import os
        if os.path.lexists(P):
            os.remove(P)
        from contextlib import suppress
        RESULT = os.path.lexists(P)
        """),
    "remove-in-a-class-body-naming-suppress": (("MBX302",), """
        import os
        from contextlib import suppress
        class Cleaner:
            suppress = "an attribute"
            if os.path.lexists(P):
                os.remove(P)
        RESULT = Cleaner.suppress
        """),
    "remove-in-a-method-of-a-class-naming-suppress": (("MBX302",), """
        import os
        from contextlib import suppress
        class Cleaner:
            suppress = "an attribute"
            def clean(self, p):
                if os.path.lexists(p):
                    os.remove(p)
                return self.suppress
        def main(p, src):
            return Cleaner().clean(p)
        """),
    "open-with-file-not-found-error-rebound": (("MBX301",), """
        import os
        FileNotFoundError = KeyError
        def main(p, src):
            if os.path.exists(p):
                with open(p) as f:
                    return f.read()
            return "none"
        """),
    "replace-with-os-shadowed-by-a-parameter": (("MBX305",), """
        import os
        import tempfile
        from os import remove, rename
        def main(p, src, os=None):
            fd, tmp = tempfile.mkstemp(dir=src + "-dir" if os else None)
            with open(fd, "w") as f:
                f.write("new")
            try:
                remove(p)
            except FileNotFoundError:
                pass
            rename(tmp, p)
            return os
        """),
    "remove-under-lexists": (("MBX302",), """
        import os
        def main(p, src):
            if os.path.lexists(p):
                os.remove(p)
            return "clean"
        """),
    "remove-file-or-tree-under-lexists": (("MBX302",), """
        import os, shutil
        def main(p, src):
            if os.path.lexists(p):
                if os.path.isfile(p):
                    os.remove(p)
                else:
                    shutil.rmtree(p, ignore_errors=True)
            return "clean"
        """),
    "remove-under-exists": ((), """
        import os
        def main(p, src):
            if os.path.exists(p):
                os.remove(p)
            return "clean"
        """),
    "remove-with-a-local-named-suppress": (("MBX302",), """
        import os
        def main(p, src):
            suppress = []
            if os.path.lexists(p):
                os.remove(p)
            suppress.append("done")
            return suppress
        """),
    "remove-with-a-global-named-suppress": (("MBX302",), """
        import os
        suppress = "not contextlib's"
        def main(p, src):
            if os.path.lexists(p):
                os.unlink(p)
            return suppress
        """),
    "mkdir-under-not-lexists": (("MBX302",), """
        import os
        def main(p, src):
            if not os.path.lexists(p):
                os.mkdir(p)
            return os.path.isdir(p)
        """),
    "mkdir-under-not-exists": ((), """
        import os
        def main(p, src):
            if not os.path.exists(p):
                os.mkdir(p)
            return "made"
        """),
    "makedirs-under-not-isdir": (("MBX302",), """
        import os
        def main(p, src):
            if not os.path.isdir(p):
                os.makedirs(p)
            return "ready"
        """),
    "makedirs-under-not-exists": ((), """
        import os
        def main(p, src):
            if not os.path.exists(p):
                os.makedirs(os.path.join(p, "sub"))
            return "ready"
        """),
    "rmtree-under-isdir": ((), """
        import os, shutil
        def main(p, src):
            if os.path.isdir(p):
                shutil.rmtree(p)
            return "gone"
        """),
    "rmdir-under-isdir": ((), """
        import os
        def main(p, src):
            if os.path.isdir(p):
                os.rmdir(os.path.join(p))
            return "gone"
        """),
    "replace-after-removal-of-a-fresh-temp": (("MBX305",), """
        import os, tempfile
        def main(p, src):
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(p))
            with os.fdopen(fd, "w") as f:
                f.write("fresh")
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass
            os.rename(tmp, p)
            return "saved"
        """),
    "replace-keeps-the-list-removal": ((), """
        import os
        def main(p, src):
            seen = [p, "other"]
            try:
                os.unlink(p)
            except OSError:
                pass
            seen.remove(p)
            os.rename(src, p)
            return seen
        """),
    "replace-of-a-given-source": ((), """
        import os
        def main(p, src):
            if os.path.exists(p):
                os.remove(p)
            os.rename(src, p)
            return "moved"
        """),
    "mailbox-region": (("MBX102", "MBX103"), """
        import mailbox
        def main(p, src):
            box = mailbox.mbox(p)
            box.lock()
            box.add("From x\\n\\nnew\\n")
            box.unlock()
            box.close()
            return "delivered"
        """),
    "mailbox-region-that-fails": (("MBX102", "MBX103"), """
        import mailbox
        def main(p, src):
            box = mailbox.mbox(p)
            box.lock()
            box.add(object())
            box.unlock()
            box.close()
        """),
    "mailbox-handler-uses-the-lock": ((), """
        import mailbox
        def main(p, src):
            box = mailbox.mbox(p)
            try:
                box.lock()
                box.add(object())
                box.unlock()
            except TypeError:
                print("locked in the handler:", box._locked)
                box.add("From q\\n\\nquarantined\\n")
                box.flush()
                box.unlock()
            box.close()
        """),
    "untyped-mailbox-region": (("MBX103",), """
        import mailbox
        def open_box(p, factory=mailbox.mbox):
            return factory(p)
        def main(p, src):
            box = open_box(p)
            box.lock()
            box.add("From x\\n\\nnew\\n")
            box.flush()
            box.unlock()
            box.close()
            return "delivered"
        """),
    "untyped-mailbox-region-that-fails": (("MBX103",), """
        import mailbox
        def open_box(p, factory=mailbox.mbox):
            return factory(p)
        def main(p, src):
            box = open_box(p)
            box.lock()
            box.add(object())
            box.flush()
            box.unlock()
            box.close()
        """),
    "mailbox-nothing-flushes-later": ((), """
        import mailbox
        def main(p, src):
            box = mailbox.mbox(p)
            box.lock()
            try:
                box.add("From x\\n\\nnever written\\n")
            finally:
                box.unlock()
            return "dropped"
        """),
}


def _program(name):
    return textwrap.dedent(PROGRAMS[name][1])


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_safe_fix_keeps_behaviour_in_every_state(name, tmp_path):
    code = _program(name)
    safe = fixed(code, unsafe=False)
    applied = {f.code for f in safe.initial} - {f.code for f in safe.remaining}
    assert applied == set(PROGRAMS[name][0]), (applied, safe.text)
    stale_locks = "MBX103" not in applied
    before = observe(code, tmp_path, "before", stale_locks)
    # the program itself does something different in different states
    assert len({json.dumps(seen, sort_keys=True) for seen in before}) > 1
    if safe.changed:
        after = observe(safe.text, tmp_path, "after", stale_locks)
        for old, new in zip(before, after):
            assert old == new, (old["state"], safe.text)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_an_unsafe_fix_still_runs(name, tmp_path):
    code = _program(name)
    unsafe = fixed(code, unsafe=True)
    if unsafe.changed:
        compile(unsafe.text, "program.py", "exec")
        assert len(observe(unsafe.text, tmp_path, "unsafe")) == len(states())


def test_every_safe_fixer_meets_the_suite():
    from mboxlint.fixes import FIXERS
    from mboxlint.rules import all_rules

    safe_fixers = {rule.code for rule in all_rules() if rule.fix_available() in ("safe", "sometimes")}
    assert safe_fixers <= set(FIXERS)
    met = {code for codes, _ in PROGRAMS.values() for code in codes}
    assert met == safe_fixers


# -- no new pyflakes warning ---------------------------------------------------------------


def _pyflakes(text):
    """pyflakes' messages for ``text``, without their line numbers (a fix moves lines)."""
    import io

    from pyflakes.api import check
    from pyflakes.reporter import Reporter

    out = io.StringIO()
    check(text, "program.py", Reporter(out, io.StringIO()))
    return {re.sub(r"line \d+", "line N", line.split(":", 3)[-1].strip()) for line in out.getvalue().splitlines()}


def _fixable_texts():
    from mboxlint.rules import all_rules
    from mboxlint.source import read_source
    from support import fixture_files

    for path in fixture_files():
        yield os.path.basename(path), read_source(path).text, EVERY_RULE
    for rule in all_rules():
        for index, example in enumerate(rule.invalid_examples()):
            yield "%s-%d" % (rule.code, index), textwrap.dedent(example.code), Selection(select=[rule.code])
    for name in PROGRAMS:
        yield name, _program(name), EVERY_RULE


def test_no_fix_leaves_a_new_pyflakes_warning():
    # An unused import or variable left behind fails the user's own flake8 gate after --fix.
    new = []
    for name, text, selection in _fixable_texts():
        for unsafe in (False, True):
            result = fix_source(text, name, selection, unsafe=unsafe)
            if result.changed:
                added = _pyflakes(result.text) - _pyflakes(text)
                if added:
                    new.append((name, unsafe, sorted(added)))
    assert new == []

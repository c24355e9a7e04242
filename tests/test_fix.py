"""``--fix`` in process: the rules' fixed examples, the fixtures' fixed files, and the edges
(encodings, line endings, libcst refusals, rejected fixes, atomic writes)."""

import os
import stat
import subprocess
import sys
import textwrap

import libcst as cst
import pytest
from libcst.codemod import CodemodContext

from mboxlint import fix as fix_module
from mboxlint.config import Selection
from mboxlint.engine import check_source
from mboxlint.fix import fix_file, fix_source
from mboxlint.fixes import FIXERS, allowed
from mboxlint.fixes.base import Fixer, char_column
from mboxlint.rules import all_rules
from mboxlint.source import decode

from support import EVERY_RULE, FIXABLE, FIXABLE_FIXED, FIXTURES, ROOT, fixture_files

LOCKED_REGION = FIXABLE
LOCKED_REGION_FIXED = FIXABLE_FIXED


def codes(text):
    result = check_source(text, "<fixed>", EVERY_RULE)
    assert result.error is None, result.error
    return [f.code for f in result.findings]


# -- every rule's INVALID examples with a ``fixed`` form --------------------------------


def _fixed_examples():
    for rule in all_rules():
        for index, example in enumerate(rule.invalid_examples()):
            if example.fixed is not None:
                yield pytest.param(rule, example, id="%s-%d" % (rule.code, index))


FIXED_EXAMPLES = list(_fixed_examples())


def test_every_fixable_rule_shows_its_fix():
    fixable = {r.code for r in all_rules() if r.fix_available()}
    shown = {p.values[0].code for p in FIXED_EXAMPLES}
    assert fixable <= shown
    assert fixable <= set(FIXERS), "a rule with a fix safety has no fixer"


def test_pending_fixes_are_exactly_the_rules_without_a_fixer():
    from mboxlint.rules.base import FIX_PENDING

    spec_fixable = {r.code for r in all_rules() if r.fix_safety}
    assert FIX_PENDING == spec_fixable - set(FIXERS)


@pytest.mark.parametrize("rule, example", FIXED_EXAMPLES)
def test_invalid_example_is_fixed_exactly(rule, example):
    # The example shows this rule's fix alone; fixtures show rules' fixes together.
    code, expected = textwrap.dedent(example.code), textwrap.dedent(example.fixed)
    only = Selection(select=[rule.code])
    result = fix_source(code, "<example>", only, unsafe=example.unsafe)
    assert result.problems == []
    assert result.text == expected
    assert rule.code not in codes(result.text)
    again = fix_source(result.text, "<example>", only, unsafe=example.unsafe)
    assert again.text == result.text and again.fixed == 0
    if example.unsafe:
        assert fix_source(code, "<example>", only, unsafe=False).text != expected


def _unfixed_examples():
    for rule in all_rules():
        for index, example in enumerate(rule.invalid_examples()):
            if example.fixed is None:
                yield pytest.param(rule, example, id="%s-%d" % (rule.code, index))


UNFIXED_EXAMPLES = list(_unfixed_examples())


@pytest.mark.parametrize("rule, example", UNFIXED_EXAMPLES)
def test_invalid_example_without_a_pinned_fix_comes_out_unchanged(rule, example):
    # Every rewrite a rule's example gets is pinned with ``fixed=``: any other is a surprise.
    code = textwrap.dedent(example.code)
    for unsafe in (False, True):
        result = fix_source(code, "<example>", Selection(select=[rule.code]), unsafe=unsafe)
        assert result.text == code and result.fixed == 0


def test_region_left_by_return_is_not_wrapped():
    code = textwrap.dedent(
        """\
        import mailbox
        def first(path):
            box = mailbox.mbox(path)
            box.lock()
            if not len(box):
                return None
            box.unlock()
        """
    )
    result = fix_source(code, "<example>", EVERY_RULE)
    assert result.text == code and result.fixed == 0 and result.problems == []
    assert [f.code for f in result.remaining] == ["MBX103"]


UNWRAPPABLE = {
    "loop-else-breaks-the-outer-loop": """
        for message in messages:
            box.lock()
            for part in message:
                box.add(part)
            else:
                break
            box.unlock()
    """,
    "unlock-in-a-branch": """
        box.lock()
        box.add(messages[0])
        if messages:
            box.unlock()
    """,
    "on-one-line": """
        box.lock(); box.add(messages[0]); box.unlock()
    """,
    "closed-not-unlocked": """
        box.lock()
        box.add(messages[0])
        box.close()
    """,
}


@pytest.mark.parametrize("body", UNWRAPPABLE.values(), ids=list(UNWRAPPABLE))
def test_lock_whose_region_cannot_be_wrapped_offers_no_fix(body):
    code = "import mailbox\ndef f(path, messages):\n    box = mailbox.mbox(path)\n" + \
        textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"
    assert [f.fix for f in check_source(code, "<example>", EVERY_RULE).findings if f.code == "MBX103"] == [None]
    # With a jump that stays inside the region, or the unlock on its own line, it has one.
    wrappable = code.replace("break", "pass").replace("; ", "\n    ")
    if "close" not in code and "if messages" not in code:
        result = fix_source(wrappable, "<example>", EVERY_RULE)
        assert "finally:" in result.text and "MBX103" not in [f.code for f in result.remaining]


def test_flush_goes_before_a_final_return_of_the_try_body():
    code = textwrap.dedent(
        """\
        import mailbox
        def size(path, message):
            box = mailbox.mbox(path)
            box.lock()
            try:
                box.add(message)
                return len(box)
            finally:
                box.unlock()
        """
    )
    # unsafe: nothing after the unlock writes the change, which the flush now does
    text = fix_source(code, "<example>", EVERY_RULE, unsafe=True).text
    assert "        box.add(message)\n        box.flush()\n        return len(box)\n" in text
    assert codes(text) == []


def test_no_flush_at_the_end_of_a_try_body_left_early():
    # The return skips a flush appended to the body, so the finding would stay.
    code = textwrap.dedent(
        """\
        import mailbox
        def f(path, key, verbose):
            box = mailbox.mbox(path)
            box.lock()
            try:
                box.remove(key)
                if verbose:
                    return
                print(key)
            finally:
                box.unlock()
        """
    )
    result = fix_source(code, "<example>", EVERY_RULE, unsafe=True)
    assert result.text == code and result.problems == []
    assert [f.code for f in result.remaining] == ["MBX102"]


def test_no_flush_in_the_try_body_for_a_change_made_in_the_finally():
    # The add in the finally comes after any flush the body could end with.
    code = textwrap.dedent(
        """\
        import mailbox
        def f(path, key, message):
            box = mailbox.mbox(path)
            box.lock()
            try:
                box.remove(key)
            finally:
                box.add(message)
                box.unlock()
        """
    )
    result = fix_source(code, "<example>", EVERY_RULE, unsafe=True)
    assert result.text == code and result.problems == []
    assert [f.code for f in result.remaining] == ["MBX102"]


def test_unlock_of_a_mailbox_locked_on_some_paths_offers_no_flush():
    # A flush before that unlock would write while the mailbox may not be locked (MBX101).
    code = textwrap.dedent(
        """\
        import mailbox
        def f(path, ok, msg):
            box = mailbox.mbox(path)
            if ok:
                box.lock()
            box.add(msg)
            box.unlock()
        """
    )
    result = fix_source(code, "<example>", EVERY_RULE, unsafe=True)
    assert result.text == code and result.problems == []
    assert [(f.code, f.fix) for f in result.remaining if f.code == "MBX102"] == [("MBX102", None)]


def test_unlock_in_an_except_handler_gets_no_flush():
    # A flush there would write half-done changes on the error path.
    code = textwrap.dedent(
        """\
        import mailbox
        def f(path, message):
            box = mailbox.mbox(path)
            box.lock()
            try:
                box.add(message)
            except KeyError:
                box.unlock()
                raise
            box.flush()
            box.unlock()
        """
    )
    result = fix_source(code, "<example>", EVERY_RULE)
    assert "except KeyError:\n        box.unlock()\n        raise\n" in result.text
    assert result.text.count("box.flush()") == 1


def test_region_that_already_unlocks_on_some_path_is_not_wrapped():
    # A finally would unlock a second time after the handler's unlock().
    code = textwrap.dedent(
        """\
        import mailbox
        def f(path, message, undo):
            box = mailbox.mbox(path)
            box.lock()
            if undo:
                box.unlock()
                box.lock()
            box.add(message)
            box.flush()
            box.unlock()
        """
    )
    assert "MBX103" in codes(code)
    assert fix_source(code, "<example>", Selection(select=["MBX103"])).text == code


# -- the fixtures ----------------------------------------------------------------------


def _fixable_fixtures():
    for path in fixture_files():
        result = check_source(decode(open(path, "rb").read()).text, path, EVERY_RULE)
        if any(f.fix for f in result.findings):
            yield path


FIXABLE = list(_fixable_fixtures())


def _read(path):
    with open(path, "rb") as handle:
        return handle.read()


def _fixed_bytes(path, unsafe):
    result = fix_file(path, EVERY_RULE, unsafe=unsafe, write=False)
    assert result.error is None
    return result, (result.data if result.changed else _read(path))


def test_there_are_fixable_fixtures():
    assert len(FIXABLE) >= 8


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("path", FIXABLE, ids=[os.path.relpath(p, FIXTURES) for p in FIXABLE])
def test_fixture_is_fixed_exactly(path, unsafe, tmp_path):
    stem = path[: -len(".py")]
    expected_path = stem + ".fixed.py"
    if unsafe and os.path.exists(stem + ".unsafe-fixed.py"):
        expected_path = stem + ".unsafe-fixed.py"
    assert os.path.exists(expected_path), "a fixable fixture needs its fixed output beside it"
    result, data = _fixed_bytes(path, unsafe)
    assert data == _read(expected_path)
    # The fixed file re-lints to exactly what the fix said remains ...
    relinted = check_source(decode(data).text, path, EVERY_RULE).findings
    assert relinted == result.remaining
    # ... with no finding left of a code it fixed.
    fixed_codes = {f.code for f in result.initial} - {f.code for f in result.remaining}
    assert result.fixed == len(result.initial) - len(result.remaining)
    assert not fixed_codes & {f.code for f in relinted}
    # A second run changes nothing.
    copy = tmp_path / os.path.basename(path)
    copy.write_bytes(data)
    again, again_data = _fixed_bytes(str(copy), unsafe)
    assert again_data == data and not again.changed


def _every_source():
    for path in fixture_files():
        yield pytest.param(decode(_read(path)).text, id=os.path.relpath(path, FIXTURES))
    for rule in all_rules():
        for index, example in enumerate(rule.invalid_examples()):
            yield pytest.param(textwrap.dedent(example.code), id="%s-%d" % (rule.code, index))


@pytest.mark.parametrize("text", list(_every_source()))
def test_no_finding_promises_a_fix_that_never_comes(text):
    # Every finding still there after --fix --unsafe-fixes must say it has no fix: one that
    # claims one sends --fix through libcst on every run for nothing.
    result = fix_source(text, "<example>", EVERY_RULE, unsafe=True)
    assert result.problems == []
    assert [(f.line, f.code) for f in result.remaining if f.fix] == []


@pytest.mark.parametrize("path", [p for p in FIXABLE if os.path.basename(p).startswith("fix_")])
def test_dedicated_fix_fixtures_keep_only_unfixable_shapes(path):
    result, _ = _fixed_bytes(path, True)
    assert result.problems == []
    assert result.fixed >= 1


def test_fixtures_keep_their_bytes_conventions():
    # (the flush is inserted with --unsafe-fixes: nothing after these unlocks writes the change)
    crlf = _read(os.path.join(FIXTURES, "locking", "fix_crlf.unsafe-fixed.py"))
    assert crlf.count(b"\r\n") == crlf.count(b"\n") and b"box.flush()\r\n" in crlf
    latin = _read(os.path.join(FIXTURES, "locking", "fix_latin1_cookie.unsafe-fixed.py"))
    assert "boîte.flush()".encode("latin-1") in latin


# -- encodings and refusals ------------------------------------------------------------


def test_bom_is_kept(tmp_path):
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbf" + LOCKED_REGION.encode())
    result = fix_file(str(path), EVERY_RULE)
    assert result.written
    assert path.read_bytes() == b"\xef\xbb\xbf" + LOCKED_REGION_FIXED.encode()


@pytest.mark.parametrize("source, problem", [
    # a valid file libcst cannot parse (a parenthesised annotation target)
    (LOCKED_REGION + "(x): int = 1\n", "libcst cannot parse this file"),
    # libcst prints ``except OSError:``, dropping the space
    (LOCKED_REGION + "    try:\n        pass\n    except OSError :\n        pass\n",
     "libcst would not print this file back unchanged: not fixed"),
    # libcst drops the first indented comment after the module's last simple statement
    (LOCKED_REGION + "x = 1\n\n    # indented\n    # comments\n",
     "libcst would not print this file back unchanged: not fixed"),
], ids=["unparsable", "except-space", "footer-comments"])
def test_libcst_refusal_leaves_the_file_byte_identical(tmp_path, source, problem):
    compile(source, "valid", "exec")
    path = tmp_path / "refused.py"
    path.write_bytes(source.encode())
    result = fix_file(str(path), EVERY_RULE)
    assert path.read_bytes() == source.encode()
    assert not result.written and not result.changed
    assert len(result.problems) == 1 and result.problems[0].startswith(problem)
    assert sorted(f.code for f in result.remaining) == ["MBX102", "MBX103"]


def test_a_fix_that_would_leave_its_finding_is_dropped_alone(monkeypatch):
    # A fixer that claims a rewrite but changes nothing must not be trusted.
    class Liar(Fixer):  # no code here: not registered
        def leave_Call(self, original, updated):
            if self.finding_at(original) is not None:
                self.applied_to(original)
            return updated

    Liar.code = "MBX102"
    monkeypatch.setitem(FIXERS, "MBX102", Liar)
    result = fix_source(LOCKED_REGION, "<example>", EVERY_RULE)
    assert any("MBX102" in p and "leave" in p for p in result.problems)
    # The other rule's fix still went in.
    assert "try:" in result.text and "finally:" in result.text
    assert "MBX103" not in [f.code for f in result.remaining]


def test_a_crashing_fixer_is_reported_and_the_file_untouched(monkeypatch, tmp_path):
    class Broken(Fixer):
        def leave_Call(self, original, updated):
            raise RuntimeError("boom")

    class Broken102(Broken):
        pass

    class Broken103(Broken):
        pass

    Broken102.code, Broken103.code = "MBX102", "MBX103"
    monkeypatch.setitem(FIXERS, "MBX102", Broken102)
    monkeypatch.setitem(FIXERS, "MBX103", Broken103)
    path = tmp_path / "f.py"
    path.write_text(LOCKED_REGION)
    result = fix_file(str(path), EVERY_RULE)
    assert path.read_text() == LOCKED_REGION
    assert any("boom" in p for p in result.problems)


def test_char_column_converts_utf8_byte_offsets():
    lines = ['x = "é€"; box.unlock()']
    byte_col = lines[0].encode("utf-8").index(b"box")
    assert char_column(lines, 1, byte_col) == lines[0].index("box")
    assert char_column(["plain"], 1, 3) == 3


def test_fixer_reference_adds_an_import_once_in_the_file_style():
    class Renamer(Fixer):
        """Replaces every reported call's function by ``os.replace``, for this test only."""

        code = "MBX997"

        def leave_Call(self, original, updated):
            if self.finding_at(original) is None:
                return updated
            self.applied_to(original)
            return updated.with_changes(func=self.reference(self._module, self._name))

    def run(code, module, name):
        tree = cst.parse_module(code)
        positions = []
        for number, line in enumerate(code.splitlines(), 1):
            if "rename(" in line:
                positions.append(len(line.encode()[: line.encode().index(b"rename(")]))
                positions[-1] = (number, positions[-1])
        from mboxlint.finding import Finding

        findings = [Finding(n, c, "MBX997", "m", "safe") for n, c in positions]
        fixer = Renamer(CodemodContext(), findings=findings)
        fixer._module, fixer._name = module, name
        return fixer.transform_module(tree).code, fixer.applied

    try:
        # No import yet: one is added, once, for two rewrites; a non-ASCII prefix is fine.
        out, applied = run('x = "é"; rename(a, b)\nrename(c, d)\n', "os", "replace")
        assert len(applied) == 2
        assert out == 'from os import replace\n\nx = "é"; replace(a, b)\nreplace(c, d)\n'
        # ``import os as _os`` is reused as it is.
        out, _ = run("import os as _os\nrename(a, b)\n", "os", "replace")
        assert out == "import os as _os\n_os.replace(a, b)\n"
        # An existing ``from mboxlint.mailbox import ...`` is extended, not duplicated.
        out, _ = run("from mboxlint.mailbox import atomic_write\nrename(a, b)\n", "mboxlint.mailbox", "copy_back")
        assert out.count("from mboxlint.mailbox import") == 1 and "copy_back(a, b)" in out
        # A name already bound in the module is not shadowed.
        out, _ = run("replace = None\nrename(a, b)\n", "os", "replace")
        assert "import os\n" in out and "os.replace(a, b)" in out
    finally:
        FIXERS.pop("MBX997", None)


def test_allowed_respects_safety():
    from mboxlint.finding import Finding

    safe, unsafe, none = (Finding(1, 0, "MBX1", "m", fix) for fix in ("safe", "unsafe", None))
    assert allowed(safe, False) and not allowed(unsafe, False) and allowed(unsafe, True)
    assert not allowed(none, True)


# -- writing ---------------------------------------------------------------------------


def test_write_keeps_mode_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "deliver.py"
    path.write_text(LOCKED_REGION)
    os.chmod(path, 0o640)
    result = fix_file(str(path), EVERY_RULE)
    assert result.written and result.fixed == 2
    assert path.read_text() == LOCKED_REGION_FIXED
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert os.listdir(tmp_path) == ["deliver.py"]


def test_write_error_is_reported_and_the_file_kept(tmp_path, monkeypatch):
    path = tmp_path / "ro.py"
    path.write_text(LOCKED_REGION)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fix_module.os, "replace", refuse)
    result = fix_file(str(path), EVERY_RULE)
    assert not result.written and not result.changed
    assert result.problems == ["cannot write: Permission denied"]
    assert path.read_text() == LOCKED_REGION
    assert sorted(f.code for f in result.remaining) == ["MBX102", "MBX103"]
    assert os.listdir(tmp_path) == ["ro.py"]


def test_symlink_is_never_written_through(tmp_path):
    target = tmp_path / "real.py"
    target.write_text(LOCKED_REGION)
    link = tmp_path / "link.py"
    link.symlink_to(target)
    result = fix_file(str(link), EVERY_RULE)
    assert not result.written and any("symbolic link" in p for p in result.problems)
    assert os.path.islink(link) and target.read_text() == LOCKED_REGION


def test_file_changed_during_the_fix_is_not_overwritten(tmp_path, monkeypatch):
    path = tmp_path / "racy.py"
    path.write_text(LOCKED_REGION)
    real_fix_source = fix_module.fix_source

    def fix_then_someone_edits(*args, **kwargs):
        result = real_fix_source(*args, **kwargs)
        path.write_text(LOCKED_REGION + "# edited meanwhile\n")
        return result

    monkeypatch.setattr(fix_module, "fix_source", fix_then_someone_edits)
    result = fix_file(str(path), EVERY_RULE)
    assert not result.written
    assert path.read_text().endswith("# edited meanwhile\n")
    assert any("changed while" in p for p in result.problems)


def test_hard_linked_file_is_not_split(tmp_path):
    path = tmp_path / "a.py"
    path.write_text(LOCKED_REGION)
    os.link(path, tmp_path / "b.py")
    result = fix_file(str(path), EVERY_RULE)
    assert not result.written and any("hard links" in p for p in result.problems)
    assert (tmp_path / "b.py").read_text() == LOCKED_REGION


# -- the libcst codemod commands -------------------------------------------------------


@pytest.mark.parametrize("command, expected", [
    ("mboxlint.fixes.locking.WrapLockInTryFinally",
     LOCKED_REGION.replace("    box.add(message)\n    box.unlock()\n",
                           "    try:\n        box.add(message)\n    finally:\n        box.unlock()\n")),
    ("mboxlint.fixes.locking.FlushBeforeUnlock",
     LOCKED_REGION.replace("    box.unlock()\n", "    box.flush()\n    box.unlock()\n")),
])
def test_fixer_runs_as_a_libcst_codemod_command(tmp_path, command, expected):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "deliver.py").write_text(LOCKED_REGION)
    (folder / "clean.py").write_text("import os\n")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(
        [sys.executable, "-m", "libcst.tool", "codemod", "-x", command, "--no-format", "--hide-progress",
         "-j", "1", str(folder)],
        cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (folder / "deliver.py").read_text() == expected
    assert (folder / "clean.py").read_text() == "import os\n"


def test_new_block_indents_like_its_surroundings_not_the_file_default():
    # The file's first block uses a tab; the function being fixed uses four spaces.
    code = "import mailbox\ndef a():\n\tpass\n\n" + LOCKED_REGION.split("\n\n\n", 1)[1]
    result = fix_source(code, "<example>", EVERY_RULE)
    assert result.problems == [] and result.fixed == 2
    assert result.text.endswith("    try:\n        box.add(message)\n        box.flush()\n    finally:\n        box.unlock()\n    box.close()\n")


def test_a_fix_that_drops_a_statement_runs_before_the_fix_that_would_rewrite_it():
    # MBX302 reports the guarded removal and MBX305 the rename after it; wrapping the removal in
    # suppress() first would keep the window MBX305 closes by dropping the removal.
    source = (
        "import os\n"
        "def save(tmp, dst):\n"
        "    if os.path.exists(dst):\n"
        "        os.remove(dst)\n"
        "    os.rename(tmp, dst)\n"
    )
    # (unsafe: ``tmp`` may be a hard link of ``dst``)
    result = fix_source(source, "save.py", EVERY_RULE, unsafe=True)
    assert result.text == "import os\ndef save(tmp, dst):\n    os.replace(tmp, dst)\n"
    assert result.fixed == 2 and result.remaining == []


# -- libcst's matcher machinery: skipped where it has nothing to do, kept where it has -----


def test_every_fixer_skips_the_matcher_scan():
    from mboxlint.fixes.base import _AddImports

    assert all(fixer._PLAIN for fixer in FIXERS.values())
    for transformer in (FIXERS["MBX102"](CodemodContext(), findings=[]), _AddImports(CodemodContext())):
        assert not any(name.startswith(("visit_", "leave_")) for name in dir(transformer))
        assert transformer._extra_visit_funcs == {} and transformer._extra_leave_funcs == {}


def test_a_fixer_with_matcher_decorators_still_gets_them_called():
    import libcst.matchers as m

    class Counting(Fixer):  # no code: not registered
        seen = []

        @m.call_if_inside(m.FunctionDef(name=m.Name("deliver")))
        @m.visit(m.Call(func=m.Attribute(attr=m.Name("lock"))))
        def lock_call(self, node):
            self.seen.append(cst.Module(body=[]).code_for_node(node))

    assert not Counting._PLAIN
    source = LOCKED_REGION.replace("deliver", "other") + "\n\n" + LOCKED_REGION.replace("import mailbox\n", "")
    Counting.code = "MBX103"
    findings = check_source(source, "<x>").findings
    assert [f.code for f in findings].count("MBX103") == 2  # the walk enters both functions
    Counting(CodemodContext(), findings=findings).apply(cst.parse_module(source), source)
    assert Counting.seen == ["box.lock()"]  # the one inside deliver(), not other()'s


def test_a_finding_that_only_stopped_being_detected_is_not_counted_fixed():
    # The MBX301 rewrite would move the guarded removal out from under its check: MBX302 would
    # vanish though the removal still races. The removal is fixed first, then the open.
    source = (
        "import os\n"
        "def consume(p):\n"
        "    if os.path.exists(p):\n"
        "        with open(p) as f:\n"
        "            data = f.read()\n"
        "        os.remove(p)\n"
        "        return data\n"
        "    return None\n"
    )
    first = check_source(source, "c.py", EVERY_RULE).findings
    [opened] = [f for f in first if f.code == "MBX301"]
    assert opened.fix is None and "MBX302" in opened.plan.reason
    result = fix_source(source, "c.py", EVERY_RULE, unsafe=True)
    assert result.problems == [] and result.remaining == [] and result.fixed == 2
    assert "        with suppress(FileNotFoundError, NotADirectoryError):\n            os.remove(p)\n" in result.text
    assert "    try:\n        f = open(p)\n" in result.text


def test_a_rewrite_that_hides_another_codes_finding_is_rejected(monkeypatch):
    from mboxlint import fix as fix_module

    # Stand in for a fixer that deletes an unrelated racy statement along with its own: the
    # check after the round must refuse it rather than count the vanished finding as fixed.
    source = (
        "import os\n"
        "def drop(p, box):\n"
        "    if os.path.exists(p):\n"
        "        os.remove(p)\n"
        "    os.makedirs(p)\n"
    )
    before = check_source(source, "d.py", EVERY_RULE).findings
    assert {f.code for f in before} == {"MBX302"}
    hidden = source.replace("    if os.path.exists(p):\n        os.remove(p)\n", "")
    with pytest.raises(fix_module._Rejected, match="hide a MBX302"):
        fix_module._check(hidden, "d.py", EVERY_RULE, None, before, "MBX301", 0)
    # Its own code alike: one fix applied, two findings gone, is one hidden.
    two = source + "    if os.path.exists(p + 'x'):\n        os.remove(p + 'x')\n"
    before = check_source(two, "d.py", EVERY_RULE).findings
    assert [f.code for f in before] == ["MBX302", "MBX302"]
    with pytest.raises(fix_module._Rejected, match="hide a MBX302"):
        fix_module._check(hidden, "d.py", EVERY_RULE, None, before, "MBX302", 1)


def test_a_rename_onto_a_name_ending_in_lock_is_still_reported():
    # The lock-file exemption reads the resolved target, not the spelling of a variable:
    # renaming ``target`` to ``block`` must not silence MBX306.
    template = (
        "import os, tempfile\n"
        "def save({name}, data):\n"
        "    fd, tmp = tempfile.mkstemp(dir=os.path.dirname({name}))\n"
        "    os.write(fd, data)\n"
        "    os.fsync(fd)\n"
        "    os.close(fd)\n"
        "    os.rename(tmp, {target})\n"
    )
    only = Selection(select=["MBX306"])
    for name in ("target", "block", "clock", "deadlock"):
        found = check_source(template.format(name=name, target=name), "s.py", only).findings
        assert [f.code for f in found] == ["MBX306"], name
    for target in ("target + '.lock'", "f'{target}.lock'", "os.path.join(target, 'state.lock')"):
        assert check_source(template.format(name="target", target=target), "s.py", only).findings == []
    bound = template.format(name="target", target="lock_path").replace(
        "    os.rename", "    lock_path = target + '.lock'\n    os.rename")
    assert check_source(bound, "s.py", only).findings == []


@pytest.mark.parametrize("head, expected", [
    # in order: in its place
    ("import os\nfrom pathlib import Path\n",
     "import os\nfrom contextlib import suppress\nfrom pathlib import Path\n"),
    # the standard library's group, not the third-party one after it
    ('"""Doc."""\nimport os\nimport sys\n\nimport requests\n',
     '"""Doc."""\nimport os\nimport sys\nfrom contextlib import suppress\n\nimport requests\n'),
    # a group out of order: at its end
    ("import zlib\nimport os\n", "import zlib\nimport os\nfrom contextlib import suppress\n"),
])
def test_an_added_import_goes_where_isort_puts_it(head, expected):
    body = "\n\ndef f(p):\n    if os.path.lexists(p):\n        os.remove(p)\n    return sys, requests, Path, zlib\n"
    result = fix_source(head + body, "i.py", Selection(select=["MBX302"]))
    assert result.fixed == 1 and result.text == expected + body.replace(
        "    if os.path.lexists(p):\n        os.remove(p)\n",
        "    with suppress(FileNotFoundError, NotADirectoryError):\n        os.remove(p)\n")


def test_a_third_party_import_gets_a_section_of_its_own():
    code = "import mailbox\nimport os\n\n\nclass A(mailbox.mbox):\n    def c(self, n):\n        os.rename(n, self._path)\n"
    result = fix_source(code, "a.py", Selection(select=["MBX303"]), unsafe=True)
    assert result.text.startswith("import mailbox\n\nfrom mboxlint.mailbox import copy_back\n\n\nclass A")

"""The MBX305 fix on the shapes of removal it handles, and on those where dropping the removal
would change what some path does (those stay reported, the file untouched)."""

import textwrap

import pytest

from mboxlint.engine import check_source
from mboxlint.config import Selection
from mboxlint.fix import fix_source

ONLY = Selection(select=["MBX305"])


def fix(code, unsafe=True):
    # These sources are parameters, which may be hard links of the target: unsafe fixes.
    code = textwrap.dedent(code)
    result = fix_source(code, "<example>", ONLY, unsafe=unsafe)
    assert result.problems == []
    again = fix_source(result.text, "<example>", ONLY, unsafe=unsafe)
    assert again.text == result.text and again.fixed == 0
    return code, result


FIXED = {
    "removal-in-if-keeps-the-rest-and-else": (
        """
        import os
        def save(tmp, path, log):
            if os.path.exists(path):
                os.remove(path)
                log("replaced")
            else:
                log("new")
            os.rename(tmp, path)
        """,
        """
        import os
        def save(tmp, path, log):
            if os.path.exists(path):
                log("replaced")
            else:
                log("new")
            os.replace(tmp, path)
        """,
    ),
    "rename-in-try-in-with": (
        """
        import os
        def save(tmp, path, lock):
            try:
                os.unlink(path)
            except OSError:
                pass
            with lock:
                prepare = 1
                try:
                    os.rename(tmp, path)
                except OSError:
                    raise
        """,
        """
        import os
        def save(tmp, path, lock):
            with lock:
                prepare = 1
                try:
                    os.replace(tmp, path)
                except OSError:
                    raise
        """,
    ),
    "suppress-with-other-statements": (
        """
        import contextlib, os
        def save(tmp, path):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path + ".bak")
                os.remove(path)
            os.rename(tmp, path)
        """,
        """
        import contextlib, os
        def save(tmp, path):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path + ".bak")
            os.replace(tmp, path)
        """,
    ),
    "exists-check-inside-a-quiet-try": (
        """
        import os
        def save(tmp, path):
            try:
                if os.path.isfile(path):
                    os.remove(path)
            except OSError:
                pass
            os.rename(tmp, path)
        """,
        """
        import os
        def save(tmp, path):
            os.replace(tmp, path)
        """,
    ),
    "quiet-try-inside-an-exists-check": (
        """
        import os
        def backup(filename):
            name = filename + ".bak"
            if os.path.lexists(name):
                try:
                    os.remove(name)
                except OSError:
                    pass
            os.rename(filename, name)
        """,
        """
        import os
        def backup(filename):
            name = filename + ".bak"
            os.replace(filename, name)
        """,
    ),
}


@pytest.mark.parametrize("code, expected", FIXED.values(), ids=list(FIXED))
def test_removal_is_dropped(code, expected):
    _, result = fix(code)
    assert result.text == textwrap.dedent(expected)
    assert result.remaining == []


LEFT = {
    "try-with-else": """
        import os
        def save(tmp, path, log):
            try:
                os.remove(path)
            except OSError:
                pass
            else:
                log("removed")
            os.rename(tmp, path)
        """,
    "handler-does-something": """
        import os
        def save(tmp, path, log):
            try:
                os.remove(path)
            except OSError:
                log("no old file")
            os.rename(tmp, path)
        """,
    "raise-between": """
        import os
        def save(tmp, path, ok):
            os.remove(path)
            if not ok:
                raise ValueError(path)
            os.rename(tmp, path)
        """,
    "break-between": """
        import os
        def save(tmps, path):
            for tmp in tmps:
                os.remove(path)
                if not tmp:
                    break
                os.rename(tmp, path)
        """,
    "rename-under-an-if": """
        import os
        def save(tmp, path, keep):
            os.remove(path)
            if not keep:
                os.rename(tmp, path)
        """,
    "yield-between": """
        import os
        def save(tmp, path):
            os.remove(path)
            yield path
            os.rename(tmp, path)
        """,
    "break-in-a-loop-else-between": """
        import os
        def save(tmps, path, todo):
            for tmp in tmps:
                os.remove(path)
                for item in todo:
                    if item:
                        break
                else:
                    break
                os.rename(tmp, path)
        """,
    "rename-in-handler": """
        import os
        def save(tmp, path):
            os.remove(path)
            try:
                pass
            except OSError:
                os.rename(tmp, path)
        """,
}


@pytest.mark.parametrize("code", LEFT.values(), ids=list(LEFT))
def test_removal_is_kept_where_a_path_could_skip_the_rename(code):
    original, result = fix(code)
    assert result.text == original
    assert [(f.code, f.fix) for f in result.remaining] == [("MBX305", None)]


@pytest.mark.parametrize("rebinding", ["path = other", "for path in other: pass", "with other as path: pass",
                                       "del path", "(path := other)", "path, n = other", "import path"])
def test_removal_is_kept_when_dst_is_rebound_between(rebinding):
    # The rule offers no fix there (the analysis may not even report it); the fixer trusts it.
    code = "import os\ndef save(tmp, path, other):\n    os.remove(path)\n    %s\n    os.rename(tmp, path)\n" % rebinding
    assert [f.fix for f in check_source(code, "s.py", ONLY).findings] in ([], [None])
    assert fix_source(code, "s.py", ONLY).text == code
    unrelated = code.replace(rebinding, "other = path")
    assert [f.fix for f in check_source(unrelated, "s.py", ONLY).findings] == ["unsafe"]
    assert "os.replace(tmp, path)" in fix_source(unrelated, "s.py", ONLY, unsafe=True).text


def test_a_removal_whose_handler_does_more_than_pass_has_no_fix():
    # lib2to3's backup: dropping the removal would also drop the logged failure.
    source = (
        "import os\n"
        "def backup(filename, log):\n"
        "    name = filename + '.bak'\n"
        "    if os.path.lexists(name):\n"
        "        try:\n"
        "            os.remove(name)\n"
        "        except OSError:\n"
        "            log('cannot remove %s', name)\n"
        "    os.rename(filename, name)\n"
    )
    [finding] = [f for f in check_source(source, "b.py", Selection(select=["MBX305"])).findings]
    assert finding.code == "MBX305" and finding.fix is None
    quiet = source.replace("log('cannot remove %s', name)", "pass")
    [finding] = [f for f in check_source(quiet, "b.py", Selection(select=["MBX305"])).findings]
    assert finding.fix == "unsafe"


def _plan(source):
    [finding] = check_source(textwrap.dedent(source), "p.py", ONLY).findings
    return finding.plan


def test_safe_only_for_a_fresh_temp_file_whose_removal_tolerates_a_missing_target():
    fresh = """
        import os, tempfile
        def save(data, path):
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
            os.write(fd, data)
            os.close(fd)
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            os.rename(tmp, path)
        """
    plan = _plan(fresh)
    assert (plan.safety, plan.action) == ("safe", "drop-removal-and-replace")
    assert [a.role for a in plan.anchors] == ["act", "site", "removal"]
    # A source that may be a hard link of the target: os.replace would leave both names.
    given = _plan(fresh.replace("fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))", "fd, tmp = data"))
    assert given.safety == "unsafe" and "hard links" in given.reason
    # A bare removal raised FileNotFoundError on a missing target; os.replace does not.
    bare = _plan(fresh.replace("    try:\n                os.unlink(path)\n            except FileNotFoundError:\n"
                               "                pass\n", "    os.unlink(path)\n"))
    assert bare.safety == "unsafe" and "FileNotFoundError" in bare.reason
    # A handler that lets a missing file through: the same.
    narrow = _plan(fresh.replace("except FileNotFoundError", "except PermissionError"))
    assert narrow.safety == "unsafe" and "FileNotFoundError" in narrow.reason


def test_the_removal_dropped_is_the_one_detection_resolved():
    # ``seen.remove(path)`` removes from a list: the fix must drop the unlink, keep the list
    # removal, and never pick a statement by its callee's bare name.
    code = textwrap.dedent("""
        import os
        def save(tmp, path, seen):
            try:
                os.unlink(path)
            except OSError:
                pass
            seen.remove(path)
            os.rename(tmp, path)
        """)
    [finding] = check_source(code, "s.py", ONLY).findings
    assert finding.plan.span("removal").line == 5
    result = fix_source(code, "s.py", ONLY, unsafe=True)
    assert result.text == textwrap.dedent("""
        import os
        def save(tmp, path, seen):
            seen.remove(path)
            os.replace(tmp, path)
        """)

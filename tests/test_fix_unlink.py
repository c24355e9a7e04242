"""The MBX305 fix on the shapes of removal it handles, and on those where dropping the removal
would change what some path does (those stay reported, the file untouched)."""

import textwrap

import pytest

from mboxlint.engine import check_source
from mboxlint.config import Selection
from mboxlint.fix import fix_source

ONLY = Selection(select=["MBX305"])


def fix(code):
    code = textwrap.dedent(code)
    result = fix_source(code, "<example>", ONLY)
    assert result.problems == []
    again = fix_source(result.text, "<example>", ONLY)
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
    assert [f.fix for f in check_source(unrelated, "s.py", ONLY).findings] == ["safe"]
    assert "os.replace(tmp, path)" in fix_source(unrelated, "s.py", ONLY).text


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
    assert finding.fix == "safe"

"""MBX302's fixer: what the rewritten code does on a real directory, and the shapes it keeps.

The behaviour tests run a function before and after the fix against a temporary directory in
each state it can meet (the path absent, a directory there, a file there), and once more with
the check lying, as it does when another process acts between the check and the act.
"""

import os
import textwrap

import pytest

from mboxlint.config import Selection
from mboxlint.engine import check_source
from mboxlint.fix import fix_source

ONLY = Selection(select=["MBX302"])


def fix(code, unsafe=True):
    # Most shapes here are fixed with --unsafe-fixes only (see the safety tests below); the
    # rewrite is the same either way.
    result = fix_source(textwrap.dedent(code), "<test>", ONLY, unsafe=unsafe)
    assert result.problems == []
    return result


def function(code, name="f"):
    namespace = {}
    exec(compile(code, "<snippet>", "exec"), namespace)
    return namespace[name]


def snapshot(root):
    """Every entry under ``root``: its kind, and a file's bytes."""
    found = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(directory, name)
            key = os.path.relpath(path, root)
            if os.path.islink(path):
                found[key] = ("link", os.readlink(path))
            elif os.path.isdir(path):
                found[key] = ("dir",)
            else:
                with open(path, "rb") as handle:
                    found[key] = ("file", handle.read())
    return found


def outcome(func, root, *args):
    try:
        value = ("returned", func(*args))
    except OSError as error:
        value = ("raised", type(error).__name__)
    return value, snapshot(root)


def make(state, path):
    if state == "dir":
        os.mkdir(path)
        with open(os.path.join(path, "inside"), "w") as handle:
            handle.write("kept")
    elif state == "file":
        with open(path, "w") as handle:
            handle.write("old")
    elif state == "dangling":
        os.symlink("gone", path)  # relative: equal in every root


def compare(tmp_path, code, states, unsafe=False, edges=()):
    """Run ``f(path)`` before and after the fix in each state; equal outcomes, except in the
    documented ``edges``, where the fixed outcome is returned for the caller to check. A fix
    with an edge is an unsafe one: ``--fix`` alone leaves the code as it was."""
    if edges:
        assert fix(code, unsafe=False).fixed == 0
        unsafe = True
    result = fix(code, unsafe)
    assert result.fixed >= 1 and result.remaining == []
    before, after = function(textwrap.dedent(code)), function(result.text)
    different = {}
    for state in states:
        outcomes = []
        for func in (before, after):
            root = tmp_path / ("%s-%d" % (state, len(outcomes)))
            root.mkdir()
            path = str(root / "p")
            make(state, path)
            outcomes.append(outcome(func, str(root), path))
        if state in edges:
            assert outcomes[0] != outcomes[1]
            different[state] = outcomes
        else:
            assert outcomes[0] == outcomes[1], state
    return result, different


MAKEDIRS = """
import os
def f(p):
    if not os.path.exists(p):
        os.makedirs(p)
    return "ready"
"""


def test_makedirs_behaves_as_before_and_a_file_in_the_way_now_fails_at_once(tmp_path):
    result, edges = compare(tmp_path, MAKEDIRS, ["absent", "dir", "file"], edges=["file"])
    assert "    os.makedirs(p, exist_ok=True)\n" in result.text and "if " not in result.text
    (before, _), (after, _) = edges["file"]
    assert before == ("returned", "ready") and after == ("raised", "FileExistsError")


def test_makedirs_under_an_if_that_does_more_keeps_the_if(tmp_path):
    code = """
    import os
    def f(p):
        if not os.path.isdir(p):
            os.makedirs(p, 0o700)
            return "made"
    """
    result, _ = compare(tmp_path, code, ["absent", "dir", "file"])
    assert "if not os.path.isdir(p):\n        os.makedirs(p, 0o700, exist_ok=True)" in result.text


def test_mkdir_with_an_else_branch(tmp_path):
    code = """
    import os
    def f(p):
        if not os.path.exists(p):
            os.mkdir(p)
        else:
            return "there"
    """
    # unsafe: a dangling link made mkdir raise FileExistsError, which suppress now hides
    compare(tmp_path, code, ["absent", "dir", "file"], unsafe=True)


def test_remove_behaves_as_before_and_removes_a_dangling_link(tmp_path):
    code = """
    import os
    def f(p):
        if os.path.exists(p):
            os.remove(p)
    """
    result, edges = compare(tmp_path, code, ["absent", "file", "dir", "dangling"], edges=["dangling"])
    assert "if " not in result.text
    (_, files_before), (_, files_after) = edges["dangling"]
    assert files_before == {"p": ("link", files_before["p"][1])} and files_after == {}


def test_rmtree_under_isdir_behaves_as_before_except_on_a_link(tmp_path):
    # unsafe: a link to a file, which isdir() skipped, makes rmtree raise OSError
    code = """
    import os, shutil
    def f(p):
        if os.path.isdir(p):
            shutil.rmtree(p)
    """
    compare(tmp_path, code, ["absent", "dir", "file", "dangling"], unsafe=True)


def test_path_methods(tmp_path):
    code = """
    from pathlib import Path
    def f(p):
        root = Path(p)
        if root.exists():
            root.unlink()
        if not (root / "a").exists():
            (root / "a").mkdir(parents=True)
    """
    compare(tmp_path, code, ["absent", "file"], unsafe=True)


CREATE = """
import os
def f(p):
    if not os.path.exists(p):
        with open(p, "w") as out:
            out.write("new")
        return "created"
    else:
        return "kept"
"""


def test_exclusive_create_behaves_as_before(tmp_path):
    result, _ = compare(tmp_path, CREATE, ["absent", "file", "dir"], unsafe=True)
    assert 'open(p, "x")' in result.text


def test_guard_clause_create_and_os_open(tmp_path):
    code = """
    import os
    def f(p):
        if os.path.exists(p):
            return False
        fd = os.open(p, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, b"mine")
        os.close(fd)
        return True
    """
    result, _ = compare(tmp_path, code, ["absent", "file"], unsafe=True)
    assert "os.O_EXCL" in result.text and "if os.path.exists" not in result.text


# -- the race itself: the check says one thing, the file system another -------------------


def lying(monkeypatch, answer):
    monkeypatch.setattr(os.path, "exists", lambda path: answer)


def test_the_fixed_makedirs_survives_a_directory_made_after_the_check(tmp_path, monkeypatch):
    before, after = function(textwrap.dedent(MAKEDIRS)), function(fix(MAKEDIRS).text)
    (tmp_path / "p").mkdir()
    lying(monkeypatch, False)
    with pytest.raises(FileExistsError):
        before(str(tmp_path / "p"))
    assert after(str(tmp_path / "p")) == "ready"


def test_the_fixed_remove_survives_a_file_removed_after_the_check(tmp_path, monkeypatch):
    code = """
    import os
    def f(p):
        if os.path.exists(p):
            os.remove(p)
    """
    before, after = function(textwrap.dedent(code)), function(fix(code).text)
    lying(monkeypatch, True)
    with pytest.raises(FileNotFoundError):
        before(str(tmp_path / "gone"))
    assert after(str(tmp_path / "gone")) is None


def test_the_fixed_create_keeps_a_file_made_after_the_check(tmp_path, monkeypatch):
    before, after = function(textwrap.dedent(CREATE)), function(fix(CREATE, unsafe=True).text)
    path = tmp_path / "p"
    path.write_text("theirs")
    lying(monkeypatch, False)
    assert after(str(path)) == "kept" and path.read_text() == "theirs"
    assert before(str(path)) == "created" and path.read_text() == "new"


# -- layout and shapes ------------------------------------------------------------------


def test_crlf_comments_and_blank_lines_are_kept():
    code = (
        "import os\r\n"
        "\r\n"
        "def f(p):\r\n"
        "    # clean up first\r\n"
        "    if os.path.lexists(p):  # stale from a crash\r\n"
        "        os.remove(p)\r\n"
        "\r\n"
        "    return p\r\n"
    )
    result = fix_source(code, "<test>", ONLY)
    assert result.text == (
        "import os\r\n"
        "from contextlib import suppress\r\n"
        "\r\n"
        "def f(p):\r\n"
        "    # clean up first\r\n"
        "    with suppress(FileNotFoundError, NotADirectoryError):  # stale from a crash\r\n"
        "        os.remove(p)\r\n"
        "\r\n"
        "    return p\r\n"
    )


def test_an_elif_chain_and_tabs_stay():
    code = (
        "import os\n"
        "def f(p, mode):\n"
        "\tif mode == 'ro':\n"
        "\t\treturn\n"
        "\telif not os.path.lexists(p):\n"
        "\t\tos.mkdir(p)\n"
        "\telse:\n"
        "\t\tprint('there')\n"
    )
    result = fix_source(code, "<test>", ONLY)
    assert result.text == (
        "import os\n"
        "from contextlib import suppress\n"
        "\n"
        "def f(p, mode):\n"
        "\tif mode == 'ro':\n"
        "\t\treturn\n"
        "\telif not os.path.lexists(p):\n"
        "\t\twith suppress(FileExistsError):\n"
        "\t\t\tos.mkdir(p)\n"
        "\telse:\n"
        "\t\tprint('there')\n"
    )


def test_an_existing_contextlib_import_is_reused_once():
    result = fix(
        """
        import os
        import contextlib as cl
        def f(a, b):
            if os.path.exists(a):
                os.remove(a)
            if os.path.isdir(b):
                os.rmdir(b)
        """
    )
    assert result.text.count("import") == 2 and result.text.count("cl.suppress(") == 2


def test_one_line_bodies_and_a_multi_line_call():
    result = fix(
        """
        import os
        def f(p, q):
            if os.path.exists(p): os.remove(p)
            else: print("none")
            if not os.path.exists(q):
                os.makedirs(
                    q,
                    0o700,
                )
        """
    )
    assert result.text == textwrap.dedent(
        """
        import os
        from contextlib import suppress

        def f(p, q):
            if os.path.exists(p):
                with suppress(FileNotFoundError, NotADirectoryError):
                    os.remove(p)
            else: print("none")
            os.makedirs(
                q,
                0o700,
                exist_ok=True,
            )
        """
    )


def test_a_check_of_another_path_or_a_compound_test_stays():
    result = fix(
        """
        import os
        def f(a, b):
            if not os.path.exists(a):
                if not os.path.exists(b):
                    os.makedirs(a)
            if os.path.exists(b) and not os.listdir(b):
                os.rmdir(b)
        """
    )
    assert "if not os.path.exists(b):\n            os.makedirs(a, exist_ok=True)" in result.text
    assert "if os.path.exists(b) and not os.listdir(b):\n        with suppress(" in result.text


def test_shapes_without_a_fix_say_so():
    code = textwrap.dedent(
        """
        import os
        from pathlib import Path
        def f(p, q: Path, r, s):
            if not os.path.exists(p):
                os.makedirs(p, exist_ok=False)
            if not q.exists():
                q.write_text(r)  # text that may differ between racers: a constant would lose nothing
            if os.path.exists(r):
                os.rename(r, r + ".1")
            if os.path.exists(s):
                print(os.remove(s))
        """
    )
    findings = check_source(code, "<test>", ONLY).findings
    assert [(f.line, f.fix) for f in findings] == [(6, None), (8, None), (10, None), (12, None)]


def test_a_name_bound_by_a_create_far_from_its_check_is_left_reported():
    code = """
    import os
    def f(p):
        if os.path.exists(p):
            return
        print("creating")
        fd = os.open(p, os.O_CREAT | os.O_WRONLY)
        os.write(fd, b"new\\n")
        os.close(fd)
    """
    result = fix(code, unsafe=True)
    assert result.text == textwrap.dedent(code) and [f.line for f in result.remaining] == [7]


def test_acts_that_already_survive_the_race_are_not_reported():
    code = textwrap.dedent(
        """
        import os, shutil
        def f(p, d):
            if not os.path.exists(d):
                try:
                    os.mkdir(d)
                except OSError:
                    pass
            if os.path.exists(p):
                try:
                    os.remove(p)
                except FileNotFoundError:
                    pass
            if os.path.isdir(d):
                shutil.rmtree(d, ignore_errors=True)
            if os.path.exists(p):
                try:
                    os.remove(p)
                except PermissionError:
                    pass
        """
    )
    assert [f.line for f in check_source(code, "<test>", ONLY).findings] == [18]


def test_the_fixer_runs_as_a_libcst_codemod_command(tmp_path):
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    source = "import os\n\ndef prepare(d):\n    if not os.path.isdir(d):\n        os.makedirs(d)\n"
    (tmp_path / "setup_dirs.py").write_text(source)
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(
        [sys.executable, "-m", "libcst.tool", "codemod", "-x", "mboxlint.fixes.check_then_act.MakeActsRaceFree",
         "--no-format", "--hide-progress", "-j", "1", str(tmp_path)],
        cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "setup_dirs.py").read_text() == (
        "import os\n\ndef prepare(d):\n    os.makedirs(d, exist_ok=True)\n"
    )


def test_flags_that_bind_looser_than_or_are_parenthesised_and_a_one_line_guard_clause_goes():
    result = fix(
        """
        import os
        def f(p, ro):
            if not os.path.exists(p):
                os.close(os.open(p, os.O_CREAT if ro else os.O_CREAT | os.O_WRONLY | os.O_TRUNC))
        def g(p):
            if os.path.exists(p): return None
            with open(p, "a") as log:
                log.write("start")
        """,
        unsafe=True,
    )
    assert result.text == textwrap.dedent(
        """
        import os
        from contextlib import suppress

        def f(p, ro):
            with suppress(FileExistsError):
                os.close(os.open(p, (os.O_CREAT if ro else os.O_CREAT | os.O_WRONLY | os.O_TRUNC) | os.O_EXCL))
        def g(p):
            try:
                log = open(p, "x")
            except FileExistsError:
                return None
            with log:
                log.write("start")
        """
    )


@pytest.mark.parametrize("guard, act, safety", [
    ("not os.path.isdir(p)", "os.makedirs(p)", "safe"),
    ("not os.path.exists(p)", "os.makedirs(p)", "unsafe"),
    ("not os.path.lexists(p)", "os.mkdir(p)", "safe"),
    ("not os.path.exists(p)", "os.mkdir(p)", "unsafe"),
    ("not os.path.isdir(p)", "os.mkdir(p)", "unsafe"),
    ("os.path.lexists(p)", "os.remove(p)", "safe"),
    ("os.path.exists(p)", "os.remove(p)", "unsafe"),
    ("os.path.isdir(p)", "shutil.rmtree(p)", "unsafe"),
    ("os.path.exists(p)", "shutil.rmtree(p)", "unsafe"),
    ("os.path.isdir(p)", "os.rmdir(p)", "unsafe"),
    ("Path(p).exists()", "Path(p).unlink()", "unsafe"),
])
def test_safety_follows_the_file_system_states_each_check_lets_through(guard, act, safety):
    # Safe only where every state (missing, file, directory, dangling link, link to a
    # directory, parent a file) behaves as before: the behaviour suite runs them all.
    code = "import os, shutil\nfrom pathlib import Path\ndef f(p):\n    if %s:\n        %s\n" % (guard, act)
    [finding] = [f for f in fix_source(code, "<t>", ONLY).initial if f.code == "MBX302"]
    assert finding.fix == safety
    assert finding.plan.action.startswith("tolerate:") and (safety == "safe") == (finding.plan.reason == "")

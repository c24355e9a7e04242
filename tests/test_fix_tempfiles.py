"""MBX304's fix: ``dir=os.path.dirname(target)`` at the temp file's creation, only where the
target means the same there."""

import textwrap

import libcst as cst
from libcst.codemod import CodemodContext

from mboxlint.config import Selection
from mboxlint.engine import check_source
from mboxlint.fix import fix_source
from mboxlint.fixes.tempfiles import TempNextToTarget

ONLY = Selection(select=["MBX304"])


def _fix_values(code):
    return [(f.line, f.fix) for f in check_source(code, "<tmp>", ONLY).findings]


def _fixed(code):
    # Unsafe: the folder is evaluated where the temp file is made (see the rule's page).
    result = fix_source(code, "<tmp>", ONLY, unsafe=True)
    again = fix_source(result.text, "<tmp>", ONLY, unsafe=True)
    assert again.text == result.text and again.fixed == 0
    return result


def test_target_bound_again_after_the_creation_has_no_fix():
    code = textwrap.dedent(
        """\
        import os, tempfile
        def save(target, data, backup):
            fd, tmp = tempfile.mkstemp()
            os.write(fd, data)
            os.close(fd)
            if backup:
                target = target + ".bak"
            os.replace(tmp, target)
        """
    )
    assert _fix_values(code) == [(8, None)]
    assert _fix_values(code.replace('target = target + ".bak"', "pass")) == [(8, "unsafe")]


def test_loop_variables_count_where_they_are_bound():
    inside = textwrap.dedent(
        """\
        import os, tempfile
        def save_all(folder, items):
            for name, data in items:
                fd, tmp = tempfile.mkstemp()
                os.write(fd, data)
                os.close(fd)
                os.replace(tmp, os.path.join(folder, name))
        """
    )
    assert _fix_values(inside) == [(7, "unsafe")]
    assert "mkstemp(dir=os.path.dirname(os.path.join(folder, name)))" in _fixed(inside).text
    # A temp made before the loop is renamed onto names the loop binds later.
    before = textwrap.dedent(
        """\
        import os, tempfile
        def save_first(folder, names, data):
            fd, tmp = tempfile.mkstemp()
            os.write(fd, data)
            os.close(fd)
            for name in names:
                os.replace(tmp, os.path.join(folder, name))
                break
        """
    )
    assert _fix_values(before) == [(7, None)]


def test_kwargs_may_hold_dir_so_there_is_no_fix():
    code = textwrap.dedent(
        """\
        import os, tempfile
        def save(target, **options):
            fd, tmp = tempfile.mkstemp(**options)
            os.close(fd)
            os.replace(tmp, target)
        """
    )
    assert _fix_values(code) == [(5, None)]
    assert _fix_values(code.replace("**options", "suffix='.tmp'")) == [(5, "unsafe")]


def test_dir_given_by_position_is_a_dir():
    code = "import os, tempfile\ndef f(d, p):\n    fd, t = tempfile.mkstemp('.tmp', 'x', d)\n    os.replace(t, p)\n"
    assert _fix_values(code) == []
    assert _fix_values(code.replace(", d)", ")")) == [(4, "unsafe")]


def test_os_is_spelled_as_the_file_imports_it():
    body = "def f(p):\n    name = tempfile.mktemp()\n    open(name, 'w').close()\n    os.replace(name, p)\n"
    with_os_path = "import os.path\nimport tempfile\n" + body.replace("os.replace", "os.rename")
    assert "tempfile.mktemp(dir=os.path.dirname(p))" in _fixed(with_os_path).text
    assert _fixed(with_os_path).text.count("import os") == 1
    aliased = "import os as _os\nimport tempfile\n" + body.replace("os.replace", "_os.replace")
    assert "tempfile.mktemp(dir=_os.path.dirname(p))" in _fixed(aliased).text
    from_os = "from os import path, replace\nimport tempfile\n" + body.replace("os.replace", "replace")
    assert "tempfile.mktemp(dir=path.dirname(p))" in _fixed(from_os).text
    missing = "import shutil\nimport tempfile\n" + body.replace("os.replace", "shutil.move")
    fixed = _fixed(missing).text
    assert "import os\n" in fixed and "tempfile.mktemp(dir=os.path.dirname(p))" in fixed


def test_a_parameter_shadowing_the_imported_name_is_declined():
    code = textwrap.dedent(
        """\
        from os import path, replace
        import tempfile
        def save(path, data):
            fd, tmp = tempfile.mkstemp()
            replace(tmp, path)
        """
    )
    assert _fix_values(code) == [(5, None)]  # the plan declines: the function binds ``path``
    result = _fixed(code)
    assert result.text == code and [f.line for f in result.remaining] == [5]


def test_one_temp_two_renames_onto_one_target():
    code = textwrap.dedent(
        """\
        import os, tempfile
        def save(target, data, fast):
            fd, tmp = tempfile.mkstemp(dir=None)
            os.write(fd, data)
            os.close(fd)
            if fast:
                os.rename(tmp, target)
            else:
                os.replace(tmp, target)
        """
    )
    assert _fix_values(code) == [(7, "unsafe"), (9, "unsafe")]
    result = _fixed(code)
    assert result.fixed == 2 and result.remaining == []
    assert result.text == code.replace("mkstemp(dir=None)", "mkstemp(dir=os.path.dirname(target))")


def test_codemod_command_adds_the_os_import():
    code = "import shutil\nimport tempfile\ndef f(p):\n    fd, t = tempfile.mkstemp()\n    shutil.move(t, p)\n"
    new = TempNextToTarget(CodemodContext(filename="x.py"), unsafe_fixes=True).transform_module(cst.parse_module(code)).code
    assert new == "import shutil\nimport tempfile\nimport os\n\ndef f(p):\n" \
        "    fd, t = tempfile.mkstemp(dir=os.path.dirname(p))\n    shutil.move(t, p)\n"


def test_past_the_followed_temps_and_rebindings_there_is_no_fix():
    # Following what is rebound after every temp of a long function would cost a check per
    # temp at every binding: past the limits the target is not known to mean the same.
    from mboxlint.analysis.paths.renames import FOLLOWED_REBINDINGS, FOLLOWED_TEMPS

    lines = ["import os, tempfile", "def save(folder, data):"]
    for i in range(FOLLOWED_TEMPS + 1):
        lines += ["    fd%d, tmp%d = tempfile.mkstemp()" % (i, i), "    os.write(fd%d, data)" % i,
                  "    os.close(fd%d)" % i]
    lines += ["    os.replace(tmp%d, folder)" % i for i in range(FOLLOWED_TEMPS + 1)]
    fixes = [fix for _line, fix in _fix_values("\n".join(lines) + "\n")]
    assert fixes == ["unsafe"] * FOLLOWED_TEMPS + [None]

    # (the temp's own ``fd`` and ``tmp`` count among its rebindings)
    bound = ["    x%d = %d" % (i, i) for i in range(FOLLOWED_REBINDINGS - 2)]
    code = "\n".join(["import os, tempfile", "def save(target, data):", "    fd, tmp = tempfile.mkstemp()"]
                     + bound + ["    os.write(fd, data)", "    os.close(fd)", "    os.replace(tmp, target)"]) + "\n"
    assert [fix for _line, fix in _fix_values(code)] == ["unsafe"]
    more = code.replace("    os.write(", "    y = 0\n    os.write(")
    assert [fix for _line, fix in _fix_values(more)] == [None]

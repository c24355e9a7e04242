"""``mboxlint vendor`` and ``fix-import-module``: code the unsafe fixes rewrote runs with nothing
but the standard library."""

import os
import subprocess
import sys

from support import ROOT, run_cli

LOCKED_REPLACE = (
    "import os, fcntl\n"
    "def rewrite(spool, tmp):\n"
    "    with open(spool, 'r+b') as f:\n"
    "        fcntl.lockf(f, fcntl.LOCK_EX)\n"
    "        os.replace(tmp, spool)\n"
)


def mboxlint(*args, cwd):
    return run_cli(*args, cwd=str(cwd))


def bare_python(code: str, path: str, cwd) -> subprocess.CompletedProcess:
    """``code`` in an interpreter that sees the standard library and ``path`` only: -I drops
    PYTHONPATH and the user's site, -S the site-packages where mboxlint, libcst and flake8 live."""
    prelude = "import sys; sys.path.insert(0, %r)\n" % path
    return subprocess.run([sys.executable, "-I", "-S", "-c", prelude + code], cwd=str(cwd),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)


def package(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    return tmp_path / "app"


def test_vendor_into_a_package_names_the_module(tmp_path):
    package(tmp_path)
    done = mboxlint("vendor", "app", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "wrote app/mailbox.py",
        'set fix-import-module = "app.mailbox" in [tool.mboxlint] (or pass --fix-import-module app.mailbox)',
    ]
    with open(os.path.join(ROOT, "mboxlint", "mailbox.py"), encoding="utf-8") as handle:
        assert (tmp_path / "app" / "mailbox.py").read_text().endswith(handle.read())
    # the same content again is fine; another file is not replaced without --force
    assert mboxlint("vendor", "app", cwd=tmp_path).returncode == 0
    (tmp_path / "app" / "mailbox.py").write_text("mine = 1\n")
    refused = mboxlint("vendor", "app/mailbox.py", cwd=tmp_path)
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert (tmp_path / "app" / "mailbox.py").read_text() == "mine = 1\n"
    assert mboxlint("vendor", "--force", "app/mailbox.py", cwd=tmp_path).returncode == 0
    assert "mine = 1" not in (tmp_path / "app" / "mailbox.py").read_text()


def test_a_top_level_mailbox_py_is_refused(tmp_path):
    done = mboxlint("vendor", ".", cwd=tmp_path)
    assert done.returncode == 2 and "shadow" in done.stderr
    assert os.listdir(str(tmp_path)) == []
    named = mboxlint("vendor", "safe_mailbox.py", cwd=tmp_path)
    assert named.returncode == 0 and "--fix-import-module safe_mailbox" in named.stdout


def test_the_vendored_module_needs_only_the_standard_library(tmp_path):
    package(tmp_path)
    assert mboxlint("vendor", "app", cwd=tmp_path).returncode == 0
    assert bare_python("import libcst", str(tmp_path), tmp_path).returncode != 0  # really bare
    done = bare_python(
        "import app.mailbox as m, os\n"
        "box = m.mbox('inbox')\n"
        "box.lock()\n"
        "box.add('From: a\\n\\nhello\\n')\n"
        "box.flush()\n"
        "box.unlock()\n"
        "with m.atomic_write('state.txt') as f:\n"
        "    f.write('new')\n"
        "loaded = sorted(n for n in sys.modules if n.split('.')[0] in ('mboxlint', 'libcst', 'flake8'))\n"
        "print(len(m.mbox('inbox')), open('state.txt').read(), loaded)\n",
        str(tmp_path), tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "new", "[]"]


def test_fixed_code_imports_the_configured_module_and_runs_bare(tmp_path):
    package(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.mboxlint]\nfix-import-module = "app.mailbox"\n')
    (tmp_path / "app" / "spool.py").write_text(LOCKED_REPLACE)
    assert mboxlint("vendor", "app", cwd=tmp_path).returncode == 0
    done = mboxlint("check", "--fix", "--unsafe-fixes", "--no-cache", "app/spool.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    fixed = (tmp_path / "app" / "spool.py").read_text()
    assert "from app.mailbox import copy_back" in fixed and "mboxlint" not in fixed
    assert "1 file now imports app.mailbox." in done.stderr
    assert "runtime dependencies" not in done.stderr
    ran = bare_python(
        "from app.spool import rewrite\n"
        "open('spool', 'w').write('old')\n"
        "open('spool.tmp', 'w').write('new contents')\n"
        "rewrite('spool', 'spool.tmp')\n"
        "import os\n"
        "print(open('spool').read(), os.path.exists('spool.tmp'))\n",
        str(tmp_path), tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["new", "contents", "False"]


def test_the_default_module_is_announced_as_a_runtime_dependency(tmp_path):
    (tmp_path / "spool.py").write_text(LOCKED_REPLACE)
    done = mboxlint("check", "--fix", "--unsafe-fixes", "--no-cache", "spool.py", cwd=tmp_path)
    assert done.returncode == 0
    assert "from mboxlint.mailbox import copy_back" in (tmp_path / "spool.py").read_text()
    assert "1 file now imports mboxlint.mailbox: add mboxlint to your runtime dependencies" in done.stderr
    # the command line overrides the setting; a name that is not a module is a usage error
    (tmp_path / "spool.py").write_text(LOCKED_REPLACE)
    diff = mboxlint("check", "--diff", "--unsafe-fixes", "--fix-import-module", "lib.box", "spool.py", cwd=tmp_path)
    assert diff.returncode == 1 and "+from lib.box import copy_back" in diff.stdout
    assert "1 file would import lib.box." in diff.stderr
    bad = mboxlint("check", "--fix", "--fix-import-module", "not a module", "spool.py", cwd=tmp_path)
    assert bad.returncode == 2 and "--fix-import-module" in bad.stderr

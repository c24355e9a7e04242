"""``[tool.mboxlint]`` in pyproject.toml, the flags that override it, and flake8's config file."""

import os
import subprocess
import sys
import textwrap

import pytest

from mboxlint import cli, runner
from mboxlint.config import Config, ConfigError, find_config_file, glob_regex, load_config
from support import ROOT

UNLOCKED_ADD = "import mailbox\nbox = mailbox.mbox('inbox')\nbox.add('x')\n"
# MBX101 at line 3 and MBX104 at line 5 (read before lock, modified after)
TWO_RULES = (
    "import mailbox\n"
    "box = mailbox.mbox('inbox')\n"
    "box.add('x')\n"
    "n = len(box)\n"
    "box.lock()\n"
    "try:\n"
    "    box.add('y')\n"
    "    box.flush()\n"
    "finally:\n"
    "    box.unlock()\n"
)


def mboxlint(*args, cwd):
    """The command as a user runs it from ``cwd``, importing this checkout's package."""
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "mboxlint", *args], cwd=str(cwd), env=env,
                          capture_output=True, text=True, timeout=300)


def reported(proc):
    """(relative path, line, code) of each finding line."""
    rows = []
    for line in proc.stdout.splitlines():
        path, number, _col, rest = line.split(":", 3)
        rows.append((path.replace(os.sep, "/").lstrip("./"), int(number), rest.split()[0]))
    return rows


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


# -- finding the file ------------------------------------------------------------------------


def test_closest_pyproject_with_a_table_is_used(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.mboxlint]\nignore = ['MBX101']\n")
    write(tmp_path / "sub" / "pyproject.toml", "[project]\nname = 'no-table-here'\n")
    write(tmp_path / "sub" / "deeper" / "pyproject.toml", "[tool.mboxlint]\nignore = ['MBX104']\n")
    write(tmp_path / "sub" / "deeper" / "m.py", TWO_RULES)
    write(tmp_path / "sub" / "m.py", TWO_RULES)
    assert find_config_file(["sub/m.py"], cwd=str(tmp_path)) == str(tmp_path / "pyproject.toml")
    assert find_config_file(["sub/deeper"], cwd=str(tmp_path)) == str(tmp_path / "sub" / "deeper" / "pyproject.toml")
    assert find_config_file([], cwd=str(tmp_path / "sub")) == str(tmp_path / "pyproject.toml")
    assert reported(mboxlint("check", "sub/m.py", cwd=tmp_path)) == [("sub/m.py", 5, "MBX104")]
    assert reported(mboxlint("check", "sub/deeper/m.py", cwd=tmp_path)) == [("sub/deeper/m.py", 3, "MBX101")]
    # From inside a folder with no path given, the walk starts at the current directory.
    assert reported(mboxlint("check", cwd=tmp_path / "sub" / "deeper")) == [("m.py", 3, "MBX101")]


def test_a_broken_pyproject_without_our_table_is_not_ours_to_judge(tmp_path):
    write(tmp_path / "pyproject.toml", "[project\nname = \n")
    write(tmp_path / "m.py", UNLOCKED_ADD)
    proc = mboxlint("check", "m.py", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stderr == ""


def test_explicit_config_file_and_isolated(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.mboxlint]\nignore = ['MBX101']\n")
    write(tmp_path / "strict.toml", "select = ['MBX']\n")  # a plain TOML file: top level is the table
    write(tmp_path / "m.py", TWO_RULES)
    assert [r[2] for r in reported(mboxlint("check", "m.py", cwd=tmp_path))] == ["MBX104"]
    assert [r[2] for r in reported(mboxlint("check", "--config", "strict.toml", "m.py", cwd=tmp_path))] == ["MBX101", "MBX104"]
    assert [r[2] for r in reported(mboxlint("check", "--isolated", "m.py", cwd=tmp_path))] == ["MBX101", "MBX104"]
    missing = mboxlint("check", "--config", "nope.toml", "m.py", cwd=tmp_path)
    assert missing.returncode == 2 and "nope.toml" in missing.stderr


def test_explicit_pyproject_without_table_is_an_error(tmp_path):
    write(tmp_path / "other" / "pyproject.toml", "[project]\nname = 'x'\n")
    write(tmp_path / "m.py", UNLOCKED_ADD)
    proc = mboxlint("check", "--config", "other/pyproject.toml", "m.py", cwd=tmp_path)
    assert proc.returncode == 2 and "no [tool.mboxlint] table" in proc.stderr


# -- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, words",
    [
        ("selct = ['MBX1']", ["unknown key 'selct'", "did you mean 'select'"]),
        ("extend_select = ['MBX1']", ["unknown key 'extend_select'", "'extend-select'"]),
        ("colour = true", ["unknown key 'colour'", "known keys"]),
        ("select = 'MBX1'", ["select", "expected a list of strings"]),
        ("select = ['E501']", ["select", "'E501' is not an mboxlint code"]),
        ("ignore = ['MBX199']", ["ignore", "unknown rule MBX199"]),
        ("unsafe-fixes = 'yes'", ["unsafe-fixes", "expected true or false"]),
        ("exclude = [1]", ["exclude", "expected a list of strings"]),
        ("per-file-ignores = ['tests/*']", ["per-file-ignores", "expected a table"]),
        ("[tool.mboxlint.per-file-ignores]\n'tests/*' = ['F401']", ["per-file-ignores 'tests/*'", "'F401'"]),
        ("select = [", ["not valid TOML"]),
        ("fix-import-module = 'my-lib.mailbox'", ["fix-import-module", "expected a dotted module name"]),
        ("fix-import-module = 'app.class'", ["fix-import-module", "expected a dotted module name"]),
        ("fix-import-module = ['app']", ["fix-import-module", "expected a dotted module name"]),
        ("extend-interprocess-locks = ['my-app.lock']", ["extend-interprocess-locks", "got 'my-app.lock'"]),
        ("extend-interprocess-locks = 'acquire'", ["extend-interprocess-locks", "expected a list of strings"]),
    ],
)
def test_bad_settings_stop_the_run_naming_file_and_key(tmp_path, body, words):
    write(tmp_path / "pyproject.toml", "[tool.mboxlint]\n" + body + "\n")
    write(tmp_path / "m.py", UNLOCKED_ADD)
    proc = mboxlint("check", "m.py", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout
    assert proc.stdout == ""
    assert str(tmp_path / "pyproject.toml") in proc.stderr
    for word in words:
        assert word in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_codes_on_the_command_line(tmp_path):
    write(tmp_path / "m.py", UNLOCKED_ADD)
    proc = mboxlint("check", "--per-file-ignores", "m.py:MBX777", "m.py", cwd=tmp_path)
    assert proc.returncode == 2 and "--per-file-ignores: unknown rule MBX777" in proc.stderr
    proc = mboxlint("check", "--per-file-ignores", "m.py", "m.py", cwd=tmp_path)
    assert proc.returncode == 2 and "expected GLOB:CODES" in proc.stderr


# -- selection -----------------------------------------------------------------------------


def test_selection_keys_and_command_line_overrides(tmp_path):
    write(tmp_path / "m.py", TWO_RULES)
    write(tmp_path / "pyproject.toml", "[tool.mboxlint]\nselect = ['MBX104']\n")
    codes = lambda *args: [r[2] for r in reported(mboxlint("check", *args, "m.py", cwd=tmp_path))]
    assert codes() == ["MBX104"]
    assert codes("--select", "MBX101") == ["MBX101"]  # the flag replaces the key
    assert codes("--extend-select", "MBX101") == ["MBX101", "MBX104"]
    write(tmp_path / "pyproject.toml", "[tool.mboxlint]\nignore = ['MBX1']\nextend-select = ['MBX104']\n")
    assert codes() == ["MBX104"]  # the more specific prefix wins, as on the command line
    assert codes("--ignore", "MBX104") == []  # flags add to the file's ignore list


def test_per_file_ignores(tmp_path):
    write(tmp_path / "pyproject.toml", """\
        [tool.mboxlint]
        select = ["MBX101", "MBX104"]

        [tool.mboxlint.per-file-ignores]
        "tests/**" = ["MBX1"]
        "scripts/*.py" = ["MBX104"]
        "one_off.py" = ["MBX101"]
        """)
    for name in ("tests/unit/t.py", "scripts/s.py", "scripts/sub/s.py", "app/one_off.py", "app/main.py"):
        write(tmp_path / name, TWO_RULES)
    rows = reported(mboxlint("check", ".", cwd=tmp_path))
    assert sorted(rows) == [
        ("app/main.py", 3, "MBX101"), ("app/main.py", 5, "MBX104"),
        ("app/one_off.py", 5, "MBX104"),            # matched by base name
        ("scripts/s.py", 3, "MBX101"),              # '*' stays in its folder...
        ("scripts/sub/s.py", 3, "MBX101"), ("scripts/sub/s.py", 5, "MBX104"),  # ...so this is not matched
    ]
    # The flag replaces the table.
    rows = reported(mboxlint("check", "--per-file-ignores", "app/*.py:MBX104", "app", cwd=tmp_path))
    assert sorted(rows) == [("app/main.py", 3, "MBX101"), ("app/one_off.py", 3, "MBX101")]


def test_per_file_ignores_beat_an_explicit_select(tmp_path):
    config = Config({"select": ["MBX101"], "per-file-ignores": {"gen_*.py": ["MBX1"]}}, root=str(tmp_path))
    assert config.selection_for(str(tmp_path / "gen_a.py")).enabled == frozenset()
    assert config.selection_for(str(tmp_path / "a.py")).enabled == {"MBX101"}


# -- which files ---------------------------------------------------------------------------


@pytest.fixture
def layout(tmp_path):
    for name in ("a.py", "build/b.py", "generated/g.py", "src/legacy/old.py", "src/legacy/keep.txt",
                 "src/new.py", "node_modules/n.py"):
        write(tmp_path / name, UNLOCKED_ADD)
    return tmp_path


def files_checked(proc):
    return sorted({row[0] for row in reported(proc)})


def test_default_exclusions(layout):
    assert files_checked(mboxlint("check", cwd=layout)) == ["a.py", "generated/g.py", "src/legacy/old.py", "src/new.py"]


def test_extend_exclude_adds_to_the_defaults(layout):
    write(layout / "pyproject.toml", "[tool.mboxlint]\nextend-exclude = ['generated', 'src/legacy/*.py']\n")
    assert files_checked(mboxlint("check", cwd=layout)) == ["a.py", "src/new.py"]
    # From a sub-folder the patterns are still read relative to the project root.
    assert files_checked(mboxlint("check", ".", cwd=layout / "src")) == ["new.py"]


def test_exclude_replaces_the_defaults(layout):
    write(layout / "pyproject.toml", "[tool.mboxlint]\nexclude = ['generated']\n")
    assert files_checked(mboxlint("check", cwd=layout)) == [
        "a.py", "build/b.py", "node_modules/n.py", "src/legacy/old.py", "src/new.py",
    ]
    assert files_checked(mboxlint("check", "--exclude", "src,build", cwd=layout)) == [
        "a.py", "generated/g.py", "node_modules/n.py",
    ]


def test_named_files_are_checked_unless_force_exclude(layout):
    write(layout / "pyproject.toml", "[tool.mboxlint]\nextend-exclude = ['generated']\n")
    assert files_checked(mboxlint("check", "generated/g.py", "build/b.py", cwd=layout)) == ["build/b.py", "generated/g.py"]
    assert files_checked(mboxlint("check", "--force-exclude", "generated/g.py", "build/b.py", "a.py", cwd=layout)) == ["a.py"]
    write(layout / "pyproject.toml", "[tool.mboxlint]\nforce-exclude = true\nextend-exclude = ['generated']\n")
    assert files_checked(mboxlint("check", "generated/g.py", cwd=layout)) == []


@pytest.mark.parametrize(
    "pattern, path, matches",
    [
        ("*.py", "a.py", True),
        ("src/*.py", "src/a.py", True),
        ("src/*.py", "src/sub/a.py", False),
        ("src/**/*.py", "src/a.py", True),
        ("src/**/*.py", "src/sub/deep/a.py", True),
        ("tests/**", "tests/x/y.py", True),
        ("te?t.py", "test.py", True),
        ("[!a]*.py", "a.py", False),
        ("[ab].py", "b.py", True),
        ("a+b.py", "a+b.py", True),
        ("a+b.py", "aab.py", False),
    ],
)
def test_glob_semantics(pattern, path, matches):
    assert bool(glob_regex(pattern).match(path)) is matches


# -- options for the rules and for --fix ---------------------------------------------------


def test_shared_files_and_unsafe_fixes_reach_their_readers(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", "[tool.mboxlint]\nshared-files = ['/var/mail/*']\nunsafe-fixes = true\n")
    write(tmp_path / "m.py", "x = 1\n")
    config = load_config(["m.py"], cwd=str(tmp_path))
    assert config.unsafe_fixes is True
    assert config.options == {"shared_files": ["/var/mail/*"]}
    assert load_config(["m.py"], isolated=True, cwd=str(tmp_path)).unsafe_fixes is False

    seen = []
    real = runner.check_source
    monkeypatch.setattr(runner, "check_source",
                        lambda text, path, selection, options: seen.append(options) or real(text, path, selection, options))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check", "--no-cache", "m.py"]) == 0
    assert cli.main(["check", "--no-cache", "--shared-files", "*.mbox,spool/*", "m.py"]) == 0
    assert seen == [{"shared_files": ["/var/mail/*"]}, {"shared_files": ["*.mbox", "spool/*"]}]


def test_config_error_is_a_value_error_for_library_users(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.mboxlint]\nselect = 'MBX1'\n")
    with pytest.raises(ConfigError):
        load_config([], cwd=str(tmp_path))


# -- flake8 --------------------------------------------------------------------------------

FLAKE8_PROBE = """
import sys
from flake8.main.application import Application
from mboxlint.flake8_plugin import MboxlintChecker
app = Application()
app.run(sys.argv[1:])
print("OPTIONS", MboxlintChecker.options)
"""


@pytest.mark.parametrize("config_name", ["setup.cfg", ".flake8", "tox.ini"])
def test_flake8_reads_shared_files_from_its_config(tmp_path, config_name):
    write(tmp_path / config_name, """\
        [flake8]
        extend-select = MBX
        mboxlint-shared-files =
            /var/mail/*,
            spool/*.mbox
        """)
    write(tmp_path / "m.py", UNLOCKED_ADD)
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, "-c", FLAKE8_PROBE, "m.py"], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, timeout=300)
    assert "OPTIONS {'shared_files': ['/var/mail/*', 'spool/*.mbox']}" in proc.stdout, proc.stdout + proc.stderr
    assert "m.py:3:1: MBX101" in proc.stdout


LOCKED_REMOVE = """\
import os
from myapp.locks import held
def drop(path):
    with held(path):
        if os.path.exists(path):
            os.remove(path)
"""


def test_project_locks_come_from_the_file_and_the_command_line(tmp_path, monkeypatch):
    write(tmp_path / "m.py", LOCKED_REMOVE)
    assert mboxlint("check", "--isolated", "m.py", cwd=tmp_path).returncode == 1
    proc = mboxlint("check", "--isolated", "--extend-interprocess-locks", "myapp.locks.held", "m.py", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stdout + proc.stderr
    write(tmp_path / "pyproject.toml", "[tool.mboxlint]\nextend-interprocess-locks = ['other.lock']\n")
    assert load_config(["m.py"], cwd=str(tmp_path)).options == {
        "shared_files": [], "extend_interprocess_locks": ["other.lock"]}
    assert mboxlint("check", "m.py", cwd=tmp_path).returncode == 1
    # the command line adds to the file's list, as --extend-select does
    proc = mboxlint("check", "--extend-interprocess-locks", "held", "m.py", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stdout + proc.stderr
    proc = mboxlint("check", "--extend-interprocess-locks", "held,9lives", "m.py", cwd=tmp_path)
    assert proc.returncode == 2 and "'9lives'" in proc.stderr and "Traceback" not in proc.stderr


def test_flake8_reads_project_locks_from_its_config(tmp_path):
    write(tmp_path / "setup.cfg", """\
        [flake8]
        extend-select = MBX
        mboxlint-extend-interprocess-locks = myapp.locks.held, acquire_lock
        """)
    write(tmp_path / "m.py", LOCKED_REMOVE)
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, "-c", FLAKE8_PROBE, "m.py"], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, timeout=300)
    assert "'extend_interprocess_locks': ['myapp.locks.held', 'acquire_lock']" in proc.stdout, proc.stdout + proc.stderr
    assert "MBX302" not in proc.stdout
    write(tmp_path / "setup.cfg", "[flake8]\nmboxlint-extend-interprocess-locks = my-app.held\n")
    proc = subprocess.run([sys.executable, "-m", "flake8", "m.py"], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "'my-app.held'" in proc.stderr, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr

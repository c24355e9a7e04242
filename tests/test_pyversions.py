"""Every declared Python: ``ast`` names that only newer interpreters have are guarded, and the
commands run on the interpreter the tests run on (CI runs these on 3.9 and on 3.13)."""

import ast
import os
import subprocess
import sys

import pytest

from mboxlint.engine import check_source

from support import EVERY_RULE, ROOT, run_cli

# ``ast`` node classes added after Python 3.9, the oldest Python mboxlint declares.
NEWER_THAN_OLDEST = {
    "Match", "match_case", "MatchValue", "MatchSingleton", "MatchSequence", "MatchMapping",
    "MatchClass", "MatchStar", "MatchAs", "MatchOr", "pattern",  # 3.10
    "TryStar",  # 3.11
    "TypeAlias", "TypeVar", "ParamSpec", "TypeVarTuple", "type_param",  # 3.12
}


def _guarded_names(test):
    """The ``ast`` names an ``if`` test checks with ``hasattr(ast, "Name")``."""
    return {
        node.args[1].value for node in ast.walk(test)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "hasattr"
        and len(node.args) == 2 and isinstance(node.args[0], ast.Name) and node.args[0].id == "ast"
        and isinstance(node.args[1], ast.Constant)
    }


def _unguarded_uses(tree):
    """``ast.X`` for a newer X outside an ``if hasattr(ast, "X"):`` body; iterative walk."""
    found = []
    pending = [(tree, frozenset())]
    while pending:
        node, guarded = pending.pop()
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "ast" \
                and node.attr in NEWER_THAN_OLDEST and node.attr not in guarded:
            found.append((node.lineno, node.attr))
        if isinstance(node, ast.If):
            inner = guarded | _guarded_names(node.test)
            pending.extend((child, inner) for child in node.body)
            pending.extend((child, guarded) for child in [node.test] + node.orelse)
            continue
        pending.extend((child, guarded) for child in ast.iter_child_nodes(node))
    return found


def test_every_newer_ast_name_in_the_package_is_guarded():
    unguarded = []
    package = os.path.join(ROOT, "mboxlint")
    for folder, _dirs, files in os.walk(package):
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as handle:
                    tree = ast.parse(handle.read(), path)
                unguarded += ["%s:%d: ast.%s" % (os.path.relpath(path, ROOT), line, attr)
                              for line, attr in _unguarded_uses(tree)]
    assert unguarded == []


def test_the_guard_check_sees_a_bare_use_and_accepts_a_guarded_one():
    tree = ast.parse(
        "KINDS = (ast.Try, ast.TryStar)\n"
        "if hasattr(ast, 'Match'):\n    KINDS += (ast.Match,)\nelse:\n    KINDS += (ast.MatchAs,)\n")
    assert sorted(_unguarded_uses(tree)) == [(1, "TryStar"), (5, "MatchAs")]


# A removal, then ``except ... as NAME``, then a rename onto a path built from NAME: deciding
# whether the handler rebinds the target looks at name-binding nodes, the match patterns among them.
REBINDING_HANDLER = """\
import os


def replace(src, err):
    os.remove(err + ".txt")
    try:
        pass
    except OSError as err:
        pass
    os.rename(src, err + ".txt")
"""


def test_except_as_between_removal_and_rename_is_checked(tmp_path):
    path = tmp_path / "handler.py"
    path.write_text(REBINDING_HANDLER, encoding="utf-8")
    check = run_cli("check", "--no-cache", str(path))
    assert check.stderr == ""
    assert check.stdout.startswith("%s:10:5: MBX305 os.rename() onto " % path)
    assert check.stdout.count("\n") == 1
    assert check.returncode == 1
    flake8 = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select=MBX", str(path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert (flake8.stdout, flake8.stderr, flake8.returncode) == (check.stdout, "", 1)


def test_fix_and_diff_leave_a_rebound_target_alone(tmp_path):
    path = tmp_path / "handler.py"
    path.write_text(REBINDING_HANDLER, encoding="utf-8")
    diff = run_cli("check", "--no-cache", "--diff", str(path))
    assert (diff.stdout, diff.returncode) == ("", 0)
    assert "internal error" not in diff.stderr
    fixed = run_cli("--fix", "--no-cache", str(path))
    assert "internal error" not in fixed.stderr
    assert "Fixed 0 findings in 0 files, 1 remaining" in fixed.stderr
    assert fixed.returncode == 1
    assert path.read_text(encoding="utf-8") == REBINDING_HANDLER


def test_fix_runs_on_this_interpreter(tmp_path):
    # A safe fix goes through libcst and the ast/libcst statement pairing, which names the
    # match statement; an unguarded name there stops every fix.
    path = tmp_path / "flush.py"
    path.write_text("import mailbox\n\n\ndef deliver(box: mailbox.mbox, msg):\n"
                    "    box.lock()\n    box.add(msg)\n    box.flush()\n    box.unlock()\n", encoding="utf-8")
    fixed = run_cli("--fix", "--no-cache", str(path))
    assert "internal error" not in fixed.stderr
    assert "try:" in path.read_text(encoding="utf-8")
    assert fixed.returncode == 0, fixed.stderr


# -- newer statements wherever the analyses look ------------------------------------------

# A module every analysis walks (mailbox locks, IMAP, file paths, helpers and their summaries,
# context managers, classes), with ``{S}`` where a statement may stand.
_HOST = '''
import contextlib, fcntl, imaplib, json, mailbox, os, tempfile
{S0}
STATE = "state.json"

@contextlib.contextmanager
def locked(box):
    {S1}
    box.lock()
    try:
        {S1}
        yield box
    finally:
        box.unlock()

def path_of(name):
    {S1}
    return os.path.join("/var/spool", name)

def store(box, msg):
    {S1}
    with locked(box):
        {S2}
        box.add(msg)
    if os.path.exists(STATE):
        {S2}
        with open(STATE) as f:
            {S3}
            return json.load(f)
    try:
        {S2}
        os.rename(STATE + ".tmp", STATE)
    except OSError:
        {S2}
        raise
    for key in box.keys():
        {S2}
        box.remove(key)
    while box:
        {S2}
        break

class Spool:
    {S1}
    def __init__(self, path):
        {S2}
        self.path = path
        self.tmp = path + ".tmp"
        self.box = mailbox.mbox(path)

    def __enter__(self):
        {S2}
        self.box.lock()
        return self

    def __exit__(self, *exc):
        {S2}
        self.box.unlock()

    def save(self):
        {S2}
        with open(self.tmp, "w") as f:
            {S3}
            f.write("")
        os.rename(self.tmp, self.path)

def imap(conn):
    {S1}
    typ, data = conn.search(None, "ALL")
    for num in data[0].split():
        {S2}
        conn.fetch(num, "(RFC822)")
'''


def _hosted(statement):
    """``_HOST`` with ``statement`` at every place, indented to fit."""
    lines = []
    for line in _HOST.splitlines():
        marker = line.strip()
        if marker.startswith("{S") and marker.endswith("}"):
            indent = line[:len(line) - len(line.lstrip())]
            lines.extend(indent + part for part in statement.splitlines())
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


_NEWER_STATEMENTS = [
    ((3, 10), "match os.name:\n    case 'nt':\n        os.remove(STATE)\n    case [x, *rest] if x:\n"
              "        pass\n    case {'k': v, **kw}:\n        pass\n    case str() | None as y:\n        pass\n"
              "    case _:\n        pass"),
    ((3, 11), "try:\n    os.remove(STATE)\nexcept* OSError:\n    pass"),
    ((3, 12), "type Alias[T] = list[T]"),
]


@pytest.mark.parametrize("version, statement", _NEWER_STATEMENTS, ids=["match", "except*", "type"])
def test_newer_statements_anywhere_are_checked_without_error(version, statement):
    if sys.version_info < version:
        pytest.skip("this statement needs Python %d.%d" % version)
    text = _hosted(statement)
    ast.parse(text)  # the host itself is valid Python on this interpreter
    result = check_source(text, "hosted.py", EVERY_RULE)
    assert result.error is None, result.error
    # The host's own findings are still there: the newer statement stopped no analysis.
    plain = check_source(_hosted("pass"), "hosted.py", EVERY_RULE)
    assert {f.code for f in plain.findings} <= {f.code for f in result.findings} | {"MBX301", "MBX302"}


@pytest.mark.parametrize("chain", [".b", "()", "[0]", "+a"])
def test_a_chain_too_deep_to_parse_is_reported_not_a_crash(chain):
    # Python 3.9 and 3.10 die in ast.parse on a chain this deep; every version must report it.
    code = ("import sys\nfrom mboxlint.engine import check_source\n"
            "r = check_source('x = a' + %r * 200000 + '\\n', 'deep.py')\n"
            "print(r.error.code if r.error else 'none', len(r.findings))\n" % chain)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, (done.returncode, done.stderr[-500:])
    assert done.stdout.split() == ["E902", "0"], done.stdout

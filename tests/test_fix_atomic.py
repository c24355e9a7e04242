"""The MBX901 fix does what it promises: the fixed code replaces the state file as a whole.

The fixed snippets are executed against a temporary directory: a reader that opened the file
before the save still reads the complete old contents, a new reader the new ones, a failed
save leaves the old file, and no temp file is left behind. The unfixed code is run the same
way to show that each check can fail.
"""

import json
import os
import textwrap

import pytest

from mboxlint.config import Selection
from mboxlint.engine import check_source
from mboxlint.fix import fix_source

from support import EVERY_RULE, FIXTURES

ONLY = Selection(select=["MBX901"])

WITH_OPEN = textwrap.dedent(
    """\
    import json

    STATE = "state.json"


    def load():
        with open(STATE) as f:
            return json.load(f)


    def save(state):
        with open(STATE, "w") as f:
            json.dump(state, f)
    """
)

WRITE_TEXT = textwrap.dedent(
    """\
    import json
    from pathlib import Path

    STATE = Path("state.json")


    def load():
        return json.loads(STATE.read_text())


    def save(state):
        STATE.write_text(json.dumps(state), encoding="utf-8")
    """
)

OLD = {"uids": list(range(2000)), "version": 1}
NEW = {"uids": [7], "version": 2}


def fixed(code):
    result = fix_source(code, "<snippet>", ONLY, unsafe=True)
    assert result.problems == [] and result.fixed == 1
    assert "atomic_write" in result.text
    return result.text


def save_function(code, path):
    """The snippet's ``save``, writing ``path``."""
    namespace = {}
    exec(compile(code, "<snippet>", "exec"), namespace)
    namespace["STATE"] = type(namespace["STATE"])(path)
    return namespace["save"]


def reader_during_save(save, path):
    """What a reader that opened ``path`` before ``save`` ran reads after it."""
    with open(path) as reader:
        save(NEW)
        return reader.read()


@pytest.mark.parametrize("code", [WITH_OPEN, WRITE_TEXT], ids=["with-open", "write_text"])
def test_fixed_save_replaces_the_file_as_a_whole(code, tmp_path):
    path = tmp_path / "state.json"
    path.write_text(json.dumps(OLD))
    before = os.stat(path)
    held = reader_during_save(save_function(fixed(code), path), path)
    assert json.loads(held) == OLD  # the old file, complete
    assert json.loads(path.read_text()) == NEW
    assert os.stat(path).st_ino != before.st_ino
    assert os.listdir(tmp_path) == ["state.json"]


@pytest.mark.parametrize("code", [WITH_OPEN, WRITE_TEXT], ids=["with-open", "write_text"])
def test_unfixed_save_rewrites_under_the_reader(code, tmp_path):
    path = tmp_path / "state.json"
    path.write_text(json.dumps(OLD))
    held = reader_during_save(save_function(code, path), path)
    assert held != json.dumps(OLD)


@pytest.mark.parametrize("fix", [False, True], ids=["unfixed", "fixed"])
def test_a_failed_save_leaves_the_old_file_only_when_fixed(fix, tmp_path):
    path = tmp_path / "state.json"
    path.write_text(json.dumps(OLD))
    save = save_function(fixed(WITH_OPEN) if fix else WITH_OPEN, path)
    with pytest.raises(TypeError):
        save({"bad": object()})  # json.dump fails half-way
    assert (path.read_text() == json.dumps(OLD)) is fix
    assert os.listdir(tmp_path) == ["state.json"]


def test_new_file_is_created_with_the_umask_default(tmp_path):
    path = tmp_path / "state.json"
    save_function(fixed(WITH_OPEN), path)(NEW)
    assert json.loads(path.read_text()) == NEW
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


def test_shapes_the_fixer_leaves_carry_no_fix():
    path = os.path.join(FIXTURES, "opinionated", "fix_atomic_write.py")
    with open(path, encoding="utf-8") as handle:
        code = handle.read()
    lines = code.splitlines()
    start = next(n for n, line in enumerate(lines, 1) if line.startswith("def left_alone"))
    found = [f for f in check_source(code, path, EVERY_RULE).findings if f.code == "MBX901"]
    left = [f for f in found if f.line > start]
    assert len(left) == 5
    assert all(f.fix is None for f in left)
    assert all(f.fix == "unsafe" for f in found if f.line < start)


def test_write_text_whose_value_is_used_is_not_rewritten():
    code = WRITE_TEXT.replace("    STATE.write_text(", "    return STATE.write_text(")
    result = fix_source(code, "<snippet>", ONLY, unsafe=True)
    assert result.text == code
    assert [f.fix for f in result.remaining] == [None]

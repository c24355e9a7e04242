"""``--fix`` keeps, in the check's cache, what fixing an unchanged file found: the next run
reports the same findings, problems and status without fixing that file again, and anything
that changes the answer (the file, the mode, a failure outside the file) fixes it again."""

import io
import os

import pytest

from mboxlint import fix as fix_module
from mboxlint import fix_command, runner
from mboxlint.config import Selection

from support import FIXABLE, count_fixes

SELECTION = Selection(select=["MBX"])

# libcst refuses the last line: the fix is reported as impossible and the file kept.
REFUSED = FIXABLE + "(x): int = 1\n"


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(runner.CACHE_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def fixes(monkeypatch):
    """The paths handed to :func:`mboxlint.fix.fix_source`, run after run."""
    return count_fixes(monkeypatch)


def run(path, unsafe=False, diff=False, cache=True):
    out, err = io.StringIO(), io.StringIO()
    status = fix_command.run([str(path)], SELECTION, unsafe, diff, "text", stdout=out, stderr=err,
                             jobs=1, cache=cache)
    return status, out.getvalue(), err.getvalue()


def test_an_unchanged_file_reports_the_same_without_being_fixed_again(tmp_path, cache_dir, fixes):
    path = tmp_path / "odd.py"
    path.write_text(REFUSED)
    first = run(path)
    assert first[0] == 3 and "cannot fix: libcst cannot parse this file" in first[2]
    assert "odd.py:6:5: MBX103" in first[1]
    assert fixes == [str(path)]
    second = run(path)
    assert second == first
    assert fixes == [str(path)]  # not handed to the fixers a second time
    assert path.read_text() == REFUSED


def test_same_answer_as_without_a_cache(tmp_path, cache_dir, fixes):
    path = tmp_path / "odd.py"
    path.write_text(REFUSED)
    run(path)
    assert run(path) == run(path, cache=False)
    assert len(fixes) == 2  # the first run and the one without a cache


def test_a_changed_file_is_fixed_again(tmp_path, cache_dir, fixes):
    path = tmp_path / "odd.py"
    path.write_text(REFUSED)
    run(path)
    path.write_text(FIXABLE)  # now libcst can parse it
    status, out, err = run(path)
    assert fixes == [str(path), str(path)]
    assert status == 0 and out == "" and "Fixed 2 findings in 1 file, 0 remaining." in err
    assert "box.flush()" in path.read_text()


def test_a_file_changed_but_still_refused_is_fixed_again(tmp_path, cache_dir, fixes):
    path = tmp_path / "odd.py"
    path.write_text(REFUSED)
    run(path)
    path.write_text(REFUSED + "(y): int = 2\n")
    status, out, err = run(path)
    assert fixes == [str(path), str(path)]
    assert status == 3 and "cannot fix: libcst cannot parse this file" in err


def test_what_safe_fixes_found_says_nothing_about_unsafe_ones(tmp_path, cache_dir, fixes):
    path = tmp_path / "odd.py"
    path.write_text(REFUSED)
    run(path)
    unsafe = run(path, unsafe=True)
    assert fixes == [str(path), str(path)]
    assert run(path, unsafe=True) == unsafe and len(fixes) == 2
    assert run(path)[0] == 3 and len(fixes) == 2  # both modes are remembered


def test_diff_reuses_what_fix_found(tmp_path, cache_dir, fixes):
    path = tmp_path / "odd.py"
    path.write_text(REFUSED)
    run(path)
    status, out, err = run(path, diff=True)
    assert status == 3 and out == "" and "cannot fix: libcst cannot parse this file" in err
    assert len(fixes) == 1


def test_a_failure_to_write_is_not_remembered(tmp_path, cache_dir, fixes, monkeypatch):
    path = tmp_path / "deliver.py"
    path.write_text(FIXABLE)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fix_module.os, "replace", refuse)
    status, _out, err = run(path)
    assert status == 3 and "cannot write: Permission denied" in err
    monkeypatch.undo()  # also drops the counting fix_source: count by the result instead
    status, out, err = run(path)
    assert status == 0 and "Fixed 2 findings in 1 file, 0 remaining." in err
    assert "box.flush()" in path.read_text()


def test_a_fixed_file_is_not_remembered_as_unchanged(tmp_path, cache_dir, fixes):
    path = tmp_path / "deliver.py"
    path.write_text(FIXABLE)
    assert run(path)[0] == 0
    # The written file has nothing left to fix, so the second run needs no fixer at all.
    assert run(path) == (0, "", "Fixed 0 findings in 0 files, 0 remaining.\n")
    assert fixes == [str(path)]


def test_the_cache_keeps_the_outcome_only_for_the_same_content(tmp_path):
    store = runner.Cache(str(tmp_path), "key")
    result = runner.FileResult("a.py", [])
    store.put("/a.py", None, "d1", result)
    store.put_fix_outcome("/a.py", "d1", "safe", ["refused"], 0)
    assert store.fix_outcome("/a.py", "safe") == (["refused"], 0)
    assert store.fix_outcome("/a.py", "unsafe") is None
    store.put_fix_outcome("/a.py", "other", "unsafe", ["stale"], 0)  # not the cached content
    assert store.fix_outcome("/a.py", "unsafe") is None
    store.put("/a.py", (1, 2, 3, 4), "d1", result)  # same content, new stamp: still known
    assert store.fix_outcome("/a.py", "safe") == (["refused"], 0)
    store.save()
    again = runner.Cache(str(tmp_path), "key")
    assert again.fix_outcome("/a.py", "safe") == (["refused"], 0)
    assert again.lookup("/a.py")[1] == "d1"
    again.put("/a.py", None, "d2", result)  # new content: forgotten
    assert again.fix_outcome("/a.py", "safe") is None


@pytest.mark.parametrize("outcome", [None, "x", {"safe": "x"}, {"safe": [["a", 1], 0]}, {"safe": [[], "0"]}])
def test_a_malformed_outcome_is_a_miss(tmp_path, outcome):
    store = runner.Cache(str(tmp_path), "key")
    store.entries["/a.py"] = [None, "d1", [[], None], outcome]
    assert store.fix_outcome("/a.py", "safe") is None
    assert store.lookup("/a.py") is not None
    assert os.path.basename(store.index_path) == "key.json"


def test_a_findings_plan_survives_the_cache_as_plain_data():
    import json

    from mboxlint.engine import check_source
    from mboxlint.finding import Finding

    code = "import os\ndef load(p):\n    if os.path.exists(p):\n        with open(p) as f:\n            return f.read()\n"
    [finding] = check_source(code, "l.py", Selection(select=["MBX301"])).findings
    assert finding.plan is not None and finding.plan.anchors
    again = Finding.from_data(json.loads(json.dumps(finding.to_data())))
    assert again == finding and again.plan.span("guard") == finding.plan.span("guard")

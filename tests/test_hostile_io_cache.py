"""The cache on a hostile tree: an edit that restores the mtime is seen, an index committed to
the repository cannot hide findings, anything unexpected in it is a miss, and nothing is
written through a link in or at ``.mboxlint_cache``."""

import json
import os
import subprocess
import sys
import time

import pytest

from mboxlint import __version__, runner
from mboxlint.config import Selection

from support import ROOT

OLD = time.time() - 3600
CLEAN = "import mailbox\nbox = mailbox.mbox('inbox')\nbox.len('x')\n"
UNLOCKED = "import mailbox\nbox = mailbox.mbox('inbox')\nbox.add('x')\n"
assert len(CLEAN) == len(UNLOCKED)
EVERY_RULE = Selection(select=["MBX"])


def cli(*args, cwd, secret_dir, cache_dir=None):
    env = dict(os.environ, PYTHONPATH=ROOT, MBOXLINT_SECRET_DIR=str(secret_dir))
    env.pop(runner.CACHE_DIR_ENV, None)
    if cache_dir is not None:
        env[runner.CACHE_DIR_ENV] = str(cache_dir)
    return subprocess.run([sys.executable, "-m", "mboxlint", *args], cwd=str(cwd), env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("")
    return root


def test_a_same_size_edit_with_its_mtime_set_back_is_checked_again(project, tmp_path):
    path = project / "deliver.py"
    path.write_text(CLEAN)
    os.utime(str(path), (OLD, OLD))  # old enough for the stamp to be trusted
    secret = tmp_path / "secret"
    assert cli("check", "deliver.py", cwd=project, secret_dir=secret).returncode == 0
    before = os.stat(str(path))
    with open(str(path), "r+") as handle:  # same inode, same size: what `cp -p` or an editor leaves
        handle.write(UNLOCKED)
    os.utime(str(path), ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(str(path))
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns)
    proc = cli("check", "deliver.py", cwd=project, secret_dir=secret)
    assert proc.returncode == 1 and "MBX101" in proc.stdout


def _forge_index(project, path, secret_dir, monkeypatch):
    """What an attacker commits: an index saying ``path`` (its current bytes, its stat) has
    no finding, under the key they can compute; everything but the victim's secret."""
    monkeypatch.setenv(runner.SECRET_ENV, str(secret_dir))
    monkeypatch.setattr(runner, "_SECRET", [])
    key = runner.configuration_key(EVERY_RULE, None)
    monkeypatch.setattr(runner, "_SECRET", [])
    with open(str(path), "rb") as handle:
        raw = handle.read()
    store = runner.Cache(str(project / runner.CACHE_DIR_NAME), key)
    store.put(os.path.abspath(str(path)), runner._stamp(os.stat(str(path))), runner.content_digest(raw),
              runner.FileResult(str(path), []))
    store.save()
    return key


def test_a_committed_index_cannot_hide_findings(project, tmp_path, monkeypatch):
    path = project / "deliver.py"
    path.write_text(UNLOCKED)
    os.utime(str(path), (OLD, OLD))
    # The attacker can reproduce versions, codes, options and the installed files; the only
    # thing they lack is the secret of the user who runs the check.
    key = _forge_index(project, path, tmp_path / "attacker", monkeypatch)
    forged = project / runner.CACHE_DIR_NAME / __version__ / (key + ".json")
    assert forged.exists()
    # ... even with the attacker's secret committed next to it
    (project / runner.CACHE_DIR_NAME / "secret").write_text((tmp_path / "attacker" / "secret").read_text())
    proc = cli("check", "--select", "MBX", "deliver.py", cwd=project, secret_dir=tmp_path / "victim")
    assert proc.returncode == 1 and "MBX101" in proc.stdout
    # The victim's secret is theirs alone.
    victim = tmp_path / "victim" / "secret"
    assert oct(os.stat(str(victim)).st_mode & 0o777) == oct(0o600)
    assert victim.read_text() != (tmp_path / "attacker" / "secret").read_text()


def test_the_same_user_reuses_the_cache_across_runs(project, tmp_path):
    path = project / "deliver.py"
    path.write_text(UNLOCKED)
    os.utime(str(path), (OLD, OLD))
    secret = tmp_path / "secret"
    cli("check", "deliver.py", cwd=project, secret_dir=secret)
    indexes = os.listdir(str(project / runner.CACHE_DIR_NAME / __version__))
    cli("check", "deliver.py", cwd=project, secret_dir=secret)
    assert os.listdir(str(project / runner.CACHE_DIR_NAME / __version__)) == indexes and len(indexes) == 1


@pytest.mark.parametrize("garbage", [
    "[" * 5000 + "]" * 5000,  # deeper than the JSON parser recurses
    "deep-key",
    "bad-fields",
])
def test_anything_unexpected_in_the_index_is_a_miss(project, tmp_path, garbage):
    path = project / "deliver.py"
    path.write_text(UNLOCKED)
    os.utime(str(path), (OLD, OLD))
    secret = tmp_path / "secret"
    expected = cli("check", "deliver.py", cwd=project, secret_dir=secret)
    assert expected.returncode == 1
    folder = project / runner.CACHE_DIR_NAME / __version__
    index, = [folder / name for name in os.listdir(str(folder))]
    data = json.loads(index.read_text())
    entry = data["files"][os.path.abspath(str(path))]
    if garbage == "deep-key":
        data["key"] = {"a": [[[[]]]]}
        garbage = json.dumps(data)
    elif garbage == "bad-fields":  # every field of a finding of the wrong type
        entry[2][0] = [[1, 2, "MBX101", "m", 5, "x", None], [True, 0, "MBX101", "m", None, None, None]]
        garbage = json.dumps(data)
    index.write_text(garbage)
    proc = cli("check", "deliver.py", cwd=project, secret_dir=secret)
    assert (proc.returncode, proc.stdout) == (expected.returncode, expected.stdout), proc.stderr
    assert "internal error" not in proc.stderr


def test_a_symlinked_cache_folder_is_not_written_through(project, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / runner.CACHE_DIR_NAME).symlink_to(outside)
    (project / "deliver.py").write_text(UNLOCKED)
    proc = cli("check", "deliver.py", cwd=project, secret_dir=tmp_path / "secret")
    assert proc.returncode == 1 and proc.stderr == ""
    assert os.listdir(str(outside)) == []


def test_dangling_links_inside_the_cache_create_nothing_outside(project, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    cache = project / runner.CACHE_DIR_NAME
    cache.mkdir()
    (cache / ".gitignore").symlink_to(outside / "gitignore")
    (cache / "CACHEDIR.TAG").symlink_to(outside / "tag")
    (cache / __version__).symlink_to(outside / "version")
    (project / "deliver.py").write_text(UNLOCKED)
    proc = cli("check", "deliver.py", cwd=project, secret_dir=tmp_path / "secret")
    assert proc.returncode == 1 and proc.stderr == ""
    assert os.listdir(str(outside)) == []
    # and a link where the index goes is replaced, not written through
    (cache / __version__).unlink()
    (cache / __version__).mkdir()
    store_key = None
    proc = cli("check", "deliver.py", cwd=project, secret_dir=tmp_path / "secret")
    index, = os.listdir(str(cache / __version__))
    store_key = index
    (cache / __version__ / store_key).unlink()
    (cache / __version__ / store_key).symlink_to(outside / "index.json")
    (project / "other.py").write_text(UNLOCKED)  # something new to record
    proc = cli("check", ".", cwd=project, secret_dir=tmp_path / "secret")
    assert proc.returncode == 1
    assert os.listdir(str(outside)) == []
    assert not os.path.islink(str(cache / __version__ / store_key))


def test_clean_removes_a_link_not_what_it_points_to(project, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("x")
    (project / runner.CACHE_DIR_NAME).symlink_to(outside)
    proc = cli("clean", cwd=project, secret_dir=tmp_path / "secret")
    assert proc.returncode == 0
    assert not os.path.lexists(str(project / runner.CACHE_DIR_NAME))
    assert (outside / "keep").read_text() == "x"

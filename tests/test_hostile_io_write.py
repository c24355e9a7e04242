"""``--fix`` on a hostile tree: it writes only regular files reached without a link, never
loses a concurrent edit, and keeps owner, group, mode bits, extended attributes and ACLs, or
leaves the file alone and says why. Real links, real owners, real second processes."""

import errno
import os
import shutil
import stat
import struct
import subprocess
import sys
import time

import pytest

from mboxlint import fix as fix_module
from mboxlint import safe_write
from mboxlint.fix import fix_file

from support import EVERY_RULE, FIXABLE, OTHER_GID, OTHER_UID, as_another_user, let_anyone_in, run_cli

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")


def xattrs_supported(folder):
    probe = os.path.join(folder, ".probe")
    open(probe, "w").close()
    try:
        os.setxattr(probe, "user.mboxlint", b"1")
        return True
    except (OSError, AttributeError):
        return False
    finally:
        os.unlink(probe)


def fixable(folder, name="deliver.py"):
    path = os.path.join(str(folder), name)
    with open(path, "w") as out:
        out.write(FIXABLE)
    return path


def read(path):
    with open(path) as handle:
        return handle.read()


# -- links -----------------------------------------------------------------------------------


def test_a_symlinked_module_found_while_walking_is_reported_and_its_target_untouched(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = fixable(outside, "shutil.py")
    project = tmp_path / "project"
    project.mkdir()
    (project / "x.py").symlink_to(victim)
    fixable(project, "own.py")
    proc = run_cli("--fix", "-j", "1", "--no-cache", ".", cwd=str(project))
    assert proc.returncode == 3, proc.stderr
    assert "x.py: cannot fix: is a symbolic link: not written" in proc.stderr
    assert read(victim) == FIXABLE
    assert os.path.islink(project / "x.py")
    assert "box.flush()" in read(project / "own.py")  # the project's own file is fixed


def test_a_file_reached_through_a_symlinked_folder_is_not_written(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = fixable(outside)
    project = tmp_path / "project"
    project.mkdir()
    (project / "lib").symlink_to(outside)
    proc = run_cli("--fix", "--no-cache", os.path.join("lib", "deliver.py"), cwd=str(project))
    assert proc.returncode == 3
    assert "reached through a symbolic link" in proc.stderr
    assert read(victim) == FIXABLE


def test_a_hard_link_is_never_split(tmp_path):
    path = fixable(tmp_path)
    os.link(path, str(tmp_path / "other_name.py"))
    result = fix_file(path, EVERY_RULE)
    assert not result.written and any("hard links" in p for p in result.problems)
    assert read(tmp_path / "other_name.py") == FIXABLE and os.stat(path).st_nlink == 2


def test_a_fifo_swapped_in_is_not_written(tmp_path):
    path = fixable(tmp_path)
    result = fix_file(path, EVERY_RULE, write=False)
    os.unlink(path)
    os.mkfifo(path)
    fix_module.write_fixed(result)
    assert not result.written and result.problems == ["is not a regular file: not written"]
    assert stat.S_ISFIFO(os.lstat(path).st_mode)


# -- a concurrent edit -------------------------------------------------------------------------


EDITOR = "import sys, time\nwith open(sys.argv[1], 'a') as out:\n    out.write('# saved by the editor\\n')\n"
EDITOR_RENAMES = (
    "import os, sys\nwith open(sys.argv[1] + '.new', 'w') as out:\n"
    "    out.write(open(sys.argv[1]).read() + '# saved by the editor\\n')\n"
    "os.replace(sys.argv[1] + '.new', sys.argv[1])\n"
)


@pytest.mark.parametrize("editor", [EDITOR, EDITOR_RENAMES], ids=["in-place", "by-rename"])
def test_an_edit_saved_between_read_and_rename_survives(tmp_path, monkeypatch, editor):
    path = fixable(tmp_path)
    real_copy = safe_write.copy_metadata

    def copy_then_the_editor_saves(*args):
        real_copy(*args)
        # another process saves the file after the fix was computed and its temp written
        subprocess.run([sys.executable, "-c", editor, path], check=True, timeout=60)

    monkeypatch.setattr(safe_write, "copy_metadata", copy_then_the_editor_saves)
    result = fix_file(path, EVERY_RULE)
    assert not result.written
    assert result.problems == ["changed while it was being fixed: not written"]
    assert read(path) == FIXABLE + "# saved by the editor\n"
    assert sorted(os.listdir(tmp_path)) == ["deliver.py"]  # no temp file left


def test_a_same_size_edit_with_its_mtime_restored_is_still_seen(tmp_path):
    path = fixable(tmp_path)
    result = fix_file(path, EVERY_RULE, write=False)
    before = os.stat(path)
    with open(path, "r+") as handle:  # same size, same mtime: only the bytes (and ctime) differ
        handle.write("#" + FIXABLE[1:])
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    fix_module.write_fixed(result)
    assert not result.written and "changed while" in result.problems[0]
    assert read(path) == "#" + FIXABLE[1:]


def test_the_cli_reports_the_lost_race_and_exits_non_zero(tmp_path):
    # The editor is a second process that appends to the file as soon as the fix's temp file
    # appears next to it, i.e. between the read and the rename.
    path = fixable(tmp_path)
    watcher = subprocess.Popen([sys.executable, "-c", (
        "import os, sys, time\n"
        "folder, path = sys.argv[1], sys.argv[2]\n"
        "deadline = time.time() + 120\n"
        "while time.time() < deadline:\n"
        "    if any(n.endswith('.mboxlint') for n in os.listdir(folder)):\n"
        "        with open(path, 'a') as out:\n"
        "            out.write('# saved by the editor\\n')\n"
        "        break\n"
        "    time.sleep(0.0005)\n"
    ), str(tmp_path), path])
    try:
        real = safe_write.copy_metadata
        code = (
            "import sys, time\n"
            "from mboxlint import cli, safe_write\n"
            "real = safe_write.copy_metadata\n"
            "def slow(*a):\n"
            "    real(*a)\n"
            "    time.sleep(2)  # a slow disk: the window the editor saves in\n"
            "safe_write.copy_metadata = slow\n"
            "sys.exit(cli.main(['--fix', '--no-cache', sys.argv[1]]))\n"
        )
        assert real is safe_write.copy_metadata
        proc = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, timeout=300)
    finally:
        watcher.wait(timeout=150)
    assert proc.returncode == 3, proc.stderr
    assert "changed while it was being fixed: not written" in proc.stderr
    assert read(path) == FIXABLE + "# saved by the editor\n"


# -- metadata ----------------------------------------------------------------------------------


@ROOT_ONLY
def test_owner_group_and_setuid_setgid_are_kept(tmp_path):
    path = fixable(tmp_path)
    os.chown(path, OTHER_UID, OTHER_GID)
    os.chmod(path, 0o6750)
    result = fix_file(path, EVERY_RULE)
    assert result.written, result.problems
    st = os.stat(path)
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (OTHER_UID, OTHER_GID, 0o6750)
    assert "box.flush()" in read(path)


@ROOT_ONLY
def test_another_users_file_in_a_shared_group_folder_keeps_its_owner(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chown(str(shared), 0, OTHER_GID)
    os.chmod(str(shared), 0o2775)
    path = fixable(shared)
    os.chown(path, OTHER_UID, OTHER_GID)
    os.chmod(path, 0o664)
    assert fix_file(path, EVERY_RULE).written
    st = os.stat(path)
    assert (st.st_uid, st.st_gid) == (OTHER_UID, OTHER_GID)


@ROOT_ONLY
def test_a_user_who_cannot_keep_the_owner_leaves_the_file_alone(tmp_path):
    # A real second user (by id) in a shared group folder: replacing root's file would make
    # it theirs, so the fix is refused and said why.
    shared = tmp_path / "shared"
    shared.mkdir()
    let_anyone_in(tmp_path)
    os.chown(str(shared), 0, OTHER_GID)
    os.chmod(str(shared), 0o2777)
    path = fixable(shared)
    os.chown(path, 0, OTHER_GID)
    os.chmod(path, 0o664)
    result = fix_file(path, EVERY_RULE, write=False)

    def write():
        fix_module.write_fixed(result)
        return "%s|%s" % (result.written, result.problems)

    status, said = as_another_user(write, groups=[OTHER_GID])
    assert status == 0
    assert said == "False|['belongs to another user: not written (see --diff)']"
    assert os.stat(path).st_uid == 0 and read(path) == FIXABLE
    assert os.listdir(str(shared)) == ["deliver.py"]


def test_a_read_only_file_is_not_fixed(tmp_path):
    path = fixable(tmp_path)
    os.chmod(path, 0o444)
    proc = run_cli("--fix", "--no-cache", path)
    assert proc.returncode == 3
    assert "cannot fix: is read-only: not written" in proc.stderr
    assert read(path) == FIXABLE and stat.S_IMODE(os.stat(path).st_mode) == 0o444


def test_extended_attributes_are_kept(tmp_path):
    if not xattrs_supported(str(tmp_path)):
        pytest.skip("this file system has no user extended attributes")
    path = fixable(tmp_path)
    os.setxattr(path, "user.origin", b"mail-team")
    os.setxattr(path, "user.checksum", b"\x00\xffbinary")
    assert fix_file(path, EVERY_RULE).written
    assert os.getxattr(path, "user.origin") == b"mail-team"
    assert os.getxattr(path, "user.checksum") == b"\x00\xffbinary"


def _acl_entries(raw):
    version, = struct.unpack_from("<I", raw)
    assert version == 2
    return sorted(struct.unpack_from("<HHI", raw, 4 + 8 * i) for i in range((len(raw) - 4) // 8))


def _set_acl(path, named_user_perm):
    """Give ``path`` a POSIX ACL with an entry for OTHER_UID (setfacl when installed, else the
    kernel's own xattr encoding, which is what setfacl writes)."""
    if shutil.which("setfacl"):
        subprocess.run(["setfacl", "-m", "u:%d:%s" % (OTHER_UID, named_user_perm), path], check=True)
        return
    user_obj, user, group_obj, mask, other = 0x01, 0x02, 0x04, 0x10, 0x20
    perm = {"r--": 4, "rw-": 6}[named_user_perm]
    entries = [(user_obj, 6, 0xFFFFFFFF), (user, perm, OTHER_UID), (group_obj, 4, 0xFFFFFFFF),
               (mask, 6, 0xFFFFFFFF), (other, 4, 0xFFFFFFFF)]
    os.setxattr(path, "system.posix_acl_access",
                struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries))


def test_a_posix_acl_is_kept(tmp_path):
    path = fixable(tmp_path)
    os.chmod(path, 0o644)
    try:
        _set_acl(path, "rw-")
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip("this file system refuses POSIX ACLs: %s" % error)
    before = os.getxattr(path, "system.posix_acl_access")
    mode = stat.S_IMODE(os.stat(path).st_mode)
    assert fix_file(path, EVERY_RULE).written
    assert _acl_entries(os.getxattr(path, "system.posix_acl_access")) == _acl_entries(before)
    assert stat.S_IMODE(os.stat(path).st_mode) == mode  # the group bits show the ACL's mask
    assert "box.flush()" in read(path)


def test_an_attribute_that_cannot_be_copied_leaves_the_file_alone(tmp_path, monkeypatch):
    if not xattrs_supported(str(tmp_path)):
        pytest.skip("this file system has no user extended attributes")
    path = fixable(tmp_path)
    os.setxattr(path, "user.origin", b"mail-team")

    def refuse(*args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(safe_write.os, "setxattr", refuse)
    result = fix_file(path, EVERY_RULE)
    assert not result.written
    assert result.problems == ["cannot keep its extended attribute user.origin (Operation not permitted): "
                               "not written"]
    assert read(path) == FIXABLE and sorted(os.listdir(tmp_path)) == ["deliver.py"]


# -- temp files ----------------------------------------------------------------------------------


def test_stale_temp_files_of_a_killed_run_are_removed_and_nothing_else(tmp_path):
    path = fixable(tmp_path)
    old = time.time() - 2 * safe_write.STALE_AFTER_SECONDS
    stale = tmp_path / ".deliver.py.ab12cd_9.mboxlint"
    fresh = tmp_path / ".deliver.py.zz12cd_9.mboxlint"  # a run writing right now
    lookalike = tmp_path / ".deliver.py.notours.mboxlint"
    linked = tmp_path / ".deliver.py.linkedxx.mboxlint"
    for made in (stale, fresh, lookalike):
        made.write_text("partial")
    linked.symlink_to(path)
    for made in (stale, lookalike):
        os.utime(str(made), (old, old))
    os.utime(str(linked), (old, old), follow_symlinks=False)
    proc = run_cli("--fix", "--no-cache", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(tmp_path)) == sorted([
        "deliver.py", fresh.name, lookalike.name, linked.name])
    assert read(path) != FIXABLE


def test_report_file_refuses_a_symlink(tmp_path):
    fixable(tmp_path)
    victim = tmp_path / "bashrc"
    victim.write_text("precious\n")
    (tmp_path / "report.sarif").symlink_to(victim)
    (tmp_path / "dangling.sarif").symlink_to(tmp_path / "nowhere" / "x")
    for name in ("report.sarif", "dangling.sarif"):
        proc = run_cli("--format", "sarif", "-o", name, "--no-cache", "deliver.py", cwd=str(tmp_path))
        assert proc.returncode == 2, proc.stderr
        assert "symbolic link" in proc.stderr and "Traceback" not in proc.stderr
    assert victim.read_text() == "precious\n"
    assert not (tmp_path / "nowhere").exists()


def test_links_above_the_project_are_the_machines_and_links_inside_it_are_refused(tmp_path, monkeypatch):
    # /home -> /data/home style: the project is reached through a link, and fixed
    real_home = tmp_path / "data" / "home"
    project = real_home / "project"
    (project / "pkg").mkdir(parents=True)
    (project / "pyproject.toml").write_text("")
    (tmp_path / "home").symlink_to(real_home)
    fixable(project / "pkg")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(str(elsewhere))
    through_home = str(tmp_path / "home" / "project" / "pkg" / "deliver.py")
    assert fix_file(through_home, EVERY_RULE).written
    # a linked folder inside the project is the repository's doing: refused
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = fixable(outside)
    (project / "vendor").symlink_to(outside)
    result = fix_file(str(tmp_path / "home" / "project" / "vendor" / "deliver.py"), EVERY_RULE)
    assert not result.written and "reached through a symbolic link" in result.problems[0]
    assert read(victim) == FIXABLE

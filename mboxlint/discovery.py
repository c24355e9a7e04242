"""Which files a run checks: the ``*.py`` files under the given paths, minus the usual folders.

``exclude`` (from :class:`mboxlint.config.Config`) replaces the default folders: it is asked
about every folder and file met while walking. As in ruff, a path named on the command line is
checked even when it matches, unless ``force_exclude`` is set (what pre-commit needs, since it
names every file).

The walk is iterative (a tree's depth comes from the input) and never follows a link to a
folder. What it cannot do is said, never skipped silently: a folder that cannot be listed or
entered is a :class:`Walk` problem (reported as E902, exit 3), and what the exclusions left
out is kept so that a run that checks nothing can say why. A file that disappears after it
was found is the checker's to report, for that file alone.

``.gitignore`` files are honoured (:class:`GitIgnore`) inside a git work tree, as git reads
them: every ``.gitignore`` from the work tree's top down to the file's folder, and
``.git/info/exclude``; the last matching line wins, a deeper file over a shallower one, ``!``
re-includes, a trailing ``/`` means folders only, a ``/`` elsewhere anchors the pattern to its
file's folder. They are read by mboxlint itself (:mod:`mboxlint.globs`), not by running
``git``: no subprocess per run, the same answer whether or not git is installed, and nothing a
hostile repository's configuration could make git execute. The user's global excludes file is
not read.
"""

import os
import stat
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from .globs import Glob, GlobError, compile_glob

#: Folders never entered while walking a directory (named paths are always checked).
SKIPPED_DIRS = frozenset(
    {
        ".bzr", ".direnv", ".eggs", ".git", ".hg", ".mypy_cache", ".nox", ".pytest_cache",
        ".ruff_cache", ".mboxlint_cache", ".svn", ".tox", ".venv", "__pycache__", "__pypackages__",
        "_build", "build", "dist", "node_modules", "venv", "site-packages",
    }
)


class PathError(Exception):
    """A path given on the command line that does not exist."""


class Walk:
    """What a walk met besides the files it yields."""

    def __init__(self) -> None:
        #: (folder, why it could not be walked): reported like an unreadable file
        self.problems: List[Tuple[str, str]] = []
        #: folders and ``.py`` files left out by the exclusions or ``.gitignore``
        self.skipped: List[str] = []


def is_virtualenv(full_path: str) -> bool:
    """A folder with the ``pyvenv.cfg`` a virtual environment has (it names the ``home``
    interpreter): an empty or unrelated file of that name does not hide a folder."""
    try:
        with open(os.path.join(full_path, "pyvenv.cfg"), "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return any(line.strip().lower().startswith(b"home") for line in head.splitlines())


def is_skipped_dir(name: str, full_path: str) -> bool:
    if name in SKIPPED_DIRS or name.endswith(".egg-info"):
        return True
    return is_virtualenv(full_path)  # any virtual environment, whatever its name


def _default_exclude(path: str, is_dir: bool) -> bool:
    return is_dir and is_skipped_dir(os.path.basename(path), path)


def _why(error: OSError) -> str:
    return error.strerror or str(error)


def iter_python_files(
    paths: Sequence[str],
    exclude: Optional[Callable[[str, bool], bool]] = None,
    force_exclude: Optional[Callable[[str], bool]] = None,
    walk: Optional[Walk] = None,
    must_exist: bool = True,
) -> Iterator[str]:
    """Files to check, in a stable order. Raises :class:`PathError` for a missing path
    (unless ``must_exist`` is false: then it is yielded, for the checker to report).

    Directories are walked without following symbolic links to directories (no loops); a
    file named explicitly is checked whatever its name. ``exclude(path, is_dir)`` says which
    folders and files to leave out (default: :data:`SKIPPED_DIRS` and virtual environments).
    ``force_exclude(path)``, when given, drops named paths too. ``walk`` collects the folders
    that could not be walked and what was left out.
    """
    if must_exist:
        missing: List[str] = [p for p in paths if not os.path.lexists(p)]
        if missing:
            raise PathError("no such file or directory: %s" % ", ".join(missing))
    excluded = exclude or _default_exclude
    walk = walk if walk is not None else Walk()
    seen = set()
    for path in paths:
        if force_exclude is not None and force_exclude(path):
            walk.skipped.append(path)
            continue
        if os.path.isdir(path):
            for full in _walk(path, excluded, exclude is not None, walk):
                if full not in seen:
                    seen.add(full)
                    yield full
        elif path not in seen:
            seen.add(path)
            yield path


def _walk(top: str, excluded: Callable[[str, bool], bool], files_too: bool, walk: Walk) -> Iterator[str]:
    """``os.walk``'s top-down order (a folder's files, then each subfolder's, sorted), with
    an explicit stack."""
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            # listing needs read permission, opening what is listed needs search permission
            with os.scandir(folder) as listing:
                entries = list(listing)
            os.stat(os.path.join(folder, "."))
        except OSError as error:
            walk.problems.append((folder, "cannot read directory: %s" % _why(error)))
            continue
        entries.sort(key=lambda entry: entry.name)
        subfolders = []
        for entry in entries:
            full = os.path.join(folder, entry.name)
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if excluded(full, True):
                    walk.skipped.append(full)
                else:
                    subfolders.append(full)
                continue
            if not entry.name.endswith(".py"):
                continue
            # A FIFO, socket or device named like a module is not source; a dangling
            # link is still yielded, to be reported as unreadable.
            try:
                st = os.stat(full)
            except OSError:
                st = None
            if st is not None and not stat.S_ISREG(st.st_mode):
                continue
            if files_too and excluded(full, False):
                walk.skipped.append(full)
                continue
            yield full
        stack.extend(reversed(subfolders))


def describe_skipped(walk: Walk, limit: int = 5) -> str:
    """A short account of what a run that checked nothing left out."""
    if not walk.skipped:
        return ""
    shown = ", ".join(walk.skipped[:limit])
    more = " and %d more" % (len(walk.skipped) - limit) if len(walk.skipped) > limit else ""
    return "; left out by the exclusions or .gitignore: %s%s" % (shown, more)


# -- .gitignore ------------------------------------------------------------------------------


class _Rule:
    __slots__ = ("glob", "negated", "dir_only", "anchored")

    def __init__(self, glob: Glob, negated: bool, dir_only: bool, anchored: bool):
        self.glob = glob
        self.negated = negated
        self.dir_only = dir_only
        self.anchored = anchored


def parse_gitignore(text: str) -> List[_Rule]:
    """The rules of one ``.gitignore``, in order; a line that is not a valid pattern is
    skipped, as git does."""
    rules = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        # trailing spaces go unless escaped with a backslash
        stripped = line.rstrip(" ")
        if stripped.endswith("\\") and len(stripped) < len(line):
            stripped += " "
        line = stripped
        negated = line.startswith("!")
        if negated:
            line = line[1:]
        elif line.startswith(("\\!", "\\#")):
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        try:
            rules.append(_Rule(compile_glob(line, escapes=True), negated, dir_only, anchored))
        except GlobError:
            continue
    return rules


#: a .gitignore bigger than this is not source code's; read only this much of it
GITIGNORE_MAX_BYTES = 4 * 1024 * 1024


def _read_rules(path: str) -> List[_Rule]:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return []
    with open(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return []
        raw = handle.read(GITIGNORE_MAX_BYTES)
    return parse_gitignore(raw.decode("utf-8", "replace"))


class GitIgnore:
    """Answers "does git ignore this path?" from the ``.gitignore`` files, read once each."""

    def __init__(self) -> None:
        self._tops: Dict[str, Optional[str]] = {}
        self._rules: Dict[str, List[_Rule]] = {}

    def _top(self, folder: str) -> Optional[str]:
        """The work tree ``folder`` is in (the nearest folder with a ``.git``), or None."""
        walked = []
        current = folder
        while True:
            if current in self._tops:
                top = self._tops[current]
                break
            walked.append(current)
            if os.path.lexists(os.path.join(current, ".git")):
                top = current
                break
            parent = os.path.dirname(current)
            if parent == current:
                top = None
                break
            current = parent
        for seen in walked:
            self._tops[seen] = top
        return top

    def _rules_of(self, folder: str, top: str) -> List[_Rule]:
        rules = self._rules.get(folder)
        if rules is None:
            rules = _read_rules(os.path.join(folder, ".gitignore"))
            if folder == top:  # the repository's own excludes come first: lowest precedence
                rules = _read_rules(os.path.join(folder, ".git", "info", "exclude")) + rules
            self._rules[folder] = rules
        return rules

    def ignored(self, path: str, is_dir: bool) -> bool:
        absolute = os.path.abspath(path)
        parent = os.path.dirname(absolute)
        top = self._top(parent)
        if top is None or absolute == top:
            return False
        relative = os.path.relpath(absolute, top).replace(os.sep, "/").split("/")
        name = relative[-1]
        verdict = False
        folder = top
        for depth in range(len(relative)):
            if depth:
                folder = os.path.join(folder, relative[depth - 1])
            below = "/".join(relative[depth:])
            for rule in self._rules_of(folder, top):
                if rule.dir_only and not is_dir:
                    continue
                if rule.glob.match(below if rule.anchored else name):
                    verdict = not rule.negated
        return verdict


#: what marks a project's root folder
ROOT_MARKERS = ("pyproject.toml", "setup.cfg", ".git")


def find_project_root(start: Optional[str] = None) -> str:
    """The nearest ancestor of ``start`` (default: the current directory) that holds
    ``pyproject.toml``, ``setup.cfg`` or ``.git``; ``start`` itself when none does."""
    start = os.path.abspath(start or os.getcwd())
    directory = start
    while True:
        if any(os.path.exists(os.path.join(directory, marker)) for marker in ROOT_MARKERS):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return start
        directory = parent

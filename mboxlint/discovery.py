"""Which files a run checks: the ``*.py`` files under the given paths, minus the usual folders.

``exclude`` (from :class:`mboxlint.config.Config`) replaces the default folders: it is asked
about every folder and file met while walking. As in ruff, a path named on the command line is
checked even when it matches, unless ``force_exclude`` is set (what pre-commit needs, since it
names every file).
"""

import os
from typing import Callable, Iterator, List, Optional, Sequence

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


def is_skipped_dir(name: str, full_path: str) -> bool:
    if name in SKIPPED_DIRS or name.endswith(".egg-info"):
        return True
    # Any virtual environment, whatever its name.
    return os.path.isfile(os.path.join(full_path, "pyvenv.cfg"))


def _default_exclude(path: str, is_dir: bool) -> bool:
    return is_dir and is_skipped_dir(os.path.basename(path), path)


def iter_python_files(
    paths: Sequence[str],
    exclude: Optional[Callable[[str, bool], bool]] = None,
    force_exclude: Optional[Callable[[str], bool]] = None,
) -> Iterator[str]:
    """Files to check, in a stable order. Raises :class:`PathError` for a missing path.

    Directories are walked without following symbolic links to directories (no loops); a
    file named explicitly is checked whatever its name. ``exclude(path, is_dir)`` says which
    folders and files to leave out (default: :data:`SKIPPED_DIRS` and virtual environments).
    ``force_exclude(path)``, when given, drops named paths too.
    """
    missing: List[str] = [p for p in paths if not os.path.lexists(p)]
    if missing:
        raise PathError("no such file or directory: %s" % ", ".join(missing))
    excluded = exclude or _default_exclude
    seen = set()
    for path in paths:
        if force_exclude is not None and force_exclude(path):
            continue
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(
                    d for d in dirs
                    if not os.path.islink(os.path.join(root, d)) and not excluded(os.path.join(root, d), True)
                )
                for name in sorted(files):
                    full = os.path.join(root, name)
                    # A FIFO, socket or device named like a module is not source; a dangling
                    # link is still yielded, to be reported as unreadable.
                    if name.endswith(".py") and (os.path.isfile(full) or not os.path.exists(full)):
                        if exclude is not None and excluded(full, False):
                            continue
                        if full not in seen:
                            seen.add(full)
                            yield full
        elif path not in seen:
            seen.add(path)
            yield path

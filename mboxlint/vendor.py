"""``mboxlint vendor``: a copy of :mod:`mboxlint.mailbox` inside the user's project.

The unsafe fixes import ``copy_back``/``atomic_write`` from ``mboxlint.mailbox``, which makes
the fixed program need mboxlint (and so libcst and flake8) installed where it runs. The module
itself imports only the standard library: copied into the project and named by
``fix-import-module``, it lets the fixed code run with nothing but the interpreter.

The copy must not be a top-level ``mailbox.py``: it imports the standard library's
``mailbox``, which such a file would shadow (it would import itself).
"""

import os
from typing import Optional, Tuple

from . import __version__

DEFAULT_NAME = "mailbox.py"


class VendorError(Exception):
    pass


def vendored_text() -> str:
    """The module's source with a first line that says where it came from."""
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mailbox.py")
    with open(here, encoding="utf-8") as handle:
        body = handle.read()
    return "# Copied from mboxlint %s by 'mboxlint vendor'; the standard library is all it needs.\n%s" % (
        __version__, body)


def module_name(path: str) -> Optional[str]:
    """The dotted name ``path`` is imported by: its folder's packages (folders with an
    ``__init__.py``) upwards, or None when its folder is not a package."""
    directory, filename = os.path.split(os.path.abspath(path))
    parts = [os.path.splitext(filename)[0]]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, package = os.path.split(directory)
        parts.append(package)
    if len(parts) == 1:
        return None
    return ".".join(reversed(parts))


def vendor(dest: str, force: bool = False) -> Tuple[str, str]:
    """Write the module at ``dest`` (a ``.py`` file, or a folder for ``DEST/mailbox.py``);
    returns the file written and the dotted name it is imported by (from the folder above
    its outermost package, or from its own folder)."""
    path = os.path.join(dest, DEFAULT_NAME) if os.path.isdir(dest) or not dest.endswith(".py") else dest
    if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        raise VendorError("no such folder: %s" % os.path.dirname(path))
    name = module_name(path)
    if os.path.basename(path) == DEFAULT_NAME and name is None:
        raise VendorError("%s would shadow the standard library's mailbox module (its folder is not a "
                          "package): name a package folder, or a file such as %s"
                          % (path, os.path.join(os.path.dirname(path), "safe_mailbox.py")))
    text = vendored_text()
    if not force and _differs(path, text):
        raise VendorError("%s exists: pass --force to replace it" % path)
    from .mailbox import atomic_write  # an interrupted vendor leaves the old file or the new one

    try:
        with atomic_write(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as error:
        raise VendorError("cannot write %s: %s" % (path, error.strerror or error)) from None
    return path, name if name is not None else os.path.splitext(os.path.basename(path))[0]


def _differs(path: str, text: str) -> bool:
    """Whether a file is at ``path`` and holds something other than ``text``."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read() != text
    except FileNotFoundError:
        return False
    except (OSError, UnicodeDecodeError):  # there, but not ours to judge: keep it
        return True

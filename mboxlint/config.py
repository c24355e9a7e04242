"""Which rules run, on which files, with which options: selection and ``[tool.mboxlint]``.

Selection: a code is enabled when the longest prefix that selects it is longer than the longest
prefix that ignores it, which is how flake8 and ruff settle ``--select MBX --ignore MBX1``.
Rules that are off by default (MBX9) run only when a selection names a prefix that covers them:
the default selection lists the default rules' codes, not the prefix ``MBX``.

Configuration lives in ``[tool.mboxlint]`` of a ``pyproject.toml``. As ruff does, the file used
is the closest ``pyproject.toml`` that has such a table, looking upwards from the first checked
path (from the current directory when no path is given); ``--config FILE`` names one instead and
``--isolated`` ignores every file. The folder holding the file is the *project root*: exclude,
per-file-ignores and shared-files patterns are read relative to it. Command-line flags override
the file key by key. Anything the file says that mboxlint does not understand (an unknown key, a
value of the wrong type, a code that is not an mboxlint code) is an error that names the file
and the key: a misspelt setting must never be silently ignored.

``respect-gitignore`` (default true; ``--no-respect-gitignore``) leaves out what the
``.gitignore`` files of the git work tree ignore, as ruff does (see :mod:`mboxlint.discovery`).

Patterns (``exclude``, ``extend-exclude``, ``per-file-ignores``) are globs: ``*`` and ``?``
match within one path component, ``**`` matches any number of components, ``[abc]`` a class.
A pattern matches a path when it matches the path relative to the project root (forward
slashes), its absolute path, or its base name: ``build`` skips every folder named ``build``,
``src/legacy/*.py`` one folder's files, ``tests/**`` everything under ``tests``.
"""

import os
import re
import sys
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from .globs import Glob, GlobError, GlobSet, compile_glob

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

from .selection import Selection  # noqa: F401  (re-exported: the configuration builds one)

CODE_PREFIX = re.compile(r"^MBX[0-9]{0,3}$")
FULL_CODE = re.compile(r"^MBX[0-9]{3}$")

TABLE = "[tool.mboxlint]"

#: Folders skipped while walking a directory unless ``exclude`` replaces them (ruff's list plus
#: mboxlint's cache). A folder whose ``pyvenv.cfg`` names a ``home`` (any virtual environment) and any
#: ``*.egg-info`` are skipped too: both are part of this default.
DEFAULT_EXCLUDE = (
    ".bzr", ".direnv", ".eggs", ".git", ".hg", ".mypy_cache", ".nox", ".pytest_cache",
    ".ruff_cache", ".mboxlint_cache", ".svn", ".tox", ".venv", "__pycache__", "__pypackages__",
    "_build", "build", "dist", "node_modules", "venv", "site-packages", "*.egg-info",
)


class ConfigError(ValueError):
    """A bad option or configuration value; the CLI exits 2 with its message."""


def _split(value: str) -> List[str]:
    return [part for part in re.split(r"[,\s]+", value.strip()) if part]


def check_code(part: str, where: str) -> str:
    """The upper-cased code or prefix ``part``; a :class:`ConfigError` naming ``where`` if bad."""
    from .rules import REGISTRY

    code = part.upper()
    if code == "ALL":
        code = "MBX"
    if not CODE_PREFIX.match(code):
        raise ConfigError("%s: %r is not an mboxlint code or prefix (MBX, MBX1, MBX101, ...)" % (where, part))
    if FULL_CODE.match(code) and code not in REGISTRY:
        raise ConfigError("%s: unknown rule %s (see 'mboxlint rules')" % (where, part))
    return code


def parse_codes(values: Optional[Iterable[str]], option: str) -> List[str]:
    """Split comma-separated code lists and check every entry is an MBX code or prefix."""
    return [check_code(part, option) for value in values or [] for part in _split(value)]


# -- glob patterns -------------------------------------------------------------------------


def glob_regex(pattern: str) -> Glob:
    """Compile a glob where ``*`` stays inside one path component and ``**`` crosses them
    (see :mod:`mboxlint.globs`); :class:`ConfigError` if it is malformed."""
    try:
        return compile_glob(pattern)
    except GlobError as error:
        raise ConfigError("bad glob pattern %r: %s" % (pattern, error)) from None


class PathMatcher:
    """Glob patterns matched against a path relative to ``root``, its absolute path, its name."""

    def __init__(self, patterns: Sequence[str], root: str):
        self.root = os.path.abspath(root)
        self.patterns = list(patterns)
        try:
            self._globs = GlobSet([p.replace(os.sep, "/").rstrip("/") for p in self.patterns])
        except GlobError as error:
            raise ConfigError("bad glob pattern: %s" % error) from None

    def forms(self, path: str) -> Tuple[str, ...]:
        absolute = os.path.abspath(path)
        relative = os.path.relpath(absolute, self.root)
        to_slash = (lambda p: p.replace(os.sep, "/")) if os.sep != "/" else (lambda p: p)
        return (to_slash(relative), to_slash(absolute), os.path.basename(absolute))

    def matching(self, path: str) -> List[int]:
        """Indexes of the patterns that match ``path``."""
        forms = self.forms(path)
        return self._globs.matching(forms[:2], forms[2])

    def matches(self, path: str) -> bool:
        if not self.patterns:
            return False
        forms = self.forms(path)
        return self._globs.matches(forms[:2], forms[2])


# -- the configuration file ------------------------------------------------------------------

#: key -> the kind of value it takes
KEYS = {
    "select": "codes",
    "extend-select": "codes",
    "ignore": "codes",
    "exclude": "strings",
    "extend-exclude": "strings",
    "force-exclude": "bool",
    "per-file-ignores": "table",
    "shared-files": "strings",
    "extend-interprocess-locks": "names",
    "unsafe-fixes": "bool",
    "fix-import-module": "module",
    "respect-gitignore": "bool",
}

#: where unsafe fixes import ``copy_back``/``atomic_write`` from unless ``fix-import-module`` says
DEFAULT_FIX_IMPORT_MODULE = "mboxlint.mailbox"
_MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def check_module_name(value: Any, where: str) -> str:
    """``value`` if it is an absolute dotted module name, else a :class:`ConfigError`."""
    import keyword

    if not isinstance(value, str) or not _MODULE_NAME.match(value) \
            or any(keyword.iskeyword(part) for part in value.split(".")):
        raise ConfigError("%s: expected a dotted module name such as mypackage.mailbox, got %r" % (where, value))
    return value


def check_lock_name(value: str, where: str) -> str:
    """An ``extend-interprocess-locks`` entry: a dotted name (``myapp.locks.FileLock``) or one
    name (``acquire_lock``); a :class:`ConfigError` naming ``where`` otherwise."""
    import keyword

    value = value.strip()
    if not _MODULE_NAME.match(value) or any(keyword.iskeyword(part) for part in value.split(".")):
        raise ConfigError("%s: expected a function, class or method name such as myapp.locks.FileLock "
                          "or acquire_lock, got %r" % (where, value))
    return value


def find_config_file(paths: Sequence[str], cwd: Optional[str] = None) -> Optional[str]:
    """The closest ``pyproject.toml`` with a ``[tool.mboxlint]`` table, upwards from the first path."""
    cwd = os.path.abspath(cwd or os.getcwd())
    start = os.path.join(cwd, paths[0]) if paths else cwd
    start = os.path.abspath(start)
    if not os.path.isdir(start):
        start = os.path.dirname(start)
    directory = start
    while True:
        candidate = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(candidate) and _has_table(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _has_table(path: str) -> bool:
    # A pyproject.toml that does not parse is an error only when it is ours to read: look for the
    # table's header first, so that somebody else's broken file higher up is left alone.
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError:
        return False
    if b"mboxlint" not in raw:
        return False
    return "mboxlint" in _load_toml(path, raw).get("tool", {})


def _load_toml(path: str, raw: Optional[bytes] = None) -> Dict[str, Any]:
    try:
        if raw is None:
            with open(path, "rb") as handle:
                raw = handle.read()
        return tomllib.loads(raw.decode("utf-8"))
    except OSError as error:
        raise ConfigError("%s: cannot read: %s" % (path, error.strerror or error)) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError("%s: not valid TOML: %s" % (path, error)) from None
    except RecursionError:  # the TOML parser recurses on nesting
        raise ConfigError("%s: not valid TOML: nested too deeply" % path) from None


def read_config_file(path: str) -> Dict[str, Any]:
    """The mboxlint settings of a TOML file, validated; keys are kebab-case.

    A ``pyproject.toml`` must have a ``[tool.mboxlint]`` table. Any other TOML file may have one
    too; without it, its top level is read as the settings (like ``ruff.toml``).
    """
    document = _load_toml(path)
    tool = document.get("tool")
    if isinstance(tool, dict) and "mboxlint" in tool:
        table, where = tool["mboxlint"], "%s: %s" % (path, TABLE)
    elif os.path.basename(path) == "pyproject.toml":
        raise ConfigError("%s: no %s table" % (path, TABLE))
    else:
        table, where = document, path
    if not isinstance(table, dict):
        raise ConfigError("%s must be a table" % where)
    return validate(table, where)


def validate(table: Mapping[str, Any], where: str) -> Dict[str, Any]:
    import difflib

    settings: Dict[str, Any] = {}
    for key, value in table.items():
        kind = KEYS.get(key)
        if kind is None:
            close = difflib.get_close_matches(key.replace("_", "-"), KEYS, n=1)
            hint = " (did you mean %r?)" % close[0] if close else " (known keys: %s)" % ", ".join(sorted(KEYS))
            raise ConfigError("%s: unknown key %r%s" % (where, key, hint))
        name = "%s %s" % (where, key)
        if kind == "bool":
            if not isinstance(value, bool):
                raise ConfigError("%s: expected true or false, got %r" % (name, value))
            settings[key] = value
        elif kind == "module":
            settings[key] = check_module_name(value, name)
        elif kind == "names":
            settings[key] = [check_lock_name(item, name) for item in _string_list(value, name)]
        elif kind in ("codes", "strings"):
            settings[key] = _string_list(value, name)
            if kind == "codes":
                settings[key] = [check_code(code, name) for code in settings[key]]
        else:  # per-file-ignores: glob -> codes
            if not isinstance(value, dict):
                raise ConfigError("%s: expected a table of glob = [codes], got %r" % (name, value))
            settings[key] = {
                str(pattern): [check_code(code, "%s %r" % (name, pattern)) for code in _string_list(codes, "%s %r" % (name, pattern))]
                for pattern, codes in value.items()
            }
    return settings


def _string_list(value: Any, name: str) -> List[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError("%s: expected a list of strings, got %r" % (name, value))
    return list(value)


def parse_per_file_ignores(values: Iterable[str], option: str) -> Dict[str, List[str]]:
    """``GLOB:CODES`` entries, space-separated or one per option (as flake8 and ruff write them)."""
    table: Dict[str, List[str]] = {}
    for value in values:
        for entry in value.split():
            pattern, sep, codes = entry.rpartition(":")
            if not sep or not pattern or not codes:
                raise ConfigError("%s: expected GLOB:CODES, got %r" % (option, entry))
            table.setdefault(pattern, []).extend(check_code(c, option) for c in codes.split(",") if c)
    return table


class Config:
    """Settings for one run: the file's, with the command line's on top.

    ``unsafe_fixes`` and ``fix_import_module`` are stored for ``--fix``; ``options`` is what
    the engine's rules and the fixers read (``shared_files``, ``fix_import_module``).
    """

    def __init__(self, settings: Optional[Mapping[str, Any]] = None, path: Optional[str] = None,
                 root: Optional[str] = None):
        settings = dict(settings or {})
        #: the file the settings came from, or None
        self.path = path
        self.root = os.path.abspath(root or (os.path.dirname(path) if path else os.getcwd()))
        self.select: Optional[List[str]] = settings.get("select")
        self.extend_select: List[str] = settings.get("extend-select", [])
        self.ignore: List[str] = settings.get("ignore", [])
        self.exclude: List[str] = settings.get("exclude", list(DEFAULT_EXCLUDE))
        #: virtual environments are part of the default exclusion, which ``exclude`` replaces
        self.skip_venvs = "exclude" not in settings
        self.extend_exclude: List[str] = settings.get("extend-exclude", [])
        self.force_exclude: bool = settings.get("force-exclude", False)
        self.per_file_ignores: Dict[str, List[str]] = settings.get("per-file-ignores", {})
        self.shared_files: List[str] = settings.get("shared-files", [])
        #: the project's own inter-process locks, on top of the named libraries'
        self.extend_interprocess_locks: List[str] = settings.get("extend-interprocess-locks", [])
        self.unsafe_fixes: bool = settings.get("unsafe-fixes", False)
        self.fix_import_module: str = settings.get("fix-import-module", DEFAULT_FIX_IMPORT_MODULE)
        #: leave out what git ignores (see :class:`mboxlint.discovery.GitIgnore`)
        self.respect_gitignore: bool = settings.get("respect-gitignore", True)
        self._prepare()

    def _prepare(self) -> None:
        self.selection = Selection(self.select, self.extend_select, self.ignore)
        self._excluded = PathMatcher(list(self.exclude) + list(self.extend_exclude), self.root)
        self._per_file = PathMatcher(list(self.per_file_ignores), self.root)
        self._per_file_codes = list(self.per_file_ignores.values())
        self._selections: Dict[Tuple[str, ...], Selection] = {}
        from .discovery import GitIgnore

        self._gitignore = GitIgnore() if self.respect_gitignore else None

    def override(self, **cli: Any) -> "Config":
        """Apply command-line values (None means "not given"); returns self."""
        for attribute, value in cli.items():
            if value is not None:
                setattr(self, attribute, value)
                if attribute == "exclude":
                    self.skip_venvs = False
        self._prepare()
        return self

    @property
    def options(self) -> Dict[str, Any]:
        """What rules read (see :class:`mboxlint.rules.base.Rule`)."""
        options: Dict[str, Any] = {"shared_files": list(self.shared_files)}
        if self.extend_interprocess_locks:  # absent when empty: cache keys stay as they were
            options["extend_interprocess_locks"] = list(self.extend_interprocess_locks)
        if self.fix_import_module != DEFAULT_FIX_IMPORT_MODULE:  # the default keeps cache keys as they were
            options["fix_import_module"] = self.fix_import_module
        return options

    def is_excluded(self, path: str, is_dir: bool = False) -> bool:
        from .discovery import is_virtualenv

        if self._excluded.matches(path):
            return True
        if self._gitignore is not None and self._gitignore.ignored(path, is_dir):
            return True
        return is_dir and self.skip_venvs and is_virtualenv(path)

    def is_force_excluded(self, path: str) -> bool:
        """For a path named on the command line: it, or a folder above it inside the project, is excluded."""
        absolute = os.path.abspath(path)
        if self.is_excluded(absolute, os.path.isdir(absolute)):
            return True
        parent = os.path.dirname(absolute)
        while parent != os.path.dirname(parent) and (parent + os.sep).startswith(self.root + os.sep):
            if parent != self.root and self.is_excluded(parent, True):
                return True
            parent = os.path.dirname(parent)
        return False

    def selection_for(self, path: str) -> Selection:
        """The selection for one file: the run's, less that file's per-file ignores."""
        if not self._per_file_codes:
            return self.selection
        codes = tuple(sorted({c for i in self._per_file.matching(path) for c in self._per_file_codes[i]}))
        if not codes:
            return self.selection
        if codes not in self._selections:
            self._selections[codes] = self.selection.without(codes)
        return self._selections[codes]


def load_config(paths: Sequence[str], config_file: Optional[str] = None, isolated: bool = False,
                cwd: Optional[str] = None) -> Config:
    """The configuration for checking ``paths``: ``config_file`` if given, else the closest one."""
    if isolated:
        return Config(root=cwd)
    if config_file is not None:
        if os.path.isdir(config_file):
            raise ConfigError("--config: is a directory, not a TOML file: %s" % config_file)
        if not os.path.exists(config_file):
            raise ConfigError("--config: no such file: %s" % config_file)
        if not os.path.isfile(config_file):
            raise ConfigError("--config: not a regular file: %s" % config_file)
        return Config(read_config_file(config_file), os.path.abspath(config_file))
    found = find_config_file(paths, cwd)
    if found is None:
        return Config(root=cwd)
    return Config(read_config_file(found), found)

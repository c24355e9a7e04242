"""The flake8 adapter: flake8 hands us its ``ast`` tree; the engine does the rest.

flake8 runs every installed plugin on every file whatever ``--select`` says and filters the
report afterwards, so every installed plugin is paid for on every file. ``run`` therefore
analyses only for the codes flake8's own decision will report (asked once, in
``parse_options``), leaving per-file ignores and ``# noqa`` to flake8, and asks for the file's
``lines`` too, to return at once when the text names nothing those rules look at (see
``TRIGGERS``). The opinionated MBX9 rules are added to flake8's default ignore list and, as
flake8-bugbear does with B9, are reported only when ``select`` or ``extend-select`` names them
(``MBX``, ``MBX9`` or one of their codes): a plain ``ignore = E203,W503`` replaces flake8's
default ignore list and would otherwise turn them on.
"""

import sys

from . import __version__
from .analysis import TOO_DEEP
from .config import ConfigError, check_lock_name
from .engine import UNCHECKED, check_tree, rules_for
from .finding import Finding
from .rules import all_rules


class MboxlintChecker:
    name = "mboxlint"
    version = __version__
    options: dict = {}

    def __init__(self, tree, filename="(none)", lines=None):
        self.tree = tree
        self.filename = filename
        #: flake8's lines of the file; with them, a file that names nothing any rule looks
        #: at costs one substring search instead of an analysis
        self.lines = lines

    @classmethod
    def add_options(cls, parser) -> None:
        parser.add_option(
            "--mboxlint-shared-files",
            default="",
            parse_from_config=True,
            comma_separated_list=True,
            help="Glob patterns of files other programs lock (MBX303). (Default: none)",
        )
        parser.add_option(
            "--mboxlint-extend-interprocess-locks",
            default="",
            parse_from_config=True,
            comma_separated_list=True,
            help="The project's own inter-process locks, used as 'with NAME(...):' "
                 "(myapp.locks.FileLock, or acquire_lock for any function or method of that name). "
                 "(Default: none)",
        )
        off = [rule.code for rule in all_rules() if not rule.default_enabled]
        if off:
            parser.extend_default_ignore(off)

    @classmethod
    def parse_options(cls, options) -> None:
        patterns = getattr(options, "mboxlint_shared_files", None) or []
        cls.options = {"shared_files": [p for p in patterns if p]}
        locks = [name for name in getattr(options, "mboxlint_extend_interprocess_locks", None) or [] if name]
        if locks:
            try:
                cls.options["extend_interprocess_locks"] = [
                    check_lock_name(name, "mboxlint-extend-interprocess-locks") for name in locks]
            except ConfigError as error:  # a misspelt setting stops the run, as the CLI's does
                sys.stderr.write("flake8: %s\n" % error)
                raise SystemExit(2) from None
        cls.codes = _reported_codes(options)

    #: the codes flake8 will report (None: not known, every rule runs)
    codes = None

    def run(self):
        codes = self.codes
        if codes is not None and not codes:
            return
        text = "".join(self.lines) if self.lines is not None else None
        if text is not None and not rules_for(text, codes):
            return
        for finding in self._findings(codes, text):
            yield finding.line, finding.col, "%s %s" % (finding.code, finding.message), type(self)

    def _findings(self, codes, text):
        """The engine's findings; a failure is this file's finding, never flake8's crash,
        which would lose every other file's report."""
        try:
            return check_tree(self.tree, codes, dict(self.options), text)
        except RecursionError:  # flake8's own frames leave the engine less room than the CLI
            return [Finding(1, 0, UNCHECKED, TOO_DEEP)]
        except Exception as error:  # noqa: BLE001 - reported, as the CLI reports an internal error
            return [Finding(1, 0, UNCHECKED, "internal error: %s" % (error,))]


def _reported_codes(options):
    """The MBX codes flake8's own select/ignore decision keeps, asked once per run: analysing
    for a code flake8 then drops is cost without a finding (MBX9's trigger ``open`` is in
    nearly every file). Per-file ignores and ``# noqa`` are still flake8's to apply. Any
    trouble asking (another flake8 version) means every rule runs, as before."""
    try:
        from flake8.style_guide import Decision, DecisionEngine

        engine = DecisionEngine(options)
        named = _explicitly_selected(options)
        return frozenset(rule.code for rule in all_rules()
                         if engine.decision_for(rule.code) is Decision.Selected
                         and (rule.default_enabled or _names(named, rule.code)))
    except Exception:  # noqa: BLE001 - a superset of the codes is always correct
        return None


def _explicitly_selected(options):
    """The prefixes the user gave to ``select`` and ``extend-select`` (command line or config)."""
    named = set()
    for option in ("select", "extend_select"):
        named.update(code.strip() for code in getattr(options, option, None) or ())
    return named


def _names(prefixes, code):
    """Whether ``code`` is named by one of ``prefixes``, from ``MBX`` up to the whole code."""
    return any(code[:end] in prefixes for end in range(len("MBX"), len(code) + 1))

"""The flake8 adapter: flake8 hands us its ``ast`` tree; the engine does the rest.

flake8 runs every installed plugin on every file whatever ``--select`` says and filters the
report afterwards, so ``run`` reports every rule and lets flake8 apply select, ignore and
``# noqa``. flake8 pays every installed plugin on every file, so the plugin asks for the
file's ``lines`` too and returns at once when the text names nothing a rule looks at
(see ``TRIGGERS``). The opinionated MBX9 rules are added to flake8's default ignore list, the way
flake8-bugbear does with B9: turn them on with ``--extend-select=MBX9`` (or a ``select``
that names ``MBX9`` or one of its codes).
"""

from . import __version__
from .engine import check_tree, rules_for
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
        off = [rule.code for rule in all_rules() if not rule.default_enabled]
        if off:
            parser.extend_default_ignore(off)

    @classmethod
    def parse_options(cls, options) -> None:
        patterns = getattr(options, "mboxlint_shared_files", None) or []
        cls.options = {"shared_files": [p for p in patterns if p]}

    def run(self):
        text = "".join(self.lines) if self.lines is not None else None
        if text is not None and not rules_for(text):
            return
        for finding in check_tree(self.tree, None, dict(self.options), text):
            yield finding.line, finding.col, "%s %s" % (finding.code, finding.message), type(self)

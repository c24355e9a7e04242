"""The shape every rule has: code, name, message, documentation, examples, fix safety.

A rule is a small filter over the events of :mod:`mboxlint.analysis`. Its docstring is its
documentation page (What it does / Why is this bad? / Example / Use instead / Fix safety),
and its ``VALID``/``INVALID`` examples run as tests. In an ``INVALID`` example, every line
where a finding is expected ends with a comment naming the code (``box.add(m)  # MBX101``);
the test compares those lines with the reported ones exactly.
"""

import ast
import inspect
import re
import string
from typing import ClassVar, Dict, Iterable, NamedTuple, Optional, Sequence, Tuple, Union

from ..finding import Finding
from ..plans import FixPlan

#: Sections every rule's documentation has, in this order.
DOC_SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety")


class Invalid(NamedTuple):
    """An example that must be reported; ``fixed`` is what ``--fix`` must turn it into."""

    code: str
    fixed: Optional[str] = None
    #: the fix needs ``--unsafe-fixes``
    unsafe: bool = False


Example = Union[str, Invalid]

REGISTRY: Dict[str, type] = {}

#: Rules whose fix the spec describes but whose fixer is not written yet. Their findings
#: say "no fix" (``Finding.fix`` is None) so that nothing promises what ``--fix`` cannot do;
#: their documentation still describes the fix to come. A test keeps this set exact.
FIX_PENDING = frozenset()


class Rule:
    code: ClassVar[str] = ""
    #: kebab-case name, as ruff names its rules
    name: ClassVar[str] = ""
    #: ``str.format`` template filled by :meth:`finding`
    message: ClassVar[str] = ""
    #: off-by-default rules run only when a selection names them
    default_enabled: ClassVar[bool] = True
    #: "safe", "unsafe", "sometimes" (safe in some shapes, unsafe in others) or None
    fix_safety: ClassVar[Optional[str]] = None
    #: the seed (bug report) this rule comes from
    seed: ClassVar[str] = ""
    VALID: ClassVar[Sequence[str]] = ()
    INVALID: ClassVar[Sequence[Example]] = ()
    #: substrings one of which occurs in the text of every module this rule can report on
    #: (usually the ``TRIGGERS`` of the analysis it reads); None: no text gate. When no
    #: enabled rule's trigger occurs in a file, the engine parses it (syntax errors are
    #: always reported) but analyses nothing.
    TRIGGERS: ClassVar[Optional[Tuple[str, ...]]] = None
    #: substrings one of which occurs in every scope (function, class body, module top level)
    #: where this rule can report on a file event: the path analysis walks only the scopes
    #: that hold a word of some enabled rule (and those its own bookkeeping needs). ``()``:
    #: the rule reads no file events; None: every scope the path analysis follows.
    PATH_SCOPE_TRIGGERS: ClassVar[Optional[Tuple[str, ...]]] = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.code:
            return
        if not re.fullmatch(r"MBX[0-9]{3}", cls.code):
            raise ValueError("bad rule code %r" % cls.code)
        if cls.code in REGISTRY:
            raise ValueError("rule code %s registered twice" % cls.code)
        REGISTRY[cls.code] = cls

    def __init__(self, options: Optional[dict] = None):
        self.options = options or {}

    # -- documentation ----------------------------------------------------------------

    @classmethod
    def documentation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def fix_available(cls) -> Optional[str]:
        """The fix safety ``--fix`` applies today: ``fix_safety``, or None while pending."""
        return None if cls.code in FIX_PENDING else cls.fix_safety

    @classmethod
    def summary(cls) -> str:
        return cls.documentation().split("\n", 1)[0].strip()

    @classmethod
    def invalid_examples(cls) -> Iterable[Invalid]:
        for example in cls.INVALID:
            yield example if isinstance(example, Invalid) else Invalid(example)

    @classmethod
    def message_field(cls, message: str, field: str) -> Optional[str]:
        """The value :meth:`finding` put for ``field`` into ``message``, read back through
        :attr:`message`, so that a fixer needing it (a guard's line) follows the template."""
        pattern, seen = [], set()
        for literal, name, _spec, _conversion in string.Formatter().parse(cls.message):
            pattern.append(re.escape(literal))
            if name:  # a field used twice holds the same text both times
                pattern.append("(?P=%s)" % name if name in seen else "(?P<%s>.*?)" % name)
                seen.add(name)
        if field not in seen:
            return None
        match = re.fullmatch("".join(pattern), message, re.S)
        return match.group(field) if match else None

    # -- checking ---------------------------------------------------------------------

    def check(self, module) -> Iterable[Finding]:
        """Yield the findings of this rule for one analysed module."""
        raise NotImplementedError

    def finding(self, node: ast.AST, fix: Optional[str] = "default", plan: Optional[FixPlan] = None,
                **fields) -> Finding:
        """The finding at ``node``. ``plan``: what ``--fix`` does here (its safety is the
        finding's); without one, ``fix`` gives the safety alone (the rule's by default)."""
        if self.code in FIX_PENDING:
            plan, safety = None, None
        elif plan is not None:
            safety = plan.safety
        else:
            safety = self.fix_safety if fix == "default" else fix
        return Finding(
            node.lineno,
            node.col_offset,
            self.code,
            self.message.format(**fields),
            safety,
            getattr(node, "end_lineno", None),
            getattr(node, "end_col_offset", None),
            plan,
        )

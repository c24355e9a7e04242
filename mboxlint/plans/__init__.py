"""Fix plans: when a fix applies, how safe it is, and the exact nodes it rewrites.

Decided once, at detection, on ``ast`` with the analysis's resolved names; the fixers of
:mod:`mboxlint.fixes` only execute them. This package imports ``ast`` and the analysis, never
libcst or the fixers: everything ``check`` uses stays free of them.
"""

from .model import SAFE, UNSAFE, Anchor, FixPlan, Span, no_fix

__all__ = ["SAFE", "UNSAFE", "Anchor", "FixPlan", "Span", "no_fix"]

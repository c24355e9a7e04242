"""The one rule engine behind both entry points.

``check_tree`` runs every enabled rule over an ``ast`` tree (the flake8 plugin calls it with
the tree flake8 already parsed); ``check_source`` adds parsing, ``# noqa`` and selection;
``check_file`` adds reading. Nothing here prints or exits.
"""

import ast
import symtable
import sys
import warnings
from typing import Iterable, List, NamedTuple, Optional

from .analysis import ANALYSES, TOO_DEEP, analyse, has_trigger
from .analysis.paths import PathAnalysis
from .analysis.paths.words import may_walk
from .selection import Selection
from .finding import Finding
from .noqa import file_is_skipped, is_silenced, noqa_lines
from .rules import all_rules
from .source import SourceError, describe_syntax_error, error_position, read_source


class FileResult(NamedTuple):
    path: str
    findings: List[Finding]
    #: set when the file could not be checked (unreadable, undecodable, syntax error)
    error: Optional[Finding] = None
    #: the check itself failed (a bug in mboxlint): ``error`` says how; never cached
    internal: bool = False


def rules_for(text: Optional[str], codes: Optional[Iterable[str]] = None) -> list:
    """The rule classes whose codes are in ``codes`` (all when None) that may report on a
    module with this ``text``: a rule whose ``TRIGGERS`` do not occur in it cannot."""
    wanted = None if codes is None else frozenset(codes)
    return [
        cls for cls in all_rules()
        if (wanted is None or cls.code in wanted) and (text is None or has_trigger(text, cls.TRIGGERS))
    ]


def may_report(text: str, rules) -> bool:
    """Whether ``rules`` (classes) may report in a module with this ``text``, told before it
    is parsed: False only when the path analysis is the only one its words call for and
    would walk none of its scopes (:func:`~.analysis.paths.words.may_walk`)."""
    words = _path_words(rules)
    if words is None:
        return True
    for cls in ANALYSES:
        if cls is not PathAnalysis and has_trigger(text, getattr(cls, "TRIGGERS", None)):
            return True
    return may_walk(text, words)


def check_tree(tree: ast.Module, codes: Optional[Iterable[str]] = None, options: Optional[dict] = None,
               text: Optional[str] = None, gate: bool = True) -> List[Finding]:
    """Findings of the rules whose codes are in ``codes`` (all rules when None), sorted.

    Given the module's ``text``, messages quote its source, and (unless ``gate`` is false)
    rules and analyses it cannot concern (see ``TRIGGERS``) are skipped, and a module that
    concerns none of them is not analysed at all.

    A function the analysis had to give up on (over its work budget, or nested too deeply)
    is reported as one :data:`UNCHECKED` finding at its definition, and the rest of the
    module is still checked. A rule that cannot handle the module's depth makes the whole
    module one such finding.
    """
    rules = [cls(options) for cls in rules_for(text if gate else None, codes)]
    if not rules:
        return []
    try:
        module = analyse(tree, options, text=text, gate=gate, path_words=_path_words(rules))
    except RecursionError:
        return [Finding(1, 0, UNCHECKED, TOO_DEEP)]
    findings = [_unchecked(scope, why) for scope, why in module.unchecked]
    seen = set()
    try:
        for rule in rules:
            for finding in rule.check(module):
                key = (finding.line, finding.col, finding.code)
                if key not in seen:
                    seen.add(key)
                    findings.append(finding)
    except RecursionError:
        return [Finding(1, 0, UNCHECKED, TOO_DEEP)]
    finally:
        module.release()
    findings.sort(key=Finding.sort_key)
    return findings


def _path_words(rules) -> Optional[List[str]]:
    """The scope words the path analysis must look for to serve ``rules`` (see
    ``Rule.PATH_SCOPE_TRIGGERS``), or None when some rule needs every scope."""
    words: List[str] = []
    for rule in rules:
        wanted = getattr(rule, "PATH_SCOPE_TRIGGERS", None)  # not declared: every scope
        if wanted is None:
            return None
        words.extend(word for word in wanted if word not in words)
    return words


#: the code of "this file (or function) could not be checked", as flake8 spells it
UNCHECKED = "E902"


def _unchecked(scope, why: str) -> Finding:
    node = scope.node
    if isinstance(node, ast.Module):
        return Finding(1, 0, UNCHECKED, "%s in the module's top-level code; it was not checked" % why)
    kind = "class" if isinstance(node, ast.ClassDef) else "function"
    return Finding(node.lineno, node.col_offset, UNCHECKED,
                   "%s in %s `%s` (line %d); it was not checked" % (why, kind, node.name, node.lineno))


#: Before Python 3.11, ``ast.parse`` overflows the C stack (the process dies, no exception)
#: on a chain of some 100,000 attribute accesses, calls, subscripts or binary operators; the
#: symbol pass refuses such depth first, with a RecursionError. Only a text that spells half
#: as many of the characters such chains are made of is probed so (a size alone would make
#: a step in the cost of files around it).
PROBE_DEPTH_FIRST = sys.version_info < (3, 11)
CHAIN_CHARACTERS = ".([+-*/%@&|^<>"
PROBED_CHAIN = 50_000


def may_hold_deep_chain(text: str) -> bool:
    return len(text) > PROBED_CHAIN and sum(text.count(char) for char in CHAIN_CHARACTERS) > PROBED_CHAIN


def parse(text: str, path: str = "<unknown>") -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences are not our business
        if PROBE_DEPTH_FIRST and may_hold_deep_chain(text):
            try:
                symtable.symtable(text, path, "exec")
            except (SyntaxError, ValueError):
                pass  # the parse below gives the verdict and its message
        return ast.parse(text, filename=path)


def parses(text: str, path: str = "<unknown>") -> bool:
    """Whether ``text`` parses, told without building the ``ast`` objects (about two thirds of
    the parse's cost). False also where the compiler's symbol pass refuses what ``ast.parse``
    takes (``nonlocal`` at module level): the caller parses then, for the verdict and message."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            symtable.symtable(text, path, "exec")
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return False
    return True


def check_source(text: str, path: str = "<unknown>", selection: Optional[Selection] = None,
                 options: Optional[dict] = None) -> FileResult:
    selection = selection or Selection()
    if file_is_skipped(text):
        return FileResult(path, [])
    # A module holding no word of any enabled rule's triggers, or in which no scope would be
    # walked for them, has nothing to report: whether it parses is all there is left to say.
    rules = rules_for(text, selection.enabled)
    if (not rules or not may_report(text, rules)) and parses(text, path):
        return FileResult(path, [])
    try:
        tree = parse(text, path)
    except SyntaxError as error:
        line, col = error_position(error)
        return FileResult(path, [], Finding(line, col, "E999", describe_syntax_error(error)))
    except (MemoryError, RecursionError):
        # CPython's parser raises these, often with no message, for very deep nesting.
        return FileResult(path, [], Finding(1, 0, "E902", "cannot parse: too deeply nested"))
    except ValueError as error:
        return FileResult(path, [], Finding(1, 0, "E902", "cannot parse: %s" % error))
    try:
        findings = check_tree(tree, selection.enabled, options, text)
    except RecursionError:
        return FileResult(path, [], Finding(1, 0, UNCHECKED, TOO_DEEP))
    del tree  # free the tree before tokenizing for ``# noqa``: peak memory, not speed
    # What could not be checked is not a finding to silence: the first is the file's error
    # (exit 3), any others are listed with the findings.
    unchecked = [f for f in findings if f.code == UNCHECKED]
    if unchecked:
        findings = [f for f in findings if f.code != UNCHECKED]
    if findings:  # tokenizing for ``# noqa`` costs as much as a tenth of the parse
        noqa = noqa_lines(text)
        if noqa:
            findings = [f for f in findings if not is_silenced(noqa, f.line, f.code)]
    if unchecked:
        return FileResult(path, sorted(findings + unchecked[1:], key=Finding.sort_key), unchecked[0])
    return FileResult(path, findings)


def check_file(path: str, selection: Optional[Selection] = None, options: Optional[dict] = None) -> FileResult:
    try:
        source = read_source(path)
    except SourceError as error:
        return FileResult(path, [], Finding(error.line, error.col, error.code, error.message))
    return check_source(source.text, path, selection, options)

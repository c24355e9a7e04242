"""The shared analysis layer: what rules ask about a module.

``analyse(tree)`` resolves imports once, then walks every scope once with every analysis that
applies to the module, and returns a :class:`ModuleAnalysis` whose events the rules filter.
"""

import ast
import bisect
import re
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple, Type, TypeVar

from .events import Event
from .imports import ModuleFacts
from .keys import ImapAnalysis, KeyAnalysis
from .locks import LockAnalysis
from .paths import PathAnalysis
from .prose import Prose
from .summaries import ModuleSummaries
from .triggers import has_trigger, holds_line, known_lines, note_word_offsets, word_lines, words_in
from .walk import BudgetExceeded, Scope, Walker, iter_scopes

E = TypeVar("E", bound=Event)

#: Analyses, in the order they see each call. Each has ``applies(facts)`` and takes
#: ``(facts, tree, options)``.
ANALYSES = (LockAnalysis, KeyAnalysis, ImapAnalysis, PathAnalysis)


class ModuleAnalysis:
    """Everything the rules may ask about one module."""

    def __init__(self, tree: ast.Module, facts: ModuleFacts, events: List[Event], options: Optional[dict] = None,
                 text: Optional[str] = None, unchecked: Optional[List[Tuple[Scope, str]]] = None):
        self.tree = tree
        #: the module's source, when known: messages quote expressions from it
        self.text = text
        self._lines: Optional[List[bytes]] = None
        self.facts = facts
        self.events = events
        self.options = options or {}
        #: scopes whose walk was abandoned, with why (:data:`BUDGET_EXCEEDED`, :data:`TOO_DEEP`);
        #: they have no events, and the engine reports each
        self.unchecked = unchecked or []
        self._by_class: Dict[type, List[Event]] = {}
        for event in events:
            self._by_class.setdefault(type(event), []).append(event)

    def release(self) -> None:
        """Drop the link from the module's facts to its summaries (which point back at the
        facts): without that cycle the tree and everything found about it are freed by
        reference counting when the check is done, not left to the cycle collector, which
        then has to go through every node of every module checked so far."""
        self.facts.summaries = None

    def events_of(self, event_class: Type[E]) -> List[E]:
        """The module's events of one class (:mod:`~mboxlint.analysis.events`), in walk order."""
        if not (isinstance(event_class, type) and issubclass(event_class, Event)):
            raise TypeError("events_of() takes an event class, not %r" % (event_class,))
        return self._by_class.get(event_class, [])  # type: ignore[return-value]

    @property
    def lines(self) -> Optional[List[bytes]]:
        """The source's lines as ``ast`` numbers them, in UTF-8 as its columns count (encoded
        and split once, when a message needs them)."""
        if self._lines is None and self.text is not None:
            # the breaks ast counts lines by (str.splitlines also splits at \f, \v, \x1c, ...)
            self._lines = re.split(rb"\r\n|\r|\n", self.text.encode("utf-8", "surrogatepass"))
        return self._lines


def analyse(tree: ast.Module, options: Optional[dict] = None, analyses: Sequence[type] = ANALYSES,
            text: Optional[str] = None, gate: bool = True, summaries: bool = True,
            path_words: Optional[Sequence[str]] = None, callers: bool = True) -> ModuleAnalysis:
    """Analyse one module. With its ``text`` (and ``gate``), analyses whose ``TRIGGERS`` do
    not occur in it are not even asked whether they apply, and scopes that hold none of the
    words of ``scope_triggers`` are not walked. ``path_words``: the words of which one occurs
    in every scope where an enabled rule can report a file event (see
    :attr:`mboxlint.rules.base.Rule.PATH_SCOPE_TRIGGERS`); None: every scope the path analysis
    follows. ``summaries=False`` leaves every call of the module's own functions opaque (for
    measuring what summaries cost); ``callers=False`` gives no helper the context of its
    callers (see :mod:`.paths.callers`; for measuring what that costs)."""
    if text is not None and gate:
        analyses = [cls for cls in analyses if has_trigger(text, getattr(cls, "TRIGGERS", None))]
    facts = ModuleFacts(tree, text)
    if text is not None:
        facts.may_walrus = ":=" in text
    facts.summaries = ModuleSummaries(facts, tree) if summaries else None
    facts.follow_callers = callers and facts.summaries is not None and text is not None
    active = [cls(facts, tree, options or {}) for cls in analyses if cls.applies(facts)]
    events: List[Event] = []
    unchecked: List[Tuple[Scope, str]] = []
    if active:
        callers: List[Callable[[List[Event]], Optional[Callable[[ast.AST], bool]]]] = []
        matters = _scope_filter(text if gate else None, active, path_words, facts, tree, callers)
        walked = _walk_scopes(facts, tree, matters, active, events, unchecked)
        if callers:
            # Then the callers of the helpers whose walk gave events: only those have a
            # context to take from their callers (:mod:`.paths.callers`).
            more = callers[0](events)
            if more is not None:
                _walk_scopes(facts, tree, more, active, events, unchecked, walked)
        for analysis in active:
            analysis.finish_module()
    return ModuleAnalysis(tree, facts, events, options, text=text, unchecked=unchecked)


def _walk_scopes(facts: ModuleFacts, tree: ast.Module, matters: Optional[Callable[[ast.AST], bool]], active,
                 events: List[Event], unchecked: List[Tuple[Scope, str]], skip: Optional[set] = None) -> set:
    """Walk the scopes ``matters`` accepts (every one when None) but those in ``skip`` (ids of
    scope nodes), each alone, adding to ``events`` and ``unchecked``; the ids walked."""
    walked = set()
    for scope in iter_scopes(tree, matters):
        node = scope.node
        if skip is not None and id(node) in skip:
            continue
        if matters is None or matters(node):  # (the module itself is always given)
            walked.add(id(node))
            first = len(events)
            try:
                Walker(facts, scope, active, events).run()
            except BudgetExceeded:
                unchecked.append((scope, BUDGET_EXCEEDED))
            except RecursionError:
                unchecked.append((scope, TOO_DEEP))
            else:
                continue
            del events[first:]  # half a walk's events would be wrong, not just incomplete
    return walked


#: why a scope was not checked
BUDGET_EXCEEDED = "analysis budget exceeded"
TOO_DEEP = "too deeply nested to analyse"


def _scope_filter(text: Optional[str], active, path_words=None, facts: Optional[ModuleFacts] = None,
                  tree: Optional[ast.Module] = None, callers: Optional[list] = None) -> Optional[Callable[[ast.AST], bool]]:
    """A test of whether a scope's lines hold a scope trigger of an active analysis, or
    None when every scope must be walked (no text, or an analysis without scope triggers).

    When an analysis follows what callers guarantee (``FOLLOWS_CALLERS``), the callers of a
    helper matter too, but only when the helper's own walk gave events: ``callers`` is then
    given one function, which takes the events of the first walk and returns a test of the
    scopes to walk next (the callers, theirs, and so on; None: none)."""
    if text is None or "\r" in text:  # a lone CR ends a line for ast too: count nothing wrong
        return None
    triggers = set()
    # A finer test of each occurrence of a word, where the analyses wanting it have one
    # (``s.replace(old, new)`` renames nothing); a word some analysis wants without one
    # counts wherever it stands.
    tests: Dict[str, Optional[Callable[[str, int], bool]]] = {}
    for analysis in active:
        wanted = analysis.scope_triggers(path_words)
        if wanted is None:
            return None
        triggers.update(wanted)
        for word in wanted:
            test = analysis.scope_word_test(word)
            tests[word] = test if tests.get(word, test) is test else None
    known = words_in(text)
    # A word holding another (``flock`` holds ``lock``) adds no line that one does not.
    words = sorted((t for t in triggers if known.get(t) is not False), key=len)
    kept: List[str] = []
    for word in words:
        if not any(shorter in word for shorter in kept):
            kept.append(word)
    offsets = []
    #: where each word without a finer test stands: the analyses ask for some of their lines
    #: again (:func:`~.triggers.word_lines`), which need not look for them once more
    untested: Dict[str, List[int]] = {word: [] for word in triggers if known.get(word) is False}
    #: ... and the lines of those whose lines were asked for already (``open``, to find the
    #: helpers that open a file)
    asked = []
    for trigger in kept:
        test = tests.get(trigger)
        if test is None:
            lines = known_lines(text, trigger)
            if lines is not None:
                asked.append(lines)
                continue
        hits = offsets if test is not None else untested.setdefault(trigger, [])
        found = text.find(trigger)
        while found != -1:
            if test is None or test(text, found):
                hits.append(found)
            found = text.find(trigger, found + 1)
    for hits in untested.values():
        offsets.extend(hits)
    note_word_offsets(text, untested)
    if not offsets and not any(asked):
        return lambda node: False
    # Line numbers of the hits, without splitting the text into lines; a word in a comment or
    # a docstring is prose, and calls for no walk.
    offsets.sort()
    prose = Prose(text, tree)
    lines = []
    line, position = 1, 0
    for offset in offsets:
        line += text.count("\n", position, offset)
        position = offset
        if lines and lines[-1] == line:
            continue
        if prose.holds(line, offset):
            continue
        lines.append(line)
    if any(asked):
        lines = sorted(set(lines).union(*asked))
    if facts is not None:
        facts.walked_lines = lines
    if facts is not None and facts.follow_callers and callers is not None and any(
            getattr(analysis, "FOLLOWS_CALLERS", False) for analysis in active):
        helpers = facts.summaries.caller_candidates()
        if helpers:
            # A call site is noted in the first walk only for a helper its callers' walk
            # may reach (any helper holding a walked line, and their callers).
            facts.walked_lines = _with_helper_callers(text, lines, helpers, facts.summaries)
            callers.append(lambda events: _callers_filter(text, lines, helpers, facts.summaries, events))
    return _holding(lines)


def _holding(lines: List[int]) -> Callable[[ast.AST], bool]:
    """A test of whether a node's lines hold one of ``lines`` (sorted); the module always does."""

    def matters(node: ast.AST) -> bool:
        if isinstance(node, ast.Module):
            return True
        first = bisect.bisect_left(lines, node.lineno)
        return first < len(lines) and lines[first] <= (node.end_lineno or node.lineno)

    return matters


def _callers_filter(text: str, lines: List[int], helpers: Dict[str, ast.AST], summaries,
                    events: List[Event]) -> Optional[Callable[[ast.AST], bool]]:
    """A test of the scopes calling (at any remove) a helper of ``helpers`` whose own walk
    gave one of ``events``, or None when no helper did."""
    nodes = {id(node): name for name, node in helpers.items()}
    touched = {nodes[id(event.scope.node)] for event in events if id(event.scope.node) in nodes}
    if not touched:
        return None
    more = _with_helper_callers(text, lines, helpers, summaries, touched)
    return _holding(more) if len(more) > len(lines) else None


#: what a method spells when it may give its private methods something: a lock held, or a
#: path in a private folder it makes (``self._write(join(mkdtemp(), name))``)
_GIVING_WORDS = ("lock", "mkdtemp", "TemporaryDirectory", "TempDir", "tmp_path", "tmpdir")


def _in_a_locking_method(text: str, summaries) -> Callable[[int], bool]:
    """A test of whether a line is in a method of the module's classes one of whose lines
    spells ``lock`` or a private folder's maker (:data:`_GIVING_WORDS`)."""
    found = [word_lines(text, word) or [] for word in _GIVING_WORDS]
    lock_lines = sorted(set().union(*found))
    spans = sorted((method.lineno, method.end_lineno or method.lineno)
                   for cls in summaries.classes.values() for method in summaries.methods(cls).values()
                   if lock_lines and holds_line(lock_lines, method.lineno, method.end_lineno or method.lineno))
    starts = [span[0] for span in spans]

    def locking(line: int) -> bool:
        index = bisect.bisect_right(starts, line) - 1
        return index >= 0 and spans[index][1] >= line

    return locking


#: helpers per module whose callers are looked for (hostile input may define any number)
MAX_FOLLOWED_HELPERS = 256


def _with_helper_callers(text: str, lines: List[int], helpers: Dict[str, ast.AST], summaries=None,
                         start: Optional[Set[str]] = None) -> List[int]:
    """``lines`` (sorted) with the lines that name a helper of ``helpers`` (by substring:
    more lines only walk more scopes) holding one of them (or, given ``start``, one of those
    helpers), until no helper is added; at most
    :data:`MAX_FOLLOWED_HELPERS` helpers are looked for. A private method's callers are
    added only when they are methods spelling ``lock`` or a private folder's maker: a class
    calls its private methods everywhere, and a caller holding no lock and making no private
    folder rarely gives one anything (its own trigger words still have it walked). A test
    module's helper method (``self.update_pyfile(join(self.tmp_dir, name))``) has every
    caller added: its tests hand it paths in their own folders."""
    if not helpers or not lines:
        return lines
    locking: Optional[Callable[[int], bool]] = None
    spans = sorted((node.lineno, node.end_lineno or node.lineno, name) for name, node in helpers.items())
    starts = [span[0] for span in spans]

    def holder(line: int) -> Optional[str]:
        index = bisect.bisect_right(starts, line) - 1
        return spans[index][2] if index >= 0 and spans[index][1] >= line else None

    pending = []
    if start is not None:
        pending = [name for _first, _last, name in spans if name in start]
    else:
        for first_line, end, name in spans:
            first = bisect.bisect_left(lines, first_line)
            if first < len(lines) and lines[first] <= end:
                pending.append(name)
    if not pending:
        return lines
    done = set(pending)
    found = set(lines)
    followed = 0
    while pending and followed < MAX_FOLLOWED_HELPERS:
        name = pending.pop()
        followed += 1
        # (a test's helper method is called by tests, which give it their private folders)
        method = summaries is not None and summaries.is_method(helpers[name]) \
            and not summaries.is_test_helper_method(helpers[name])
        if method and locking is None:
            locking = _in_a_locking_method(text, summaries)
        for line in word_lines(text, name) or ():  # (no lone CR here: see _scope_filter)
            if method and not locking(line):
                continue
            found.add(line)
            caller = holder(line)
            if caller is not None and caller not in done:
                done.add(caller)
                pending.append(caller)
    return sorted(found)

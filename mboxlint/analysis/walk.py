"""The abstract walk: one pass over a scope's statements that every analysis shares.

The walk follows the shape of the AST instead of building a control-flow graph:

* ``if``/``match`` walk each arm from a copy of the state and join the results;
* loops walk their body silently until the state at the loop head stops changing (the
  lattices are tiny; at most :data:`MAX_LOOP_ROUNDS`), then once more emitting events, and
  join "ran zero times"; a loop met while walking silently takes one round;
* ``return``/``raise``/``break``/``continue`` hand their state to the matching exit, passing
  through the ``finally`` blocks and ``with`` exits they leave;
* ``try`` joins the state before every statement of the body into the handlers (one
  :class:`~mboxlint.analysis.state.Joiner`, fed the changes); ``finally`` is walked once
  (emitting) on the join of the ways in that do not raise, and once silently on the normal way
  out, which is what flows on (once in all when the normal way is the only one).

So each level of nesting costs a bounded number of walks of what it holds, and a state's copy
or join costs what changed (see :mod:`mboxlint.analysis.state`). Expressions, conditions and
``elif`` chains are walked with explicit stacks: their depth comes from the input. Each scope
has a work budget (:data:`WORK_BUDGET`); past it the walk raises :class:`BudgetExceeded`.

Analyses (see :class:`Analysis`) receive calls, bindings, branch conditions and ``with``
entries/exits, update the state and emit :class:`Event` records. Rules only read events.
"""

import ast
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple, Type

from .events import Event
from .imports import PROGRAM_EXITS, ModuleFacts, compared_to_bool, dotted_name, same, unnegated
from .state import Joiner, State, WorkMeter, join, join_all

#: Iterations of a loop body before the head state is taken as it stands.
MAX_LOOP_ROUNDS = 4

#: Work one scope's walk may do (statements and expression nodes walked, groups of facts
#: joined and compared) before it is abandoned with :class:`BudgetExceeded`. The largest
#: function of the standard library needs a three-hundredth of it (6,500); hostile shapes
#: that would take minutes stop within seconds.
WORK_BUDGET = 2_000_000


class BudgetExceeded(Exception):
    """A scope's walk did more work than its budget allows."""


ScopeNode = Any  # ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


_NOT_YET = object()


class Scope:
    """A module, class body or function walked on its own."""

    def __init__(self, node: ScopeNode, enclosing_class: Optional[ast.ClassDef] = None,
                 enclosing_function: Optional["Scope"] = None):
        self.node = node
        self.enclosing_class = enclosing_class
        #: the scope of the function this one is nested in, if any (its names are visible here)
        self.enclosing_function = enclosing_function
        #: the analyses ask for these at every call: worked out once
        self.is_function = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        self._self_name: object = _NOT_YET

    @property
    def name(self) -> str:
        return getattr(self.node, "name", "<module>")

    @property
    def self_name(self) -> Optional[str]:
        """The name of a method's instance parameter (``self``), if this is a method."""
        if self._self_name is _NOT_YET:
            self._self_name = self._instance_parameter()
        return self._self_name  # type: ignore[return-value]

    def _instance_parameter(self) -> Optional[str]:
        if not self.is_function or self.enclosing_class is None:
            return None
        for decorator in self.node.decorator_list:
            if isinstance(decorator, ast.Name) and decorator.id in ("staticmethod", "classmethod"):
                return None
        args = self.node.args
        positional = list(getattr(args, "posonlyargs", [])) + list(args.args)
        return positional[0].arg if positional else None


class Analysis:
    """One kind of fact the walk tracks. Every hook is optional.

    An analysis is instantiated for a module only when ``applies(facts)`` (a static method)
    says the module may concern it, e.g. because it imports ``mailbox``.

    ``TRIGGERS`` is a cheaper gate checked before that, on the source text, before any
    import is resolved: a tuple of substrings of which at least one must occur in the text
    of any module the analysis can apply to (``("mailbox",)`` for the lock analysis, since
    every way of naming a mailbox class spells that word somewhere). ``None`` (the default)
    means "no text gate": the analysis is always asked ``applies``. A trigger must be sound,
    never a guess: a module without any of them must be one where the analysis would emit
    nothing. Rules carry the same attribute (see :class:`mboxlint.rules.base.Rule`), so the
    engine skips the whole analysis of a file that contains no trigger of any enabled rule.

    ``scope_triggers()`` narrows the same idea to scopes, once the module's facts are known:
    substrings one of which occurs in the source lines of every scope (function, class body,
    module) where the analysis can emit or change anything, e.g. the local names that refer
    to mailbox classes. When every active analysis gives them, a scope whose lines contain
    none is not walked at all. ``None`` (the default) means every scope may matter.
    """

    #: the domain name used in fact keys
    domain = ""
    #: substrings one of which occurs in every module this analysis can apply to; None: no gate
    TRIGGERS: Optional[Tuple[str, ...]] = None
    #: whether the analysis uses what every caller of a module helper guarantees: then the
    #: scopes calling a helper that is walked are walked too (see :func:`~.analyse`)
    FOLLOWS_CALLERS = False

    def scope_triggers(self, path_words: Optional[Sequence[str]] = None) -> Optional[Sequence[str]]:
        """Substrings of which every scope that matters to this analysis contains one, or None.
        ``path_words``: what the enabled rules need of file events (see :func:`~.analyse`)."""
        return None

    def scope_word_test(self, word: str) -> Optional[Callable[[str, int], bool]]:
        """A test of whether the occurrence of scope trigger ``word`` at an offset of the
        module's text may matter (None: every one may)."""
        return None

    def start(self, walker: "Walker", state: State) -> None:
        """Seed the state at the scope's entry."""

    def call(self, walker: "Walker", node: ast.Call, state: State) -> None:
        """A call, after its function and arguments were evaluated."""

    def operation(
        self, walker: "Walker", ref: str, op: str, node: ast.AST, args: Sequence[ast.AST], state: State
    ) -> None:
        """An operation on the object named ``ref``: a method call (``op`` is the method's
        name) or a protocol use (``__getitem__``, ``__setitem__``, ``__delitem__``,
        ``__contains__``, ``__len__``, ``__iter__``)."""

    def bind(self, walker: "Walker", target: ast.AST, value: Optional[ast.AST], how: str, state: State) -> None:
        """``target`` was bound from ``value`` (``how``: assign, for, with, walrus, augassign,
        comprehension, except). Facts about the target's refs are already forgotten."""

    def augmented(self, walker: "Walker", stmt: ast.AugAssign, state: State) -> None:
        """``stmt`` (``x += v``) made its target from its own value, after :meth:`bind`
        (the target's facts are not forgotten: ``items += more`` is the same list)."""

    def carried(self, name: str, value: ast.Call, state: State) -> Sequence[Tuple[str, Any, Any]]:
        """``(domain, ref, fact)`` to keep through ``name = value`` (``p = Path(p)``: the same
        file, another type), read before the name's facts are forgotten."""
        return ()

    def branch(self, walker: "Walker", test: ast.AST, truth: bool, state: State) -> None:
        """Control enters code that runs only when ``test`` is ``truth``."""

    def branch_any(self, walker: "Walker", tests: Sequence[Tuple[ast.AST, bool]], state: State) -> None:
        """Control enters code that runs only when at least one ``test`` is its ``truth``
        (``a or b`` true, ``a and b`` false; ``not`` is not peeled off)."""

    def with_enter(self, walker: "Walker", item: ast.withitem, state: State) -> None:
        """A ``with`` item's context was entered (after ``bind`` of its target)."""

    def with_exit(self, walker: "Walker", item: ast.withitem, state: State) -> None:
        """A ``with`` item's context is left, on any way out."""

    def loop_done(self, walker: "Walker", stmt: ast.AST, state: State, ran: Optional[State]) -> None:
        """A ``for`` loop ran out of items (``state``: before its ``else:``; not on a ``break``);
        ``ran``: the join of the states its body ended an iteration in, if any did."""

    def finish_module(self) -> None:
        """Every scope of the module was walked (or abandoned): complete what needed them all."""

    def finish(self, walker: "Walker", exits: Optional[State]) -> None:
        """The scope is done; ``exits`` joins the states at its normal exits."""


class _Frame:
    """Something a jump leaves on its way out: a ``finally`` body or a ``with`` item."""

    __slots__ = ("kind", "payload", "loop_depth", "arrivals")

    def __init__(self, kind: str, payload: Any, loop_depth: int):
        self.kind = kind
        self.payload = payload
        self.loop_depth = loop_depth
        #: states of the jumps that reached this frame, as they arrived
        self.arrivals: List[State] = []


class Walker:
    """Walks one scope, feeding every analysis. Use :meth:`run`."""

    def __init__(self, facts: ModuleFacts, scope: Scope, analyses: Sequence[Analysis], events: List[Event],
                 budget: Optional[int] = None):
        self.facts = facts
        self.scope = scope
        self.analyses = analyses
        self.events = events
        self._silent = 0
        self._returns: List[State] = []
        self._raises: List[State] = []
        self._loops: List[Dict[str, List[State]]] = []
        self._frames: List[_Frame] = []
        self._blocks: List[Tuple[Sequence[ast.stmt], int]] = []
        #: for each enclosing ``try``/``with`` body, the join of the states its statements start in
        self._handler_entries: List[Joiner] = []
        self._emitted: Dict[Tuple[type, int, Any], int] = {}
        self._handling = 0
        self._elif_tests: Dict[int, ast.AST] = {}  # if -> the failed test of the arm before (see _stmt_If)
        #: the handlers of each ``try`` whose body is being walked, outermost first
        self._try_handlers: List[Sequence[ast.ExceptHandler]] = []
        self._tries: List[ast.AST] = []
        #: for a level of ``_blocks`` that is an ``elif`` (the ``else:`` of an ``if``, holding
        #: only the next ``if``), the level of the chain's first ``if``
        self._elif_base: Dict[int, int] = {}
        #: statements and expression nodes walked so far
        self.spent = 0
        #: what ``spent`` plus the work of joins (``WorkMeter``) since the start may reach
        self._limit = (WORK_BUDGET if budget is None else budget) + WorkMeter.spent

    # -- public helpers for analyses --------------------------------------------------

    def emit(self, event_class: Type[Event], node: ast.AST, key: Any = None, **fields: Any) -> Optional[Event]:
        """Record an ``event_class`` event at ``node`` unless walking silently, and return it. A
        node re-walked (a ``finally`` reached by several paths) replaces its earlier event of
        the same class and key."""
        if self._silent:
            return None
        event = event_class(node, self.scope, **fields)
        slot = (event_class, id(node), key)
        index = self._emitted.get(slot)
        if index is None:
            self._emitted[slot] = len(self.events)
            self.events.append(event)
        else:
            self.events[index] = event
        return event

    @property
    def silent(self) -> bool:
        return bool(self._silent)

    @property
    def handling(self) -> bool:
        """Whether the walk is inside an ``except`` handler (an exceptional path)."""
        return bool(self._handling)

    @staticmethod
    def ref(node: ast.AST) -> Optional[str]:
        """The dotted name an expression spells (``self.box``), or None."""
        return dotted_name(node)

    def current_statement(self) -> Optional[ast.stmt]:
        """The statement being walked, innermost."""
        if not self._blocks:
            return None
        stmts, index = self._blocks[-1]
        return stmts[index]

    def current_block(self) -> Optional[Tuple[Sequence[ast.stmt], int]]:
        """The statement list holding the statement being walked, and its index there."""
        return self._blocks[-1] if self._blocks else None

    def enclosing_blocks(self) -> List[Tuple[Sequence[ast.stmt], int]]:
        """Every statement list from the scope's body down to the statement being walked,
        each with the index of the statement it holds on the way there."""
        return list(self._blocks)

    def next_statement(self) -> Optional[ast.stmt]:
        """The statement that runs after the one being walked when it completes normally.

        At the end of a block this is the statement after the enclosing ``if``/``try``/
        ``with`` (or a ``try``'s ``else:``); at the end of a loop body or of the scope there
        is none.
        """
        depth = len(self._blocks)
        while depth > 0:
            depth -= 1
            stmts, index = self._blocks[depth]
            if index + 1 < len(stmts):
                return stmts[index + 1]
            if depth == 0:
                return None
            if depth in self._elif_base:  # an elif chain ends where its first if does
                depth = self._elif_base[depth] + 1
                continue
            outer_stmts, outer_index = self._blocks[depth - 1]
            owner = outer_stmts[outer_index]
            if isinstance(owner, (ast.For, ast.AsyncFor, ast.While)) and stmts is owner.body:
                return None
            if stmts is getattr(owner, "body", None) and getattr(owner, "orelse", None) and hasattr(owner, "handlers"):
                return owner.orelse[0]
        return None

    def enclosing_finally_bodies(self) -> List[Sequence[ast.stmt]]:
        return [f.payload for f in self._frames if f.kind == "finally"]

    def enclosing_with_items(self) -> List[ast.withitem]:
        return [f.payload for f in self._frames if f.kind == "with"]

    def enclosing_handlers(self) -> List[ast.ExceptHandler]:
        """The ``except`` handlers of the ``try`` statements whose body holds the statement
        being walked (innermost last)."""
        return [handler for handlers in self._try_handlers for handler in handlers]

    def enclosing_tries(self) -> List[ast.AST]:
        """The ``try`` statements whose body holds the statement being walked (innermost
        last), as :meth:`enclosing_handlers` gives their handlers."""
        return list(self._tries)

    # -- driver -------------------------------------------------------------------------

    def run(self) -> None:
        """Walk the scope; :class:`BudgetExceeded` or ``RecursionError`` may stop it midway."""
        node = self.scope.node
        state = State()
        for analysis in self.analyses:
            analysis.start(self, state)
        body = node.body
        end = self.walk_block(body, state)
        exits = join_all([end] + self._returns)
        for analysis in self.analyses:
            analysis.finish(self, exits)

    # -- statements -------------------------------------------------------------------

    def walk_block(self, stmts: Sequence[ast.stmt], state: Optional[State]) -> Optional[State]:
        for index, stmt in enumerate(stmts):
            if state is None:
                return None
            self.spent += 1
            if self.spent + WorkMeter.spent > self._limit:
                raise BudgetExceeded(self.scope)
            for entries in self._handler_entries[-1:]:
                entries.add(state)
            self._blocks.append((stmts, index))
            try:
                state = self.walk_stmt(stmt, state)
            finally:
                self._blocks.pop()
        return state

    def walk_stmt(self, stmt: ast.stmt, state: State) -> Optional[State]:
        method = getattr(self, "_stmt_" + type(stmt).__name__, None)
        if method is not None:
            return method(stmt, state)
        # Simple statements without control flow: evaluate their expressions in order.
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.expr):
                self.eval(child, state)
        return state

    def _stmt_Expr(self, stmt: ast.Expr, state: State) -> Optional[State]:
        self.eval(stmt.value, state)
        value = stmt.value
        if isinstance(value, ast.Call) and self.facts.resolve(value.func) in PROGRAM_EXITS:
            return self._escape(state)  # ``sys.exit(1)``: nothing after it runs, as after a raise
        return state

    def _stmt_Assign(self, stmt: ast.Assign, state: State) -> State:
        self.eval(stmt.value, state)
        for target in stmt.targets:
            self.assign(target, stmt.value, "assign", state)
        return state

    def _stmt_AnnAssign(self, stmt: ast.AnnAssign, state: State) -> State:
        if stmt.value is not None:
            self.eval(stmt.value, state)
        self.assign(stmt.target, stmt.value, "assign", state)
        return state

    def _stmt_AugAssign(self, stmt: ast.AugAssign, state: State) -> State:
        self.eval(stmt.value, state)
        self.eval_target_parts(stmt.target, state)
        # ``x += 1`` keeps x's identity for mutable values; analyses decide.
        for analysis in self.analyses:
            analysis.bind(self, stmt.target, stmt.value, "augassign", state)
            analysis.augmented(self, stmt, state)
        return state

    def _stmt_Delete(self, stmt: ast.Delete, state: State) -> State:
        for target in stmt.targets:
            if isinstance(target, ast.Subscript):
                self.eval(target.slice, state)
                ref = self.ref(target.value)
                if ref is not None:
                    self.operate(ref, "__delitem__", target, [target.slice], state)
                else:
                    self.eval(target.value, state)
            else:
                self.eval_target_parts(target, state)
                ref = self.ref(target)
                if ref is not None:
                    state.forget_ref(ref)
        return state

    def _stmt_Return(self, stmt: ast.Return, state: State) -> None:
        if stmt.value is not None:
            self.eval(stmt.value, state)
        self._returns.append(self._through_frames(state, loop_depth=0))
        return None

    def _stmt_Raise(self, stmt: ast.Raise, state: State) -> None:
        for child in (stmt.exc, stmt.cause):
            if child is not None:
                self.eval(child, state)
        return self._escape(state)

    def _escape(self, state: State) -> None:
        """An exception leaves here: to the innermost handler, else out of the scope."""
        if self._handler_entries:
            self._handler_entries[-1].add(state)
        else:
            self._raises.append(state)
        return None

    def _stmt_Break(self, stmt: ast.Break, state: State) -> None:
        if self._loops:
            self._loops[-1]["break"].append(self._through_frames(state, loop_depth=len(self._loops)))
        return None

    def _stmt_Continue(self, stmt: ast.Continue, state: State) -> None:
        if self._loops:
            self._loops[-1]["continue"].append(self._through_frames(state, loop_depth=len(self._loops)))
        return None

    def _stmt_FunctionDef(self, stmt: ast.AST, state: State) -> State:
        # The body is a scope of its own; only what runs at definition time is walked here.
        for decorator in stmt.decorator_list:
            self.eval(decorator, state)
        for default in list(stmt.args.defaults) + [d for d in stmt.args.kw_defaults if d is not None]:
            self.eval(default, state)
        state.forget_ref(stmt.name)
        return state

    _stmt_AsyncFunctionDef = _stmt_FunctionDef

    def _stmt_ClassDef(self, stmt: ast.ClassDef, state: State) -> State:
        for expr in list(stmt.decorator_list) + list(stmt.bases) + [k.value for k in stmt.keywords]:
            self.eval(expr, state)
        state.forget_ref(stmt.name)
        return state

    def _stmt_Import(self, stmt: ast.AST, state: State) -> State:
        for alias in stmt.names:
            if alias.name != "*":
                state.forget_ref((alias.asname or alias.name).split(".")[0])
        return state

    _stmt_ImportFrom = _stmt_Import

    def _stmt_If(self, stmt: ast.If, state: State) -> Optional[State]:
        # An ``elif`` chain is an ``if`` nested in each ``else:``, as long as the file makes
        # it: its arms are walked in a loop, each as ``walk_block`` would walk the nested
        # ``if``, and joined from the last arm back, as nested joins would.
        arms: List[Optional[State]] = []
        entered = len(self._blocks)
        # the test of the arm before, found false (an ``else:`` holding this ``if`` beside a
        # ``pass`` is an ``elif`` too)
        earlier: Optional[ast.AST] = self._elif_tests.pop(id(stmt), None)
        try:
            while True:
                self.eval(stmt.test, state)
                taken = state.copy()
                self.refine(stmt.test, True, taken)
                rest_false = _rest_of_failed_conjunction(earlier, stmt.test)
                if rest_false is not None:
                    self.refine(rest_false, False, taken)
                self.refine(stmt.test, False, state)
                earlier = stmt.test
                # ``if False:`` (``if 0:``): a block switched off, which never runs; so is
                # ``if TYPE_CHECKING:``, read by type checkers only
                dead = type(stmt.test) is ast.Constant and not stmt.test.value \
                    or type(stmt.test) in (ast.Name, ast.Attribute) \
                    and self.facts.resolve(stmt.test) == "typing.TYPE_CHECKING"
                arms.append(None if dead else self.walk_block(stmt.body, taken))
                orelse = stmt.orelse
                if len(orelse) != 1 or not isinstance(orelse[0], ast.If):
                    nested = [s for s in orelse if not isinstance(s, ast.Pass)]
                    if len(nested) == 1 and isinstance(nested[0], ast.If):
                        self._elif_tests[id(nested[0])] = earlier
                    rest = self.walk_block(orelse, state) if orelse else state
                    break
                for entries in self._handler_entries[-1:]:
                    entries.add(state)
                self._elif_base[len(self._blocks)] = entered - 1
                self._blocks.append((orelse, 0))
                stmt = orelse[0]
        finally:
            for level in range(entered, len(self._blocks)):
                self._elif_base.pop(level, None)
            del self._blocks[entered:]
        for taken in reversed(arms):
            rest = join(taken, rest)
        return rest

    def _stmt_Assert(self, stmt: ast.Assert, state: State) -> State:
        self.eval(stmt.test, state)
        if stmt.msg is not None:
            self.eval(stmt.msg, state)
        self.refine(stmt.test, True, state)
        return state

    def _stmt_While(self, stmt: ast.While, state: State) -> Optional[State]:
        forever = isinstance(stmt.test, ast.Constant) and bool(stmt.test.value)

        def enter(head: State) -> State:
            body_state = head.copy()
            self.eval(stmt.test, body_state)
            self.refine(stmt.test, True, body_state)
            return body_state

        head, breaks, _ran = self._loop(state, enter, stmt.body)
        if forever:
            leave = None
        else:
            leave = head.copy()
            self.eval(stmt.test, leave)
            self.refine(stmt.test, False, leave)
            if stmt.orelse:
                leave = self.walk_block(stmt.orelse, leave)
        return join_all([leave] + breaks)

    def _stmt_For(self, stmt: ast.AST, state: State) -> Optional[State]:
        self.eval(stmt.iter, state)
        iterated = self.ref(stmt.iter)
        if iterated is not None:
            self.operate(iterated, "__iter__", stmt.iter, [], state)

        def enter(head: State) -> State:
            body_state = head.copy()
            self.assign(stmt.target, stmt.iter, "for", body_state)
            return body_state

        head, breaks, ran = self._loop(state, enter, stmt.body)
        leave: Optional[State] = head.copy()
        for analysis in self.analyses:
            analysis.loop_done(self, stmt, leave, ran)
        if stmt.orelse:
            leave = self.walk_block(stmt.orelse, leave)
        return join_all([leave] + breaks)

    _stmt_AsyncFor = _stmt_For

    def _loop(self, entry: State, enter, body: Sequence[ast.stmt]) -> Tuple[State, List[State], Optional[State]]:
        """Walk a loop body to a fixed point; return the head state, the break states and the
        join of the states the body ended an iteration in (normally or by ``continue``).

        Only a loop walked for its events iterates. One walked silently (inside another
        loop's rounds, or a ``finally`` walked for its outcome) takes one round, joined with
        "ran zero times": the enclosing loop's rounds carry its effects around, and it
        iterates properly when its own events are walked. So each level of nesting costs a
        bounded number of walks of what it holds, instead of multiplying them."""
        if self._silent:
            exits = self._loop_body(enter(entry), body)
            ran = join_all([exits["end"]] + exits["continue"])
            head = join(entry, ran) or entry
            return head, exits["break"], ran
        head = entry.copy()
        self._silent += 1
        try:
            for _ in range(MAX_LOOP_ROUNDS):
                exits = self._loop_body(enter(head), body)
                new_head = join_all([entry, exits["end"]] + exits["continue"])
                if new_head == head:
                    break
                head = new_head
        finally:
            self._silent -= 1
        exits = self._loop_body(enter(head), body)
        ran = join_all([exits["end"]] + exits["continue"])
        head = join(head, ran) or head
        return head, exits["break"], ran

    def _loop_body(self, state: State, body: Sequence[ast.stmt]) -> Dict[str, Any]:
        self._loops.append({"break": [], "continue": []})
        try:
            end = self.walk_block(body, state)
        finally:
            jumps = self._loops.pop()
        return {"end": end, "break": [s for s in jumps["break"] if s is not None],
                "continue": [s for s in jumps["continue"] if s is not None]}

    def _stmt_With(self, stmt: ast.AST, state: State) -> Optional[State]:
        entered = []
        for item in stmt.items:
            self.eval(item.context_expr, state)
            if item.optional_vars is not None:
                self.assign(item.optional_vars, item.context_expr, "with", state)
            for analysis in self.analyses:
                analysis.with_enter(self, item, state)
            entered.append(item)
            self._frames.append(_Frame("with", item, len(self._loops)))
        handler_states = Joiner()
        self._handler_entries.append(handler_states)
        try:
            end = self.walk_block(stmt.body, state)
        finally:
            self._handler_entries.pop()
            for _ in entered:
                self._frames.pop()
        # An exception inside the body leaves through the exits too; propagate it outward.
        escaping = handler_states.joined
        for item in reversed(entered):
            for candidate in (end, escaping):
                if candidate is not None:
                    for analysis in self.analyses:
                        analysis.with_exit(self, item, candidate)
        if escaping is not None and self._handler_entries:
            self._handler_entries[-1].add(escaping)
        return end

    _stmt_AsyncWith = _stmt_With

    def _stmt_Try(self, stmt: ast.AST, state: State) -> Optional[State]:
        frame = _Frame("finally", stmt.finalbody, len(self._loops))
        if stmt.finalbody:
            self._frames.append(frame)
        try:
            raised = Joiner()
            self._handler_entries.append(raised)
            self._try_handlers.append(stmt.handlers)
            self._tries.append(stmt)
            try:
                body_end = self.walk_block(stmt.body, state.copy())
            finally:
                self._tries.pop()
                self._try_handlers.pop()
                self._handler_entries.pop()
            handler_in = raised.joined
            normal = self.walk_block(stmt.orelse, body_end) if stmt.orelse else body_end
            outs = [normal]
            for handler in stmt.handlers:
                if handler_in is None:
                    break
                handler_state = handler_in.copy()
                if handler.type is not None:
                    self.eval(handler.type, handler_state)
                if handler.name:
                    handler_state.forget_ref(handler.name)
                self._handling += 1
                try:
                    outs.append(self.walk_block(handler.body, handler_state))
                finally:
                    self._handling -= 1
            normal_out = join_all(outs)
        finally:
            if stmt.finalbody:
                self._frames.pop()
        if not stmt.finalbody:
            if handler_in is not None and not stmt.handlers and self._handler_entries:
                self._handler_entries[-1].add(handler_in)
            return normal_out
        # finally: once with events on the ways in that do not raise (returns and breaks
        # included: an exception that escapes is not the code's intended path), once
        # silently on the normal way out, which is what flows on.
        if not self._silent:  # walked for its events only: silently it would change nothing
            if normal_out is not None and not frame.arrivals:
                # Only the normal way in: one walk gives the events and what flows on.
                return self.walk_block(stmt.finalbody, normal_out)
            intended = join_all([normal_out] + frame.arrivals)
            if intended is None:
                intended = handler_in
            if intended is not None:
                self.walk_block(stmt.finalbody, intended.copy())
        if normal_out is None:
            return None
        self._silent += 1
        try:
            return self.walk_block(stmt.finalbody, normal_out)
        finally:
            self._silent -= 1

    _stmt_TryStar = _stmt_Try

    def _stmt_Match(self, stmt: Any, state: State) -> Optional[State]:
        self.eval(stmt.subject, state)
        outs = []
        for case in stmt.cases:
            case_state = state.copy()
            for name in ast.walk(case.pattern):
                bound = getattr(name, "name", None)
                if isinstance(bound, str):
                    case_state.forget_ref(bound)
            if case.guard is not None:
                self.eval(case.guard, case_state)
            outs.append(self.walk_block(case.body, case_state))
        last = stmt.cases[-1] if stmt.cases else None
        irrefutable = (
            last is not None and last.guard is None
            and type(last.pattern).__name__ == "MatchAs" and last.pattern.pattern is None
        )
        if not irrefutable:
            outs.append(state)  # no case matched
        return join_all(outs)

    def _through_frames(self, state: State, loop_depth: int) -> State:
        """The state a jump carries after the ``finally`` bodies and ``with`` exits it leaves."""
        state = state.copy()
        self._silent += 1
        try:
            for frame in reversed(self._frames):
                if frame.loop_depth < loop_depth:
                    break
                if frame.kind == "finally":
                    frame.arrivals.append(state.copy())
                    saved_frames, self._frames = self._frames, self._frames[: self._frames.index(frame)]
                    saved_returns = len(self._returns)
                    try:
                        after = self.walk_block(frame.payload, state)
                    finally:
                        self._frames = saved_frames
                        del self._returns[saved_returns:]
                    if after is not None:
                        state = after
                else:
                    for analysis in self.analyses:
                        analysis.with_exit(self, frame.payload, state)
        finally:
            self._silent -= 1
        return state

    # -- bindings, conditions -----------------------------------------------------------

    def assign(self, target: ast.AST, value: Optional[ast.AST], how: str, state: State) -> None:
        self.eval_target_parts(target, state)
        if isinstance(target, ast.Subscript):
            ref = self.ref(target.value)
            if ref is not None:
                self.operate(ref, "__setitem__", target, [target.slice, value] if value is not None else [target.slice], state)
        carried = [fact for analysis in self.analyses for fact in analysis.carried(target.id, value, state)] \
            if type(target) is ast.Name and type(value) is ast.Call else ()
        for name in _bound_refs(target):
            state.forget_ref(name)
        for domain, ref, fact in carried:
            state.set(domain, ref, fact)
        for analysis in self.analyses:
            analysis.bind(self, target, value, how, state)
        if type(target) is ast.Name and type(value) in _KEPT_TEST_KINDS and (
                type(value) is not ast.Call or getattr(value.func, "attr", None) in _CHECK_NAMES
                or getattr(value.func, "id", None) in _CHECK_NAMES):
            self._keep_test(target.id, value, state)

    def _keep_test(self, name: str, value: ast.AST, state: State) -> None:
        """``missing = not os.path.exists(p)``: a later ``if missing:`` tests what ``value``
        tested, as long as neither ``missing`` nor a name ``value`` reads is bound again."""
        reads = _kept_test_reads(value)
        if reads is None or name in reads:
            return
        token = KeptTest(value, reads)
        state.set(KEPT_TESTS, name, token)
        for read in reads:
            state.set(KEPT_READS, read, token)

    def _kept_test(self, name: str, state: State) -> Optional[ast.AST]:
        kept = state.get(KEPT_TESTS, name)
        if kept is None or any(state.get(KEPT_READS, read) is not kept for read in kept.reads):
            return None
        return kept.test

    def eval_target_parts(self, target: ast.AST, state: State) -> None:
        """Evaluate what a store target reads: ``a[i]`` reads ``i``, ``f().x`` calls ``f``."""
        if isinstance(target, ast.Subscript):
            if self.ref(target.value) is None:
                self.eval(target.value, state)
            self.eval(target.slice, state)
        elif isinstance(target, ast.Attribute):
            if self.ref(target) is None:
                self.eval(target.value, state)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.eval_target_parts(element, state)
        elif isinstance(target, ast.Starred):
            self.eval_target_parts(target.value, state)

    def refine(self, test: ast.AST, truth: bool, state: State) -> None:
        """Tell the analyses which way a condition went."""
        work = [(test, truth)]  # a stack, not recursion: ``not not ... x`` may be deep
        while work:
            test, truth = work.pop()
            if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                work.append((test.operand, not truth))
            elif isinstance(test, ast.Compare) and compared_to_bool(test) is not None:
                operand, same = compared_to_bool(test)  # ``exists(p) == False``: ``not exists(p)``
                work.append((operand, truth == same))
            elif isinstance(test, ast.BoolOp):
                # ``a and b`` true: both true. ``a or b`` false: both false. Otherwise one of
                # them, which only an analysis can make something of.
                if isinstance(test.op, ast.And) == truth:
                    work.extend((value, truth) for value in reversed(test.values))
                else:
                    tests = [(value, truth) for value in test.values]
                    for analysis in self.analyses:
                        analysis.branch_any(self, tests, state)
            elif isinstance(test, ast.NamedExpr):
                work.append((test.value, truth))
            elif type(test) is ast.Name and (kept := self._kept_test(test.id, state)) is not None:
                work.append((kept, truth))
            else:
                for analysis in self.analyses:
                    analysis.branch(self, test, truth, state)

    # -- expressions --------------------------------------------------------------------

    def operate(self, ref: str, op: str, node: ast.AST, args: Sequence[ast.AST], state: State) -> None:
        for analysis in self.analyses:
            analysis.operation(self, ref, op, node, args, state)

    def eval(self, node: ast.AST, state: State) -> None:
        """Walk an expression in evaluation order, reporting calls and operations.

        Calls, attributes and binary operators, most of what code is made of, are followed
        by recursion, which is fast, for :data:`EVAL_RECURSION` levels; anything else, and
        anything deeper, by :meth:`_eval_stacked`. Operator chains (``a + a + ...``) are as
        deep as the parser allows."""
        self._eval(node, state, 0)

    def _eval(self, node: ast.AST, state: State, depth: int) -> None:
        kind = type(node)
        if kind in _INERT:
            return
        if depth > EVAL_RECURSION or not (kind is ast.Call or kind is ast.Attribute or kind is ast.BinOp):
            self._eval_stacked(node, state)
            return
        self.spent += 1
        if self.spent + WorkMeter.spent > self._limit:
            raise BudgetExceeded(self.scope)
        depth += 1
        if kind is ast.Attribute:
            self._eval(node.value, state, depth)
        elif kind is ast.BinOp:
            self._eval(node.left, state, depth)
            self._eval(node.right, state, depth)
        else:  # the same order as :meth:`_call_steps`
            func = node.func
            receiver_ref = None
            if isinstance(func, ast.Attribute):
                receiver_ref = dotted_name(func.value)
                if receiver_ref is None:
                    self._eval(func.value, state, depth)
            elif not isinstance(func, ast.Name):
                self._eval(func, state, depth)
            for arg in node.args:
                self._eval(arg, state, depth)
            for keyword in node.keywords:
                self._eval(keyword.value, state, depth)
            self._called(node, receiver_ref, state)

    def _eval_stacked(self, node: ast.AST, state: State) -> None:
        """:meth:`eval` on an explicit stack of work: an item is either ``(node, state)``, an
        expression to evaluate, or a function to call once the items pushed before it are
        done."""
        work: List[Any] = [(node, state)]
        while work:
            item = work.pop()
            if type(item) is tuple:
                self.spent += 1
                if self.spent + WorkMeter.spent > self._limit:
                    raise BudgetExceeded(self.scope)
                self._eval_step(item[0], item[1], work)
            else:
                item()

    def _eval_step(self, node: ast.AST, state: State, work: List[Any]) -> None:
        """Push, in reverse, what evaluating ``node`` does (see :meth:`eval`). Names,
        constants and lambdas (which run later, if at all) do nothing and are not pushed."""
        kind = type(node)
        if kind is ast.Attribute:  # the commonest: ``self.x``, ``os.path``
            if type(node.value) not in _INERT:
                work.append((node.value, state))
            return
        if kind is ast.BinOp:
            for child in (node.right, node.left):
                if type(child) not in _INERT:
                    work.append((child, state))
            return
        if kind in _INERT:
            return
        steps: List[Any] = []
        if kind is ast.Call:
            self._call_steps(node, state, steps)
        elif isinstance(node, ast.Subscript):
            steps.append((node.slice, state))

            def subscripted() -> None:
                ref = self.ref(node.value)
                if ref is not None and isinstance(node.ctx, ast.Load):
                    self.operate(ref, "__getitem__", node, [node.slice], state)
                else:
                    work.append((node.value, state))
            steps.append(subscripted)
        elif isinstance(node, ast.Compare):
            steps.append((node.left, state))
            left = node.left
            for op, right in zip(node.ops, node.comparators):
                steps.append((right, state))
                if isinstance(op, (ast.In, ast.NotIn)):
                    ref = self.ref(right)
                    if ref is not None:
                        steps.append(_bound(self.operate, ref, "__contains__", node, [left], state))
                left = right
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            self._comprehension_steps(node, state, steps)
        elif isinstance(node, ast.NamedExpr):
            steps.append((node.value, state))
            steps.append(_bound(self.assign, node.target, node.value, "walrus", state))
        elif isinstance(node, ast.IfExp):
            steps.append((node.test, state))
            steps.append(lambda: self._if_exp_arms(node, state, work))
        elif isinstance(node, ast.BoolOp) and _decides(node):
            steps.append((node.values[0], state))
            steps.append(lambda: self._bool_op_rest(node, state, work))
        else:
            for child in ast.iter_child_nodes(node):
                if type(child) not in _INERT and isinstance(child, _EVALUATED):
                    steps.append((child, state))
        work.extend(reversed(steps))

    def _if_exp_arms(self, node: ast.IfExp, state: State, work: List[Any]) -> None:
        yes = state.copy()
        self.refine(node.test, True, yes)

        def other_arm() -> None:
            no = state.copy()
            self.refine(node.test, False, no)

            def merge() -> None:
                merged = join(yes, no)
                if merged is not None:
                    state.replace_with(merged)
            work.extend([merge, (node.orelse, no)])
        work.extend([other_arm, (node.body, yes)])

    def _bool_op_rest(self, node: ast.BoolOp, state: State, work: List[Any]) -> None:
        """``a and b``: ``b`` runs only where ``a`` was true (``or``: false), and the value may
        be decided after any operand: the state after the expression joins those ways. (Steps
        are methods, not closures calling themselves, which would be cyclic garbage.)"""
        self._bool_op_after(node, state, work, Joiner(), 1, state)

    def _bool_op_after(self, node: ast.BoolOp, state: State, work: List[Any], exits: Joiner,
                       index: int, current: State) -> None:
        """``node.values[index - 1]`` was just evaluated in ``current``. ``exits`` joins the
        ways out as they come: each differs from the one before by an operand's refinement,
        so a condition of N operands costs N, not N times the facts they add."""
        values = node.values
        if index == len(values):
            exits.add(current)  # the last operand's value is the expression's
            if exits.joined is not None:
                state.replace_with(exits.joined)
            return
        goes_on = isinstance(node.op, ast.And)
        decided = current.copy()
        self.refine(values[index - 1], not goes_on, decided)
        exits.add(decided)
        onward = current.copy()
        self.refine(values[index - 1], goes_on, onward)
        work.append(_bound(self._bool_op_after, node, state, work, exits, index + 1, onward))
        work.append((values[index], onward))

    def _call_steps(self, node: ast.Call, state: State, steps: List[Any]) -> None:
        func = node.func
        receiver_ref = None
        if isinstance(func, ast.Attribute):
            receiver_ref = self.ref(func.value)
            if receiver_ref is None:
                steps.append((func.value, state))
        elif not isinstance(func, ast.Name):
            steps.append((func, state))
        steps.extend((arg, state) for arg in node.args if type(arg) not in _INERT)
        steps.extend((keyword.value, state) for keyword in node.keywords if type(keyword.value) not in _INERT)
        steps.append(lambda: self._called(node, receiver_ref, state))

    def _called(self, node: ast.Call, receiver_ref: Optional[str], state: State) -> None:
        """A call's function and arguments were evaluated: report it."""
        func = node.func
        if receiver_ref is not None:
            self.operate(receiver_ref, func.attr, node, node.args, state)
        elif isinstance(func, ast.Name) and func.id in ("len", "list", "sorted", "tuple", "set", "iter") and len(node.args) == 1:
            # Protocol uses through builtins: ``len(box)``, ``list(box)``.
            arg_ref = self.ref(node.args[0])
            if arg_ref is not None and self.facts.resolve(func) == "builtins." + func.id:
                self.operate(arg_ref, "__len__" if func.id == "len" else "__iter__", node, [], state)
        for analysis in self.analyses:
            analysis.call(self, node, state)

    def _comprehension_steps(self, node: ast.AST, state: State, steps: List[Any]) -> None:
        inner = state.copy()
        for generator in node.generators:
            steps.append((generator.iter, inner))
            steps.append(_bound(self._comprehension_target, generator, inner))
            for condition in generator.ifs:
                steps.append((condition, inner))
                steps.append(_bound(self.refine, condition, True, inner))
        if isinstance(node, ast.DictComp):
            steps.append((node.key, inner))
            steps.append((node.value, inner))
        else:
            steps.append((node.elt, inner))
        steps.append(_bound(self._comprehension_done, node, state, inner))

    def _comprehension_target(self, generator: ast.comprehension, inner: State) -> None:
        iterated = self.ref(generator.iter)
        if iterated is not None:
            self.operate(iterated, "__iter__", generator.iter, [], inner)
        self.assign(generator.target, generator.iter, "comprehension", inner)

    def _comprehension_done(self, node: ast.AST, state: State, inner: State) -> None:
        # Comprehension variables do not leak; other effects (a lock taken inside) do.
        bound = set()
        for generator in node.generators:
            bound.update(_bound_refs(generator.target))
        inner.restore_roots(bound, state)
        state.replace_with(inner)


#: how many levels of an expression :meth:`Walker.eval` follows by recursion
EVAL_RECURSION = 50

#: expressions whose evaluation reports nothing (a lambda's body runs later, if at all)
_INERT = frozenset({ast.Name, ast.Constant, ast.Lambda})

#: state domains of the tests kept in a name (see :meth:`Walker._keep_test`)
KEPT_TESTS = "kept-test"
KEPT_READS = "kept-test-reads"
#: how deep a kept test's operands and attribute chains may go
_KEPT_TEST_DEPTH = 8
#: the expressions a kept test may be
_KEPT_TEST_KINDS = frozenset({ast.Call, ast.UnaryOp, ast.BoolOp})
#: the calls of which a kept test must hold one: presence and type checks
_CHECK_NAMES = frozenset({"exists", "lexists", "isfile", "isdir", "islink", "is_file", "is_dir", "is_symlink",
                          "access"})


class KeptTest:
    """A test kept in a name, and the names it reads; equal only to itself, so that on two
    ways in it is kept where both kept the same one."""

    __slots__ = ("test", "reads")

    def __init__(self, test: ast.AST, reads: FrozenSet[str]):
        self.test = test
        self.reads = reads

    def join(self, other) -> Optional["KeptTest"]:
        return self if other is self else None


def _side_effect_free(test: ast.AST) -> bool:
    """A test made of names, attributes, constants, comparisons and boolean operators: one
    evaluated twice in a row gives the same value (no call, no await, no assignment)."""
    return all(isinstance(node, _PURE_TEST_NODES) for node in ast.walk(test))


_PURE_TEST_NODES = (ast.Name, ast.Attribute, ast.Constant, ast.Compare, ast.BoolOp, ast.UnaryOp,
                    ast.Load, ast.boolop, ast.cmpop, ast.unaryop)


#: how many parts an ``if`` test may have for an ``elif`` to learn from it what failed
MAX_CONJUNCTION = 8


def _rest_of_failed_conjunction(earlier: Optional[ast.AST], test: ast.AST) -> Optional[ast.AST]:
    """What an ``elif`` arm knows to be false of the arm before it: after ``if a and
    exists(p):`` failed, ``elif a:`` runs only when ``exists(p)`` is false. ``a`` must be
    spelled alike in both and free of side effects; None when nothing follows."""
    if not isinstance(earlier, ast.BoolOp) or not isinstance(earlier.op, ast.And) \
            or len(earlier.values) > MAX_CONJUNCTION:
        return None  # (each part of a long test would be compared with each of the other's)
    known = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else [test]
    if len(known) >= len(earlier.values) or not all(_side_effect_free(part) for part in known):
        return None
    rest = [part for part in earlier.values if not any(same(part, other) for other in known)]
    if len(rest) != len(earlier.values) - len(known):
        return None  # a part of the ``elif`` that the arm before did not test
    return rest[0] if len(rest) == 1 else ast.BoolOp(op=ast.And(), values=rest)


def _kept_test_reads(value: ast.AST) -> Optional[FrozenSet[str]]:
    """The names a test worth keeping reads: ``exists(p)``, ``not p.is_dir()``, ``a and not
    isdir(a)``, at most a few operands deep; None for anything else."""
    reads: Set[str] = set()
    checks = 0
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > _KEPT_TEST_DEPTH:
            return None
        kind = type(node)
        if kind is ast.UnaryOp and type(node.op) is ast.Not:
            stack.append((node.operand, depth + 1))
        elif kind is ast.BoolOp:
            stack.extend((operand, depth + 1) for operand in node.values)
        elif kind is ast.Name:
            reads.add(node.id)
        elif kind is ast.Call:
            func = node.func
            name = func.attr if type(func) is ast.Attribute else func.id if type(func) is ast.Name else None
            if name not in _CHECK_NAMES or node.keywords or len(node.args) > 2:
                return None
            checks += 1
            for part in [func.value] if type(func) is ast.Attribute else []:
                stack.append((part, depth + 1))
            stack.extend((arg, depth + 1) for arg in node.args)
        elif kind is ast.Attribute:
            stack.append((node.value, depth + 1))
        elif kind is not ast.Constant:
            return None
    return frozenset(reads) if checks else None
#: operands of ``and``/``or`` that call nothing: no need to walk them in a refined state
_PLAIN = frozenset({ast.Name, ast.Constant, ast.Attribute})
#: the parts of an expression that are evaluated with it
_EVALUATED = (ast.expr, ast.keyword, ast.comprehension, ast.arguments)


def _decides(node: ast.BoolOp) -> bool:
    """Whether an earlier operand of ``node`` can tell the analyses something (a call, a name,
    a comparison or their negation: ``p.exists()``, ``not there``) that a later one, which
    calls something, depends on; only then are the operands walked apart (``a.b and c.d``
    needs no copies)."""
    values = node.values
    if all(type(v) in _PLAIN for v in values[1:]):
        return False
    for value in values[:-1]:
        value = unnegated(value)[0]
        if isinstance(value, (ast.Call, ast.Name, ast.Compare)):
            return True
    return False


def _bound(function, *args):
    """``function`` with its arguments, called later by :meth:`Walker.eval`."""
    return lambda: function(*args)


def _bound_refs(target: ast.AST) -> List[str]:
    """The dotted names a store target rebinds (``a``, ``self.x``; not ``a[i]``)."""
    if isinstance(target, (ast.Name, ast.Attribute)):
        ref = dotted_name(target)
        return [ref] if ref is not None else []
    if isinstance(target, (ast.Tuple, ast.List)):
        refs: List[str] = []
        for element in target.elts:
            refs.extend(_bound_refs(element))
        return refs
    if isinstance(target, ast.Starred):
        return _bound_refs(target.value)
    return []


def iter_scopes(tree: ast.Module, within: Optional[Callable[[ast.AST], bool]] = None):
    """The module, then every class body and function, at any depth, each walked alone.

    ``within``: a test of a statement's lines; a compound statement it refuses is not
    entered (the lines of whatever it holds are among its own), and a scope it refuses is
    not given."""
    yield Scope(tree)
    # (node, class whose body it is in, the function it is in)
    stack: List[Tuple[ast.AST, Optional[ast.ClassDef], Optional[Scope]]] = [(tree, None, None)]
    while stack:
        node, cls, function = stack.pop()
        for child in _child_statements(node):
            kind = type(child)
            if within is not None and kind in _COMPOUND and not within(child):
                continue
            if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                scope = Scope(child, cls, function)
                yield scope
                stack.append((child, None, scope))
            elif kind is ast.ClassDef:
                yield Scope(child, None, function)
                stack.append((child, child, function))
            elif kind in _COMPOUND:  # a simple statement holds no statement: not visited
                stack.append((child, cls, function))


def _child_statements(node: ast.AST):
    for field in _BLOCKS.get(type(node), _BLOCK_FIELDS):
        children = getattr(node, field, None)
        if not children:
            continue
        for child in children:
            if isinstance(child, ast.stmt):
                yield child
            else:  # except handlers and match cases hold statements
                yield from (c for c in getattr(child, "body", []) if isinstance(c, ast.stmt))


_BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")
#: per statement class, the fields of it that hold statements (directly or in handlers and
#: cases); the classes with any are the compound statements
_BLOCKS = {
    cls: tuple(field for field in _BLOCK_FIELDS if field in cls._fields)
    for cls in [getattr(ast, name) for name in dir(ast)]
    if isinstance(cls, type) and issubclass(cls, ast.stmt) and any(f in cls._fields for f in _BLOCK_FIELDS)
}
_COMPOUND = frozenset(_BLOCKS)

"""MBX1: locking discipline of lockable mailboxes (seed: CPython bpo-1599254)."""

from ..analysis.events import BoxOp
from ..analysis.locks import MODIFYING, READING, LockAnalysis, released_at_once
from ..analysis.state import LOCKED, MAYBE, UNLOCKED
from ..plans import no_fix
from ..plans.locking import flush_plan, wrap_plan
from ..plans.statements import blocks_of
from .base import Invalid, Rule

SEED = "cpython-bpo1599254-mailbox-data-loss"


def spell(ref: str, op: str) -> str:
    """How an operation looks in the source, for messages."""
    if op == "__setitem__":
        return "%s[key] = ..." % ref
    if op == "__delitem__":
        return "del %s[key]" % ref
    if op == "__getitem__":
        return "%s[key]" % ref
    if op == "__contains__":
        return "key in %s" % ref
    if op == "__len__":
        return "len(%s)" % ref
    if op == "__iter__":
        return "iteration over %s" % ref
    return "%s.%s()" % (ref, op)


def box_ops(module, ops=None):
    for event in module.events_of(BoxOp):
        if ops is None or event.op in ops:
            yield event


class UnlockedModification(Rule):
    """A lockable mailbox is modified while it is not locked on every path.

    ## What it does
    Reports a change to an `mbox`, `MMDF`, `Babyl` or `MH` mailbox (`add`, `remove`,
    `discard`, `pop`, `popitem`, `clear`, `update`, `box[key] = msg`, `del box[key]`,
    `flush`, `pack`, `set_sequences`, `add_folder`, `remove_folder`) made at a point where
    the mailbox is not locked on every path that leads there.

    A mailbox is checked when mboxlint knows its class: it was constructed in the function
    (`mailbox.mbox(...)` under any import alias, `mboxlint.mailbox`, a subclass defined in the
    module, `self.box = ...` in any method of the class, a module global the top level binds,
    in its blocks too: `if __name__ == "__main__": archive = mailbox.mbox(p)`, used by a
    function that does not bind the name), or it is a parameter, variable or
    attribute annotated with a lockable class or `mailbox.Mailbox` *and* the function locks or
    unlocks it somewhere, itself or through a function of the module. A mailbox whose class is
    written nowhere (an un-annotated parameter, a local bound from a call that names no
    mailbox class, such as `box = self.get_instance()`) is checked as a `mailbox.Mailbox` when
    the function both locks and unlocks it and uses it as only a mailbox is used: a method no
    lock object has (`get_message`, `get_file`, `get_bytes`, `get_string`, `iterkeys`,
    `itervalues`, `iteritems`, `get_sequences`, `set_sequences`, `list_folders`,
    `get_folder`, `add_folder`, `remove_folder`), or `flush()` with `add`, `remove`,
    `discard` or `box[key] = msg` (a Qt mutex or a file-lock object is locked and unlocked
    but never so used; a folder from `add_folder()`/`get_folder()` has its parent's class and
    is not taken for one). A mailbox the function
    never locks is left to its caller. One the function locks is taken to be unlocked on
    entry, unless its first lock operation in the source is a release (`self.close()`, then
    `self._open()` re-locking the next file): then the caller, or the object since its
    constructor locked it, held it locked. A helper's release guarded by a test of the
    mailbox's presence alone (`if self.box is not None: self.box.unlock()`) counts as made
    on every way through it. A class chosen at run time (`make = mailbox.MMDF if c
    else mailbox.mbox; box = make(p)`, or a module alias) counts when every class it may be is
    a mailbox class.

    A mailbox kept in a dict or list counts as constructed in the function when the function
    makes that container (`boxes = {}`, a display or comprehension of mailboxes; `self.boxes`
    likewise), fills it only with mailboxes it constructs (`boxes[k] = mailbox.mbox(p)`,
    `boxes.setdefault(k, M(p))`, `boxes.append(M(p))`) and otherwise only calls methods on its
    entries (`boxes["a"].add(m)`, `boxes.get(k).lock()`), binds one to a name (`box =
    boxes.get(k)`, `box = boxes[k] = M(p)`), stores, deletes, tests or iterates it with a
    `for`. An entry is named by a constant or a name subscript; `lock()`/`unlock()` on it
    count, a name bound to it is the same mailbox until either is rebound, a rebound
    subscript names any entry, and a `for` over the container sees each entry as they all may
    be and leaves every entry as its body left the one it was at (`for box in boxes:
    box.lock()` locks them all). A change through one spelling (`boxes["a"]`) is not reported
    while another that may be the same mailbox (`boxes[k]`, a name bound to `boxes[k]`, a
    loop's variable) was locked or unlocked to a different state. Not followed: a container
    passed to a call, returned, bound to another name, used in a nested function, holding
    anything else (a `Maildir`, a file), made by another function or method (a parameter, an
    attribute set elsewhere), or subscripted by any other expression; a protocol use of an
    entry (`boxes[k][key] = msg`).

    Locks taken by the module's own helpers count where the helper is called: a function or
    method that locks, unlocks or flushes its parameter or a `self` attribute on every way
    through it (`self._lock_box()`), a `@contextmanager` function that locks before its
    `yield` and unlocks after it (`with locked(box):`), and a class whose `__enter__`/
    `__exit__` lock and unlock what `__init__` stored. A helper that locks on some paths only,
    a recursive one, or one from another module stays opaque.

    Exempt: `Maildir` (its `lock()` does nothing and its keys are unique file names), and a
    mailbox whose path is in a fresh private directory: made by `tempfile.mkdtemp()` or
    `TemporaryDirectory()` in the same function (or stored on `self` by a method, as
    `setUp` does, or bound at the module's top level, or returned by every `return` of a
    function of the module that gives a value), pytest's `tmp_path`/`tmpdir`, or a fixture
    of the same module returning such a path; or a relative path in a test (or any
    function) that changed into such a directory (`monkeypatch.chdir(tmp_path)`, `tmpdir.chdir()`, also by a
    fixture of the module it asks for, or an `autouse` one). Nobody else delivers there, so
    the lost update cannot happen. A name also
    bound to anything else is not private. So is a mailbox that a private helper of the
    module (a leading underscore, or a test module's helper, every use of it a direct call)
    makes on a parameter that every call gives such a path.

    ## Why is this bad?
    Other programs that deliver to the same file (Postfix, procmail, another Python process)
    take the same locks. Changing the mailbox without them lets the two writers interleave:
    `flush()` rewrites the file from a table of contents that no longer matches it, and
    messages delivered in between are lost (CPython bpo-1599254, open since 2006).

    ## Example
    ```python
    box = mailbox.mbox(path)
    box.add(message)
    box.flush()
    ```

    ## Use instead
    ```python
    box = mailbox.mbox(path)
    box.lock()
    try:
        box.add(message)
        box.flush()
    finally:
        box.unlock()
    ```
    or, with the bundled fixed mailbox, `with box.locked(): box.add(message)`.

    ## Fix safety
    No automatic fix: where the lock belongs depends on what else must happen under it.
    """

    code = "MBX101"
    TRIGGERS = LockAnalysis.TRIGGERS
    PATH_SCOPE_TRIGGERS = ()
    name = "unlocked-mailbox-modification"
    seed = SEED
    message = (
        "{action} modifies the mailbox while it is not locked{where}: wrap the change in "
        "{ref}.lock() ... {ref}.flush() ... {ref}.unlock(), or use `with {ref}.locked():` "
        "of mboxlint.mailbox"
    )
    VALID = [
        """
import mailbox
box = mailbox.mbox("inbox")
box.lock()
try:
    box.add("From: a\\n\\nhi\\n")
    box.flush()
finally:
    box.unlock()
""",
        """
import mailbox
box = mailbox.Maildir("inbox")
box.add("From: a\\n\\nhi\\n")
""",
        """
import mailbox
def deliver(box: mailbox.mbox, msg):
    box.add(msg)  # the caller locks
""",
        """
from mboxlint import mailbox
box = mailbox.mbox("inbox")
with box.locked():
    box.add("x")
""",
        """
import contextlib, mailbox
@contextlib.contextmanager
def locked(box):
    box.lock()
    try:
        yield box
    finally:
        box.flush()
        box.unlock()
def deliver(path, msg):
    box = mailbox.mbox(path)
    with locked(box):
        box.add(msg)
""",
        """
import mailbox
def test_add(tmp_path):
    box = mailbox.mbox(str(tmp_path / "inbox"))  # a private directory: nobody else delivers
    box.add("x")
""",
        """
import mailbox
def deliver(paths, msg):
    boxes = [mailbox.mbox(path) for path in paths]
    for box in boxes:
        box.lock()
    try:
        for box in boxes:
            box.add(msg)
            box.flush()
    finally:
        for box in boxes:
            box.unlock()
""",
    ]
    INVALID = [
        """
import mailbox
box = mailbox.mbox("inbox")
box.add("From: a\\n\\nhi\\n")  # MBX101
""",
        """
import mailbox
def deliver(path, msg, mmdf):
    make = mailbox.MMDF if mmdf else mailbox.mbox
    box = make(path)
    box.add(msg)  # MBX101
""",
        """
from mailbox import mbox as M
def f(path, ok, msg):
    box = M(path)
    if ok:
        box.lock()
    box.add(msg)  # MBX101
    box.unlock()
""",
        """
import mailbox
class Spool:
    def __init__(self, path):
        self.box = mailbox.MMDF(path)
    def purge(self, key):
        self.box.lock()
        self.box.unlock()
        del self.box[key]  # MBX101
""",
        """
import mailbox
def split(messages):
    boxes = {}
    for msg in messages:
        name = msg["X-Label"] + ".mbox"
        if name not in boxes:
            boxes[name] = mailbox.mbox(name)
        boxes[name].add(msg)  # MBX101
""",
    ]

    def check(self, module):
        for event in box_ops(module, MODIFYING):
            lock = event.fact.lock
            if lock == LOCKED:
                continue
            yield self.finding(
                event.node,
                action=spell(event.ref, event.op),
                ref=event.ref,
                where=" on every path" if lock == MAYBE else "",
            )


class UnflushedUnlock(Rule):
    """Changes are still pending when the lock is released.

    ## What it does
    Reports an `unlock()` reached, on some path, after a change made under the lock and
    with no `flush()` in between. It is reported at the `unlock()`; the message names the
    line of the pending change. Exceptional paths are left alone: an `unlock()` in an
    `except` handler, or reached through a `finally` only when an exception escapes,
    releases the lock without the changes, which is the intended way to abandon them.

    ## Why is this bad?
    A mailbox keeps changes in memory until `flush()`. Unlocking first lets another program
    deliver; the later `flush()` or `close()` then rewrites the file without the lock, from a
    stale table of contents, and the delivery is lost (bpo-1599254).

    ## Example
    ```python
    box.lock()
    box.remove(key)
    box.unlock()
    box.close()
    ```

    ## Use instead
    ```python
    box.lock()
    box.remove(key)
    box.flush()
    box.unlock()
    ```

    ## Fix safety
    Sometimes safe: `box.flush()` is inserted as the last statement of the locked region's
    normal path (the end of the `try` body when `unlock()` is in a `finally`), so an exception
    still discards the pending changes, as before. Safe when the statement right after the
    `unlock()` (after its `try`, for a `finally`) is `box.flush()` or `box.close()`: the
    original wrote the same changes there, only unlocked. Unsafe otherwise: where nothing
    writes the changes later on that path (the function returns, the mailbox is dropped or
    an exception comes first), the inserted flush persists a change the original never wrote.
    No fix when the mailbox is locked on some paths only: the flush would write without the
    lock on the others.
    """

    code = "MBX102"
    TRIGGERS = LockAnalysis.TRIGGERS
    PATH_SCOPE_TRIGGERS = ()
    name = "unflushed-unlock"
    seed = SEED
    fix_safety = "sometimes"
    message = (
        "{ref}.unlock() releases the lock with the change made at line {line} not flushed; "
        "call {ref}.flush() before unlock() (close() would flush after the lock is gone)"
    )
    VALID = [
        """
import mailbox
box = mailbox.mbox("inbox")
box.lock()
try:
    box.add("x")
    box.flush()
finally:
    box.unlock()
""",
        """
import mailbox
box = mailbox.mbox("inbox")
box.lock()
keys = box.keys()
box.unlock()
""",
    ]
    INVALID = [
        Invalid(
            """
import mailbox
box = mailbox.mbox("inbox")
box.lock()
try:
    box.add("x")
finally:
    box.unlock()  # MBX102
""",
            fixed="""
import mailbox
box = mailbox.mbox("inbox")
box.lock()
try:
    box.add("x")
    box.flush()
finally:
    box.unlock()  # MBX102
""",
            unsafe=True,
        ),
        Invalid(
            """
import mailbox
def f(path, key, ok):
    box = mailbox.mbox(path)
    box.lock()
    try:
        box.remove(key)
        if ok:
            box.flush()
    finally:
        box.unlock()  # MBX102
    box.close()
""",
            fixed="""
import mailbox
def f(path, key, ok):
    box = mailbox.mbox(path)
    box.lock()
    try:
        box.remove(key)
        if ok:
            box.flush()
        box.flush()
    finally:
        box.unlock()  # MBX102
    box.close()
""",
        ),
        Invalid(
            """
import mailbox
def purge(box: mailbox.MH, keys):
    box.lock()
    for key in keys:
        box.discard(key)
    # release for the other deliverers
    box.unlock()  # MBX102
""",
            fixed="""
import mailbox
def purge(box: mailbox.MH, keys):
    box.lock()
    for key in keys:
        box.discard(key)
    # release for the other deliverers
    box.flush()
    box.unlock()  # MBX102
""",
            unsafe=True,
        ),
    ]

    def check(self, module):
        for event in box_ops(module, {"unlock"}):
            fact = event.fact
            if event.in_handler:
                continue  # an exception handler discards the pending changes on purpose
            if fact.pending is not None and fact.lock != UNLOCKED:
                if fact.lock == MAYBE:
                    # Locked on some paths only: a flush there would write unlocked (MBX101).
                    plan = no_fix("the mailbox is locked on some paths only")
                elif event.via:
                    plan = no_fix("a helper unlocks it: the flush belongs in the helper, not at this call")
                elif "[" in event.ref:
                    plan = no_fix("the mailbox is an entry of a container")
                else:
                    plan = flush_plan(event, blocks_of(module), event.ref, module.lines)
                yield self.finding(event.node, plan=plan, ref=event.ref, line=fact.pending)


class LockNotReleasedOnError(Rule):
    """`lock()` is not released when an exception is raised.

    ## What it does
    Reports a `lock()` whose lock would stay held if the code after it raised: no
    `unlock()` (or `close()`, which unlocks) in a `finally` that covers the code after the
    `lock()`, and no `with box.locked():` or `with contextlib.closing(box):`. Also reported
    when a mailbox constructed in the function is locked and never unlocked. The mailboxes
    checked are MBX101's, those whose class is written nowhere included: an un-annotated
    parameter or a local from an opaque call (`box = self.get_instance()`, the class chosen
    by a subclass in another module, even one that never names `mailbox`) that the function
    locks, unlocks and uses as only a mailbox is used (`get_message`, `iterkeys`, ..., or
    `flush()` with `add`/`remove`/`discard`). A generator that yields between `lock()` and
    `unlock()` with no `finally` is reported too: a caller that stops iterating, or an
    exception at the `yield`, leaves the lock.

    Not reported when the function hands the locked mailbox on: it returns or yields it,
    stores it on `self`, is an `__enter__` method, or (for a mailbox it did not construct)
    returns with it still locked, which is how a `lock()` wrapper method looks. Not reported
    either when `unlock()` follows at once, with nothing in between that can raise (`pass`,
    a constant bound to a name), or when the `lock()` is followed by a `break` out of a retry
    loop that a `try:` ... `finally: unlock()` follows. A helper of the module that locks
    (see MBX101) is a `lock()` where it is called; one whose release is in a `finally` (or is
    a context manager's exit) covers it; such findings have no fix.

    ## Why is this bad?
    A crash between `lock()` and `unlock()` leaves the dot-lock file (`inbox.lock`) behind.
    Every other program that delivers to or reads the mailbox, the mail server included,
    then fails to lock it until a person deletes the file.

    ## Example
    ```python
    box.lock()
    box.add(message)
    box.flush()
    box.unlock()
    ```

    ## Use instead
    ```python
    box.lock()
    try:
        box.add(message)
        box.flush()
    finally:
        box.unlock()
    ```

    ## Fix safety
    Safe: the statements between `lock()` and `unlock()` are wrapped in `try:` ...
    `finally: box.unlock()`; the normal path does exactly what it did before. Reported with
    no fix: an `unlock()` that is not a line of its own later in the `lock()`'s block (it is
    in a branch, a loop or a handler, only `close()` releases the lock, or nothing does); a
    region left other than by an exception (`return`, or `break`/`continue` of a loop
    around it: that path kept the lock, a finally would release it); and a region that
    locks, unlocks or closes the mailbox itself (a finally would unlock it a second time);
    and a region inside a `try` whose handlers, `else:` or `finally:` use the mailbox: the new
    `finally` would unlock it before they run, and they would change it unlocked.
    """

    code = "MBX103"
    TRIGGERS = LockAnalysis.TRIGGERS
    PATH_SCOPE_TRIGGERS = ()
    name = "lock-not-released-on-error"
    seed = SEED
    fix_safety = "safe"
    message = (
        "{ref}.lock() is not released if an exception is raised: put {ref}.unlock() in a "
        "`finally:` (or use `with {ref}.locked():`), or a crash leaves a stale lock file"
    )
    VALID = [
        """
import mailbox
box = mailbox.mbox("inbox")
box.lock()
try:
    box.add("x")
    box.flush()
finally:
    box.unlock()
""",
        """
import mailbox
def open_locked(path):
    box = mailbox.mbox(path)
    box.lock()
    return box
""",
        """
import mailbox
class Session:
    def __init__(self, path):
        self.box = mailbox.mbox(path)
    def acquire(self):
        self.box.lock()
""",
        """
import mailbox
def touch(path):
    box = mailbox.mbox(path)
    box.lock()
    box.unlock()
""",
    ]
    INVALID = [
        Invalid(
            """
import mailbox
def deliver(path, msg):
    box = mailbox.mbox(path)
    box.lock()  # MBX103
    box.add(msg)
    box.flush()
    box.unlock()
""",
            fixed="""
import mailbox
def deliver(path, msg):
    box = mailbox.mbox(path)
    box.lock()  # MBX103
    try:
        box.add(msg)
        box.flush()
    finally:
        box.unlock()
""",
        ),
        Invalid(
            """
import mailbox
def count(box: mailbox.mbox):
    box.lock()  # MBX103
    n = len(box)
    box.unlock()
    return n
""",
            fixed="""
import mailbox
def count(box: mailbox.mbox):
    box.lock()  # MBX103
    try:
        n = len(box)
    finally:
        box.unlock()
    return n
""",
        ),
        # Inside a try whose handler writes to the mailbox: the finally would unlock it
        # before the handler runs, so no fix is offered.
        Invalid(
            """
import mailbox
def deliver(box: mailbox.mbox, message, quarantine):
    try:
        box.lock()  # MBX103
        box.add(message)
        box.unlock()
    except ValueError:
        box.add(quarantine)
        raise
"""
        ),
        # A return between lock() and unlock() kept the lock on that path; a finally would
        # release it there, so no fix is offered.
        """
import mailbox
def take_lock(box):
    box.lock()
def deliver(path, msg):
    box = mailbox.mbox(path)
    take_lock(box)  # MBX103
    box.add(msg)
    box.flush()
    box.unlock()
""",
        Invalid(
            """
import mailbox
def first(path):
    box = mailbox.mbox(path)
    box.lock()  # MBX103
    if not len(box):
        return None
    box.unlock()
"""
        ),
    ]

    def check(self, module):
        for event in box_ops(module, {"lock"}):
            if event.covered or event.handed_on:
                continue
            block = event.block
            if block is not None and released_at_once(*block, event.ref):
                continue  # lock(); unlock(): nothing in between can raise
            plan = no_fix("the mailbox is an entry of a container") if "[" in event.ref else \
                wrap_plan(event, blocks_of(module), event.ref)
            yield self.finding(event.node, plan=plan, ref=event.ref)


class ReadBeforeLock(Rule):
    """A mailbox is read before `lock()` and modified after it.

    ## What it does
    Reports a `lock()` when the same function read the mailbox while it was not locked
    (`get*`, `keys`, `items`, iteration, `len`, `in`, `box[key]`) and then modifies it in
    the lock period that `lock()` starts. It is reported at the `lock()`; the message names
    the line of the read. A call of a function or method of the module that locks the
    mailbox it is given and modifies it under that lock (on some way through it) is that
    `lock()`, reported at the call: `seen = {m["message-id"] for m in box.values()}` then
    `self.download(box, new)`, whose body calls `box.lock()` and `box.add(...)`.

    ## Why is this bad?
    The read saw the mailbox as it was before the lock. Another process may have delivered,
    removed or rewritten messages in between, so decisions made from the read (which key to
    remove, how many messages there are) are applied to a different mailbox (bpo-1599254).

    ## Example
    ```python
    keys = box.keys()
    box.lock()
    box.remove(keys[0])
    ```

    ## Use instead
    ```python
    box.lock()
    keys = box.keys()
    box.remove(keys[0])
    ```

    ## Fix safety
    No automatic fix: moving the read under the lock changes what the code sees.
    """

    code = "MBX104"
    TRIGGERS = LockAnalysis.TRIGGERS
    PATH_SCOPE_TRIGGERS = ()
    name = "read-before-lock"
    seed = SEED
    message = (
        "{ref}.lock() comes after the mailbox was read at line {line} and before it is "
        "modified: the read saw a state another process may have changed; read under the lock"
    )
    VALID = [
        """
import mailbox
box = mailbox.mbox("inbox")
box.lock()
try:
    for key in box.keys():
        box.remove(key)
    box.flush()
finally:
    box.unlock()
""",
        """
import mailbox
box = mailbox.mbox("inbox")
print(len(box))
box.lock()
try:
    print(box.keys())
finally:
    box.unlock()
""",
    ]
    INVALID = [
        """
import mailbox
box = mailbox.mbox("inbox")
n = len(box)
box.lock()  # MBX104
try:
    box.add("x")
    box.flush()
finally:
    box.unlock()
""",
    ]

    def check(self, module):
        modified_epochs = {}
        for event in box_ops(module, MODIFYING):
            for epoch in event.fact.epochs:
                modified_epochs.setdefault((id(event.scope.node), event.ref, epoch), event)
        for event in box_ops(module, {"lock"}):
            read_line = event.fact.read_unlocked
            if read_line is None:
                continue
            if (id(event.scope.node), event.ref, event.new_epoch) in modified_epochs:
                yield self.finding(event.node, ref=event.ref, line=read_line)


__all__ = ["UnlockedModification", "UnflushedUnlock", "LockNotReleasedOnError", "ReadBeforeLock", "READING", "Invalid"]

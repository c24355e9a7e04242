"""Processes that share a mailbox with the tests: deliverers, maintainers.

Run as ``python mbox_actors.py <role> ...`` with the repository on PYTHONPATH.
Every role talks to the test through stdout lines and stdin lines, so the
test can order the steps of different processes deterministically.
"""
import fcntl
import os
import signal
import sys
import time


def message(msg_id, body_lines=1):
    body = b''.join(b'line %d of %s\n' % (i, msg_id.encode())
                    for i in range(body_lines))
    return (b'From sender@example.org Mon Jan  1 00:00:00 2024\n'
            b'Message-ID: <' + msg_id.encode() + b'>\n'
            b'Subject: ' + msg_id.encode() + b'\n\n' + body + b'\n')


def say(text):
    sys.stdout.write(text + '\n')
    sys.stdout.flush()


def deliver_one(path, msg_id):
    # What procmail/postfix do with fcntl locking only: open for append,
    # wait for the lock, write, sync, unlock.
    with open(path, 'ab') as f:
        fcntl.lockf(f, fcntl.LOCK_EX)
        try:
            f.write(message(msg_id))
            f.flush()
            os.fsync(f.fileno())
        finally:
            fcntl.lockf(f, fcntl.LOCK_UN)


def role_deliver(path, msg_id):
    say('ready')
    deliver_one(path, msg_id)
    say('delivered')


def role_deliver_many(path, prefix, count):
    for i in range(int(count)):
        deliver_one(path, '%s-%d' % (prefix, i))
        time.sleep(0.005 * (i % 4))
    say('done')


def load(impl):
    if impl == 'std':
        import mailbox
    else:
        from mboxlint import mailbox
    return mailbox


def role_remove_first(path, impl):
    """Lock, wait for 'go', remove the first message, flush, unlock."""
    mailbox = load(impl)
    box = mailbox.mbox(path)
    box.lock()
    key = min(box.keys())
    say('locked')
    sys.stdin.readline()
    box.remove(key)
    box.flush()
    box.unlock()
    box.close()
    say('done')


def role_maintain(path, removed_log, stop_file):
    """Repeatedly lock, remove up to two messages, flush, unlock."""
    import warnings
    mailbox = load('fixed')
    warnings.simplefilter('error', mailbox.MailboxWarning)
    box = mailbox.mbox(path)
    rounds = 0
    with open(removed_log, 'a') as log:
        while True:
            last = os.path.exists(stop_file)
            box.lock(timeout=30)
            try:
                gone = []
                for key in sorted(box.keys())[:2]:
                    gone.append(box.get_message(key)['Message-ID'])
                    box.remove(key)
                box.flush()
            finally:
                box.unlock()
            for msg_id in gone:
                log.write(msg_id + '\n')
            log.flush()
            rounds += 1
            if last:
                break
            time.sleep(0.01)
    box.close()
    say('rounds %d' % rounds)


def role_hold_lock(path, seconds, msg_id):
    """Hold an fcntl lock, append a message under it, then release."""
    with open(path, 'ab') as f:
        fcntl.lockf(f, fcntl.LOCK_EX)
        say('locked')
        time.sleep(float(seconds))
        f.write(message(msg_id))
        f.flush()
        os.fsync(f.fileno())
        fcntl.lockf(f, fcntl.LOCK_UN)
    say('released')


def role_crash_flush(path, kill_at, chunk):
    """Remove and replace messages, flush, and SIGKILL ourselves at a step.

    kill_at is a step number, or NAME:N for the N-th step of that name.
    Prints the names of all steps when not killed.
    """
    mailbox = load('fixed')
    mailbox._CHUNK = int(chunk)
    steps = []
    if ':' in kill_at:
        name, nth = kill_at.split(':')
        nth = int(nth)
    else:
        name, nth = None, int(kill_at)

    def hook(step):
        steps.append(step)
        if name is None:
            hit = len(steps) == nth
        else:
            hit = step == name and steps.count(name) == nth
        if hit:
            os.kill(os.getpid(), signal.SIGKILL)

    box = mailbox.mbox(path)
    box.lock()
    keys = sorted(box.keys())
    box.remove(keys[0])
    box.remove(keys[5])
    box[keys[10]] = message('replaced-10', body_lines=40)
    mailbox._test_hook = hook
    box.flush()
    mailbox._test_hook = None
    box.unlock()
    box.close()
    say(' '.join(steps))


def split_messages(data):
    """(start, stop) of each message of an mbox held in data: a message
    starts at a "From " line (at the file's start or after a newline)."""
    starts = [0] if data.startswith(b'From ') else []
    pos = data.find(b'\nFrom ')
    while pos >= 0:
        starts.append(pos + 1)
        pos = data.find(b'\nFrom ', pos + 1)
    return list(zip(starts, starts[1:] + [len(data)]))


def role_expunge_in_place(path, *msg_ids):
    """What mutt does on sync: under lockf, rewrite the file in place from
    the first message removed on, and cut it (no journal, no rename)."""
    with open(path, 'rb+') as f:
        fcntl.lockf(f, fcntl.LOCK_EX)
        data = f.read()
        keep, first = [], None
        for start, stop in split_messages(data):
            chunk = data[start:stop]
            if any(b'Message-ID: <%s>\n' % m.encode() in chunk
                   for m in msg_ids):
                if first is None:
                    first = start
                continue
            keep.append((start, chunk))
        if first is not None:
            rest = b''.join(c for s, c in keep if s > first)
            f.seek(first)
            f.write(rest)
            f.truncate()
            f.flush()
            os.fsync(f.fileno())
        fcntl.lockf(f, fcntl.LOCK_UN)
    say('done')


def role_flag_first(path):
    """mutt marking the first message read: a Status header inserted in
    place, everything after it moves down."""
    with open(path, 'rb+') as f:
        fcntl.lockf(f, fcntl.LOCK_EX)
        data = f.read()
        start, stop = split_messages(data)[0]
        head_end = data.index(b'\n', start) + 1  # after the From_ line
        f.seek(head_end)
        f.write(b'Status: RO\n' + data[head_end:])
        f.flush()
        os.fsync(f.fileno())
        fcntl.lockf(f, fcntl.LOCK_UN)
    say('done')


def role_swap_keep_mtime(path, first, second):
    """Swap two messages of equal size in place and put the mtime back."""
    st = os.stat(path)
    with open(path, 'rb+') as f:
        fcntl.lockf(f, fcntl.LOCK_EX)
        data = f.read()
        spans = split_messages(data)
        a, b = spans[int(first)], spans[int(second)]
        assert a[1] - a[0] == b[1] - b[0]
        f.seek(a[0])
        f.write(data[b[0]:b[1]])
        f.seek(b[0])
        f.write(data[a[0]:a[1]])
        f.flush()
        os.fsync(f.fileno())
        fcntl.lockf(f, fcntl.LOCK_UN)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    say('done')


def role_std_remove(path, msg_id):
    """The stdlib's flush: a new file renamed over the mailbox.  No lock()
    (a dead flusher's dot-lock may still be there): only the rename."""
    import mailbox
    box = mailbox.mbox(path)
    for key in list(box.keys()):
        if box.get_message(key)['Message-ID'] == '<%s>' % msg_id:
            box.remove(key)
            break
    box.flush()
    box.close()
    say('done')


def role_two_objects(path):
    """Two mailbox objects on one file in one process: the second one's
    failing lock() must leave the first one's lock in place."""
    mailbox = load('fixed')
    first = mailbox.mbox(path)
    first.lock()
    second = mailbox.mbox(path)
    try:
        second.lock()
    except mailbox.ExternalClashError:
        say('second refused')
    else:
        say('second locked too')
    sys.stdin.readline()
    first.unlock()
    first.close()
    second.close()
    say('done')


def role_slow_flush(path, refresh, seconds):
    """A flush whose copy takes about seconds, refreshing the dot-lock
    every refresh seconds."""
    mailbox = load('fixed')
    mailbox._CHUNK = 256
    mailbox.DOTLOCK_REFRESH = float(refresh)
    box = mailbox.mbox(path)
    box.lock()
    box.remove(0)
    steps = []
    mailbox._test_hook = steps.append
    box.flush()  # counts the steps of this flush
    mailbox._test_hook = None
    box.unlock()
    box.lock()
    box.remove(min(box.keys()))
    pause = float(seconds) / max(1, len(steps))
    say('locked')
    mailbox._test_hook = lambda step: time.sleep(pause)
    box.flush()
    mailbox._test_hook = None
    box.unlock()
    box.close()
    say('done')


def role_flush_limited(path, limit):
    """A growing flush in a process that may not write past limit bytes in
    any file (as a full disk would stop it)."""
    import resource
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    mailbox = load('fixed')
    box = mailbox.mbox(path)
    box.lock()
    key = min(box.keys())
    box[key] = message('grown', body_lines=400)  # appended at once
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(limit), int(limit)))
    try:
        box.flush()
    except OSError as e:
        say('error %s' % e)
    except mailbox.Error as e:
        say('error %s' % e)
    else:
        say('flushed')
    box.unlock()
    box._file.close()


if __name__ == '__main__':
    globals()['role_' + sys.argv[1].replace('-', '_')](*sys.argv[2:])

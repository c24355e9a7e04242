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


if __name__ == '__main__':
    globals()['role_' + sys.argv[1].replace('-', '_')](*sys.argv[2:])

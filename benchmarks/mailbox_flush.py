"""Flush speed and memory of mboxlint.mailbox against the stdlib mailbox.

    python benchmarks/mailbox_flush.py [--small] [--repeat N]

Builds an mbox in a temp directory (200 MB / 10,000 messages, or 20 MB /
1,000 with --small) and, each in a fresh child process, times one flush after
removing the last or the first message, and one lock() after another process
delivered a message to the mailbox the box had already read (bytes read:
rchar of /proc/self/io).  Each repetition measures the stdlib
and mboxlint.mailbox one after the other on fresh copies of the same file;
the medians are quoted, with the ratio of the two.  Also printed: bytes
written by the flush (wchar of /proc/self/io: write calls and kernel copies),
fsync calls, and the flush's peak memory above the process's baseline
(ru_maxrss).

Both sides start alike: the copy was just written and fsynced, so its pages
are in the page cache and clean; the flush's own fsyncs are timed.  The
stdlib fsyncs its temp file once before renaming it (no directory fsync);
mboxlint fsyncs the journal, the mailbox and the directory entries it needs
for crash safety.
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build(path, size, count):
    body_line = b'x' * 75 + b'\n'
    lines = max(1, size // count // len(body_line))
    with open(path, 'wb') as f:
        for i in range(count):
            f.write(b'From bench@example.org Mon Jan  1 00:00:00 2024\n'
                    b'Message-ID: <%d@bench>\n\n' % i)
            f.write(body_line * lines)
            f.write(b'\n')


def io_bytes(field):
    """A byte count of /proc/self/io: 'wchar' written, 'rchar' read."""
    try:
        with open('/proc/self/io') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def relock_child(mailbox, path):
    import fcntl
    box = mailbox.mbox(path)
    box.lock()
    count = len(box.keys())
    box.unlock()
    with open(path, 'ab') as f:  # a deliverer
        fcntl.lockf(f, fcntl.LOCK_EX)
        f.write(b'From late@example.org Mon Jan  1 00:00:00 2024\n'
                b'Message-ID: <late@bench>\n\nlate\n\n')
        fcntl.lockf(f, fcntl.LOCK_UN)
    base_read = io_bytes('rchar')
    start = time.perf_counter()
    box.lock()
    elapsed = time.perf_counter() - start
    read = io_bytes('rchar') - base_read
    # The stdlib's lock() does not look at the file: it misses the message.
    seen = len(box.keys()) - count
    box.unlock()
    box.close()
    print(json.dumps({'seconds': elapsed, 'read': read, 'seen': seen}))


def child(impl, path, which):
    if impl == 'std':
        import mailbox
    else:
        sys.path.insert(0, REPO)
        from mboxlint import mailbox
    if which == 'relock':
        relock_child(mailbox, path)
        return
    fsyncs = [0]

    def counting(real):
        def wrapper(fd):
            fsyncs[0] += 1
            return real(fd)
        return wrapper
    os.fsync = counting(os.fsync)
    os.fdatasync = counting(os.fdatasync)
    box = mailbox.mbox(path)
    box.lock()
    keys = sorted(box.keys())
    box.remove(keys[-1] if which == 'last' else keys[0])
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    base_written = io_bytes('wchar')
    fsyncs[0] = 0
    start = time.perf_counter()
    box.flush()
    elapsed = time.perf_counter() - start
    synced = fsyncs[0]
    written = io_bytes('wchar') - base_written
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base_rss
    box.unlock()
    box.close()
    print(json.dumps({'seconds': elapsed, 'written': written,
                      'peak_kib': peak, 'fsyncs': synced}))


def measure(impl, original, which, workdir):
    path = os.path.join(workdir, 'box-%s-%s' % (impl, which))
    shutil.copy(original, path)
    # Write the copy out now, or the flush's fsync would pay for it.
    with open(path, 'rb') as f:
        os.fsync(f.fileno())
    out = subprocess.run([sys.executable, __file__, '--child', impl, path,
                          which], stdout=subprocess.PIPE, check=True,
                         universal_newlines=True).stdout
    os.unlink(path)
    return json.loads(out)


def summary(runs):
    return {name: statistics.median(r[name] for r in runs)
            for name in runs[0]}


def main():
    if sys.argv[1:2] == ['--child']:
        child(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument('--small', action='store_true')
    parser.add_argument('--repeat', type=int, default=5)
    args = parser.parse_args()
    size, count = (20 << 20, 1000) if args.small else (200 << 20, 10000)
    workdir = tempfile.mkdtemp(prefix='mbx-bench-')
    try:
        original = os.path.join(workdir, 'original')
        build(original, size, count)
        file_size = os.path.getsize(original)
        print('mbox: %.1f MB, %d messages' % (file_size / 1e6, count))
        print('median of %d runs each' % args.repeat)
        for which in ('last', 'first'):
            runs = {'std': [], 'fixed': []}
            for _ in range(args.repeat):
                for impl in ('std', 'fixed'):
                    runs[impl].append(measure(impl, original, which,
                                              workdir))
            std, fixed = summary(runs['std']), summary(runs['fixed'])
            print('remove %s + flush:' % which)
            print('  time    stdlib %.3f s, mboxlint %.3f s: mboxlint is %.1fx '
                  'faster (%.2fx the stdlib\'s time)' % (
                      std['seconds'], fixed['seconds'],
                      std['seconds'] / max(fixed['seconds'], 1e-9),
                      fixed['seconds'] / max(std['seconds'], 1e-9)))
            print('          runs: stdlib %s; mboxlint %s' % (
                ' '.join('%.3f' % r['seconds'] for r in runs['std']),
                ' '.join('%.3f' % r['seconds'] for r in runs['fixed'])))
            print('  written stdlib %.2f%%, mboxlint %.2f%% of the file' % (
                100.0 * std['written'] / file_size,
                100.0 * fixed['written'] / file_size))
            print('  fsyncs  stdlib %d, mboxlint %d' % (std['fsyncs'],
                                                         fixed['fsyncs']))
            print('  memory  flush peak +%.1f MiB (stdlib +%.1f MiB)' % (
                fixed['peak_kib'] / 1024.0, std['peak_kib'] / 1024.0))
        runs = {'std': [], 'fixed': []}
        for _ in range(args.repeat):
            for impl in ('std', 'fixed'):
                runs[impl].append(measure(impl, original, 'relock', workdir))
        std, fixed = summary(runs['std']), summary(runs['fixed'])
        print('lock() after a delivery:')
        print('  time    stdlib %.4f s, mboxlint %.4f s' % (
            std['seconds'], fixed['seconds']))
        print('  read    stdlib %d bytes, mboxlint %d bytes (%.3f%% of the '
              'file)' % (std['read'], fixed['read'],
                         100.0 * fixed['read'] / file_size))
        print('  new messages seen: stdlib %d, mboxlint %d' % (
            std['seen'], fixed['seen']))
    finally:
        shutil.rmtree(workdir)


if __name__ == '__main__':
    main()

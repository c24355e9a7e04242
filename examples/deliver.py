import mailbox


def deliver(path, message):
    box = mailbox.mbox(path)
    box.lock()
    box.add(message)
    box.unlock()
    box.close()


def purge(path):
    box = mailbox.mbox(path)
    n = len(box)
    box.lock()
    try:
        for key in list(box.keys()):
            box.remove(key)
        box.flush()
    finally:
        box.unlock()
    return n


def sloppy(path, message):
    box = mailbox.mbox(path)
    box.add(message)  # noqa: MBX101
    box.add(message)

"""One user of the test bed's Ceph at a time, across processes: tests/run runs stages side by side.

rbd-fuse on a node holds a watch on every image of the pool it mounts (so another user's `rbd rm`
fails), and test set-ups remove the images a killed run left (they would remove another user's).
So each user of the Ceph (a test module's fixture, the crash sweep, the Ceph Molecule scenario) holds
this lock while its nodes exist, and everything else runs beside it. tests/run takes the same lock
with flock(1) on the same file (CSM_CEPH_LOCK).
"""
import contextlib
import fcntl
import os
import sys
import time

LOCK_FILE = os.environ.get('CSM_CEPH_LOCK', '/var/tmp/csm-ceph.lock')


@contextlib.contextmanager
def ceph_exclusive(who):
    """Hold the test-bed Ceph for `who` (a name for the waiting message) until the block ends."""
    fd = os.open(LOCK_FILE, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            start = time.monotonic()
            sys.stderr.write('%s: waiting for the test-bed Ceph (another stage uses it; %s)\n' % (who, LOCK_FILE))
            fcntl.flock(fd, fcntl.LOCK_EX)
            sys.stderr.write('%s: got the test-bed Ceph after %.0f s\n' % (who, time.monotonic() - start))
        yield
    finally:
        os.close(fd)  # closing the only descriptor releases the lock

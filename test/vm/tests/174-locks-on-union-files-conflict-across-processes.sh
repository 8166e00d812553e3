#!/bin/bash
# flock(2), POSIX (fcntl F_SETLK) and OFD (F_OFD_SETLK) locks belong to the
# union file: while one process holds an exclusive lock, another process
# opening the same union path gets EAGAIN for a conflicting non-blocking
# lock, and gets the lock once the first releases it; on a file created
# through the union and on one copied up from the read-only branch. The
# union file's identity survives copyup: a lock taken on a read-only
# descriptor while the file was on the read-only branch conflicts with a
# lock on a descriptor of a later opener that copied it up, and the other
# way round.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
mkbranch_tmpfs up 16m
mkbranch_tmpfs low 16m
mkdir -p u
for f in low-rw ro-flock ro-posix ro-ofd held-flock held-posix held-ofd; do
	echo "lower $f" >"low/$f"
done
low_before=$(tree_snapshot low)
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"

python3 - "$W/u" "$W/up" <<'PY'
import errno, fcntl, os, struct, sys
u, up = sys.argv[1], sys.argv[2]
# <asm-generic/fcntl.h>: F_OFD_GETLK 36, F_OFD_SETLK 37 (if this Python lacks the names).
F_OFD_SETLK = getattr(fcntl, "F_OFD_SETLK", 37)
KINDS = ("flock", "posix", "ofd")
# A conflicting F_SETLK may fail with EACCES or EAGAIN (POSIX); Linux says EAGAIN.
CONFLICT = {"flock": (errno.EWOULDBLOCK,), "posix": (errno.EAGAIN, errno.EACCES),
            "ofd": (errno.EAGAIN, errno.EACCES)}

def flock_arg(l_type):
    # struct flock (x86_64): short l_type, l_whence; off_t l_start, l_len;
    # pid_t l_pid (0 for OFD locks), padded to 32 bytes. The whole file.
    return struct.pack("hhqqi4x", l_type, os.SEEK_SET, 0, 0, 0)

def lock(fd, kind, excl=True):
    if kind == "flock":
        fcntl.flock(fd, (fcntl.LOCK_EX if excl else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    else:
        cmd = fcntl.F_SETLK if kind == "posix" else F_OFD_SETLK
        fcntl.fcntl(fd, cmd, flock_arg(fcntl.F_WRLCK if excl else fcntl.F_RDLCK))

def unlock(fd, kind):
    if kind == "flock":
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:
        cmd = fcntl.F_SETLK if kind == "posix" else F_OFD_SETLK
        fcntl.fcntl(fd, cmd, flock_arg(fcntl.F_UNLCK))

def probe(path, kind, flags=os.O_RDWR, excl=True):
    """In a second process: open path, try a non-blocking lock; 0 or the errno."""
    pid = os.fork()
    if pid == 0:
        try:
            fd = os.open(path, flags)
            lock(fd, kind, excl)
            os._exit(0)
        except OSError as e:
            os._exit(e.errno)
        except BaseException:
            os._exit(255)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])

def expect_conflict(path, kind, what, **kw):
    r = probe(path, kind, **kw)
    if r not in CONFLICT[kind]:
        sys.exit("FAIL: %s: %s lock on %s by a second process: %s, expected %s" % (
            what, kind, path, os.strerror(r) if r else "granted",
            " or ".join(errno.errorcode[e] for e in CONFLICT[kind])))

def expect_granted(path, kind, what, **kw):
    r = probe(path, kind, **kw)
    if r != 0:
        sys.exit("FAIL: %s: %s lock on %s by a second process: %s, expected it granted" % (
            what, kind, path, os.strerror(r)))

# 1. Both processes open the union path read-write.
for name in ("new", "low-rw"):   # created through the union; copied up by the first open
    path = u + "/" + name
    for kind in KINDS:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        lock(fd, kind)
        expect_conflict(path, kind, "held by the first process")
        unlock(fd, kind)
        expect_granted(path, kind, "released by the first process")
        os.close(fd)
        print("%s on %s: ok" % (kind, name))

# 2. The first process locks a read-only descriptor of a file still on the
# read-only branch; the second opens it O_RDWR, which copies it up.
for kind in KINDS:
    name = "ro-" + kind
    path = u + "/" + name
    fd = os.open(path, os.O_RDONLY)
    ino = os.fstat(fd).st_ino
    lock(fd, kind, excl=(kind == "flock"))   # fcntl write locks need a writable descriptor
    assert not os.path.exists(up + "/" + name), "copied up by a read-only open"
    expect_conflict(path, kind, "held on a descriptor opened before the copyup")
    assert os.path.exists(up + "/" + name), "the second process's O_RDWR open did not copy up"
    assert os.stat(path).st_ino == ino, "inode number changed across copyup"
    unlock(fd, kind)
    expect_granted(path, kind, "released on the descriptor opened before the copyup")
    os.close(fd)
    print("%s across copyup (old descriptor holds): ok" % kind)

# 3. The other way round: a descriptor opened before the copyup tries to
# lock while another process holds a lock on the copy it made.
for kind in KINDS:
    name = "held-" + kind
    path = u + "/" + name
    old = os.open(path, os.O_RDONLY)
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            fd = os.open(path, os.O_RDWR)     # copies up
            lock(fd, kind)
            os.write(ready_w, b"1")
        except BaseException as e:
            os.write(ready_w, b"0" + str(e).encode())
            os._exit(1)
        os.read(go_r, 1)
        os._exit(0)
    msg = os.read(ready_r, 200)
    assert msg == b"1", "second process could not lock: %r" % msg
    try:
        lock(old, kind, excl=(kind == "flock"))
    except OSError as e:
        if e.errno not in CONFLICT[kind]:
            raise
    else:
        sys.exit("FAIL: %s lock on a descriptor opened before the copyup was granted "
                 "while another process holds an exclusive lock on the copy" % kind)
    os.write(go_w, b"1")
    os.waitpid(pid, 0)
    lock(old, kind, excl=(kind == "flock"))    # the holder is gone
    unlock(old, kind)
    os.close(old)
    print("%s across copyup (copy's opener holds): ok" % kind)
PY
assert_tree up "held-flock held-ofd held-posix low-rw new ro-flock ro-ofd ro-posix"

umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"

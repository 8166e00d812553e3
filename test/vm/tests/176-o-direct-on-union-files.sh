#!/bin/bash
# O_DIRECT passes through to the branch file (ext4 branches): aligned direct
# reads and writes on a file created through the union, on a file still on
# the read-only branch (reads) and on one copied up by an O_DIRECT open;
# plain reads afterwards see the bytes. An unaligned direct write fails with
# EINVAL as it does on the branch file itself. Adding O_DIRECT to an open
# descriptor with fcntl(F_SETFL) works and makes its I/O direct (the same
# alignment rule), and clearing it makes it buffered again.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
mkbranch_ext4 up 32M
mkbranch_ext4 low 16M
mkdir -p u
head -c 65536 /dev/urandom >low/big
head -c 65536 /dev/urandom >low/setfl-low
low_before=$(tree_snapshot low)
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"

python3 - "$W/u" "$W/up" "$W/low" <<'PY'
import errno, fcntl, mmap, os, sys
u, up, low = sys.argv[1:4]
BS = 4096
buf = mmap.mmap(-1, 4 * BS)     # anonymous mappings are page-aligned

def dwrite(fd, data, off):
    buf[:len(data)] = data
    n = os.pwrite(fd, memoryview(buf)[:len(data)], off)
    assert n == len(data), ("short direct write", n, len(data))

def dread(fd, n, off):
    rb = mmap.mmap(-1, n)
    got = os.preadv(fd, [rb], off)
    return rb[:got]

def content(path):
    with open(path, "rb") as f:
        return f.read()

def unaligned_write(fd):
    """errno of a direct write at offset 1, or 0 if it was accepted."""
    buf[:BS] = b"u" * BS
    try:
        os.pwrite(fd, memoryview(buf)[:BS], 1)
    except OSError as e:
        return e.errno
    return 0

def put(want, off, data):
    """What a write of data at off does to the bytearray want."""
    if len(want) < off:
        want += bytes(off - len(want))
    want[off:off + len(data)] = data

def check(path, want, what):
    have = content(u + "/" + path)
    assert have == want, "%s: plain read of u/%s differs (%d bytes, expected %d)" % (
        what, path, len(have), len(want))
    assert content(up + "/" + path) == want, "%s: up/%s differs" % (what, path)

# What the branch file does with an unaligned direct write.
fd = os.open(up + "/probe", os.O_RDWR | os.O_CREAT | os.O_DIRECT, 0o644)
BRANCH_UNALIGNED = unaligned_write(fd)
os.close(fd)
os.unlink(up + "/probe")
print("an unaligned direct write on the ext4 branch: %s" % (
    errno.errorcode.get(BRANCH_UNALIGNED, "accepted")))
assert BRANCH_UNALIGNED == errno.EINVAL, "the branch accepts unaligned O_DIRECT: cannot tell"

# A file created through the union, opened O_DIRECT.
fd = os.open(u + "/new", os.O_RDWR | os.O_CREAT | os.O_DIRECT, 0o644)
a, b = os.urandom(2 * BS), os.urandom(BS)
dwrite(fd, a, 0)
dwrite(fd, b, 4 * BS)          # past the end: a hole before it
assert dread(fd, 2 * BS, 0) == a, "direct read of new"
assert dread(fd, BS, 4 * BS) == b, "direct read of new at 16 KiB"
r = unaligned_write(fd)
assert r == BRANCH_UNALIGNED, "unaligned direct write through the union: %s, on the branch: %s" % (
    errno.errorcode.get(r, "accepted"), errno.errorcode.get(BRANCH_UNALIGNED, "accepted"))
os.close(fd)
check("new", a + bytes(2 * BS) + b, "new file")
print("O_DIRECT on a new file: ok")

# A file of the read-only branch: direct reads before the copyup, then an
# O_DIRECT read-write open copies it up and works on the copy.
orig = content(low + "/big")
fd = os.open(u + "/big", os.O_RDONLY | os.O_DIRECT)
assert dread(fd, 2 * BS, 2 * BS) == orig[2 * BS:4 * BS], "direct read of big on the read-only branch"
os.close(fd)
assert not os.path.exists(up + "/big"), "a read-only open copied big up"
fd = os.open(u + "/big", os.O_RDWR | os.O_DIRECT)
assert os.path.exists(up + "/big"), "an O_RDWR open did not copy big up"
c = os.urandom(BS)
dwrite(fd, c, BS)
assert dread(fd, 3 * BS, 0) == orig[:BS] + c + orig[2 * BS:3 * BS], "direct read of the copy"
r = unaligned_write(fd)
assert r == BRANCH_UNALIGNED, "unaligned direct write on the copy: %s" % errno.errorcode.get(r, "accepted")
os.close(fd)
check("big", orig[:BS] + c + orig[2 * BS:], "copied-up file")
print("O_DIRECT on a copied-up file: ok")

# fcntl(F_SETFL) adds O_DIRECT to a buffered descriptor, and clears it.
for name in ("setfl-new", "setfl-low"):
    path = u + "/" + name
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)      # setfl-low: copied up
    want = bytearray(content(path))
    os.pwrite(fd, b"buffered", 3)                           # unaligned, buffered
    put(want, 3, b"buffered")
    fl = fcntl.fcntl(fd, fcntl.F_GETFL)
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, fl | os.O_DIRECT)
    except OSError as e:
        sys.exit("FAIL: fcntl(F_SETFL, +O_DIRECT) on %s: %s" % (path, e))
    assert fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT, "F_GETFL does not show O_DIRECT"
    d = os.urandom(BS)
    dwrite(fd, d, 2 * BS)
    put(want, 2 * BS, d)
    assert dread(fd, BS, 2 * BS) == d, "direct read after F_SETFL on %s" % name
    r = unaligned_write(fd)
    assert r == BRANCH_UNALIGNED, ("%s: an unaligned write after F_SETFL +O_DIRECT was %s; "
        "on the branch it is %s: the branch file did not get O_DIRECT" % (
        name, errno.errorcode.get(r, "accepted"), errno.errorcode.get(BRANCH_UNALIGNED, "accepted")))
    fcntl.fcntl(fd, fcntl.F_SETFL, fl)
    assert not fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT, "F_GETFL still shows O_DIRECT"
    r = unaligned_write(fd)          # buffered again: accepted
    assert r == 0, "%s: an unaligned write after clearing O_DIRECT: %s" % (name, errno.errorcode[r])
    put(want, 1, b"u" * BS)
    os.close(fd)
    check(name, bytes(want), name)
    print("F_SETFL O_DIRECT on %s: ok" % name)
PY
assert_tree up "lost+found/ big new setfl-low setfl-new"

umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"

#!/bin/bash
# Memory mappings map the branch file (as on overlayfs). A shared read-only
# mapping made on a file of the read-only branch keeps showing that file
# after another process opened it O_RDWR (copying it up) and overwrote it,
# pages first touched after the copyup included; read(2) on the same
# descriptor shows the copy, and so does a mapping made after the copyup.
# On a union file (new, or copied up) a shared mapping and plain I/O share
# one page cache: a pwrite through another descriptor shows in the mapping
# at once, a store through the mapping shows to pread at once (no msync),
# truncating down and up again leaves zeros in the mapping past the cut,
# and a hole punched through a plain descriptor reads as zeros in the
# mapping at once. ext4 branches.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
mkbranch_ext4 up 32M
mkbranch_ext4 low 16M
mkdir -p u
python3 - "$W/low" <<'PY'
import sys
with open(sys.argv[1] + "/f", "wb") as f:
    f.write(b"A" * 4096 + b"a" * 4096)
with open(sys.argv[1] + "/c2", "wb") as f:
    f.write(b"lower" * 4000)
PY
low_before=$(tree_snapshot low)
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"

step "a mapping made before another process's copyup keeps the lower file"
python3 - "$W/u" "$W/up" <<'PY'
import mmap, os, sys
u, up = sys.argv[1], sys.argv[2]
PG = mmap.PAGESIZE
old = b"A" * PG + b"a" * PG
r = os.open(u + "/f", os.O_RDONLY)
m = mmap.mmap(r, 2 * PG, mmap.MAP_SHARED, mmap.PROT_READ)
assert m[:8] == b"AAAAAAAA", m[:8]        # page 0 faulted in before the copyup
pid = os.fork()
if pid == 0:                              # process B
    w = os.open(u + "/f", os.O_RDWR)      # copies f up
    os.pwrite(w, b"BB", 0)
    os.pwrite(w, b"bb", PG)
    os.close(w)
    os._exit(0)
assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0, "process B failed"
assert os.path.exists(up + "/f"), "B's O_RDWR open did not copy f up"
new = b"BB" + b"A" * (PG - 2) + b"bb" + b"a" * (PG - 2)
assert m[:8] == b"AAAAAAAA", "the old mapping shows %r, expected the lower file's AAAAAAAA" % m[:8]
assert m[PG:PG + 8] == b"aaaaaaaa", (
    "a page of the old mapping first touched after the copyup shows %r, "
    "expected the lower file's aaaaaaaa" % m[PG:PG + 8])
assert os.pread(r, 2 * PG, 0) == new, "read(2) on A's descriptor: %r" % os.pread(r, 8, 0)
m2 = mmap.mmap(r, 2 * PG, mmap.MAP_SHARED, mmap.PROT_READ)
assert m2[:8] == b"BBAAAAAA" and m2[PG:PG + 8] == b"bbaaaaaa", (
    "a mapping made after the copyup shows %r / %r" % (m2[:8], m2[PG:PG + 8]))
assert m[:] == old, "the old mapping changed"
m.close(); m2.close(); os.close(r)
PY
assert_eq "$(tree_snapshot low)" "$low_before" "the read-only branch after the copyup"

step "mapped and plain I/O share one page cache"
python3 - "$W/u" <<'PY'
import ctypes, mmap, os, sys
u = sys.argv[1]
PG = mmap.PAGESIZE
SIZE = 4 * PG
libc = ctypes.CDLL(None, use_errno=True)
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE = 0x01, 0x02     # <linux/falloc.h>

for name in ("c", "c2"):     # created through the union; copied up by the first open
    path = u + "/" + name
    fd1 = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    fd2 = os.open(path, os.O_RDWR)
    os.ftruncate(fd2, SIZE)
    want = bytearray(os.pread(fd2, SIZE, 0))
    m = mmap.mmap(fd1, SIZE, mmap.MAP_SHARED)
    assert m[:] == want, "%s: the mapping differs from read(2) at the start" % name
    # pwrite through another descriptor: the mapping shows it at once.
    os.pwrite(fd2, b"written by pwrite", 100)
    want[100:117] = b"written by pwrite"
    assert m[100:117] == b"written by pwrite", "%s: mapping after pwrite: %r" % (name, m[100:117])
    # A store through the mapping: pread shows it at once, no msync.
    m[5000:5013] = b"stored in map"
    want[5000:5013] = b"stored in map"
    got = os.pread(fd2, 13, 5000)
    assert got == b"stored in map", "%s: pread after a store through the mapping: %r" % (name, got)
    assert os.pread(fd2, SIZE, 0) == want, "%s: the whole file after the store" % name
    # ftruncate down then up: zeros past the cut in the mapping (read only
    # after growing again, so no access lies past the end of the file).
    m[PG + 1000:PG + 3000] = b"T" * 2000
    os.ftruncate(fd2, PG + 2000)
    os.ftruncate(fd2, SIZE)
    want[PG + 2000:] = bytes(SIZE - PG - 2000)
    want[PG + 1000:PG + 2000] = b"T" * 1000
    assert m[PG + 2000:] == bytes(SIZE - PG - 2000), (
        "%s: the mapping past the cut after truncating down and up: %r" % (
            name, m[PG + 2000:PG + 2016]))
    assert m[:] == want, "%s: the mapping after the truncations" % name
    # A hole punched through a plain descriptor: zeros in the mapping at once.
    m[2 * PG:3 * PG] = b"P" * PG
    assert os.pread(fd2, 4, 2 * PG) == b"PPPP"
    if libc.fallocate(fd2, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 2 * PG, PG) != 0:
        sys.exit("FAIL: fallocate(PUNCH_HOLE) on %s: %s" % (name, os.strerror(ctypes.get_errno())))
    assert m[2 * PG:3 * PG] == bytes(PG), "%s: the mapping over the punched hole: %r" % (
        name, m[2 * PG:2 * PG + 16])
    want[2 * PG:3 * PG] = bytes(PG)
    assert m[:] == want, "%s: the mapping after the punch" % name
    m.close()
    os.close(fd1)
    os.close(fd2)
    with open(path, "rb") as f:
        assert f.read() == bytes(want), "%s: the file read afterwards" % name
    print("%s: ok" % name)
PY
cmp u/c up/c
cmp u/c2 up/c2

umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"

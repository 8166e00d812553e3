#!/bin/bash
# timeout: 300
# Two things a union file passes to its branch file that need a real
# filesystem underneath. Reflinks: on XFS branches, cp --reflink=always
# (FICLONE) between union files shares the branch's extents, and dedupe
# (FIDEDUPERANGE) works on a copy in the writable branch but is refused
# (EPERM) for a file still on the read-only branch. Write errors: on an
# ext4 writable branch whose device starts failing writes (dm-flakey
# error_writes), fsync of a union file reports EIO once per open file, as
# the kernel's errseq rules say for any file, and the next fsync succeeds.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd xfs_io filefrag dmsetup losetup blockdev mkfs.ext4

W=$PWD

step "reflink and dedupe on XFS branches"
mkbranch_xfs up 320M
mkbranch_xfs low 320M
head -c 262144 /dev/urandom >low/lower
low_before=$(tree_snapshot low)
mkdir -p u
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"
head -c 262144 /dev/urandom >u/a
sync -f u/a
cp --reflink=always u/a u/b
cmp u/a u/b
filefrag -v up/b | grep -q shared || fail "up/b shares no extent after a reflink: $(filefrag -v up/b)"
cp u/a u/c
sync -f u/c
out=$(xfs_io -c "dedupe $W/u/a 0 0 262144" u/c 2>&1) || fail "dedupe through the union: $out"
filefrag -v up/c | grep -q shared || fail "up/c shares no extent after dedupe: $(filefrag -v up/c)"
cmp u/a u/c
# A file opened read-only is not copied up: its extents are the read-only branch's.
out=$(xfs_io -r -c "dedupe $W/u/a 0 0 4096" u/lower 2>&1) || true
[[ $out == *"Operation not permitted"* ]] || fail "dedupe into a read-only-branch file: '$out'"
assert_missing up/lower
umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"

step "a failed writeback reaches fsync once per open file"
_ufs_modprobe loop ext4 dm_mod dm_flakey
truncate -s 64M e.img
mkfs.ext4 -q -F e.img
loop=$(losetup -f --show e.img)
on_exit losetup -d "$loop"
sectors=$(blockdev --getsz "$loop")
dev=ufs-errseq-$$
dmsetup create "$dev" --table "0 $sectors flakey $loop 0 86400 0"
on_exit dmsetup remove "$dev"
dmsetup mknodes "$dev"
mkdir -p eup elow eu
mount -t ext4 "/dev/mapper/$dev" eup
on_exit umount "$W/eup"
echo kept >elow/kept
mount -t unionfs -o "dirs=$W/eup:$W/elow=ro" none "$W/eu"
on_exit umount "$W/eu"
python3 - "$W" "$dev" "$sectors" "$loop" <<'PY'
import errno, os, subprocess, sys
w, dev, sectors, loop = sys.argv[1:]
def table(t):
    for cmd in (["suspend", "--nolockfs", dev], ["load", dev, "--table", t], ["resume", dev]):
        subprocess.run(["dmsetup"] + cmd, check=True)
f = os.open(w + "/eu/f", os.O_CREAT | os.O_RDWR, 0o644)
os.pwrite(f, b"a" * 8192, 0)
os.fsync(f)
g = os.open(w + "/eu/f", os.O_RDWR)          # opened before the error
table("0 %s flakey %s 0 0 86400 1 error_writes" % (sectors, loop))
os.pwrite(f, b"b" * 8192, 0)
for fd, who in ((f, "the writer"), (g, "another open file")):
    try:
        os.fsync(fd)
    except OSError as e:
        assert e.errno == errno.EIO, (who, e)
    else:
        raise AssertionError("fsync by %s after a failed writeback returned 0" % who)
table("0 %s flakey %s 0 86400 0" % (sectors, loop))
os.fsync(f)                                   # reported once: now 0
os.fsync(g)
h = os.open(w + "/eu/f", os.O_RDONLY)         # opened after: nothing to report
os.fsync(h)
for fd in (f, g, h):
    os.close(fd)
PY
assert_file_content eu/kept kept

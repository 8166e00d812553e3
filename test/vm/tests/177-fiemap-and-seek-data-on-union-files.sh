#!/bin/bash
# FIEMAP passes through to the branch file: `filefrag -v` on a union file
# works (no fallback to FIBMAP, no "unsupported") and reports the branch
# file's extents: of the read-only branch's file before a copyup, of the
# copy after, of a file written through the union. SEEK_DATA/SEEK_HOLE on a
# sparse union file give the same answers as on the branch file. ext4
# branches.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd filefrag

W=$PWD
mkbranch_ext4 up 32M
mkbranch_ext4 low 32M
mkdir -p u
truncate -s 4M low/sparse
for off in 0 1 256 768 1023; do # in 4 KiB: two at the start, a few inside, the last
	printf 'block %d' "$off" | dd of=low/sparse bs=4096 seek="$off" conv=notrunc status=none
done
sync -f low/sparse
low_before=$(tree_snapshot low)
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"

# Prints the extent lines of filefrag -v FILE and its "N extents found" count.
extents() {
	local out
	out=$(filefrag -v "$1" 2>&1) || fail "filefrag -v $1 failed: $out"
	[[ $out != *unsupported* && $out == *"ext:"* ]] ||
		fail "filefrag -v $1 did not use FIEMAP: $out"
	printf '%s\n' "$out" | awk '/^ *[0-9]+:/ { print } / extents? found/ { print $(NF - 2), $(NF - 1) }'
}

# Compares SEEK_DATA/SEEK_HOLE from every 4 KiB offset (and past the end) on two files.
same_seeks() {
	python3 - "$1" "$2" <<'PY'
import errno, os, sys
a, b = sys.argv[1], sys.argv[2]

def answers(path):
    fd = os.open(path, os.O_RDONLY)
    size = os.fstat(fd).st_size
    out = []
    for off in list(range(0, size, 4096)) + [size - 1, size, size + 4096]:
        for whence in (os.SEEK_DATA, os.SEEK_HOLE):
            try:
                out.append((off, whence, os.lseek(fd, off, whence)))
            except OSError as e:
                out.append((off, whence, errno.errorcode[e.errno]))
    os.close(fd)
    return out

ra, rb = answers(a), answers(b)
for x, y in zip(ra, rb):
    if x != y:
        sys.exit("FAIL: lseek(%d, %s): %s on %s, %s on %s" % (
            x[0], "SEEK_DATA" if x[1] == os.SEEK_DATA else "SEEK_HOLE", x[2], a, y[2], b))
assert len(ra) == len(rb), (len(ra), len(rb))
assert any(x[2] == "ENXIO" for x in ra), "no ENXIO past the end?"
PY
}

step "a file on the read-only branch: its extents and seeks"
e_low=$(extents low/sparse)
e_u=$(extents u/sparse)
[[ -n $e_low ]] || fail "no extents for low/sparse"
assert_eq "$e_low" "$e_u" "filefrag -v extents of u/sparse (on the read-only branch)"
same_seeks u/sparse low/sparse
assert_tree up "lost+found/"

step "copied up: the copy's extents and seeks"
: >>u/sparse
assert_tree up "lost+found/ sparse"
sync u/sparse
e_up=$(extents up/sparse)
e_u=$(extents u/sparse)
assert_eq "$e_up" "$e_u" "filefrag -v extents of u/sparse (copied up)"
same_seeks u/sparse up/sparse
cmp u/sparse low/sparse

step "a sparse file written through the union"
python3 - "$W/u/new" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY, 0o644)
os.pwrite(fd, os.urandom(65536), 0)
os.pwrite(fd, os.urandom(8192), 1 << 20)
os.pwrite(fd, b"tail", (3 << 20) + 10)
os.ftruncate(fd, 4 << 20)
os.fsync(fd)
os.close(fd)
PY
e_up=$(extents up/new)
e_u=$(extents u/new)
[[ $(printf '%s\n' "$e_u" | grep -c '^ *[0-9]*:') -ge 3 ]] || fail "filefrag -v u/new shows fewer than 3 extents: $e_u"
assert_eq "$e_up" "$e_u" "filefrag -v extents of u/new"
same_seeks u/new up/new

umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"

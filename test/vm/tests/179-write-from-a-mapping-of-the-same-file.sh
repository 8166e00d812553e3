#!/bin/bash
# timeout: 240
# write(2) and pwrite(2) whose buffer is a shared mapping of the same union
# file complete (no deadlock between the write's locks and the page faults
# on its own buffer) and write the right bytes, on ext4 and on XFS branches
# (XFS takes the inode's I/O lock for reads too), on a file created through
# the union and on one copied up: with the mapping's pages already faulted
# in, dirty, not yet faulted in (the first touch happens inside the write),
# in the same page as the destination, read-only, and extending the file.
# Also read(2) into a mapping of the same file. Each step runs under a
# watchdog that shows where a hung process sleeps, well before the kernel's
# hung-task report (a deadlocked process stays in D state after the test).
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
PAGES=16

# guarded SECS WHAT CMD...: runs CMD; fails if it has not finished after
# SECS seconds, printing its state and kernel stacks.
guarded() {
	local secs=$1 what=$2 pid t end=$((SECONDS + $1))
	shift 2
	"$@" &
	pid=$!
	while ((SECONDS < end)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" || fail "$what failed (status $?)"
			return 0
		fi
		sleep 0.2
	done
	{
		echo "FAIL: $what did not finish in $secs s (a deadlock?)"
		for t in /proc/"$pid"/task/*; do
			grep -h '^State' "$t/status" || true
			echo "wchan: $(cat "$t/wchan" 2>/dev/null)"
			cat "$t/stack" 2>/dev/null || true
		done
	} >&2
	kill -9 "$pid" 2>/dev/null || true
	exit 1
}

cat >wfm.py <<'PY'
import mmap, os, sys
path, branch_path, pages = sys.argv[1], sys.argv[2], int(sys.argv[3])
PG = mmap.PAGESIZE
SIZE = pages * PG

def case(what):
    print("  " + what, flush=True)

fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)    # copies a lower file up
if os.fstat(fd).st_size == 0:
    os.write(fd, os.urandom(SIZE))
want = bytearray(os.pread(fd, SIZE, 0))
assert len(want) == SIZE, len(want)

def put(off, data):
    want[off:off + len(data)] = data

case("faulted-in mapping as the buffer of pwrite and write")
m = mmap.mmap(fd, SIZE, mmap.MAP_SHARED)
assert m[:] == want
with memoryview(m) as mv:
    src = bytes(want[0:2 * PG])
    assert os.pwrite(fd, mv[0:2 * PG], 8 * PG) == 2 * PG
    put(8 * PG, src)
    src = bytes(want[PG:PG + 3000])
    os.lseek(fd, 12 * PG + 100, os.SEEK_SET)
    assert os.write(fd, mv[PG:PG + 3000]) == 3000
    put(12 * PG + 100, src)
    case("dirty mapped pages as the buffer")
    mv[3 * PG:3 * PG + 11] = b"dirty bytes"
    put(3 * PG, b"dirty bytes")
    src = bytes(want[3 * PG:4 * PG])
    assert os.pwrite(fd, mv[3 * PG:4 * PG], 5 * PG) == PG
    put(5 * PG, src)
    case("source and destination in the same page")
    src = bytes(want[6 * PG:6 * PG + 1000])
    assert os.pwrite(fd, mv[6 * PG:6 * PG + 1000], 6 * PG + 2000) == 1000
    put(6 * PG + 2000, src)
m.close()
assert os.pread(fd, SIZE, 0) == want, "content after writes from a faulted-in mapping"

case("fresh mapping: the first touch is inside pwrite")
m = mmap.mmap(fd, SIZE, mmap.MAP_SHARED)
with memoryview(m) as mv:
    src = bytes(want[10 * PG:12 * PG])
    assert os.pwrite(fd, mv[10 * PG:12 * PG], 2 * PG) == 2 * PG
    put(2 * PG, src)
m.close()
case("fresh mapping: the first touch is inside write, across the whole file")
m = mmap.mmap(fd, SIZE, mmap.MAP_SHARED)
with memoryview(m) as mv:
    src = bytes(want)
    os.lseek(fd, 0, os.SEEK_SET)
    assert os.write(fd, mv[:]) == SIZE          # each page onto itself
m.close()
assert os.pread(fd, SIZE, 0) == want, "content after writes from fresh mappings"

case("fresh read-only mapping of a read-only descriptor")
r = os.open(path, os.O_RDONLY)
m = mmap.mmap(r, SIZE, mmap.MAP_SHARED, mmap.PROT_READ)
with memoryview(m) as mv:
    src = bytes(want[13 * PG:15 * PG])
    assert os.pwrite(fd, mv[13 * PG:15 * PG], 4 * PG) == 2 * PG
    put(4 * PG, src)
m.close()
os.close(r)

case("fresh mapping as the buffer of a write that extends the file")
m = mmap.mmap(fd, SIZE, mmap.MAP_SHARED)
with memoryview(m) as mv:
    src = bytes(want[0:3 * PG])
    assert os.pwrite(fd, mv[0:3 * PG], SIZE + 500) == 3 * PG
    want += bytes(500) + src
m.close()

case("read(2) into a fresh mapping of the same file")
m = mmap.mmap(fd, SIZE, mmap.MAP_SHARED)
with memoryview(m) as mv:
    src = bytes(want[SIZE - 2 * PG:SIZE])
    assert os.preadv(fd, [mv[7 * PG:9 * PG]], SIZE - 2 * PG) == 2 * PG
    put(7 * PG, src)
m.close()

have = os.pread(fd, len(want) + 10, 0)
assert have == want, "content through the union: %d bytes, expected %d, first difference at %s" % (
    len(have), len(want), next((i for i in range(min(len(have), len(want))) if have[i] != want[i]), "the end"))
os.close(fd)
with open(branch_path, "rb") as f:
    assert f.read() == want, "content of the branch file " + branch_path
PY

for fs in ext4 xfs; do
	step "$fs branches"
	if [[ $fs == ext4 ]]; then
		mkbranch_ext4 "$fs-up" 32M
		mkbranch_ext4 "$fs-low" 16M
	else
		mkbranch_xfs "$fs-up" 300M
		mkbranch_xfs "$fs-low" 300M
	fi
	head -c $((PAGES * 4096)) /dev/urandom >"$fs-low/low"
	low_before=$(tree_snapshot "$fs-low")
	mkdir -p "u-$fs"
	mount -t unionfs -o "dirs=$W/$fs-up:$W/$fs-low=ro" none "$W/u-$fs"
	for f in new low; do
		echo "$f (on $fs):"
		guarded 30 "writes from a mapping of $fs/$f" python3 wfm.py "$W/u-$fs/$f" "$W/$fs-up/$f" "$PAGES"
	done
	umount "u-$fs"
	assert_eq "$low_before" "$(tree_snapshot "$fs-low")" "the read-only $fs branch"
done

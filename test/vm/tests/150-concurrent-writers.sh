#!/bin/bash
# timeout: 480
# Concurrent writers on one union (progs/concurrent.py): first, groups of
# processes append to the same read-only-branch file at the same moment (it
# is copied up once: no append is lost); then six processes create, write,
# rename, link, unlink, mkdir and rmdir overlapping names for 60 s in a union
# of two writable ext4 branches over a read-only one. Only errors that races
# explain are allowed, no process may hang, and afterwards every listed name
# resolves, no .wh. name or copyup temporary is left, a fresh mount shows the
# same tree, and the read-only branch is unchanged. The runner then checks
# the kernel log and unloads the module.
#
# Longer (5 minutes): test/vm/run --append ufs_long=1 150
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
seconds=$(run_length 60 300)
# Renames nest directories ever deeper and mkdir keeps adding new ones: in
# 300 s the workload alone uses ~16k inodes, all a 64 MiB ext4 has.
size=$(run_length 64M 256M)
mkbranch_ext4 top "$size"
mkbranch_ext4 mid "$size"
mkbranch_ext4 low 64M
rmdir top/lost+found mid/lost+found
mkdir -p mid/d0/d1 mid/d1 low/d0 low/d1/d2 low/d2 low/race u
for n in n0 n1 n2 n3; do
	head -c 20000 /dev/urandom >mid/d0/$n
	head -c 30000 /dev/urandom >low/d1/$n
	head -c 5000 /dev/urandom >low/$n
done
races=()
for i in {0..11}; do
	head -c 65536 /dev/urandom >"low/race/f$i"
	races+=("race/f$i")
done
low_before=$(tree_snapshot low)
mount -t unionfs -o "dirs=$W/top:$W/mid:$W/low=ro" none "$W/u"

python3 "${UFS_VM:?}/progs/concurrent.py" --union "$W/u" --writable "$W/top,$W/mid" \
	--race-files "$(IFS=,; echo "${races[*]}")" --writers 4 --workers 6 --seconds "$seconds"

step "a fresh mount shows the same tree"
view() { (cd "$W/u" && find . -printf '%p %y %s %m\n' | LC_ALL=C sort && find . -type f -exec cksum {} + | LC_ALL=C sort); }
before=$(view)
umount u
mount -t unionfs -o "dirs=$W/top:$W/mid:$W/low=ro" none "$W/u"
assert_eq "$before" "$(view)" "the union after a remount"
umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"

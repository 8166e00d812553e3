#!/bin/bash
# timeout: 240
# A rename that has to copy a big file of the read-only branch (the copy
# happens inside the rename, under its locks) holds no lock that work in
# another directory needs: creates, a mkdir, an unlink and a file rename
# there finish while the copy runs. The copy is kept running by holding the
# read-only branch's disk I/O (dm suspend) before it starts, with only the
# file's first 8 MiB in the page cache: it copies those and then waits for
# the disk, so the test does not race the copy (holding the disk once the
# copy had begun lost that race under TCG with 4 vCPUs: the copy ended
# first). Work that waited for the copy would never finish while the hold
# lasts. Before namespace_rwsem, one union-wide mutex made all
# of it wait for the copy (doc/design.md, "Writing").
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
big_mib=64
mkbranch_tmpfs up 160m
mkbranch_ext4_holdable low 128M
mkdir -p low/big-dir low/other u
echo old >low/other/old
echo old2 >low/other/old2
head -c $((big_mib << 20)) /dev/urandom >low/big-dir/big
low_sum=$(md5sum <low/big-dir/big)
low_before=$(tree_snapshot low)
mount -o remount,ro low	# a held branch then has no writes to queue
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"
# The big file's data must come from the disk; what the work in u/other
# reads of the branch (its directory, the file it renames) is cached.
echo 3 >/proc/sys/vm/drop_caches
ls u/other >/dev/null
cat u/other/old u/other/old2 >/dev/null
dd if=low/big-dir/big of=/dev/null bs=1M count=8 status=none
ls low/big-dir >/dev/null

step "a rename copying ${big_mib} MiB, work in another directory"
used_kib() { df -k --output=used "$1" | tail -n 1 | tr -d ' '; }
copied_kib() { echo $(( $(used_kib up) - base )); }
base=$(used_kib up)
branch_io_hold low
( mv u/big-dir/big u/big-dir/moved && echo done >"$W/mv-done" ) &
mover=$!
for _ in $(seq 600); do
	(( $(copied_kib) > 4096 )) && break
	sleep 0.05
done
if (( $(copied_kib) <= 4096 )); then
	branch_io_release low
	fail "the copy did not start"
fi
( for i in 1 2 3 4 5 6 7 8; do echo "$i" >"u/other/new$i"; done ) &
w1=$!
mkdir u/other/newdir &
w2=$!
mv u/other/old2 u/other/renamed &
w3=$!
rm u/other/old &
w4=$!
if ! exit_within 120 "$w1" "$w2" "$w3" "$w4"; then
	copied=$(copied_kib)
	branch_io_release low
	fail "the work in u/other waited for the rename's copy (${copied} KiB copied; a lock held over the copy)"
fi
kill -0 "$mover" 2>/dev/null ||
	fail "the rename ended while the branch was held (the test proved nothing)"
copied=$(copied_kib)
(( copied < (big_mib << 10) )) || fail "the whole file was copied while the branch was held"
branch_io_release low
for p in "$w1" "$w2" "$w3" "$w4" "$mover"; do wait "$p"; done
assert_eq done "$(cat "$W/mv-done")" "the rename"
assert_listing u/other "new1 new2 new3 new4 new5 new6 new7 new8 newdir renamed"

step "the rename is whole"
assert_listing u/big-dir "moved"
assert_eq "$low_sum" "$(md5sum <u/big-dir/moved)" "the moved file's data"

umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"

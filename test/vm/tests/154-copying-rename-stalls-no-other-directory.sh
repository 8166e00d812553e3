#!/bin/bash
# timeout: 240
# A rename that has to copy a big file of the read-only branch (the copy
# happens inside the rename, under its locks) holds no lock that work in
# another directory needs: creates, a mkdir, an unlink and a file rename
# there finish while the copy runs (measured by how much of it is copied
# when they are done, not by wall time). Before namespace_rwsem, one union-wide
# mutex made all of them wait for the copy (doc/design.md, "Writing").
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
mkbranch_tmpfs up 420m
mkbranch_tmpfs low 220m
mkdir -p low/big-dir low/other u
echo old >low/other/old
echo old2 >low/other/old2
head -c $((192 << 20)) /dev/urandom >low/big-dir/big
low_sum=$(md5sum <low/big-dir/big)
low_before=$(tree_snapshot low)
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"
ls u/other >/dev/null

step "a rename copying 192 MiB, work in another directory"
used_kib() { df -k --output=used "$1" | tail -n 1 | tr -d ' '; }
copied_kib() { echo $(( $(used_kib up) - base )); }
base=$(used_kib up)
( mv u/big-dir/big u/big-dir/moved && echo done >"$W/mv-done" ) &
mover=$!
for _ in $(seq 600); do
	(( $(copied_kib) > 16384 )) && break
	sleep 0.05
done
(( $(copied_kib) > 16384 )) || fail "the copy did not start"
# The work runs in four processes at once, so the time it takes does not
# depend on how slow one process is; what it must not do is wait for the
# copy: when it is done, less than 90% of the 192 MiB may be copied.
( for i in 1 2 3 4 5 6 7 8; do echo "$i" >"u/other/new$i"; done ) &
w1=$!
mkdir u/other/newdir &
w2=$!
mv u/other/old2 u/other/renamed &
w3=$!
rm u/other/old &
w4=$!
wait "$w1" "$w2" "$w3" "$w4"
copied=$(copied_kib)
(( copied < (192 << 10) * 9 / 10 )) ||
	fail "the work in u/other finished only after the rename's copy (${copied} KiB copied by then; a lock held over the copy)"
wait "$mover"
assert_eq done "$(cat "$W/mv-done")" "the rename"
assert_listing u/other "new1 new2 new3 new4 new5 new6 new7 new8 newdir renamed"

step "the rename is whole"
assert_listing u/big-dir "moved"
assert_eq "$low_sum" "$(md5sum <u/big-dir/moved)" "the moved file's data"

umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"

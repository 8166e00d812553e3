#!/bin/bash
# timeout: 240
# A big copyup holds no lock that work in other directories needs: while a
# file of the read-only branch is copied up (a one-byte append), creates, a
# mkdir and a rename in another directory finish, and a second appender of
# the same file waits for the first copy and copies nothing again (one copy,
# both bytes there). The copy is kept running by holding the read-only
# branch's disk I/O (dm suspend) before it starts, with only the file's first
# 8 MiB in the page cache: it copies those and then waits for the disk, so
# the test does not race it (as test 154 does): work that waited for the
# copy would never finish while the hold lasts.
# The copy's data and fsync run before the namespace lock is taken; only
# naming the finished copy happens under it (doc/design.md, "Locking").
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
big_mib=64
mkbranch_tmpfs up 160m
mkbranch_ext4_holdable low 128M
mkdir -p low/big-dir low/other u
head -c $((big_mib << 20)) /dev/urandom >low/big-dir/big
low_sum=$(md5sum <low/big-dir/big)
low_before=$(tree_snapshot low)
mount -o remount,ro low	# a held branch then has no writes to queue
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"
# The big file's data must come from the disk; the directory the work in
# u/other needs is cached.
echo 3 >/proc/sys/vm/drop_caches
ls u/other >/dev/null
dd if=low/big-dir/big of=/dev/null bs=1M count=8 status=none
ls low/big-dir >/dev/null

step "a copyup in progress, work in another directory"
used_kib() { df -k --output=used "$1" | tail -n 1 | tr -d ' '; }
copied_kib() { echo $(( $(used_kib up) - base )); }
base=$(used_kib up)
branch_io_hold low
( printf 'A' >>u/big-dir/big && echo done >"$W/first-done" ) &
first=$!
for _ in $(seq 600); do
	(( $(copied_kib) > 4096 )) && break
	sleep 0.05
done
if (( $(copied_kib) <= 4096 )); then
	branch_io_release low
	fail "the copyup did not start"
fi
( printf 'B' >>u/big-dir/big && echo done >"$W/second-done" ) &
second=$!
( for i in 1 2 3 4 5 6 7 8; do echo "$i" >"u/other/new$i"; done
  mkdir u/other/newdir
  mv u/other/new1 u/other/renamed ) &
work=$!
if ! exit_within 120 "$work"; then
	copied=$(copied_kib)
	branch_io_release low
	fail "the work in u/other waited for the copyup (${copied} KiB copied; a lock held over the copy)"
fi
kill -0 "$first" 2>/dev/null ||
	fail "the copyup ended while the branch was held (the test proved nothing)"
kill -0 "$second" 2>/dev/null || fail "the second appender did not wait for the first copy"
branch_io_release low
for p in "$work" "$first" "$second"; do wait "$p"; done
assert_eq "done done" "$(cat "$W/first-done") $(cat "$W/second-done")" "both appenders"
assert_listing u/other "new2 new3 new4 new5 new6 new7 new8 newdir renamed"

step "one copy, with both bytes"
size=$(stat -c %s up/big-dir/big)
assert_eq $(((big_mib << 20) + 2)) "$size" "size of the copy"
tail_bytes=$(tail -c 2 up/big-dir/big)
[[ $tail_bytes == AB || $tail_bytes == BA ]] || fail "last bytes of the copy: '$tail_bytes'"
assert_eq "$low_sum" "$(head -c $((big_mib << 20)) up/big-dir/big | md5sum)" "the copied data"
assert_eq "big" "$(ls -A up/big-dir)" "the copy's directory (no temporary left)"

umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"

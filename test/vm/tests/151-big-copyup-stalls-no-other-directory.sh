#!/bin/bash
# timeout: 240
# A big copyup holds no lock that work in other directories needs: while a
# 192 MiB file of the read-only branch is copied up (a one-byte append),
# creates, a mkdir and a rename in another directory finish before the
# copy does, and a second appender of the same file waits for the first
# copy and copies nothing again (one copy, both bytes there). The copy's
# data and fsync run before the namespace lock is taken; only naming the
# finished copy happens under it (doc/design.md, "Locking").
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
mkbranch_tmpfs up 420m
mkbranch_tmpfs low 220m
mkdir -p low/big-dir low/other u
head -c $((192 << 20)) /dev/urandom >low/big-dir/big
low_sum=$(md5sum <low/big-dir/big)
low_before=$(tree_snapshot low)
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"
ls u/other >/dev/null

step "a copyup in progress, work in another directory"
used_kib() { df -k --output=used "$1" | tail -n 1 | tr -d ' '; }
base=$(used_kib up)
( printf 'A' >>u/big-dir/big && echo done >"$W/first-done" ) &
first=$!
# Wait until the copy has written 16 MiB: the copyup is under way.
for _ in $(seq 600); do
	(( $(used_kib up) - base > 16384 )) && break
	sleep 0.05
done
(( $(used_kib up) - base > 16384 )) || fail "the copyup did not start"
( printf 'B' >>u/big-dir/big && echo done >"$W/second-done" ) &
second=$!
for i in 1 2 3 4 5 6 7 8; do echo "$i" >"u/other/new$i"; done
mkdir u/other/newdir
mv u/other/new1 u/other/renamed
[[ ! -e $W/first-done ]] ||
	fail "the work in u/other finished only after the copyup (a union-wide lock held over the copy)"
wait "$first"
wait "$second"
assert_eq "done done" "$(cat "$W/first-done") $(cat "$W/second-done")" "both appenders"
assert_listing u/other "new2 new3 new4 new5 new6 new7 new8 newdir renamed"

step "one copy, with both bytes"
size=$(stat -c %s up/big-dir/big)
assert_eq $(((192 << 20) + 2)) "$size" "size of the copy"
tail_bytes=$(tail -c 2 up/big-dir/big)
[[ $tail_bytes == AB || $tail_bytes == BA ]] || fail "last bytes of the copy: '$tail_bytes'"
assert_eq "$low_sum" "$(head -c $((192 << 20)) up/big-dir/big | md5sum)" "the copied data"
assert_eq "big" "$(ls -A up/big-dir)" "the copy's directory (no temporary left)"

umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"

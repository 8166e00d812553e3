#!/bin/bash
# timeout: 240
# Eight processes that write to the same 4 MiB file of a read-only branch at
# the same moment (they wait at a barrier, then open and write) get one
# copy between them (progs/copyup_race.py): with O_APPEND the copy holds
# the original bytes followed by all eight records, each exactly once; with
# O_RDWR and a pwrite each at its own offset, the original bytes with all
# eight ranges replaced. Three rounds of each, a fresh file every time.
# The writable branch then holds exactly the copied files (no other file
# of their directories, no copyup temporary), and the read-only branch is
# unchanged. Meant for 4 vCPUs (scripts/check.sh runs it with --smp 4).
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd python3

W=$PWD
race=${UFS_VM:?}/progs/copyup_race.py
rounds=3
mkbranch_ext4 up 96M
rmdir up/lost+found
mkbranch_tmpfs low 96m
mkdir u
expected=
for mode in append pwrite; do
	for r in $(seq "$rounds"); do
		d=$mode$r
		mkdir "low/$d"
		head -c $((4 << 20)) /dev/urandom >"low/$d/big"
		echo "not written" >"low/$d/other"
		expected+=" $d/ $d/big"
	done
done
low_before=$(tree_snapshot low)
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"

echo "vCPUs: $(nproc)"
for mode in append pwrite; do
	step "$rounds rounds of 8 concurrent first writes ($mode)"
	for r in $(seq "$rounds"); do
		python3 "$race" --file "$W/u/$mode$r/big" --mode "$mode" --writers 8 ||
			fail "round $r of $mode"
	done
done

step "the writable branch holds the copies and nothing else"
assert_tree up "$expected"
for mode in append pwrite; do
	for r in $(seq "$rounds"); do
		assert_file_content "u/$mode$r/other" "not written"
	done
done
assert_eq 0 "$(find up -name '.wh.__ufs_copyup*' | wc -l)" "copyup temporaries on the writable branch"
umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"

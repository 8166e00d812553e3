#!/bin/bash
# timeout: 3600
# Random file operations checked against a model (progs/fsx.c, in the spirit
# of xfstests' fsx): pread, pwrite, reads and writes through mappings (some
# kept open across the other operations), ftruncate, every fallocate mode,
# copy_file_range within a file and across two, O_DIRECT, splice, sendfile,
# fsync, fdatasync, reopening. Every read must match the model. Run on a file
# of the read-only lower branch (copied up at the read-write open) and on a
# fresh file made through the union, with ext4 and with XFS branches; first
# the same run on a plain ext4 file, so that a fault of the exerciser cannot
# pass for one of the union. The lower branches stay byte-identical, and the
# upper branch holds what the union showed.
#
# The seed is fixed and printed; another one: test/vm/run --append
# ufs_seed=N 175. With --append ufs_long=1 (make check-long) each run does
# 1,000,000 operations instead of 20,000.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
fsx=$(prog fsx)
seed=$(run_seed 175)
ops=$(run_length 20000 1000000)
# Files up to 64 KiB, operations up to 16 KiB: under TCG that costs half of
# fsx's usual 256 KiB and 64 KiB, and the operations overlap more. -c: the
# whole file against the model every 1000 operations too.
opts=(-S "$seed" -N "$ops" -l 65536 -o 16384 -d -c 1000)
echo "seed $seed, $ops operations per run: fsx ${opts[*]}"

# run NAME FILE FILE2: one exerciser run, timed.
run() {
	local name=$1 start=${EPOCHREALTIME/./} us
	step "$name"
	"$fsx" "${opts[@]}" -2 "$3" "$2" || fail "fsx on $name (seed $seed)"
	us=$((${EPOCHREALTIME/./} - start))
	printf '%s: %d.%02d s\n' "$name" $((us / 1000000)) $((us / 10000 % 100))
}

# The starting files of the lower branch (and of the plain run): seeded data.
mkdir start
"$fsx" -S "$seed" -g 50000 start/f
"$fsx" -S "$((seed + 1))" -g 40000 start/f2

# 4 KiB blocks. A small ext4 gets 1 KiB ones, where 6.1's ext4 itself loses
# data: "fsx -S 175 -d -w fsync=0 -w fdatasync=0 -2 f2 f" on a plain 64M ext4
# reads two blocks of zeros after the COLLAPSE_RANGE of operation 5924 (6.12
# does not).
mkbranch_ext4 ext4 600M
[[ $(stat -f -c %S ext4) == 4096 ]] || fail "ext4 has $(stat -f -c %S ext4)-byte blocks, not 4096"
mkdir ext4/plain
cp start/f start/f2 ext4/plain/
run "plain ext4, a file with content" ext4/plain/f ext4/plain/f2

# on FS: a union of $W/FS/up over $W/FS/low=ro
union_runs() {
	local fs=$1 low_before f
	mkdir -p "$fs/up" "$fs/low" "$fs/u"
	cp start/f start/f2 "$fs/low/"
	low_before=$(tree_snapshot "$fs/low")
	mount -t unionfs -o "dirs=$W/$fs/up:$W/$fs/low=ro" none "$W/$fs/u"
	run "union on $fs, a file of the read-only branch" "$fs/u/f" "$fs/u/f2"
	run "union on $fs, a file made through the union" "$fs/u/new" "$fs/u/new2"
	mkdir "$fs/seen"
	cp "$fs/u/f" "$fs/u/f2" "$fs/u/new" "$fs/u/new2" "$fs/seen/"
	umount "$W/$fs/u"
	assert_eq "$low_before" "$(tree_snapshot "$fs/low")" "the read-only branch on $fs"
	assert_tree "$fs/up" "f f2 new new2"
	for f in f f2 new new2; do
		cmp "$fs/seen/$f" "$fs/up/$f" || fail "$fs/up/$f is not what the union showed"
	done
}

union_runs ext4
mkbranch_xfs xfs 300M
union_runs xfs
echo "all of it: $SECONDS s"

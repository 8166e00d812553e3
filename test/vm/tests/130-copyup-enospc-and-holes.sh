#!/bin/bash
# Copyup is atomic and sparse-aware. Appending to a 4 MiB file of a
# read-only branch under a 1 MiB tmpfs fails with ENOSPC and leaves the
# writable branch exactly as it was: no partial copy, no copied-up parent,
# no leftover temporary (.wh.__ufs_copyup.*), no space held by an unlinked
# one; the union still shows the original file. Opening with O_TRUNC needs
# no room for the old data. A 100 MiB sparse file with a few written blocks
# is copied up with its holes (the copy takes a few blocks) and the same
# bytes. The read-only branch is never written.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
mkdir -p low/data u
head -c 4194304 /dev/urandom >low/data/big
echo "small" >low/data/small
truncate -s 100M low/sparse
for off in 0 1000 25000 102399; do # in KiB: the first block, a few inside, the last
	printf 'block at %d KiB' "$off" | dd of=low/sparse bs=1024 seek="$off" conv=notrunc status=none
done
low_before=$(tree_snapshot low)
big_sum=$(sha256sum <low/data/big)
mkbranch_tmpfs up 1m
free_before=$(stat -f -c %f up)
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"

step "append to a file too big for the writable branch"
expect_errno ENOSPC sh -c "echo x >>'$W/u/data/big'"
assert_tree up -
assert_eq "$free_before" "$(stat -f -c %f up)" "free blocks of the writable branch after the failed copyup"
assert_eq "$big_sum" "$(sha256sum <u/data/big)" "the file seen through the union"
assert_eq 4194304 "$(stat -c %s u/data/big)" "its size"
assert_listing u/data "big small"

step "a failed copyup leaves room for the next one"
echo "more" >>u/data/small
assert_file_content u/data/small $'small\nmore'
assert_tree up "data/ data/small"

step "truncating on open needs no room for the old data"
: >u/data/big
assert_eq 0 "$(stat -c %s u/data/big)" "size after O_TRUNC"
assert_tree up "data/ data/big data/small"
assert_eq 0 "$(stat -c %s up/data/big)" "size of the copy"
umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"

step "a sparse file keeps its holes"
umount up
mkbranch_tmpfs up 16m
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"
: >>u/sparse
assert_tree up "sparse"
assert_eq 104857600 "$(stat -c %s up/sparse)" "size of the copy"
used=$(du -k up/sparse | cut -f1)
[[ $used -le 64 ]] || fail "the copy of the sparse file takes ${used} KiB (du), expected at most 64"
cmp low/sparse up/sparse
cmp low/sparse u/sparse
echo "appended" >>u/sparse
assert_eq 104857609 "$(stat -c %s u/sparse)" "size after appending"
assert_eq "appended" "$(tail -c 9 u/sparse)" "the appended bytes"
umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"

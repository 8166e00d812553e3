#!/bin/bash
# The calls around writing pass through to the branch file: fsync and
# fdatasync (also of a directory), ftruncate, fallocate (allocating,
# keeping the size, punching a hole) on a new file and on one copied up from
# a read-only branch. statfs reports the highest-priority writable branch,
# also when a read-only branch sits above it, and follows its usage.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd fallocate

W=$PWD
mkbranch_tmpfs rotop 4m
mkbranch_tmpfs up 32m
mkbranch_tmpfs low 8m
mkdir -p up/d low/d u
echo "on the read-only top branch" >rotop/top.txt
head -c 300000 /dev/urandom >low/d/lower.bin
low_before=$(tree_snapshot low)
rotop_before=$(tree_snapshot rotop)
mount -t unionfs -o "dirs=$W/rotop=ro:$W/up:$W/low=ro" none "$W/u"

fsstat() { stat -f -c 'blocks %b size %S free %f files %c ffree %d' "$1"; }
step "statfs comes from the writable branch"
assert_eq "$(fsstat up)" "$(fsstat u)" "statfs of the union"

step "fsync, fdatasync, ftruncate"
python3 - "$W" <<'PY'
import os, sys
w = sys.argv[1]
fd = os.open(w + "/u/d/new", os.O_CREAT | os.O_RDWR, 0o644)
os.write(fd, b"x" * 10000)
os.fsync(fd)
os.fdatasync(fd)
os.ftruncate(fd, 4096)
assert os.fstat(fd).st_size == 4096, os.fstat(fd).st_size
os.close(fd)
d = os.open(w + "/u/d", os.O_RDONLY | os.O_DIRECTORY)
os.fsync(d)
os.close(d)
fd = os.open(w + "/u/d/lower.bin", os.O_RDWR)
os.ftruncate(fd, 1000)
os.fsync(fd)
os.close(fd)
PY
assert_tree up "d/ d/lower.bin d/new"
assert_eq "4096 1000" "$(stat -c %s up/d/new) $(stat -c %s up/d/lower.bin)" "sizes in the writable branch"
cmp -n 1000 low/d/lower.bin up/d/lower.bin

step "fallocate"
fallocate -l 4M u/d/new
assert_eq 4194304 "$(stat -c %s up/d/new)" "size after fallocate"
[[ $(du -k up/d/new | cut -f1) -ge 4096 ]] || fail "fallocate did not allocate: $(du -k up/d/new)"
assert_eq "$(fsstat up)" "$(fsstat u)" "statfs of the union after fallocate"
fallocate -n -o 4M -l 1M u/d/new
assert_eq 4194304 "$(stat -c %s u/d/new)" "size after fallocate --keep-size"
fallocate -p -o 0 -l 4M u/d/new
[[ $(du -k up/d/new | cut -f1) -le 1100 ]] || fail "punching a hole freed nothing: $(du -k up/d/new)"
assert_eq 0 "$(tr -d '\0' <u/d/new | wc -c)" "non-zero bytes after punching the whole file"
fallocate -l 2M u/d/lower.bin
assert_eq 2097152 "$(stat -c %s up/d/lower.bin)" "size of the copied-up file after fallocate"

umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the lower read-only branch"
assert_eq "$rotop_before" "$(tree_snapshot rotop)" "the upper read-only branch"

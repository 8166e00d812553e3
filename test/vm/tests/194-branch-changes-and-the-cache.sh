#!/bin/bash
# What a process already holds when the branches change: names looked up
# before (and kept in the kernel's cache) show the new layout at once, a
# directory that stays in the union stays usable as the current directory,
# an open file keeps its branch, an open directory lists the new layout
# after a rewind, and a removed branch on its own filesystem is released:
# the filesystem unmounts as soon as nothing uses what came from it, also
# after a shell sat in a directory that only that branch had (which reads
# as ESTALE meanwhile) and after the open file on it was closed.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_unionctl

W=$PWD
mkbranch_tmpfs base 16m
mkdir -p base/d u x
echo base-f >base/d/f
echo base-g >base/g
mount -t unionfs -o "dirs=$W/base" none "$W/u"

step "cached names show a branch added on top at once"
assert_file_content u/d/f base-f
assert_missing u/only-x
mkbranch_tmpfs x 16m
mkdir -p x/d x/xonly
echo x-f >x/d/f
echo x-only >x/only-x
echo x-in-xonly >x/xonly/h
"$uc" "$W/u" --add "$W/x"
assert_file_content u/d/f x-f
assert_file_content u/only-x x-only
assert_file_content u/g base-g
assert_listing u/d f

step "a directory kept across the change stays the current directory"
(
	cd u/d
	assert_file_content f x-f
	"$uc" "$W/u" --remove "$W/x"
	assert_file_content f base-f
	echo made-here >new
	[[ -f $W/base/d/new ]] || fail "a file made in the kept cwd is not on the base"
	"$uc" "$W/u" --add "$W/x"
	assert_file_content f x-f
)

step "an open file keeps its branch; an open directory lists the new layout after a rewind"
python3 - "$W/u" "$uc" <<'PY'
import os, subprocess, sys
u, uc = sys.argv[1], sys.argv[2]
fd = os.open(u + "/g", os.O_RDONLY)            # on the base
d = os.open(u, os.O_RDONLY | os.O_DIRECTORY)
before = sorted(os.listdir(d))
assert "only-x" in before, before
subprocess.run([uc, u, "--mode", os.path.dirname(u) + "/base", "ro"], check=True)
assert os.pread(fd, 100, 0) == b"base-g\n"
os.lseek(d, 0, os.SEEK_SET)
assert sorted(os.listdir(d)) == before
subprocess.run([uc, u, "--mode", os.path.dirname(u) + "/base", "rw"], check=True)
os.close(fd)
os.close(d)
PY

step "a shell in a directory only the removed branch had gets ESTALE, then lets go"
(
	cd u/xonly
	exec 5<"$W/u/only-x"
	assert_file_content h x-in-xonly
	expect_errno "1 file is open on it" "$uc" "$W/u" --remove "$W/x"
	exec 5<&-
	"$uc" "$W/u" --remove "$W/x" || fail "removing the branch once its file was closed"
	expect_errno ESTALE cat h
	expect_errno ESTALE touch new-in-gone-dir
)
# Before any new lookup could drop what the shell left behind.
step "the removed branch's filesystem unmounts"
umount "$W/x" || fail "the removed branch's filesystem is still busy"
assert_missing u/xonly
assert_missing u/only-x
assert_file_content u/d/f base-f
assert_eq $'\t'"$W/base (rw-)" "$("$uc" "$W/u" --list)" "branches at the end"
umount u

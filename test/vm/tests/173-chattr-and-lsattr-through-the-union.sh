#!/bin/bash
# The inode flags of chattr(1)/lsattr(1) (FS_IOC_GETFLAGS/SETFLAGS, fileattr)
# pass through to the branch file. lsattr of a union file or directory shows
# its branch object's flags without copying it up. chattr +a on a file of the
# read-only branch copies it up first and sets append-only on the copy only;
# the union then enforces it: appending works, truncating (echo x >f,
# truncate) and unlinking fail with EPERM, until chattr -a clears it. The
# same on a file created through the union. As root, on ext4 branches.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd chattr lsattr

W=$PWD
mkbranch_ext4 up 32M
mkbranch_ext4 low 16M
mkdir -p u low/d
echo lower >low/f
echo "in d" >low/d/g
chattr +d low/d/g # no-dump: a flag of the lower file, to see it shown
low_before=$(tree_snapshot low)
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"

# Prints the flags field of lsattr -d PATH; fails the test if lsattr fails.
flags() {
	local out
	out=$(lsattr -d "$1" 2>&1) || fail "lsattr -d $1: $out"
	printf '%s\n' "${out%% *}"
}
has_flag() { [[ $2 == *"$1"* ]]; }

step "lsattr of files and directories shows their branch object's flags"
fl=$(flags low/f)
fu=$(flags u/f)
assert_eq "$fl" "$fu" "lsattr of u/f (still on the read-only branch)"
fl=$(flags low/d/g)
fu=$(flags u/d/g)
has_flag d "$fl" || fail "chattr +d on the lower branch file did not take: $fl"
assert_eq "$fl" "$fu" "lsattr of u/d/g"
fl=$(flags low/d)
fu=$(flags u/d)
assert_eq "$fl" "$fu" "lsattr -d of the directory u/d (on the read-only branch)"
fl=$(flags up)
fu=$(flags u)
assert_eq "$fl" "$fu" "lsattr -d of the union's root"
assert_tree up "lost+found/"

append_only_rules() {
	local f=$1 up_f=$2 before
	before=$(cat "$f")
	echo appended >>"$f"
	assert_file_content "$f" "$before"$'\nappended'
	expect_errno EPERM sh -c "echo x >'$f'"
	expect_errno EPERM truncate -s 0 "$f"
	expect_errno EPERM rm -f "$f"
	expect_errno EPERM mv "$f" "$f.moved"
	assert_file_content "$f" "$before"$'\nappended'
	assert_file_content "$up_f" "$before"$'\nappended'
}

step "chattr +a on a file of the read-only branch copies it up"
chattr +a u/f
assert_tree up "lost+found/ f"
fup=$(flags up/f)
flow=$(flags low/f)
fu=$(flags u/f)
has_flag a "$fup" || fail "chattr +a u/f: the copy up/f has flags $fup, no 'a'"
! has_flag a "$flow" || fail "chattr +a u/f set 'a' on the read-only branch's file: $flow"
assert_eq "$fup" "$fu" "lsattr of u/f after chattr +a"
append_only_rules u/f up/f

step "chattr -a clears it"
chattr -a u/f
fup=$(flags up/f)
fu=$(flags u/f)
! has_flag a "$fup" || fail "chattr -a u/f left up/f with $fup"
assert_eq "$fup" "$fu" "lsattr of u/f after chattr -a"
echo x >u/f
assert_file_content u/f x

step "the same on a file created through the union"
echo new >u/new
chattr +a u/new
fup=$(flags up/new)
fu=$(flags u/new)
has_flag a "$fup" || fail "chattr +a u/new: up/new has flags $fup, no 'a'"
assert_eq "$fup" "$fu" "lsattr of u/new after chattr +a"
append_only_rules u/new up/new
chattr -a u/new
! has_flag a "$(flags up/new)" || fail "chattr -a u/new left 'a' on up/new"
rm u/new
assert_tree up "lost+found/ f"

umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"

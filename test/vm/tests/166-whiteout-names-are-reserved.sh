#!/bin/bash
# Names beginning with .wh. are the union's (doc/design.md: never visible,
# never created through the union), for root and for nobody alike: a .wh.
# name present on a branch gives ENOENT to stat and unlink and is not
# listed; creating one (touch, mkdir, mkfifo, symlink, link, rename to it,
# also .wh.__dir_opaque and .wh..wh..opq) fails with EPERM, the module's
# answer (core create/link/rename: is_hidden_name). nobody gets the same
# answers in a 1777 directory, where it may create other names. No refusal
# changes a branch.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd setpriv

W=$PWD
chmod 755 "$W"
fsop=$(prog fsop)
mkbranch_tmpfs up
mkbranch_tmpfs low
mkdir low/tmp
chmod 1777 low/tmp
for d in low low/tmp; do
	touch "$d/.wh.x"
	echo file >"$d/f"
done
chown 65534:65534 low/tmp/f
mkdir u
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"
up_before=$(branch_state up)
low_before=$(branch_state low)

# names WHO DIR: the answers for WHO (root or nobody) in DIR of the union.
names() {
	local who=$1 d=$W/u/$2 run=()
	[[ $who == root ]] || run=(as_nobody)
	assert_eq "f" "$("${run[@]}" ls -A "$d" | grep -v '^tmp$' | paste -sd' ')" "what $who lists in $d"
	expect_errno ENOENT "${run[@]}" stat "$d/.wh.x"
	expect_errno ENOENT "${run[@]}" "$fsop" unlink "$d/.wh.x"
	expect_errno ENOENT "${run[@]}" cat "$d/.wh.x"
	expect_errno EPERM "${run[@]}" touch "$d/.wh.y"
	expect_errno EPERM "${run[@]}" "$fsop" create "$d/.wh.x"
	expect_errno EPERM "${run[@]}" "$fsop" mkdir "$d/.wh.d"
	expect_errno EPERM "${run[@]}" "$fsop" mkdir "$d/.wh.__dir_opaque"
	expect_errno EPERM "${run[@]}" "$fsop" create "$d/.wh..wh..opq"
	expect_errno EPERM "${run[@]}" "$fsop" mkfifo "$d/.wh.p"
	expect_errno EPERM "${run[@]}" "$fsop" symlink f "$d/.wh.s"
	expect_errno EPERM "${run[@]}" "$fsop" link "$d/f" "$d/.wh.l"
	expect_errno EPERM "${run[@]}" "$fsop" rename "$d/f" "$d/.wh.f"
	expect_errno EPERM "${run[@]}" "$fsop" rename "$d/f" "$d/.wh.x"
	assert_eq "$up_before" "$(branch_state up)" "the writable branch after $who's .wh. calls in $d"
}

step "root, at the top"
names root .
step "root, in the sticky directory"
names root tmp
step "nobody, in the sticky directory"
names nobody tmp
step "nobody, at the top (stat and unlink only: the directory is root's)"
expect_errno ENOENT as_nobody stat u/.wh.x
expect_errno ENOENT as_nobody "$fsop" unlink u/.wh.x
expect_errno EACCES as_nobody touch u/.wh.y
assert_eq "$up_before" "$(branch_state up)" "the writable branch"

step "nobody may create other names in the sticky directory"
as_nobody touch u/tmp/mine
assert_eq "65534:65534" "$(stat -c %u:%g up/tmp/mine)" "owner of nobody's new file"
umount u
assert_eq "$low_before" "$(branch_state low)" "the read-only branch"

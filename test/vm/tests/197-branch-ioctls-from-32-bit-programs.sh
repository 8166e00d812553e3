#!/bin/bash
# The branch-management ioctls work unchanged for 32-bit programs on the
# 64-bit kernel (fixed-width fields, no pointers, compat_ptr_ioctl):
# branchctl built with -m32 lists, adds, re-modes, queries and removes
# branches, its expected generation is honoured (ESTALE), and it sees the
# same answers as the 64-bit build.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
bc32=${UFS_PROGS:?}/branchctl-m32
[[ -x $bc32 ]] || skip "no 32-bit branchctl: the host lacks gcc -m32 (gcc-multilib)"
file "$bc32" | grep -q "ELF 32-bit" || fail "$bc32 is not a 32-bit program"
bc=$(prog branchctl)

W=$PWD
mkbranch_tmpfs br 16m
mkdir -p br/a br/b br/c u
echo in-a >br/a/f
echo in-b >br/b/f
mount -t unionfs -o "dirs=$W/br/a:$W/br/b=ro" none "$W/u"

step "list: the same answer as the 64-bit build"
list=$("$bc32" "$W/u" list)
assert_eq "$("$bc" "$W/u" list)" "$list" "32-bit and 64-bit listings"
gen=$(sed -n '2s/.*generation=//p' <<<"$list")
assert_eq "OK" "$(sed -n 1p <<<"$list")" "listing status"
assert_eq "count=2 generation=$gen" "$(sed -n 2p <<<"$list")" "listing header"
[[ $gen -ge 1 ]] || fail "generation '$gen' is not a number from 1 up"

step "add with the expected generation, then with a stale one"
assert_eq "OK" "$("$bc32" "$W/u" add "$W/br/c" 2 ro "$gen" | head -n1)" "add at the bottom"
out=$("$bc32" "$W/u" add "$W/br/c" 0 rw "$gen" 2>&1 || true)
[[ $out == ESTALE* ]] || fail "a stale generation: expected ESTALE, got: $out"

step "mode, query, del"
assert_eq "OK" "$("$bc32" "$W/u" mode 1 rw | head -n1)" "mode of branch 1"
assert_eq "count=3 branches=0,1" "$("$bc32" "$W/u/f" query | sed -n 2p)" "query of f"
assert_eq "$("$bc" "$W/u/f" query)" "$("$bc32" "$W/u/f" query)" "32-bit and 64-bit query"
assert_eq "OK" "$("$bc32" "$W/u" del 2 | head -n1)" "del of branch 2"
assert_eq "count=2" "$("$bc32" "$W/u" list | sed -n 2p | cut -d' ' -f1)" "branches left"
assert_eq "$W/br/a=rw:$W/br/b=rw" "$(mount_options "$W/u" | sed 's/.*dirs=//; s/,.*//')" \
	"dirs= after the 32-bit changes"
umount u

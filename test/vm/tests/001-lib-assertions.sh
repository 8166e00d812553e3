#!/bin/bash
# lib.sh's assertions report expected and actual values and fail the test;
# the cleanup trap unmounts everything a test left under its directory.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"

# Runs a snippet that uses lib.sh in its own test directory; prints its
# output and exit status.
run_snippet() {
	local dir
	dir=$(mktemp -d "$PWD/snip.XXXXXX")
	(cd "$dir" && UFS_WORKDIR=$dir bash -c ". \"\$UFS_LIB\"; $1" 2>&1; echo "status $?")
}

out=$(run_snippet 'assert_eq apple pear "fruit"')
assert_eq "FAIL: fruit
  expected: 'apple'
  actual:   'pear'
status 1" "$out" "assert_eq report"

out=$(run_snippet 'mkdir d; touch d/b d/a; assert_listing d "a b"; echo listed')
assert_eq "listed
status 0" "$out" "assert_listing on a match"

out=$(run_snippet 'mkdir d; touch d/b d/c; assert_listing d "a b"')
assert_eq "FAIL: listing of d
  expected: 'a b'
  actual:   'b c'
status 1" "$out" "assert_listing report"

out=$(run_snippet 'expect_errno ENOENT cat /nonexistent; echo matched')
assert_eq "matched
status 0" "$out" "expect_errno on a match"

out=$(run_snippet 'expect_errno EROFS true')
assert_eq "FAIL: 'true' succeeded, expected it to fail with EROFS (Read-only file system)
status 1" "$out" "expect_errno on success"

out=$(run_snippet 'skip "no reason at all"')
assert_eq "no reason at all
status 77" "$out" "skip"

# Mounts left behind are unmounted, innermost first, when the snippet exits.
out=$(run_snippet 'mkbranch_tmpfs a; mkbranch_tmpfs a/b; echo mounted')
assert_eq "mounted
status 0" "$out" "cleanup of nested mounts"
assert_eq "" "$(awk -v d="$PWD/snip" 'index($2, d) == 1' /proc/self/mounts)" "mounts left by the snippets"

dmesg_mark
echo "ufs-test: a kernel message" >/dev/kmsg
assert_eq "ufs-test: a kernel message" "$(dmesg_since_mark)" "dmesg_since_mark"

out=$(run_snippet 'mkdir -p t/d; : >t/d/.wh.x; ln -s nowhere t/l; mkfifo t/p; echo f >t/f; assert_tree t "f d/ d/.wh.x l@ p|"; assert_tree t/d/.. "d/.wh.x f l@ p| d/"; echo tree')
assert_eq "tree
status 0" "$out" "assert_tree on a match"

out=$(run_snippet 'mkdir -p t/d e; echo f >t/f; assert_tree e -; assert_tree t "d/ f g"')
assert_eq "FAIL: names in t
  expected: 'd/ f g'
  actual:   'd/ f'
status 1" "$out" "assert_tree report"

# shellcheck disable=SC2016 # expanded in the snippet
out=$(run_snippet 'mkdir t; echo f >t/f; a=$(tree_snapshot t); [[ $a == "$(tree_snapshot t)" ]] || fail same; chmod 600 t/f; [[ $a != "$(tree_snapshot t)" ]] || fail mode; echo snap')
assert_eq "snap
status 0" "$out" "tree_snapshot sees a mode change"

#!/bin/bash
# Invalid options and branches are refused with EINVAL, through mount(2) and
# through fsopen/fsconfig, with a message that names the problem (in the
# kernel log for mount(2); in the fs_context log or the kernel log for
# fsconfig), and never an oops. A good mount still works afterwards.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
try_mount=$(prog try-mount)
mkdir -p a/sub b c mnt u
echo "not a directory" >file
echo hello >b/hello

# refuse WHAT OPTIONS TOKEN: mount(2) and fsconfig both fail with EINVAL, and
# a unionfs message containing TOKEN (an extended regex) explains why.
refuse() {
	local what=$1 opts=$2 token=$3 out msgs
	step "$what: -o $opts"
	dmesg_mark
	out=$("$try_mount" unionfs "$W/mnt" "$opts" || true)
	assert_eq EINVAL "$out" "mount(2) result for $what"
	msgs=$(dmesg_since_mark | grep -E '^unionfs: ' || true)
	[[ -n $msgs ]] || fail "$what: no 'unionfs: ...' message in the kernel log"
	grep -qE "$token" <<<"$msgs" || fail "$what: the message does not name the problem ($token): $msgs"

	dmesg_mark
	out=$("$try_mount" --fsconfig unionfs "$opts" || true)
	assert_eq EINVAL "$(head -n 1 <<<"$out")" "fsconfig result for $what"
	msgs=$(tail -n +2 <<<"$out"; dmesg_since_mark)
	grep -E 'unionfs: ' <<<"$msgs" | grep -qE "$token" ||
		fail "$what (fsconfig): no unionfs message naming the problem ($token): $msgs"
	assert_eq "" "$(mount_type "$W/mnt")" "anything mounted on mnt after $what"
}

refuse "unknown option" "dirs=$W/a:$W/b,frobnicate" "frobnicate"
refuse "empty dirs=" "dirs=" "dirs|branch"
refuse "no dirs at all" "ro" "dirs|branch"
refuse "empty branch" "dirs=$W/a::$W/b" "dirs|branch|empty"
refuse "missing branch" "dirs=$W/a:$W/nonexistent" "$W/nonexistent"
refuse "branch is a regular file" "dirs=$W/a:$W/file" "$W/file"
refuse "overlapping branches" "dirs=$W/a:$W/a/sub" "$W/a"
refuse "overlapping branches, the other way" "dirs=$W/a/sub:$W/a" "$W/a"
refuse "the same branch twice" "dirs=$W/a:$W/b:$W/a" "$W/a"
refuse "unknown branch mode" "dirs=$W/a=xyzzy:$W/b" "xyzzy"
refuse "unknown delete= value" "dirs=$W/a:$W/b,delete=plugh" "plugh"

step "a unionfs mount as a branch"
mount -t unionfs -o "dirs=$W/a:$W/b" none "$W/u"
refuse "a union as a branch" "dirs=$W/u:$W/c" "$W/u"
refuse "a directory inside a union as a branch" "dirs=$W/c:$W/u/sub" "$W/u"
umount "$W/u"

step "mount(8) exits non-zero"
if mount -t unionfs -o "dirs=$W/a:$W/nonexistent" none "$W/mnt" 2>/dev/null; then
	fail "mount(8) accepted a missing branch"
fi

step "a good mount still works"
mount -t unionfs -o "dirs=$W/a:$W/b" none "$W/mnt"
assert_file_content mnt/hello hello
umount mnt

#!/bin/bash
# Copyup is the mounter's work and must neither grant nor drop anything: a
# setuid (4755) file of uid 1000 gid 1000 with a user.* and a trusted.*
# xattr, a POSIX ACL and a file capability (security.capability), copied up
# by root opening it for appending without writing, keeps owner, group,
# mode (setuid too), mtime, the ACL, the xattrs and the capability. Then a
# write by a non-root user who may write (uid 1001, gid 1000, the ACL's
# group entry made rwx) clears the setuid bit and drops the capability,
# exactly as the same sequence does on a plain ext4 file. Branches are ext4
# (6.1's tmpfs has no user.* xattrs).
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd setpriv setfattr getfattr setfacl getfacl

W=$PWD
chmod 755 "$W"
have_caps=1
if ! command -v setcap >/dev/null || ! command -v getcap >/dev/null; then
	have_caps=
	echo "NOTE: setcap/getcap (libcap2-bin) are not installed: the file capability is not checked"
fi
mkbranch_ext4 up 16M
mkbranch_ext4 low 16M
mkbranch_ext4 plain 16M
rmdir up/lost+found
for d in low plain; do
	printf '#!/bin/sh\necho setuid program\n' >"$d/f"
	chown 1000:1000 "$d/f"
	chmod 4755 "$d/f"
	setfattr -n user.u -v uval "$d/f"
	setfattr -n trusted.t -v tval "$d/f"
	setfacl -m u:1234:r "$d/f"
	[[ -z $have_caps ]] || setcap cap_net_raw+ep "$d/f"
	touch -d '2011-02-03 04:05:06' "$d/f"
done
chmod 0755 low plain
mkdir u
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"
low_before=$(branch_state low)

# Everything copyup must keep, and a write may change, of a file (but the
# union's own record on a copy, trusted.unionfs.origin: doc/design.md).
attrs() {
	stat -c 'mode %a owner %u:%g size %s' "$1"
	getfattr -d -m - -e hex --absolute-names "$1" | grep -v -e '^# file' -e '^trusted\.unionfs\.' |
		grep . | LC_ALL=C sort
	getfacl -c -p "$1" 2>/dev/null
	[[ -z $have_caps ]] || echo "caps: $(getcap "$1" | sed 's/^[^ ]* //')"
}

step "the file before copyup"
attrs low/f
[[ -z $have_caps ]] || assert_eq "cap_net_raw=ep" "$(getcap low/f | sed 's/^[^ ]* //')" "the lower file's capability"

step "copyup by root opening for append, nothing written"
: >>u/f
: >>plain/f
assert_tree up "f"
assert_eq "$(attrs low/f)" "$(attrs up/f)" "attributes of the copy"
assert_eq "$(stat -c %Y low/f)" "$(stat -c %Y up/f)" "mtime of the copy"
assert_eq "$(attrs low/f)" "$(attrs u/f)" "attributes through the union"
cmp low/f up/f

step "a write by uid 1001 gid 1000 clears setuid and drops the capability, as on plain ext4"
for f in plain/f u/f; do
	setfacl -m g::rwx,m::rwx "$f"
done
assert_eq "$(attrs plain/f)" "$(attrs up/f)" "the copy after the ACL change, against the plain file"
for f in plain/f u/f; do
	as_user 1001 1000 sh -c "echo 'echo appended' >>'$W/$f'"
done
attrs plain/f
assert_eq "$(attrs plain/f)" "$(attrs up/f)" "the copy after the write, against the plain file"
assert_eq "$(attrs plain/f)" "$(attrs u/f)" "the union file after the write, against the plain file"
[[ $(stat -c %a plain/f) != 4* ]] || fail "the reference write on plain ext4 kept the setuid bit"
assert_eq "$(cat plain/f)" "$(cat u/f)" "contents after the write"

umount u
assert_eq "$low_before" "$(branch_state low)" "the read-only branch"

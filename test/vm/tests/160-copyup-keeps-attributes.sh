#!/bin/bash
# Changing the attributes of an object of a read-only branch copies it up and
# then applies the change; the copy keeps everything else: contents, mode,
# owner, timestamps, the other user.* xattrs and the POSIX ACL, and the
# attributes of its parent directories. setfattr/setfattr -x, chmod, chown
# and touch -d on files; a FIFO, a character device and a symlink keep their
# type, device number and target. getfattr alone copies nothing up. An
# immutable or append-only file (chattr on the ext4 lower branch) is not
# copied up to be changed: EPERM, nothing written. The read-only branch is
# never written. Both branches are ext4 (tmpfs of 6.1 has no user.* xattrs).
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd setfattr getfattr setfacl getfacl chattr

W=$PWD
mkbranch_ext4 low 16M
mkbranch_ext4 up 16M
rmdir up/lost+found
mkdir -p low/dir u
for f in xa xr ch co ti imm app; do
	echo "contents of $f" >low/dir/$f
done
chown -R 1234:5678 low/dir
chmod 0750 low/dir
chmod 0640 low/dir/xa low/dir/xr low/dir/co low/dir/ti
setfattr -n user.a -v one low/dir/xa
setfattr -n user.b -v two low/dir/xa
setfacl -m u:4321:r low/dir/xa
setfattr -n user.a -v one low/dir/xr
setfattr -n user.b -v two low/dir/xr
setfattr -n user.dir -v yes low/dir
mkfifo -m 0644 low/dir/fifo
mknod -m 0600 low/dir/null c 1 3
ln -s "../somewhere/else" low/dir/link
chown -h 1234:5678 low/dir/link low/dir/fifo
touch -h -d '2010-01-02 03:04:05' low/dir/* low/dir
chattr +i low/dir/imm
chattr +a low/dir/app
on_exit chattr -i -a "$W/low/dir/imm" "$W/low/dir/app"
low_before=$(tree_snapshot low)

# stat fields compared between the lower object and its copy.
attrs() { stat -c '%F %a %u:%g %s %t:%T %Y' "$1"; }
# xattrs as a file has them, without the union's own records on a branch
# copy (trusted.unionfs.origin and .impure: doc/design.md, "Inodes").
xattrs() {
	getfattr -h -d -m - --absolute-names "$1" 2>/dev/null |
		grep -v -e '^# file' -e '^trusted\.unionfs\.' | LC_ALL=C sort
}

mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"

step "reading xattrs copies nothing up"
assert_eq $'user.a="one"\nuser.b="two"' "$(getfattr -d -m '^user\.' --absolute-names u/dir/xa | grep '^user' | sort)" \
	"user xattrs of dir/xa through the union"
assert_tree up -

step "setfattr copies up and keeps the other xattrs and the ACL"
setfattr -n user.c -v three u/dir/xa
assert_tree up "dir/ dir/xa"
assert_eq "$(attrs low/dir/xa)" "$(attrs up/dir/xa)" "attributes of the copy of dir/xa"
assert_eq "$(stat -c '%a %u:%g' low/dir)" "$(stat -c '%a %u:%g' up/dir)" "mode and owner of the copied-up directory"
assert_eq "$(xattrs low/dir)" "$(xattrs up/dir)" "xattrs of the copied-up directory"
getfattr -n trusted.unionfs.origin up/dir/xa >/dev/null || fail "the copy of dir/xa has no origin record"
assert_eq "" "$(getfattr -d -m '^trusted\.unionfs\.' --absolute-names u/dir u/dir/xa 2>&1)" \
	"the union's own records, seen through the union"
assert_eq "$(xattrs low/dir/xa)"$'\nuser.c="three"' "$(xattrs up/dir/xa)" "xattrs of the copy"
assert_eq "$(getfacl -c low/dir/xa)" "$(getfacl -c u/dir/xa)" "ACL through the union"
assert_eq "contents of xa" "$(cat up/dir/xa)" "contents of the copy"
assert_eq 'user.c="three"' "$(getfattr -n user.c --absolute-names u/dir/xa | grep '^user')" "user.c through the union"

step "setfattr -x copies up and removes only that one"
setfattr -x user.a u/dir/xr
assert_eq 'user.b="two"' "$(xattrs up/dir/xr | grep '^user')" "user xattrs of the copy of dir/xr"
assert_eq 'user.b="two"' "$(getfattr -d -m '^user\.' --absolute-names u/dir/xr | grep '^user')" \
	"user xattrs of dir/xr through the union"

step "chmod, chown, touch -d"
chmod 0604 u/dir/ch
chown 42:43 u/dir/co
touch -d '2001-02-03 04:05:06' u/dir/ti
assert_eq "regular file 604 1234:5678 $(stat -c '%s 0:0 %Y' low/dir/ch)" "$(attrs up/dir/ch)" "dir/ch after chmod"
assert_eq "regular file 640 42:43 $(stat -c '%s 0:0 %Y' low/dir/co)" "$(attrs up/dir/co)" "dir/co after chown"
assert_eq "regular file 640 1234:5678 $(stat -c %s low/dir/ti) 0:0 $(date -d '2001-02-03 04:05:06' +%s)" \
	"$(attrs up/dir/ti)" "dir/ti after touch -d"
for f in ch co ti; do
	assert_eq "contents of $f" "$(cat up/dir/$f)" "contents of the copy of dir/$f"
done

step "special files and symlinks"
chmod 0600 u/dir/fifo
chmod 0666 u/dir/null
touch -h -d '2002-03-04 05:06:07' u/dir/link
chown -h 7:8 u/dir/fifo
assert_eq "fifo 600 7:8 0 0:0 $(stat -c %Y low/dir/fifo)" "$(attrs up/dir/fifo)" "the FIFO's copy"
assert_eq "character special file 666 0:0 0 1:3 $(stat -c %Y low/dir/null)" "$(attrs up/dir/null)" "the device's copy"
assert_eq "symbolic link" "$(stat -c %F up/dir/link)" "type of the symlink's copy"
assert_eq "../somewhere/else" "$(readlink up/dir/link)" "target of the symlink's copy"
assert_eq "1234:5678 $(date -d '2002-03-04 05:06:07' +%s)" "$(stat -c '%u:%g %Y' up/dir/link)" \
	"owner and mtime of the symlink's copy"
assert_eq "../somewhere/else" "$(readlink u/dir/link)" "target through the union"

step "immutable and append-only files are not copied up"
expect_errno EPERM sh -c "echo more >>'$W/u/dir/imm'"
expect_errno EPERM chmod 0600 u/dir/imm
expect_errno EPERM setfattr -n user.x -v 1 u/dir/imm
expect_errno EPERM rm u/dir/imm
expect_errno EPERM sh -c "echo more >>'$W/u/dir/app'"
expect_errno EPERM touch -d @0 u/dir/app
assert_eq "contents of imm" "$(cat u/dir/imm)" "dir/imm through the union"

umount u
assert_tree up "dir/ dir/ch dir/co dir/fifo| dir/link@ dir/null% dir/ti dir/xa dir/xr"
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"

#!/bin/bash
# This release is read-only: the union's superblock is mounted read-only, so
# every change through it fails with EROFS, whatever the branch modes, and the
# branches stay exactly as they were. Reading still works.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_unionfs

W=$PWD
mkdir -p a/dir a/emptydir b/bdir u
echo "in a" >a/file
echo "in b" >b/bfile
echo "in both, a" >a/both
echo "in both, b" >b/both
ln -s file a/link

# Everything about the branches that a write could change.
snapshot() {
	(cd "$W" && find a b -printf '%p %y %s %m %u:%g %T@ %l\n' | LC_ALL=C sort &&
		find a b -type f -exec sha256sum {} + | LC_ALL=C sort)
}
before=$(snapshot)

mount -t unionfs -o "dirs=$W/a:$W/b=ro" none "$W/u"
assert_eq ro "$(mount_options "$W/u" | cut -d, -f1)" "first mount option in /proc/mounts"
assert_file_content u/both "in both, a"
assert_file_content u/bfile "in b"

step "creating"
expect_errno EROFS touch u/newfile
expect_errno EROFS mkdir u/newdir
expect_errno EROFS mkfifo u/fifo
expect_errno EROFS ln -s file u/newlink
expect_errno EROFS ln u/file u/hardlink
expect_errno EROFS sh -c "echo new >$W/u/dir/new"
step "writing existing files"
expect_errno EROFS sh -c "echo overwrite >$W/u/file"
expect_errno EROFS sh -c "echo append >>$W/u/bfile"
expect_errno EROFS truncate -s 0 u/file
expect_errno EROFS python3 -c "import os; os.open('$W/u/bfile', os.O_RDWR)"
step "removing and renaming"
expect_errno EROFS rm u/file
expect_errno EROFS rm u/bfile
expect_errno EROFS rm u/both
expect_errno EROFS rmdir u/emptydir
expect_errno EROFS mv u/file u/renamed
expect_errno EROFS mv u/dir u/bdir/moved
step "changing attributes"
expect_errno EROFS chmod 0600 u/file
expect_errno EROFS chown 1234 u/bfile
expect_errno EROFS touch -m -d @0 u/file
expect_errno EROFS setfattr -n user.test -v 1 u/file
expect_errno EROFS setfacl -m u:1234:r u/bfile

umount u
assert_eq "$before" "$(snapshot)" "the branches after the attempted writes"
assert_listing a "both dir emptydir file link"
assert_listing b "bdir bfile both"

#!/bin/bash
# Writes need a writable branch. A union whose branches are all read-only
# (=ro) answers every change (new files, directories, FIFOs, sockets,
# symlinks and hard links; writing, truncating, removing, renaming; modes,
# owners, times, ACLs) with EROFS and leaves the branches as they were.
# The same branches with the first one writable take the same changes: they
# all land in that branch (copied up, whited out), the read-only branch stays
# byte for byte as it was, and the union shows the result.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_unionfs

W=$PWD
fsop=$(prog fsop)
mksock=(python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])')
mkdir -p a/dir a/emptydir b/bdir u
echo "in a" >a/file
echo "in b" >b/bfile
echo "in both, a" >a/both
echo "in both, b" >b/both
echo "in bdir" >b/bdir/inside
ln -s file a/link
snap_a=$(tree_snapshot a)
snap_b=$(tree_snapshot b)

step "all branches read-only"
mount -t unionfs -o "dirs=$W/a=ro:$W/b=ro" none "$W/u"
assert_file_content u/both "in both, a"
assert_file_content u/bfile "in b"
expect_errno EROFS touch u/newfile
expect_errno EROFS mkdir u/newdir
expect_errno EROFS mkfifo u/fifo
expect_errno EROFS "${mksock[@]}" u/sock
expect_errno EROFS ln -s file u/newlink
expect_errno EROFS ln u/file u/hardlink
expect_errno EROFS sh -c "echo new >$W/u/dir/new"
expect_errno EROFS sh -c "echo overwrite >$W/u/file"
expect_errno EROFS sh -c "echo append >>$W/u/bfile"
expect_errno EROFS truncate -s 0 u/file
expect_errno EROFS python3 -c "import os; os.open('$W/u/bfile', os.O_RDWR)"
expect_errno EROFS rm u/file
expect_errno EROFS rm u/bfile
expect_errno EROFS rm u/both
expect_errno EROFS rmdir u/emptydir
expect_errno EROFS "$fsop" rename u/file u/renamed
expect_errno EROFS "$fsop" rename u/dir u/bdir/moved
expect_errno EROFS chmod 0600 u/file
expect_errno EROFS chown 1234 u/bfile
expect_errno EROFS touch -m -d @0 u/file
expect_errno EROFS setfacl -m u:1234:r u/bfile
umount u
assert_eq "$snap_a" "$(tree_snapshot a)" "branch a after the refused writes"
assert_eq "$snap_b" "$(tree_snapshot b)" "branch b after the refused writes"

if is_fake; then
	echo "(--fake-overlay: the writable union is not checked)"
	exit 0
fi

step "first branch writable"
mount -t unionfs -o "dirs=$W/a:$W/b=ro" none "$W/u"
touch u/newfile
mkdir u/newdir
mkfifo u/fifo
"${mksock[@]}" u/sock
ln -s file u/newlink
ln u/file u/hardlink
echo new >u/dir/new
echo overwrite >u/file
echo append >>u/bfile
truncate -s 0 u/both
"$fsop" rename u/bdir u/moved
chmod 0600 u/newfile
chown 1234:5678 u/newdir
touch -m -d @1000000000 u/dir/new
rm u/newlink
rmdir u/emptydir

assert_listing u "bfile both dir fifo file hardlink link moved newdir newfile sock"
assert_file_content u/file overwrite
assert_file_content u/hardlink overwrite
assert_eq 2 "$(stat -c %h u/file)" "link count of file"
assert_file_content u/bfile $'in b\nappend'
assert_eq 0 "$(stat -c %s u/both)" "size of the truncated file"
assert_file_content u/moved/inside "in bdir"
assert_file_content u/dir/new new
assert_eq "fifo 600 1234:5678 1000000000" \
	"$(stat -c %F u/fifo) $(stat -c %a u/newfile) $(stat -c %u:%g u/newdir) $(stat -c %Y u/dir/new)" \
	"type of fifo, mode of newfile, owner of newdir, mtime of dir/new"
assert_eq socket "$(stat -c %F u/sock)" "type of sock"
umount u

assert_tree a ".wh.bdir bfile both dir/ dir/new fifo| file hardlink link@ moved/ moved/inside newdir/ newfile sock="
assert_eq "$snap_b" "$(tree_snapshot b)" "the read-only branch b after the writes"
assert_file_content a/bfile $'in b\nappend'
assert_eq "600 1234:5678 0" "$(stat -c %a a/newfile) $(stat -c %u:%g a/newdir) $(stat -c %s a/.wh.bdir)" \
	"mode of a/newfile, owner of a/newdir, size of the whiteout"

step "the changes persist across a remount"
mount -t unionfs -o "dirs=$W/a:$W/b=ro" none "$W/u"
assert_listing u "bfile both dir fifo file hardlink link moved newdir newfile sock"
assert_file_content u/bfile $'in b\nappend'

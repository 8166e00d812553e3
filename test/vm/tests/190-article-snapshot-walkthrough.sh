#!/bin/bash
# The article's snapshot walkthrough with unionctl, step by step, checking
# where every change physically lands:
#  1. a union over one read-write branch (the article's /usr, here an ext4
#     image of its own): changes land in it;
#  2. unionctl --add /snaps/0 (on top): a new file or directory at the
#     union's root lands in /snaps/0, a new file in a subdirectory that
#     only the base has still lands in the base, a base file is still
#     changed in place, and a file open before the add keeps writing to
#     the base;
#  3. unionctl --mode /usr ro: from now on every change lands in /snaps/0
#     (new files with their parent directories, copies of changed files,
#     whiteouts for deleted and renamed ones); the base stays as it was;
#  4. unionctl --add /snaps/1 and --mode /snaps/0 ro: nothing visible
#     changes; from then on changes land in /snaps/1 and /snaps/0 stays;
#  5. the snapshot "base + snaps/0" through a separate -o ro union shows
#     exactly the union as it was at the end of step 3, while the live
#     union goes on; the live union's branches, mounted afresh from
#     /proc/mounts' dirs=, show what the live union showed.
# Every step bumps the union's generation.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd mkfs.ext4
require_unionctl

W=$PWD
bc=$(prog branchctl)
on_exit close_test_fds
T=$'\t'
mkbranch_ext4 usr 32M
rmdir usr/lost+found
mkbranch_tmpfs snaps 32m
mkdir -p snaps/0 snaps/1 mnt/usr mnt/snap0
(
	cd usr
	mkdir -p bin lib share/doc share/man local
	echo "ls 1.0" >bin/ls
	echo "cat 1.0" >bin/cat
	echo "vi 1.0" >bin/vi
	echo "libc 2.36" >lib/libc.so.6
	echo "read me" >share/doc/README
	echo "ls manual" >share/man/ls.1
)

generation() { "$bc" "$W/mnt/usr" list | sed -n 's/^count=.* generation=//p'; }
gen=0
# bumped WHAT: the generation went up since the last call.
bumped() {
	local g
	g=$(generation)
	[[ $g -gt $gen ]] || fail "$1 did not bump the generation ($gen, then $g)"
	gen=$g
}
# The view of a tree: every name with its type, mode and symlink target,
# and the checksum and size of every file (directory sizes left out).
view_of() {
	(cd "$1" && find . -mindepth 1 -printf '%P %y %m %l\n' | LC_ALL=C sort &&
		find . -type f -exec cksum {} + | LC_ALL=C sort -k 3)
}

step "1. a union over the single read-write branch /usr"
mount -t unionfs -o "dirs=$W/usr" none "$W/mnt/usr"
assert_eq "$T$W/usr (rw-)" "$("$uc" "$W/mnt/usr" --list)" "branches at the start"
echo "read me, edited" >mnt/usr/share/doc/README
assert_file_content usr/share/doc/README "read me, edited"
ls -R mnt/usr >/dev/null # everything in the dentry cache
gen=$(generation)
exec 8>>mnt/usr/lib/libc.so.6

step "2. unionctl --add /snaps/0: on top; new names at the root land there"
"$uc" "$W/mnt/usr" --add "$W/snaps/0"
bumped "--add /snaps/0"
assert_eq "$T$W/snaps/0 (rw-)
$T$W/usr (rw-)" "$("$uc" "$W/mnt/usr" --list)" "branches after --add /snaps/0"
echo "written through a descriptor opened before the add" >&8
exec 8>&-
echo "new at the root" >mnt/usr/rootfile
mkdir mnt/usr/newdir
echo inner >mnt/usr/newdir/inner
echo "new in bin" >mnt/usr/bin/tool
mkdir mnt/usr/share/newsub
echo "read me, edited twice" >mnt/usr/share/doc/README
assert_tree snaps/0 "newdir/ newdir/inner rootfile"
assert_tree usr "bin/ bin/cat bin/ls bin/tool bin/vi lib/ lib/libc.so.6 local/ share/ share/doc/
	share/doc/README share/man/ share/man/ls.1 share/newsub/"
assert_file_content usr/lib/libc.so.6 $'libc 2.36\nwritten through a descriptor opened before the add'
assert_file_content usr/share/doc/README "read me, edited twice"
assert_file_content usr/bin/tool "new in bin"
assert_file_content snaps/0/rootfile "new at the root"
assert_eq "mnt/usr/rootfile$T$W/snaps/0 (rw-)" "$("$uc" mnt/usr/rootfile --query)" "query rootfile"
assert_eq "mnt/usr/bin/tool$T$W/usr (rw-)" "$("$uc" mnt/usr/bin/tool --query)" "query bin/tool"

step "3. unionctl --mode /usr ro: every change lands in /snaps/0"
"$uc" "$W/mnt/usr" --mode "$W/usr" ro
bumped "--mode /usr ro"
assert_eq "$T$W/snaps/0 (rw-)
$T$W/usr (r--)" "$("$uc" "$W/mnt/usr" --list)" "branches after --mode /usr ro"
usr_frozen=$(tree_snapshot usr)
echo "ls 2.0" >mnt/usr/bin/ls
echo patched >>mnt/usr/lib/libc.so.6
rm mnt/usr/bin/cat
echo "new in bin, later" >mnt/usr/bin/tool2
chmod 0700 mnt/usr/bin/vi
echo "more at the root" >>mnt/usr/rootfile
mkdir mnt/usr/share/doc/html
echo "<html>" >mnt/usr/share/doc/html/index.html
mv mnt/usr/share/man/ls.1 mnt/usr/share/man/ls.1.old
assert_eq "$usr_frozen" "$(tree_snapshot usr)" "/usr after it was made read-only"
assert_tree snaps/0 "bin/ bin/.wh.cat bin/ls bin/tool2 bin/vi lib/ lib/libc.so.6 newdir/ newdir/inner
	rootfile share/ share/doc/ share/doc/html/ share/doc/html/index.html share/man/ share/man/.wh.ls.1
	share/man/ls.1.old"
assert_file_content snaps/0/bin/ls "ls 2.0"
assert_file_content usr/bin/ls "ls 1.0"
assert_file_content snaps/0/lib/libc.so.6 \
	$'libc 2.36\nwritten through a descriptor opened before the add\npatched'
assert_file_content snaps/0/bin/vi "vi 1.0"
assert_eq "700 644" "$(stat -c %a snaps/0/bin/vi) $(stat -c %a usr/bin/vi)" "modes of bin/vi in /snaps/0 and /usr"
assert_file_content snaps/0/rootfile $'new at the root\nmore at the root'
assert_file_content snaps/0/share/man/ls.1.old "ls manual"
assert_listing mnt/usr/bin "ls tool tool2 vi"
assert_listing mnt/usr/share/man "ls.1.old"
assert_eq "mnt/usr/bin/ls$T$W/snaps/0 (rw-)
mnt/usr/bin/ls$T$W/usr (r--)" "$("$uc" mnt/usr/bin/ls --query)" "query bin/ls"
view0=$(view_of mnt/usr)

step "4. a second snapshot: --add /snaps/1, --mode /snaps/0 ro"
"$uc" "$W/mnt/usr" --add "$W/snaps/1"
bumped "--add /snaps/1"
"$uc" "$W/mnt/usr" --mode "$W/snaps/0" ro
bumped "--mode /snaps/0 ro"
assert_eq "$T$W/snaps/1 (rw-)
$T$W/snaps/0 (r--)
$T$W/usr (r--)" "$("$uc" "$W/mnt/usr" --list)" "branches after the second snapshot"
assert_eq "$view0" "$(view_of mnt/usr)" "the union right after the second snapshot"
snap0_frozen=$(tree_snapshot snaps/0)
echo "ls 3.0" >mnt/usr/bin/ls
rm mnt/usr/rootfile
echo "new in bin, third" >>mnt/usr/bin/tool
echo "later at the root" >mnt/usr/later
assert_eq "$usr_frozen" "$(tree_snapshot usr)" "/usr during the second snapshot"
assert_eq "$snap0_frozen" "$(tree_snapshot snaps/0)" "/snaps/0 after it was made read-only"
assert_tree snaps/1 ".wh.rootfile bin/ bin/ls bin/tool later"
assert_file_content snaps/1/bin/ls "ls 3.0"
assert_file_content snaps/1/bin/tool $'new in bin\nnew in bin, third'
assert_file_content usr/bin/tool "new in bin"
view1=$(view_of mnt/usr)

step "5. the snapshot base + snaps/0 through a read-only union"
mount -t unionfs -o "ro,dirs=$W/snaps/0:$W/usr" none "$W/mnt/snap0"
assert_eq "$view0" "$(view_of mnt/snap0)" "the snapshot union against the union at the end of step 3"
assert_file_content mnt/snap0/bin/ls "ls 2.0"
assert_file_content mnt/snap0/rootfile $'new at the root\nmore at the root'
expect_errno EROFS touch mnt/snap0/x
expect_errno EROFS sh -c "echo x >>$W/mnt/snap0/bin/ls"
echo "after the snapshot was mounted" >mnt/usr/even-later
assert_missing mnt/snap0/even-later
assert_file_content snaps/1/even-later "after the snapshot was mounted"
view1=$(view_of mnt/usr)
umount mnt/snap0
assert_eq "$snap0_frozen" "$(tree_snapshot snaps/0)" "/snaps/0 after the snapshot union"
assert_eq "$usr_frozen" "$(tree_snapshot usr)" "/usr after the snapshot union"

step "the live union mounted afresh from its /proc/mounts line"
opts=$(mount_options "$W/mnt/usr")
dirs=${opts#*dirs=}
dirs=${dirs%%,*}
assert_eq "$W/snaps/1=rw:$W/snaps/0=ro:$W/usr=ro" "$dirs" "dirs= of the live union in /proc/mounts"
umount mnt/usr
mount -t unionfs -o "dirs=$dirs" none "$W/mnt/usr"
assert_eq "$view1" "$(view_of mnt/usr)" "the union mounted again"
umount mnt/usr

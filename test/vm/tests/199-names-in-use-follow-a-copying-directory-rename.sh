#!/bin/bash
# timeout: 180
# A directory rename that has to rebuild the directory on another branch
# (the new parent is opaque on a higher branch, or the directory is on the
# read-only branch) leaves its old lower tree behind. What was cached below
# the old name and could not be pruned - a shell's working directory, an open
# file - must not keep working on that tree: through the working directory a
# new file, an append, a mkdir, an rmdir and an unlink all act on what the
# union shows under the new name (before, the unlink oopsed on a NULL lower
# directory and the new file went into the hidden old tree). Files open
# before the rename follow the copies, as on a plain filesystem they are the
# same files: what is appended through one shows under the new name (before,
# it went to the object left behind), with the same inode number, and a file
# open for reading reads what was appended through the new name. A fresh
# mount shows the same tree and the read-only branch is unchanged.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
export LC_ALL=C

W=$PWD
mkbranch_tmpfs top 16m
mkbranch_tmpfs mid 16m
mkbranch_tmpfs low 16m
mkdir -p mid/X/sub top/P low/R/sub u
touch top/P/.wh.__dir_opaque	# P shows nothing of the branches below it
echo data >mid/X/c
echo kept >mid/X/sub/k
echo line1 >mid/X/log
echo lower >low/R/c
echo kept >low/R/sub/k
echo line1 >low/R/log
low_before=$(tree_snapshot low)
mount -t unionfs -o "dirs=$W/top:$W/mid:$W/low=ro" none "$W/u"

# work_in_moved OLD NEW: with a shell inside OLD/sub and OLD/c open, renames
# OLD to NEW, then works through the shell's directory.
work_in_moved() {
	local old=$1 new=$2 opened=$3
	step "$old -> $new with a working directory and an open file inside"
	cat "u/$old/c" >/dev/null
	exec 3<"u/$old/c"
	exec 4>>"u/$old/log"
	log_ino=$(stat -c %i "u/$old/log")
	cd "u/$old/sub"
	mv "$W/u/$old" "$W/u/$new"
	assert_missing "$W/u/$old"
	echo appended >&4
	assert_file_content "$W/u/$new/log" "line1
appended"
	assert_eq "$log_ino" "$(stat -c %i "$W/u/$new/log")" "log's inode number"
	exec 4>&-
	assert_eq "$(cat "$W/u/$new/sub/k")" "$(cat k)" "k read through the working directory"

	echo made >made_here
	assert_file_content "$W/u/$new/sub/made_here" made
	echo more >>../c
	assert_file_content "$W/u/$new/c" "$opened
more"
	mkdir dir_here
	assert_exists "$W/u/$new/sub/dir_here"
	rmdir dir_here
	assert_missing "$W/u/$new/sub/dir_here"
	rm k
	assert_listing "$W/u/$new/sub" "made_here"
	rm ../c
	assert_missing "$W/u/$new/c"
	assert_listing "$W/u/$new" "log sub"
	assert_eq "$opened
more" "$(cat <&3)" "the file opened for reading before the rename"
	exec 3<&-
	cd "$W"
}

# The new parent is opaque on top: X is copied from mid to top/P/X.
work_in_moved X P/X data
# R is on the read-only branch: it is copied up to its new name.
work_in_moved R R2 lower

step "a fresh mount shows the same tree"
view() { (cd "$W/u" && find . -printf '%p %y %s\n' | sort && find . -type f -exec cat {} +); }
before=$(view)
umount u
mount -t unionfs -o "dirs=$W/top:$W/mid:$W/low=ro" none "$W/u"
assert_eq "$before" "$(view)" "the union after a remount"
assert_eq "./P/X/sub/made_here" "$(cd u && find ./P/X -name made_here)" "made_here"
umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"

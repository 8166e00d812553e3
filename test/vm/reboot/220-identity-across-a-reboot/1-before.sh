#!/bin/bash
# First boot: a union of two disks (vda: the writable branch, vdb: the
# read-only one) gets a copyup, a rename of a read-only file, a hard link
# copied up, a directory renamed, a new file; the handles, inode numbers,
# readdir d_ino and link counts it shows are saved on vda (outside the
# branch) for 2-after.sh, which checks them after a reboot.
set -eu
# shellcheck source=../../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
fh=$(prog fhandle)
mount_disk vda d1
mount_disk vdb d2
mkdir -p d1/up d1/state d2/lo/d d2/lo/keep d2/lo/tree
echo lower-f >d2/lo/d/f
echo lower-m >d2/lo/d/m
echo lower-leaf >d2/lo/tree/leaf
echo linked >d2/lo/h1
ln d2/lo/h1 d2/lo/h2
mkdir u
mount -t unionfs -o "dirs=$W/d1/up:$W/d2/lo=ro" none "$W/u"

step "changes, and handles taken before them"
for n in d d/f d/m tree tree/leaf h1 h2 keep; do
	"$fh" save "u/$n" "d1/state/h.${n//\//_}"
done
echo more >>u/d/f
mv u/d/m u/d/m-renamed
echo x >>u/h1
mv u/tree u/tree-moved
echo new >u/d/new
"$fh" save u/d/new d1/state/h.d_new

step "what the union shows, saved"
{
	for n in d d/f d/m-renamed d/new h1 h2 keep tree-moved tree-moved/leaf; do
		echo "ino $n $(stat -c %i "u/$n")"
		echo "nlink $n $(stat -c %h "u/$n")"
	done
	ls -ai u/d | awk '$2 != "." && $2 != ".." { print "dino d/" $2, $1 }'
	ls -ai u | awk '$2 != "." && $2 != ".." { print "dino " $2, $1 }'
} >d1/state/expected
assert_eq "$(grep '^ino d/f ' d1/state/expected | cut -d' ' -f3)" \
	"$(grep '^dino d/f ' d1/state/expected | cut -d' ' -f3)" "d_ino of d/f in this boot"
assert_eq "$(grep '^ino h1 ' d1/state/expected | cut -d' ' -f3)" \
	"$(grep '^ino h2 ' d1/state/expected | cut -d' ' -f3)" "one number for h1 and h2"
umount u
umount d1 d2

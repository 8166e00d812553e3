#!/bin/bash
# What an NFS server relies on, checked locally with name_to_handle_at and
# open_by_handle_at (progs/fhandle.c): a handle keeps opening the same
# object after the caches are dropped, after the object is copied up (a
# handle taken before opens the copy), after a rename through the union
# (also of a file still on the read-only branch, copied to its new name,
# and into another directory, found by the records the rename left),
# and after an unmount and mount of the same branches; a removed object, a
# forged handle and another union's handle give ESTALE. And st_ino, which
# tar, rsync -H and NFS clients take for identity, stays what it was across
# copyup, dropped caches and a remount; readdir's d_ino agrees with it.
# The names of a hard-linked lower file stay one file across copyup (one
# number, one content, the right link count as names are copied or go).
# Branches are ext4 images, whose own handles outlive their caches.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
fh=$(prog fhandle)
mkbranch_ext4 up 32M
mkbranch_ext4 lo 32M
mkdir -p lo/d/sub lo/keep lo/gone
echo lower-f >lo/d/f
echo lower-g >lo/d/g
echo lower-r >lo/d/r
echo lower-m1 >lo/d/m1
echo lower-m2 >lo/d/m2
mkdir -p lo/tree/sub
echo lower-leaf >lo/tree/sub/leaf
echo doomed >lo/gone/x
echo linked >lo/h1
ln lo/h1 lo/h2
mkdir -p other
mkbranch_tmpfs other/b 8m
mkdir -p other/b/d
echo other >other/b/d/g

mount_union() { mount -t unionfs -o "dirs=$W/up:$W/lo=ro" none "$W/u"; }
remount_union() { umount "$W/u" && mount_union; }
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }
ino() { stat -c %i "$1"; }
# d_ino of NAME as readdir of DIR reports it.
dino() { ls -ai "$1" | awk -v n="$2" '$2 == n { print $1 }'; }

mkdir u
mount_union

step "handles of lower objects open them after the caches are dropped"
for n in d d/f d/g d/r d/sub keep gone/x; do
	"$fh" save "u/$n" "$W/h.${n//\//_}"
done
ino_f=$(ino u/d/f) ino_g=$(ino u/d/g) ino_d=$(ino u/d) ino_keep=$(ino u/keep)
drop_caches
assert_eq lower-f "$("$fh" cat "$W/u" "$W/h.d_f")" "d/f through its handle"
assert_eq "f g m1 m2 r sub" "$("$fh" cat "$W/u" "$W/h.d" | paste -sd' ')" "d through its handle"
assert_eq "$ino_f" "$("$fh" ino "$W/u" "$W/h.d_f")" "st_ino of d/f opened by handle"

step "copyup keeps st_ino, the handle taken before opens the copy"
echo more >>u/d/f
"$fh" append "$W/u" "$W/h.d_g" "+by-handle"	# copied up through the handle
touch u/d/new	# d itself is now also on the writable branch
assert_eq "lower-f more" "$(paste -sd' ' up/d/f)" "the copy on the writable branch"
assert_eq "lower-g +by-handle" "$(paste -sd' ' up/d/g)" "the copy made through the handle"
assert_eq "lower-g" "$(cat lo/d/g)" "the read-only branch"
assert_eq "$ino_f" "$(ino u/d/f)" "st_ino of d/f right after its copyup"
drop_caches
assert_eq "$ino_f" "$(ino u/d/f)" "st_ino of d/f after the caches were dropped"
assert_eq "$ino_g" "$(ino u/d/g)" "st_ino of d/g after the caches were dropped"
assert_eq "$ino_d" "$(ino u/d)" "st_ino of the copied-up directory d"
assert_eq "$ino_f" "$(dino u/d f)" "d_ino of d/f"
assert_eq "$ino_g" "$(dino u/d g)" "d_ino of d/g"
assert_eq "$ino_d" "$(dino u d)" "d_ino of d"
assert_eq "lower-f more" "$("$fh" cat "$W/u" "$W/h.d_f" | paste -sd' ')" \
	"a handle taken before the copyup opens the copy"
assert_eq "lower-g +by-handle" "$("$fh" cat "$W/u" "$W/h.d_g" | paste -sd' ')" "d/g by handle"
assert_eq "f g m1 m2 new r sub" "$("$fh" cat "$W/u" "$W/h.d" | paste -sd' ')" "d by handle"

step "a rename through the union keeps the handle and st_ino"
"$fh" save u/d/f "$W/h.copy"
mv u/d/f u/d/f-renamed
assert_eq "lower-f more" "$("$fh" cat "$W/u" "$W/h.copy" | paste -sd' ')" "handle, cached"
drop_caches
assert_eq "lower-f more" "$("$fh" cat "$W/u" "$W/h.copy" | paste -sd' ')" "handle, uncached"
assert_eq "$ino_f" "$(ino u/d/f-renamed)" "st_ino after the rename"

step "handles follow renames: files of the read-only branch, and across directories"
# m1 and m2 are still only on the read-only branch: a rename copies them to
# the new name and whites the old one out; n is a file of the writable
# branch. Once the caches are dropped, no handle is at its old path.
echo upper-n >u/d/n
for n in m1 m2 n; do "$fh" save "u/d/$n" "$W/h.$n"; done
ino_m1=$(ino u/d/m1) ino_m2=$(ino u/d/m2) ino_n=$(ino u/d/n)
mkdir u/moved
mv u/d/m1 u/d/m1-renamed
mv u/d/m2 u/moved/m2
mv u/d/n u/moved/n-renamed
drop_caches
assert_eq lower-m1 "$("$fh" cat "$W/u" "$W/h.m1")" "m1 renamed in its directory, by handle"
assert_eq lower-m2 "$("$fh" cat "$W/u" "$W/h.m2")" "m2 moved to another directory, by handle"
assert_eq upper-n "$("$fh" cat "$W/u" "$W/h.n")" "n moved to another directory, by handle"
assert_eq "$ino_m1 $ino_m2 $ino_n" "$(ino u/d/m1-renamed) $(ino u/moved/m2) $(ino u/moved/n-renamed)" \
	"st_ino of the renamed files"
assert_eq "$ino_m2" "$("$fh" ino "$W/u" "$W/h.m2")" "st_ino of m2 opened by handle"
assert_eq 1 "$(stat -c %h u/moved/m2)" "link count of a file copied by its rename"
"$fh" append "$W/u" "$W/h.m2" "+by-handle"
assert_eq "lower-m2 +by-handle" "$(paste -sd' ' u/moved/m2)" "a write through m2's handle"
# Renamed again, and its directory too.
mv u/moved/m2 u/moved/m2-again
mv u/moved u/moved-dir
drop_caches
assert_eq "lower-m2 +by-handle" "$("$fh" cat "$W/u" "$W/h.m2" | paste -sd' ')" \
	"m2 by handle after a second rename and its directory's"
assert_eq upper-n "$("$fh" cat "$W/u" "$W/h.n")" "n by handle after its directory's rename"
assert_eq lower-m2 "$(cat lo/d/m2)" "the read-only branch"
# A directory of the read-only branch renamed: copied with all below it.
"$fh" save u/tree "$W/h.tree"
"$fh" save u/tree/sub/leaf "$W/h.leaf"
ino_leaf=$(ino u/tree/sub/leaf)
mv u/tree u/d/tree-renamed
drop_caches
assert_eq sub "$("$fh" cat "$W/u" "$W/h.tree")" "a renamed lower directory by handle"
assert_eq lower-leaf "$("$fh" cat "$W/u" "$W/h.leaf")" "a file below it by handle"
assert_eq "$ino_leaf" "$("$fh" ino "$W/u" "$W/h.leaf")" "its st_ino by handle"
assert_eq "$ino_leaf" "$(ino u/d/tree-renamed/sub/leaf)" "its st_ino by name"

step "unmount and mount of the same branches"
remount_union
assert_eq "$ino_f" "$(ino u/d/f-renamed)" "st_ino of a copy after a remount"
assert_eq "$ino_g" "$(ino u/d/g)" "st_ino of d/g after a remount"
assert_eq "$ino_d" "$(ino u/d)" "st_ino of d after a remount"
assert_eq "$ino_keep" "$(ino u/keep)" "st_ino of a lower directory after a remount"
assert_eq "$ino_f" "$(dino u/d f-renamed)" "d_ino of the copy after a remount"
assert_eq "lower-f more" "$("$fh" cat "$W/u" "$W/h.copy" | paste -sd' ')" "handle across a remount"
assert_eq "lower-g +by-handle" "$("$fh" cat "$W/u" "$W/h.d_g" | paste -sd' ')" \
	"d/g by handle across a remount"
assert_eq "f-renamed g m1-renamed new r sub tree-renamed" "$("$fh" cat "$W/u" "$W/h.d" | paste -sd' ')" \
	"directory handle across a remount"
assert_eq "" "$("$fh" cat "$W/u" "$W/h.keep")" "an empty lower directory by handle"
assert_eq lower-m1 "$("$fh" cat "$W/u" "$W/h.m1")" "renamed m1 by handle across a remount"
assert_eq "lower-m2 +by-handle" "$("$fh" cat "$W/u" "$W/h.m2" | paste -sd' ')" \
	"renamed m2 by handle across a remount"
assert_eq upper-n "$("$fh" cat "$W/u" "$W/h.n")" "moved n by handle across a remount"
assert_eq "$ino_m2" "$(ino u/moved-dir/m2-again)" "st_ino of m2 across a remount"
assert_eq lower-leaf "$("$fh" cat "$W/u" "$W/h.leaf")" "a file of a renamed directory across a remount"

step "removed, whited out, forged and foreign handles are ESTALE"
rm u/d/r u/gone/x
expect_errno ESTALE "$fh" cat "$W/u" "$W/h.d_r"
expect_errno ESTALE "$fh" cat "$W/u" "$W/h.gone_x"
# A renamed file removed: its handles, followed through the records its
# renames left, find nothing (a new file at its name is another object).
rm u/d/m1-renamed u/moved-dir/n-renamed
echo new-m1 >u/d/m1-renamed
drop_caches
expect_errno ESTALE "$fh" cat "$W/u" "$W/h.m1"
expect_errno ESTALE "$fh" cat "$W/u" "$W/h.n"
drop_caches
expect_errno ESTALE "$fh" cat "$W/u" "$W/h.d_r"
expect_errno ESTALE "$fh" forge "$W/u" "$W/h.d_g"
mkdir u2
mount -t unionfs -o "dirs=$W/other/b" none "$W/u2"
expect_errno ESTALE "$fh" cat "$W/u2" "$W/h.d_g"
assert_eq "lower-g +by-handle" "$("$fh" cat "$W/u" "$W/h.d_g" | paste -sd' ')" \
	"still fine in its own union"
umount u2

step "names of one lower file stay one file across copyup"
# Both names are in the caches when one is copied up, as under tar or rsync.
ino_h=$(ino u/h1)
assert_eq "$ino_h" "$(ino u/h2)" "two names of one lower file, one number"
assert_eq "linked linked" "$(cat u/h1 u/h2 | paste -sd' ')" "both names before the copyup"
assert_eq "2 2" "$(stat -c %h u/h1 u/h2 | paste -sd' ')" "link counts before the copyup"
echo more >>u/h1
assert_eq "linked more" "$(paste -sd' ' u/h2)" "h2 reads what was written through h1"
assert_eq "$ino_h $ino_h" "$(stat -c %i u/h1 u/h2 | paste -sd' ')" "numbers after the copyup"
assert_eq "2 2" "$(stat -c %h u/h1 u/h2 | paste -sd' ')" "link counts after the copyup"
assert_eq "linked" "$(cat lo/h1)" "the read-only branch"
assert_missing up/h2	# only the name written to was copied
drop_caches
assert_eq "$ino_h $ino_h" "$(stat -c %i u/h1 u/h2 | paste -sd' ')" "numbers after dropped caches"
assert_eq "linked more" "$(paste -sd' ' u/h2)" "h2 after dropped caches"
echo most >>u/h2
assert_eq "$(stat -c %i up/h1)" "$(stat -c %i up/h2)" "h2's copy is a link of h1's"
assert_eq "linked more most" "$(paste -sd' ' u/h1)" "h1 reads what was written through h2"
remount_union
assert_eq "$ino_h $ino_h" "$(stat -c %i u/h1 u/h2 | paste -sd' ')" "numbers after a remount"
assert_eq "2 2" "$(stat -c %h u/h1 u/h2 | paste -sd' ')" "link counts after a remount"
assert_eq "$ino_h" "$(dino u h2)" "d_ino of h2"
[[ $(ls -a u) != *.wh.* ]] || fail "the index shows in the union: $(ls -a u)"

step "link counts as names go, also names never copied"
echo tri >lo/t1
ln lo/t1 lo/t2
ln lo/t1 lo/t3
remount_union
echo x >>u/t1
assert_eq "3 3 3" "$(stat -c %h u/t1 u/t2 u/t3 | paste -sd' ')" "three names after the copyup of one"
rm u/t2
assert_eq "2 2" "$(stat -c %h u/t1 u/t3 | paste -sd' ')" "after removing a name never copied"
remount_union
assert_eq "2 2" "$(stat -c %h u/t1 u/t3 | paste -sd' ')" "the same after a remount"
rm u/t1
assert_eq "1 tri x" "$(stat -c %h u/t3) $(paste -sd' ' u/t3)" "the last name, never copied, reads the copy"
ino_t=$(ino u/t3)
rm u/t3
assert_eq "" "$(ls -A u | grep '^t' || true)" "names left"
assert_eq "3 tri" "$(stat -c %h lo/t1) $(cat lo/t1)" "the read-only branch"
# A name removed before any copyup: the file is copied into the index
# first, so the names left count right.
echo pair >lo/k1
ln lo/k1 lo/k2
remount_union
rm u/k1
assert_eq "1 pair" "$(stat -c %h u/k2) $(cat u/k2)" "the other name after the first went"
remount_union
assert_eq "1" "$(stat -c %h u/k2)" "its link count after a remount"
echo more >>u/k2
assert_eq "1 pair more" "$(stat -c %h u/k2) $(paste -sd' ' u/k2)" "after writing to it"
rm u/k2
# The index keeps h1/h2's copy only: t's and k's went with their last names.
assert_eq "$(stat -c %i up/h1)" "$(stat -c %i up/.wh..wh.index/* | paste -sd' ')" \
	"inodes in the index (t's copy was $ino_t)"

step "a hard link below a renamed directory stays one file with its other name"
# A directory rename copies the names below it; the other name's union
# inode, in memory, must follow the copy (the differential test found it
# reading the original).
mkdir lo/hdir
echo hl >lo/hdir/x
ln lo/hdir/x lo/hx
remount_union
assert_eq hl "$(cat u/hx)" "the other name, read before"
ino_hx=$(ino u/hx)
mv u/hdir u/hdir-moved
echo more >>u/hdir-moved/x
assert_eq "hl more" "$(paste -sd' ' u/hx)" "the other name after a write through the moved one"
assert_eq "$ino_hx $ino_hx" "$(ino u/hx) $(ino u/hdir-moved/x)" "one st_ino"
assert_eq "2 2" "$(stat -c %h u/hx) $(stat -c %h u/hdir-moved/x)" "link counts"
drop_caches
assert_eq "hl more" "$(paste -sd' ' u/hx)" "the other name after the caches were dropped"

step "a writable branch without xattrs: a copy's st_ino changes once, then stays"
# minix stores no xattrs, so its copies carry no origin record (and it has
# no O_TMPFILE: copyup goes through a hidden temporary name). The copy keeps
# the original's number while its union inode lives; read again, it has
# its own, which then stays. (Not vfat: vfat's own inode numbers change at
# every mount.)
mkdir -p mx
truncate -s 16M mx.img
mkfs.minix -3 mx.img >/dev/null
_ufs_modprobe loop minix
mount -t minix -o loop mx.img mx
mkdir um
mount_minix_union() { mount -t unionfs -o "dirs=$W/mx:$W/lo=ro" none "$W/um"; }
mount_minix_union
echo mx >>um/d/f
assert_eq "lower-f mx" "$(paste -sd' ' mx/d/f)" "the copy on the minix branch"
expect_errno EOPNOTSUPP getfattr -n trusted.unionfs.origin mx/d/f
drop_caches
ino_mx=$(ino um/d/f)
drop_caches
assert_eq "$ino_mx" "$(ino um/d/f)" "st_ino of the minix copy after dropped caches"
umount um
mount_minix_union
assert_eq "$ino_mx" "$(ino um/d/f)" "st_ino of the minix copy after a remount"
assert_eq "$ino_mx" "$(dino um/d f)" "d_ino of the minix copy"
assert_eq "lower-f mx" "$(paste -sd' ' um/d/f)" "the minix copy through the union"
umount um

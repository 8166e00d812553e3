#!/bin/bash
# The names of a read-only branch's hard-linked file stay one file (one
# st_ino, one content, the right link count) also when the first copy is
# made by a rename or an exchange that puts it on a writable branch above
# the nearest one (two writable branches on one filesystem over a
# read-only one): the index that keeps the names linked is then on that
# higher branch, and the other names must find it there, after a write
# through them, after a name is removed, dropped caches and a remount.
# (The differential test found a name counting a link too many after an
# exchange: seed 312654143, rw-rw-ro delete=all.)
# A file rename or an exchange that moves a writable lower branch's file
# up links it too (nothing copied; a descriptor open before keeps
# writing to the file the union shows).
# Writable branches on two filesystems cannot hold links between them:
# there the second name's copy is a file of its own, with its own number,
# and both link counts say so.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
op=$(prog fsop)
fh=$(prog fhandle)
mkbranch_ext4 rw 64M
mkbranch_ext4 lo 32M
mkdir -p rw/b0 rw/b1 u

mount_union() { mount -t unionfs -o "dirs=$W/rw/b0:$W/rw/b1:$W/lo=ro" none "$W/u"; }
remount_union() { umount "$W/u" && mount_union; }
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }
links() { stat -c %h "$@" | paste -sd' '; }
inos() { stat -c %i "$@" | paste -sd' '; }
text() { paste -sd' ' "$1"; }

step "an exchange copies one name of a lower hard link to the top branch"
mkdir -p lo/d lo/e rw/b0/b
echo orig >lo/d/c
ln lo/d/c lo/e/b
echo other >rw/b0/b/e
mount_union
ino=$(stat -c %i u/d/c)
"$op" exchange u/b/e u/e/b
assert_eq "$ino $ino" "$(inos u/d/c u/b/e)" "both names of the file: one st_ino"
assert_eq "2 2" "$(links u/d/c u/b/e)" "link counts after the exchange"
assert_eq "other" "$(cat u/e/b)" "the other file under the exchanged name"

step "a write through the other name copies it up linked to the top's copy"
echo more >>u/d/c
assert_eq "orig more" "$(text u/b/e)" "the exchanged name reads the write"
assert_eq "$ino $ino" "$(inos u/d/c u/b/e)" "one st_ino after the write"
assert_eq "2 2" "$(links u/d/c u/b/e)" "link counts after the write"
assert_eq "$(stat -c %i rw/b0/b/e)" "$(stat -c %i rw/b1/d/c)" "the copies on the branches are one inode"

step "removing one name leaves the other counting one link"
rm u/b/e
assert_eq "1" "$(links u/d/c)" "after the removal"
drop_caches
assert_eq "1 orig more" "$(links u/d/c) $(text u/d/c)" "after dropped caches"
remount_union
assert_eq "1 orig more $ino" "$(links u/d/c) $(text u/d/c) $(inos u/d/c)" "after a remount"
rm u/d/c
assert_eq "" "$(ls -A rw/b0/.wh..wh.index rw/b1/.wh..wh.index 2>/dev/null | grep -v ':$' | grep . || true)" \
	"index entries left after the last name went"

step "a rename to the top branch, then a name never copied is removed"
mkdir -p lo/p rw/b0/top
echo pair >lo/p/k1
ln lo/p/k1 lo/p/k2
remount_union
ino=$(stat -c %i u/p/k1)
"$op" rename u/p/k1 u/top/k1
assert_eq "2 2 $ino $ino" "$(links u/top/k1 u/p/k2) $(inos u/top/k1 u/p/k2)" "after the rename"
rm u/p/k2
assert_eq "1 pair" "$(links u/top/k1) $(text u/top/k1)" "the moved name after the other went"
remount_union
assert_eq "1 $ino" "$(links u/top/k1) $(inos u/top/k1)" "after a remount"
assert_eq "2 orig" "$(stat -c %h lo/d/c) $(cat lo/d/c)" "the read-only branch, unchanged"
assert_eq "2 pair" "$(stat -c %h lo/p/k2) $(cat lo/p/k2)" "the read-only branch, unchanged"
umount u

step "delete=first: removing a linked name brings back the lower name, still counted"
# Under delete=first a removal takes only the top instance: the read-only
# name shows again, as a name of the copy (index.c), so the object keeps
# its names and its link count.
mkdir -p rw/f0 lo/fq uf
echo fq >lo/fq/q1
ln lo/fq/q1 lo/fq/q2
mount -t unionfs -o "dirs=$W/rw/f0:$W/lo=ro,delete=first" none "$W/uf"
echo more >>uf/fq/q1
assert_eq "2 2" "$(links uf/fq/q1 uf/fq/q2)" "after the copyup of q1"
rm uf/fq/q1
assert_eq "2 2|fq more" "$(links uf/fq/q1 uf/fq/q2)|$(text uf/fq/q1)" "q1 removed: the lower name is back"
umount uf
mount -t unionfs -o "dirs=$W/rw/f0:$W/lo=ro,delete=first" none "$W/uf"
assert_eq "2 2" "$(links uf/fq/q1 uf/fq/q2)" "after a remount"
umount uf

step "a hard link on a writable lower branch stays one file when a rename moves it up"
# X is on the middle branch and P is opaque on the top one: mv X P/X has
# to rebuild X on the top branch. Its file h, linked to the middle
# branch's hx, is linked there too (same filesystem), not copied apart,
# and a descriptor open on hx writes to the file both names show; a handle
# taken through the old name finds it (its name record).
mkdir -p rw/w0/P rw/w1/X u3
touch rw/w0/P/.wh.__dir_opaque
echo hl >rw/w1/X/h
ln rw/w1/X/h rw/w1/hx
echo kk >rw/w1/X/k1	# both names of k inside X: its handle can only name X
ln rw/w1/X/k1 rw/w1/X/k2
mount -t unionfs -o "dirs=$W/rw/w0:$W/rw/w1" none "$W/u3"
ino=$(stat -c %i u3/hx)
"$fh" save u3/X/k1 "$W/h.X_k1"
exec 3>>u3/hx
mv u3/X u3/P/X
[[ -f rw/w0/P/X/h ]] || fail "X was not rebuilt on the top branch: $(find rw/w0 rw/w1)"
echo more >>u3/P/X/h
echo fd >&3
exec 3>&-
assert_eq "hl more fd|hl more fd" "$(text u3/P/X/h)|$(text u3/hx)" "both names read both writes"
assert_eq "$ino $ino 2 2" "$(inos u3/P/X/h u3/hx) $(links u3/P/X/h u3/hx)" "one st_ino, two links"
assert_eq "$(stat -c %i rw/w1/hx)" "$(stat -c %i rw/w0/P/X/h)" "one inode on the branches"
umount u3
drop_caches
mount -t unionfs -o "dirs=$W/rw/w0:$W/rw/w1" none "$W/u3"
assert_eq "kk" "$("$fh" cat "$W/u3" "$W/h.X_k1")" \
	"a handle taken through the old name, after a remount"
assert_eq "2 2" "$(links u3/P/X/k1 u3/P/X/k2)" "link counts of k"
echo again >>u3/hx
assert_eq "$ino $ino 2 2|hl more fd again" \
	"$(inos u3/P/X/h u3/hx) $(links u3/P/X/h u3/hx)|$(text u3/P/X/h)" "after a remount"
umount u3

step "a file rename or exchange that moves a writable branch's file up keeps it one file"
# P is opaque on the top branch, so a name in it can only be there: the
# file of the middle branch moves up. On one filesystem it is linked, not
# copied: its other name, a descriptor open before and a handle taken
# before all keep the file; nothing is copied.
mkdir -p rw/v0/P rw/v1 u4
touch rw/v0/P/.wh.__dir_opaque
echo fl >rw/v1/f1
ln rw/v1/f1 rw/v1/f2
echo g >rw/v1/g
echo e >rw/v1/e1
ln rw/v1/e1 rw/v1/e2
echo x >rw/v0/P/x
mount_four() { mount -t unionfs -o "dirs=$W/rw/v0:$W/rw/v1" none "$W/u4"; }
mount_four
ino=$(stat -c %i u4/f1)
gino=$(stat -c %i u4/g)
"$fh" save u4/f1 "$W/h.f1"
exec 3>>u4/f1 4>>u4/g
mv u4/f1 u4/P/f1
mv u4/g u4/P/g
echo more >>u4/P/f1
echo fd >&3
echo fd >&4
exec 3>&- 4>&-
assert_eq "fl more fd|fl more fd" "$(text u4/P/f1)|$(text u4/f2)" "both names read both writes"
assert_eq "$ino $ino 2 2" "$(inos u4/P/f1 u4/f2) $(links u4/P/f1 u4/f2)" "one st_ino, two links"
assert_eq "g fd|$gino 1" "$(text u4/P/g)|$(inos u4/P/g) $(links u4/P/g)" \
	"a single-link file keeps what a descriptor open before wrote"
assert_eq "$(stat -c %i rw/v1/f2)|no" "$(stat -c %i rw/v0/P/f1)|$([[ -e rw/v1/f1 ]] && echo yes || echo no)" \
	"one inode on the branches, the old name gone"
ino=$(stat -c %i u4/e1)
"$op" exchange u4/e1 u4/P/x
assert_eq "e|x|e" "$(text u4/P/x)|$(text u4/e1)|$(text u4/e2)" "contents after the exchange"
echo ex >>u4/e2
assert_eq "e ex|$ino $ino 2 2" "$(text u4/P/x)|$(inos u4/P/x u4/e2) $(links u4/P/x u4/e2)" \
	"the exchanged name is still the file e2 names"
umount u4
drop_caches
mount_four
assert_eq "fl more fd" "$("$fh" cat "$W/u4" "$W/h.f1" | paste -sd" ")" "a handle taken before the rename, after a remount"
rm u4/f2 u4/e2
assert_eq "1 1 1" "$(links u4/P/f1 u4/P/x u4/P/g)" "each name left counts one link"
umount u4

step "writable branches on two filesystems: the names part, and say so"
mkbranch_ext4 top 32M
mkdir -p top/only lo/q rw/b1q u2
echo top >top/only/t
echo q >lo/q/h1
ln lo/q/h1 lo/q/h2
mount_two() { mount -t unionfs -o "dirs=$W/top:$W/rw/b1q:$W/lo=ro" none "$W/u2"; }
mount_two
ino=$(stat -c %i u2/q/h1)
"$op" exchange u2/only/t u2/q/h1
assert_eq "2 2 $ino $ino" "$(links u2/only/t u2/q/h2) $(inos u2/only/t u2/q/h2)" \
	"still one file after the exchange"
[[ -f top/only/t ]] || fail "the exchange did not copy to the top branch: $(find top rw/b1q)"
echo x >>u2/q/h2
assert_eq "q|q x" "$(text u2/only/t)|$(text u2/q/h2)" "the contents part"
assert_eq "1 1" "$(links u2/only/t u2/q/h2)" "each counts its own link"
[[ $(stat -c %i u2/only/t) != $(stat -c %i u2/q/h2) ]] ||
	fail "two different files share st_ino $(stat -c %i u2/q/h2)"
umount u2
mount_two
assert_eq "1 1" "$(links u2/only/t u2/q/h2)" "link counts after a remount"
[[ $(stat -c %i u2/only/t) != $(stat -c %i u2/q/h2) ]] ||
	fail "after a remount two different files share st_ino $(stat -c %i u2/q/h2)"
umount u2

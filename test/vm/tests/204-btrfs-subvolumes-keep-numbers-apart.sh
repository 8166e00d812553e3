#!/bin/bash
# timeout: 240
# btrfs subvolumes and snapshots share one filesystem and repeat each
# other's inode numbers (every subvolume's root is 256, a snapshot keeps
# its source's numbers; readdir shows a subvolume as 256 in its parent).
# The union keeps them apart: every object of a union whose branch holds
# several subvolumes, or whose branches are a subvolume and its snapshot,
# has its own st_ino, and readdir's d_ino says the same as stat. A copy of
# a subvolume's file keeps its number (the origin record names the
# subvolume), after dropped caches and a remount; hard links in a
# subvolume stay one file across copyup (the index key names the
# subvolume too).
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
mkbranch_btrfs b 320M
btrfs subvolume create b/s1 >/dev/null
echo one >b/s1/f
mkdir b/s1/d
echo g >b/s1/d/g
echo linked >b/s1/h1
ln b/s1/h1 b/s1/h2
echo top >b/t
btrfs subvolume snapshot b/s1 b/s2 >/dev/null
echo only >b/s2/only
btrfs subvolume create b/s1/inner >/dev/null
echo in >b/s1/inner/x

# "NAME INO" for every object below DIR (DIR itself as "."), sorted by name;
# hard-linked files (one object, several names) only by their first name.
numbers() { (cd "$1" && find . -printf '%p %i %y%n\n' | sort |
	awk '$3 !~ /^f[2-9]/ || !seen[$2]++ { print $1, $2 }'); }
# The numbers that occur more than once in such a list.
repeated() { awk '{ print $2 }' | sort | uniq -d | paste -sd' '; }
# "NAME D_INO" for the entries of DIR, as readdir gives them, sorted.
dinos() { ls -ai "$1" | awk '$2 != "." && $2 != ".." { print $2, $1 }' | sort; }
# The same names with st_ino.
stinos() { for n in $(ls -A "$1"); do echo "$n $(stat -c %i "$1/$n")"; done | sort; }

step "the branch itself repeats numbers (so this test can fail)"
[[ -n $(numbers b | repeated) ]] || fail "no repeated numbers on the btrfs branch: $(numbers b)"

step "a union of the whole filesystem: every object its own number"
mkdir u
mount -t unionfs -o "dirs=$W/b" none "$W/u"
# (find refuses to descend where a directory repeats an ancestor's number.)
assert_eq "" "$(find u 2>&1 >/dev/null)" "find's complaints walking the union"
assert_eq "" "$(numbers u | repeated)" "numbers shown twice in $(numbers u | paste -sd,)"
assert_eq "$(numbers b | awk '$1 == "./t" { print $2 }')" "$(stat -c %i u/t)" \
	"the top-level subvolume keeps the branch's own numbers"
for d in u u/s1 u/s2 u/s1/inner u/s1/d; do
	assert_eq "$(stinos "$d")" "$(dinos "$d")" "readdir's d_ino against stat in $d"
done
umount u

step "a subvolume over its snapshot: merged, and still every object its own number"
mkbranch_ext4 up 64M
mount_union() { mount -t unionfs -o "dirs=$W/up:$W/b/s1=ro:$W/b/s2=ro" none "$W/u"; }
mount_union
assert_eq "" "$(numbers u | repeated)" "numbers shown twice in $(numbers u | paste -sd,)"
assert_eq "$(stinos u)" "$(dinos u)" "readdir's d_ino against stat at the root"
before=$(numbers u)

step "copyup keeps a subvolume file's number, also after a remount"
ino_g=$(stat -c %i u/d/g) ino_only=$(stat -c %i u/only)
echo more >>u/d/g
echo more >>u/only
assert_eq "$ino_g $ino_only" "$(stat -c '%i' u/d/g u/only | paste -sd' ')" "after the copyup"
[[ $(getfattr --absolute-names -e hex -n trusted.unionfs.origin up/d/g | sed -n 's/^trusted.unionfs.origin=0x//p') == 02* ]] ||
	fail "the copy's origin record does not name its subvolume"
umount u
sync
echo 3 >/proc/sys/vm/drop_caches
mount_union
assert_eq "$ino_g $ino_only" "$(stat -c '%i' u/d/g u/only | paste -sd' ')" "after a remount"
assert_eq "$before" "$(numbers u)" "every number after copyups and a remount"
assert_eq "$(stinos u/d)" "$(dinos u/d)" "readdir's d_ino against stat in d, which holds a copy"

step "hard links in a subvolume stay one file across copyup"
ino_h=$(stat -c %i u/h1)
echo more >>u/h1
assert_eq "linked more|$ino_h $ino_h|2 2" \
	"$(paste -sd' ' u/h2)|$(stat -c %i u/h1 u/h2 | paste -sd' ')|$(stat -c %h u/h1 u/h2 | paste -sd' ')" \
	"the other name after a write through the first"
ls -A up/.wh..wh.index | grep -q -- '-s[0-9a-f]*$' ||
	fail "the index key does not name the subvolume: $(ls -A up/.wh..wh.index)"
umount u
mount_union
assert_eq "linked more|$ino_h $ino_h" "$(paste -sd' ' u/h2)|$(stat -c %i u/h1 u/h2 | paste -sd' ')" \
	"after a remount"
umount u
assert_eq "one|linked" "$(cat b/s2/f)|$(cat b/s1/h2)" "the read-only subvolumes, unchanged"

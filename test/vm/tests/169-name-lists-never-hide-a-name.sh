#!/bin/bash
# timeout: 300
# Lookups in a union of many branches skip the branch directories whose
# names, read once after repeated misses (module/name_cache.c), do not
# include the name. Such a list must never hide a name: every change of a
# branch directory - made through the union or on the branch itself, right
# after the list was read, in the same clock tick - shows at the next
# lookup; a directory listed empty is a list too. Checked on tmpfs and ext4 branches, with new names, whiteouts and
# opaque markers made behind the union's back, and with more directories
# than a union keeps lists for (1024: the least recently used go).
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
drop_dentries() { echo 2 >/proc/sys/vm/drop_caches; }
# misses DIR N: N lookups of names no branch holds, enough for lists.
misses() {
	local i
	for ((i = 0; i < $2; i++)); do
		[[ ! -e $1/missing-$RANDOM-$i ]] || fail "$1/missing-$i exists"
	done
}

for fs in tmpfs ext4; do
	step "$fs branches: names made on a branch show at once"
	for b in b1 b2 b3 b4; do
		if [[ $fs == tmpfs ]]; then mkbranch_tmpfs "$fs/$b" 16m; else mkbranch_ext4 "$fs/$b" 16M; fi
		mkdir -p "$fs/$b/d"
		touch "$fs/$b/d/own-$b"
	done
	echo bottom >"$fs/b4/d/hidden-later"
	echo bottom >"$fs/b4/d/opaque-later"
	mkdir -p "$fs/u"
	mount -t unionfs -o "dirs=$W/$fs/b1:$W/$fs/b2=ro:$W/$fs/b3=ro:$W/$fs/b4=ro" none "$W/$fs/u"
	u=$fs/u/d
	for ((round = 0; round < 40; round++)); do
		misses "$u" 20
		echo "$round" >"$fs/b3/d/new-$round"	# behind the union's back
		assert_eq "$round" "$(cat "$u/new-$round")" "a name made on b3 in round $round"
		misses "$u" 20
		rm "$fs/b3/d/new-$round"
		drop_dentries
		[[ ! -e $u/new-$round ]] || fail "a name removed on b3 still shows (round $round)"
	done

	step "$fs branches: an empty branch directory, listed empty, gains a name"
	mkdir "$fs/b2/d/empty" "$fs/b3/d/empty" "$fs/b4/d/empty"
	for ((round = 0; round < 3; round++)); do
		misses "$u/empty" 40
		echo "$round" >"$fs/b3/d/empty/late-$round"
		assert_eq "$round" "$(cat "$u/empty/late-$round")" "a name made in an empty directory on b3"
		misses "$u/empty" 40
		rm "$fs/b3/d/empty/late-$round"
		drop_dentries
		[[ ! -e $u/empty/late-$round ]] || fail "a name removed on b3 still shows in empty/"
	done

	step "$fs branches: names made through the union, after the caches went"
	misses "$u" 40
	echo via-union >"$u/made-here"
	drop_dentries
	assert_eq via-union "$(cat "$u/made-here")" "a name made through the union"

	step "$fs branches: a whiteout and an opaque marker made on a branch"
	assert_eq bottom "$(cat "$u/hidden-later")" "before the whiteout"
	misses "$u" 40
	touch "$fs/b2/d/.wh.hidden-later"
	drop_dentries
	[[ ! -e $u/hidden-later ]] || fail "a whiteout made on b2 does not hide hidden-later"
	misses "$u" 40
	mkdir "$fs/b3/d/sub" "$fs/b4/d/sub"
	touch "$fs/b4/d/sub/below"
	assert_eq below "$(ls "$u/sub")" "a merged subdirectory"
	misses "$u/sub" 40
	touch "$fs/b3/d/sub/.wh..wh..opq"
	drop_dentries
	assert_eq "" "$(ls "$u/sub")" "a subdirectory made opaque on b3"
	umount "$fs/u"
done

step "more directories than lists: the oldest go, answers stay right"
mkbranch_tmpfs many/b1 64m
mkbranch_tmpfs many/b2 64m
mkdir -p many/b1/d{0..1099} many/b2/d{0..1099}
mkdir -p many/u
mount -t unionfs -o "dirs=$W/many/b1:$W/many/b2=ro" none "$W/many/u"
for ((i = 0; i < 1100; i++)); do
	misses "many/u/d$i" 17
done
for i in 0 500 1099; do
	echo "$i" >"many/b2/d$i/late"
	assert_eq "$i" "$(cat "many/u/d$i/late")" "a name made on b2 in d$i"
done
umount many/u

#!/bin/bash
# Lookups are the union's own work, done as the mounter; permission is the
# caller's, checked on the union directory. As nobody, on a freshly mounted
# union: a root-owned 0700 directory (on the read-only branch only, and one
# merged from both branches) can be stat'ed and shows the branch's mode and
# owner, but not listed (EACCES), and a name inside it gives EACCES; in a
# directory nobody may search through the union (top instance 0755) but
# whose lower instances are root's 0700, the lower files are found, a
# whiteout on the middle branch still hides its name, and the listing
# merges them. The answers are the same with a cold cache, after root
# looked at everything (warm cache), after a remount where root looks
# first, and after dropping the dentry cache.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd setpriv

W=$PWD
chmod 755 "$W"
mkbranch_tmpfs up
mkbranch_tmpfs mid
mkbranch_tmpfs low
mkdir low/secret up/both low/both up/open mid/open low/open u
echo secret >low/secret/f
echo a >up/both/a
echo b >low/both/b
echo f >low/open/f
echo g >low/open/g
echo m >mid/open/m
touch mid/open/.wh.g
chmod 0700 low/secret up/both low/both mid/open low/open
chmod 0755 up/open
union() { mount -t unionfs -o "dirs=$W/up:$W/mid=ro:$W/low=ro" none "$W/u"; }

# What nobody sees; one process, so each round is one exec under TCG.
nobody_view() {
	# shellcheck disable=SC2016 # the script expands its own variables
	as_nobody bash -c '
		cd "$1"
		see() { local what=$1 out; shift
			if out=$("$@" 2>&1); then echo "$what: $(echo $out)"; else echo "$what: ${out##*: }"; fi; }
		see "stat secret" stat -c "%a %u:%g" secret
		see "ls secret" ls secret
		see "stat secret/f" stat -c "%a %u:%g" secret/f
		see "stat both" stat -c "%a %u:%g" both
		see "ls both" ls both
		see "stat both/a" stat -c "%a %u:%g" both/a
		see "stat both/b" stat -c "%a %u:%g" both/b
		see "stat open/f" stat -c "%a %u:%g" open/f
		see "stat open/m" stat -c "%a %u:%g" open/m
		see "stat open/g" stat -c "%a %u:%g" open/g
		see "ls open" ls open
		see "cat open/f" cat open/f
	' nobody_view "$W/u"
}
expected="stat secret: 700 0:0
ls secret: Permission denied
stat secret/f: Permission denied
stat both: 700 0:0
ls both: Permission denied
stat both/a: Permission denied
stat both/b: Permission denied
stat open/f: 644 0:0
stat open/m: 644 0:0
stat open/g: No such file or directory
ls open: f m
cat open/f: f"
root_view() { ls -R "$W/u" >/dev/null; stat "$W/u/secret/f" "$W/u/both/a" "$W/u/both/b" "$W/u/open/f" >/dev/null; }

failures=()
check() {
	local when=$1 got
	got=$(nobody_view)
	echo "$got" | sed "s/^/$when: /"
	[[ $got == "$expected" ]] ||
		failures+=("$when: $(diff <(echo "$expected") <(echo "$got") | grep '^[<>]' | paste -sd' ' || true)")
}

step "cold cache: nobody looks first"
union
check cold
step "warm cache: after root looked at everything"
root_view
check warm
step "after a remount where root looks first"
umount u
union
root_view
check "root first"
step "after dropping the dentry cache"
sync
echo 2 >/proc/sys/vm/drop_caches
check "dropped"
step "root's answers"
assert_listing u/secret "f"
assert_listing u/both "a b"
assert_listing u/open "f m"
umount u

if ((${#failures[@]})); then
	echo "expected (nobody): $expected" | sed '2,$s/^/    /' >&2
	printf 'FAIL: %s\n' "${failures[@]}" >&2
	exit 1
fi

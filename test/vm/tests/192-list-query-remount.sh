#!/bin/bash
# unionctl --list and --query print exactly the documented lines (tab, path,
# (rw-)/(r--)/(r-n) flags; FILE, tab, branch per holder) from any path in
# the union, and their --json parses to the same branches, modes, open-file
# counts and generation (GET_BRANCH's). Then the same branch changes are
# made on two unions of identical branches, one with unionctl (--add on top,
# --before, --after the last, --mode, --remove) and one with remount
# (add=/new, add=/before:/new=ro, add=:/new=nfsro, mode=, del=, several
# changes in one remount, incgen): after each step both list the same
# branches, /proc/mounts shows the same dirs=, the generation went up, both
# show the same files, and the next lookup already sees the new layout
# (a file shadowed by a branch added on top, names of a removed branch gone,
# a removed branch added again). A file open before a branch was added on
# top of it keeps writing to the branch it was opened on.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_unionctl

W=$PWD
bc=$(prog branchctl)
on_exit close_test_fds
T=$'\t'
mkbranch_tmpfs br 32m
mkdir -p br/a/d br/b/d br/c/d u
echo "only in a" >br/a/only-a
echo "b's copy" >br/b/in-bc
echo "c's copy" >br/c/in-bc
echo deep >br/c/d/deep
echo spaced >"br/b/with space"
mount -t unionfs -o "dirs=$W/br/a:$W/br/b=ro:$W/br/c=nfsro" none "$W/u"

generation() { "$bc" "$1" list | sed -n 's/^count=.* generation=//p'; }

# check_json UNION|FILE JSON-TEXT EXPECTED: the JSON parses, and its members
# (generation replaced by its value from GET_BRANCH, compared separately) are
# as EXPECTED, a Python literal.
check_json() {
	python3 - "$1" "$2" "$3" "$(generation "$W/u")" <<'PY'
import ast, json, sys
what, text, expected, gen = sys.argv[1], sys.argv[2], ast.literal_eval(sys.argv[3]), int(sys.argv[4])
got = json.loads(text)
if "generation" in got:
    if got["generation"] != gen:
        sys.exit("%s: generation %r, GET_BRANCH says %d" % (what, got["generation"], gen))
    del got["generation"]
if got != expected:
    sys.exit("%s: JSON is\n  %r\nexpected\n  %r" % (what, got, expected))
PY
}

step "--list, from the mount point, a subdirectory, a relative path"
list="$T$W/br/a (rw-)
$T$W/br/b (r--)
$T$W/br/c (r-n)"
assert_eq "$list" "$("$uc" "$W/u" --list)" "unionctl \$W/u --list"
assert_eq "$list" "$("$uc" "$W/u/d/deep" --list)" "unionctl \$W/u/d/deep --list"
assert_eq "$list" "$("$uc" u/d --list)" "unionctl u/d --list"
assert_eq "$list" "$("$uc" --list u)" "unionctl --list u (1.x order)"
json=$("$uc" "$W/u" --list --json)
check_json "--list --json" "$json" "{'mountpoint': '$W/u', 'branches': [
	{'index': 0, 'path': '$W/br/a', 'mode': 'rw', 'open_files': 0},
	{'index': 1, 'path': '$W/br/b', 'mode': 'ro', 'open_files': 0},
	{'index': 2, 'path': '$W/br/c', 'mode': 'nfsro', 'open_files': 0}]}"
exec 7<u/only-a 8<u/in-bc 9<u/d/deep
json=$("$uc" u --list -J)
check_json "--list -J with three files open" "$json" "{'mountpoint': '$W/u', 'branches': [
	{'index': 0, 'path': '$W/br/a', 'mode': 'rw', 'open_files': 1},
	{'index': 1, 'path': '$W/br/b', 'mode': 'ro', 'open_files': 1},
	{'index': 2, 'path': '$W/br/c', 'mode': 'nfsro', 'open_files': 1}]}"
exec 7<&- 8<&- 9<&-

step "--query: FILE as given, tab, each branch holding it"
assert_eq "u/only-a$T$W/br/a (rw-)" "$("$uc" u/only-a --query)" "query u/only-a"
assert_eq "$W/u/in-bc$T$W/br/b (r--)
$W/u/in-bc$T$W/br/c (r-n)" "$("$uc" "$W/u/in-bc" --query)" "query \$W/u/in-bc"
assert_eq "u/d$T$W/br/a (rw-)
u/d$T$W/br/b (r--)
u/d$T$W/br/c (r-n)" "$("$uc" --query u/d)" "query u/d (1.x order)"
assert_eq "u/d/deep$T$W/br/c (r-n)" "$("$uc" u/d/deep --query)" "query u/d/deep"
assert_eq "u/with space$T$W/br/b (r--)" "$("$uc" "u/with space" --query)" "query a name with a space"
assert_eq "u$T$W/br/a (rw-)
u$T$W/br/b (r--)
u$T$W/br/c (r-n)" "$("$uc" u --query)" "query the union's root"
json=$("$uc" u/in-bc --query --json)
# unionctl holds u/in-bc open (on b, its top copy) while it lists the branches.
check_json "--query --json" "$json" "{'file': 'u/in-bc', 'mountpoint': '$W/u', 'branches': [
	{'index': 1, 'path': '$W/br/b', 'mode': 'ro', 'open_files': 1},
	{'index': 2, 'path': '$W/br/c', 'mode': 'nfsro', 'open_files': 0}]}"
rc=0
out=$("$uc" "$W/br/c/in-bc" --query 2>&1) || rc=$?
assert_eq "3 unionctl: $W/br/c/in-bc: not on a unionfs" "$rc $out" "query of a file outside the union"
rc=0
out=$("$uc" u/missing --query 2>&1) || rc=$?
assert_eq "2 unionctl: u/missing: cannot resolve path: No such file or directory" "$rc $out" "query of a missing file"
umount u

# --- the same changes through unionctl (union ux) and remount (union uy) ---

for s in X Y; do
	mkdir -p "br/$s/a" "br/$s/b" "br/$s/n1" "br/$s/n2" "br/$s/n3" "u$s"
	echo "from a" >"br/$s/a/shadow"
	echo "a's file" >"br/$s/a/f"
	echo "b's file" >"br/$s/b/g"
	echo "from n1" >"br/$s/n1/shadow"
	echo "n1's file" >"br/$s/n1/n1only"
	echo "n3's file" >"br/$s/n3/n3only"
	mount -t unionfs -o "dirs=$W/br/$s/a:$W/br/$s/b=ro" none "$W/u$s"
done
gen_X=$(generation "$W/uX")
gen_Y=$(generation "$W/uY")

# state S: the union uS's branches (unionctl --list), its dirs= in
# /proc/mounts and its files with their first lines, branch paths as P/...
state() {
	local s=$1 opts
	opts=$(mount_options "$W/u$s")
	[[ $opts == *dirs=* ]] || fail "no dirs= in the options of u$s: $opts"
	opts=${opts#*dirs=}
	{
		"$uc" "$W/u$s" --list
		echo "dirs=${opts%%,*}"
		(
			LC_ALL=C
			shopt -s nullglob dotglob
			cd "$W/u$s" && for f in *; do printf '%s=%s\n' "$f" "$(head -n 1 "$f")"; done
		)
	} | sed "s|$W/br/$s/|P/|g"
}

# same_state STEP EXPECTED: ux and uy are both in state EXPECTED, and both
# generations went up.
same_state() {
	local what=$1 expected=$2 g
	assert_eq "$expected" "$(state X)" "unionctl's union after: $what"
	assert_eq "$expected" "$(state Y)" "remount's union after: $what"
	g=$(generation "$W/uX")
	[[ $g -gt $gen_X ]] || fail "$what: the generation of uX did not go up ($gen_X, then $g)"
	gen_X=$g
	g=$(generation "$W/uY")
	[[ $g -gt $gen_Y ]] || fail "$what: the generation of uY did not go up ($gen_Y, then $g)"
	gen_Y=$g
}

remount() { mount -o "remount,$2" "$W/u$1"; }

step "the start"
assert_eq "$T${W}/br/X/a (rw-)
$T${W}/br/X/b (r--)" "$("$uc" "$W/uX" --list)" "uX's branches"
for s in X Y; do
	assert_file_content "u$s/shadow" "from a" # now in the dentry cache
done
exec 5>>uX/shadow 6>>uY/shadow

step "a branch on top: --add DIR / add=DIR"
"$uc" "$W/uX" --add "$W/br/X/n1"
remount Y "add=$W/br/Y/n1"
same_state "adding n1 on top" "${T}P/n1 (rw-)
${T}P/a (rw-)
${T}P/b (r--)
dirs=P/n1=rw:P/a=rw:P/b=ro
f=a's file
g=b's file
n1only=n1's file
shadow=from n1"
for s in X Y; do
	echo "new on top" >"u$s/newtop"
	assert_file_content "br/$s/n1/newtop" "new on top"
done
echo "through the old descriptor" >&5
echo "through the old descriptor" >&6
exec 5>&- 6>&-
for s in X Y; do
	assert_file_content "br/$s/a/shadow" $'from a\nthrough the old descriptor'
	assert_file_content "br/$s/n1/shadow" "from n1"
	assert_file_content "u$s/shadow" "from n1"
done

step "a read-only branch before b: --add --before B --mode ro / add=B:DIR=ro"
"$uc" "$W/uX" --add --before "$W/br/X/b" --mode ro "$W/br/X/n2"
remount Y "add=$W/br/Y/b:$W/br/Y/n2=ro"
same_state "inserting n2 before b" "${T}P/n1 (rw-)
${T}P/a (rw-)
${T}P/n2 (r--)
${T}P/b (r--)
dirs=P/n1=rw:P/a=rw:P/n2=ro:P/b=ro
f=a's file
g=b's file
n1only=n1's file
newtop=new on top
shadow=from n1"

step "an nfsro branch at the end: --add --after LAST --mode nfsro / add=:DIR=nfsro"
"$uc" "$W/uX" --add --after 3 --mode nfsro "$W/br/X/n3"
remount Y "add=:$W/br/Y/n3=nfsro"
same_state "appending n3" "${T}P/n1 (rw-)
${T}P/a (rw-)
${T}P/n2 (r--)
${T}P/b (r--)
${T}P/n3 (r-n)
dirs=P/n1=rw:P/a=rw:P/n2=ro:P/b=ro:P/n3=nfsro
f=a's file
g=b's file
n1only=n1's file
n3only=n3's file
newtop=new on top
shadow=from n1"

step "b read-write: --mode B rw / mode=B=rw"
"$uc" "$W/uX" --mode "$W/br/X/b" rw
remount Y "mode=$W/br/Y/b=rw"
same_state "b made rw" "${T}P/n1 (rw-)
${T}P/a (rw-)
${T}P/n2 (r--)
${T}P/b (rw-)
${T}P/n3 (r-n)
dirs=P/n1=rw:P/a=rw:P/n2=ro:P/b=rw:P/n3=nfsro
f=a's file
g=b's file
n1only=n1's file
n3only=n3's file
newtop=new on top
shadow=from n1"
for s in X Y; do
	echo "appended in place" >>"u$s/g"
	assert_file_content "br/$s/b/g" $'b\'s file\nappended in place'
done

step "a removed: --remove A / del=A"
for s in X Y; do
	assert_file_content "u$s/f" "a's file" # cached, about to go
done
"$uc" "$W/uX" --remove "$W/br/X/a"
remount Y "del=$W/br/Y/a"
same_state "removing a" "${T}P/n1 (rw-)
${T}P/n2 (r--)
${T}P/b (rw-)
${T}P/n3 (r-n)
dirs=P/n1=rw:P/n2=ro:P/b=rw:P/n3=nfsro
g=b's file
n1only=n1's file
n3only=n3's file
newtop=new on top
shadow=from n1"
for s in X Y; do
	assert_missing "u$s/f"
done

step "two changes in one remount: del=N1,mode=N3=ro"
"$uc" "$W/uX" --remove 0
"$uc" "$W/uX" --mode "$W/br/X/n3" ro
remount Y "del=$W/br/Y/n1,mode=$W/br/Y/n3=ro"
same_state "removing n1, n3 made ro" "${T}P/n2 (r--)
${T}P/b (rw-)
${T}P/n3 (r--)
dirs=P/n2=ro:P/b=rw:P/n3=ro
g=b's file
n3only=n3's file"
# A new name goes to the top branch holding its parent directory, or the
# nearest writable one above it: the root's top branch, n2, is read-only
# with nothing above it, so the union's root takes no new names, although
# b below is writable; b's own files are still written in place.
for s in X Y; do
	assert_missing "u$s/shadow"
	expect_errno EROFS sh -c "echo 'new in b' >$W/u$s/newb"
	assert_missing "br/$s/b/newb"
	echo "written in place" >>"u$s/g"
	assert_file_content "br/$s/b/g" $'b\'s file\nappended in place\nwritten in place'
done

step "a removed branch added again, with its files: --add --before 0 / add=DIR=rw"
"$uc" "$W/uX" --add --before 0 "$W/br/X/n1"
remount Y "add=$W/br/Y/n1=rw"
same_state "adding n1 again" "${T}P/n1 (rw-)
${T}P/n2 (r--)
${T}P/b (rw-)
${T}P/n3 (r--)
dirs=P/n1=rw:P/n2=ro:P/b=rw:P/n3=ro
g=b's file
n1only=n1's file
n3only=n3's file
newtop=new on top
shadow=from n1"
for s in X Y; do
	echo "new at the root" >"u$s/newroot"
	assert_file_content "br/$s/n1/newroot" "new at the root"
done

step "incgen: remount and ioctl bump the generation, change nothing else"
before_X=$(state X)
remount X incgen
remount Y incgen
same_state "remount incgen" "$before_X"
out=$("$bc" "$W/uX" incgen) || fail "INCGEN: $out"
assert_eq "generation=$(generation "$W/uX")" "$(sed -n 2p <<<"$out")" "INCGEN's answer and GET_BRANCH's generation"
[[ $(generation "$W/uX") -gt $gen_X ]] || fail "INCGEN did not bump the generation of uX"
assert_eq "$before_X" "$(state X)" "uX after INCGEN"

#!/bin/bash
# Branch changes a live union refuses, each with its errno, and nothing
# changed afterwards (the branch list and the generation are as before):
# - at the ioctl level (progs/branchctl): removing the last branch or one
#   with a file open through the union (EBUSY); adding a directory that
#   overlaps a branch (inside one, holding one, the branch itself, a bind
#   mount of a subdirectory), that lies inside the union or on another
#   union (EINVAL), a file that is not a directory (ENOTDIR), a bad fd
#   (EBADF); indexes out of range, unknown modes, nonzero reserved fields
#   and a 129th branch (EINVAL); rw for a branch on a read-only filesystem
#   or read-only bind mount, by ADD and by SET_MODE (EROFS); a stale
#   expected generation (ESTALE); changes without CAP_SYS_ADMIN (EPERM),
#   while listing and querying stay open to everyone;
# - through unionctl: the same refusals as its message and exit status
#   (2 for a failed operation, 3 not on a unionfs, 1 a usage error);
# - through remount (mount(8) fails): add=, del= and mode= refusals, each
#   with a "unionfs: " kernel log line naming the problem.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd setpriv
require_unionctl

W=$PWD
bc=$(prog branchctl)
on_exit close_test_fds
mkbranch_tmpfs br 32m
mkdir -p br/a/sub br/b br/new br/new2 br/solo br/c br/bindsrc u u1 u2 u9 bindsub robind many
echo "in a" >br/a/file
echo "plain file" >br/plain
echo "in b" >br/b/bfile
mkdir -p br/c/x
mkbranch_tmpfs rofs 4m
mkdir -p rofs/d rofs/e
echo "on a read-only fs" >rofs/d/rofile
mount -o remount,ro rofs
mount --bind br/bindsrc robind
mount -o remount,bind,ro robind
mount --bind br/a/sub bindsub

mount -t unionfs -o "dirs=$W/br/a:$W/br/b=ro" none "$W/u"
mount -t unionfs -o "dirs=$W/br/solo" none "$W/u1"
mount -t unionfs -o "dirs=$W/br/c:$W/rofs/d=ro" none "$W/u2"
mkdir u/insub

# The branch list and generation of a union, as GET_BRANCH reports them.
layout() {
	local out
	out=$("$bc" "$1" list) || fail "cannot list the branches of $1: $out"
	printf '%s\n' "$out"
}

# refuse_ioctl ERRNO WHAT UNION REQUEST...: branchctl UNION REQUEST fails
# with ERRNO and the union is as before.
refuse_ioctl() {
	local err=$1 what=$2 union=$3 before out rc=0
	shift 3
	before=$(layout "$union")
	out=$("$bc" "$union" "$@") || rc=$?
	[[ $rc -eq 1 && ${out%%:*} == "$err" ]] ||
		fail "$what: branchctl $union $* answered '$out' (status $rc), expected $err"
	assert_eq "$before" "$(layout "$union")" "the branches and generation of $union after: $what"
}

# ok_ioctl WHAT UNION REQUEST...: the request succeeds.
ok_ioctl() {
	local what=$1 out
	shift
	out=$("$bc" "$@") || fail "$what: branchctl $* failed: $out"
}

# refuse_uc STATUS MESSAGE UNION ARGS...: unionctl ARGS exits with STATUS,
# prints exactly MESSAGE on standard error and nothing on standard output,
# and UNION is as before.
refuse_uc() {
	local status=$1 msg=$2 union=$3 before out rc=0
	shift 3
	before=$(layout "$union")
	out=$("$uc" "$@" 2>"$W/uc.err") || rc=$?
	assert_eq "$status" "$rc" "exit status of unionctl $*"
	assert_eq "" "$out" "standard output of unionctl $*"
	assert_eq "$msg" "$(<"$W/uc.err")" "message of unionctl $*"
	assert_eq "$before" "$(layout "$union")" "the branches and generation of $union after unionctl $*"
}

# refuse_remount TOKEN UNION OPTIONS: mount -o remount,OPTIONS UNION fails,
# a "unionfs: " kernel message matches TOKEN (extended regex), and the
# union is as before.
refuse_remount() {
	local token=$1 union=$2 opts=$3 before msgs
	before=$(layout "$union")
	dmesg_mark
	if mount -o "remount,$opts" "$union" 2>/dev/null; then
		fail "mount -o remount,$opts $union succeeded"
	fi
	msgs=$(dmesg_since_mark | grep -E '^unionfs: ' || true)
	[[ -n $msgs ]] || fail "remount,$opts: no 'unionfs: ...' message in the kernel log"
	grep -qE "$token" <<<"$msgs" ||
		fail "remount,$opts: the message does not name the problem ($token): $msgs"
	assert_eq "$before" "$(layout "$union")" "the branches and generation of $union after remount,$opts"
}

# The module's refusals in unionctl's words, as unionctl(8) lists them (ERRORS).
overlap="it overlaps a branch of the union or lies inside it"
cap="changing a union's branches needs CAP_SYS_ADMIN"

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# Make the generation at least 2, so no stale generation of the ESTALE
# checks is 0 (which means "no check").
ok_ioctl "incgen" "$W/u" incgen
ok_ioctl "incgen" "$W/u" incgen
gen=$("$bc" "$W/u" list | sed -n 's/^count=.* generation=//p')
[[ $gen -ge 2 ]] || fail "the generation after two INCGENs is $gen"

step "ioctl: EBUSY for the last branch and for a branch with a file open"
refuse_ioctl EBUSY "removing the only branch" "$W/u1" del 0
exec 7<u/file
assert_eq "1" "$("$bc" "$W/u" get 0 | awk 'NR == 3 { print $3 }')" "open files of branch 0 with u/file open"
refuse_ioctl EBUSY "removing a branch with a file open" "$W/u" del 0
exec 7<&-

step "ioctl: EINVAL for directories that overlap a branch or lie in a union"
refuse_ioctl EINVAL "adding a directory inside branch a" "$W/u" add "$W/br/a/sub" 0 rw
refuse_ioctl EINVAL "adding a directory that holds the branches" "$W/u" add "$W/br" 0 rw
refuse_ioctl EINVAL "adding branch a again" "$W/u" add "$W/br/a" 0 rw
refuse_ioctl EINVAL "adding branch b again, below" "$W/u" add "$W/br/b" 2 ro
refuse_ioctl EINVAL "adding a bind mount of a directory inside branch a" "$W/u" add "$W/bindsub" 2 ro
refuse_ioctl EINVAL "adding a directory inside the union" "$W/u" add "$W/u/insub" 0 rw
refuse_ioctl EINVAL "adding the union's own root" "$W/u" add "$W/u" 0 rw
refuse_ioctl EINVAL "adding a directory of another union" "$W/u" add "$W/u2/x" 0 rw
refuse_ioctl EINVAL "adding the root of another union" "$W/u1" add "$W/u" 0 rw

step "ioctl: ENOTDIR, EBADF"
refuse_ioctl ENOTDIR "adding a regular file" "$W/u" add "$W/br/plain" 0 rw
refuse_ioctl EBADF "adding dirfd -1" "$W/u" addfd -1 0 rw

step "ioctl: EINVAL for indexes out of range, unknown modes, reserved fields"
refuse_ioctl EINVAL "adding at index 3 of 2" "$W/u" add "$W/br/new" 3 rw
refuse_ioctl EINVAL "removing index 2 of 2" "$W/u" del 2
refuse_ioctl EINVAL "removing index 4294967295" "$W/u" del 4294967295
refuse_ioctl EINVAL "changing the mode of index 2 of 2" "$W/u" mode 2 ro
refuse_ioctl EINVAL "adding with mode 3" "$W/u" add "$W/br/new" 0 3
refuse_ioctl EINVAL "setting mode 3" "$W/u" mode 1 3
refuse_ioctl EINVAL "adding with a nonzero reserved field" "$W/u" add "$W/br/new" 0 rw 0 1
refuse_ioctl EINVAL "removing with a nonzero reserved field" "$W/u" del 1 0 1
refuse_ioctl EINVAL "setting a mode with a nonzero reserved field" "$W/u" mode 1 ro 0 1

step "ioctl: ESTALE for a stale expected generation; the right one works"
gen=$("$bc" "$W/u" list | sed -n 's/^count=.* generation=//p')
refuse_ioctl ESTALE "adding with an old generation" "$W/u" add "$W/br/new" 0 rw $((gen - 1))
refuse_ioctl ESTALE "adding with a future generation" "$W/u" add "$W/br/new" 0 rw $((gen + 1000))
refuse_ioctl ESTALE "removing with a stale generation" "$W/u" del 1 $((gen - 1))
refuse_ioctl ESTALE "setting a mode with a stale generation" "$W/u" mode 1 nfsro $((gen - 1))
ok_ioctl "adding with the current generation" "$W/u" add "$W/br/new" 2 ro "$gen"
gen2=$("$bc" "$W/u" list | sed -n 's/^count=.* generation=//p')
[[ $gen2 -gt $gen ]] || fail "ADD_BRANCH did not bump the generation ($gen, then $gen2)"
refuse_ioctl ESTALE "removing with the generation from before the add" "$W/u" del 2 "$gen"
ok_ioctl "removing with the current generation" "$W/u" del 2 "$gen2"
assert_eq "count=2" "$("$bc" "$W/u" list | sed -n 's/^\(count=[0-9]*\) .*/\1/p')" "branches after add and del"

step "ioctl: EROFS for rw on a read-only filesystem or bind mount"
refuse_ioctl EROFS "setting a branch on a read-only tmpfs rw" "$W/u2" mode 1 rw
refuse_ioctl EROFS "adding a directory of a read-only tmpfs rw" "$W/u2" add "$W/rofs/e" 0 rw
refuse_ioctl EROFS "adding a read-only bind mount rw" "$W/u2" add "$W/robind" 0 rw
ok_ioctl "adding a read-only bind mount ro" "$W/u2" add "$W/robind" 2 ro
refuse_ioctl EROFS "setting a read-only bind mount rw" "$W/u2" mode 2 rw
ok_ioctl "removing the read-only bind mount" "$W/u2" del 2

step "ioctl: EPERM without CAP_SYS_ADMIN; listing and querying are for everyone"
before=$(layout "$W/u")
for req in "add $W/br/new 0 rw" "del 1" "mode 1 rw" "incgen"; do
	# shellcheck disable=SC2086 # the words of the request
	out=$(as_nobody "$bc" "$W/u" $req) && fail "branchctl $req as nobody succeeded"
	assert_eq EPERM "${out%%:*}" "error of branchctl $req as nobody"
done
assert_eq "$before" "$(layout "$W/u")" "the branches and generation of u after the EPERM requests"
assert_eq "$before" "$(as_nobody "$bc" "$W/u" list)" "GET_BRANCH as nobody"
assert_eq $'OK\ncount=2 branches=0' "$(as_nobody "$bc" "$W/u/file" query)" "QUERY as nobody"

step "ioctl: 128 branches at most"
mkdir -p many/{0..128}
mount -t unionfs -o "dirs=$W/many/0" none "$W/u9"
for i in {1..127}; do
	out=$("$bc" "$W/u9" add "$W/many/$i" "$i" ro) || fail "adding branch $((i + 1)) of 128: $out"
done
assert_eq "count=128" "$("$bc" "$W/u9" list | sed -n 's/^\(count=[0-9]*\) .*/\1/p')" "branches of u9"
refuse_ioctl EINVAL "adding a 129th branch" "$W/u9" add "$W/many/128" 128 ro
refuse_uc 2 "unionctl: $W/u9: cannot add branch $W/many/128: the union already has 128 branches, the most it can have" "$W/u9" \
	"$W/u9" --add --mode ro "$W/many/128"
umount u9

step "unionctl: messages and exit statuses"
refuse_uc 2 "unionctl: $W/u1: cannot remove branch $W/br/solo: it is the union's last branch" "$W/u1" \
	"$W/u1" --remove "$W/br/solo"
exec 7<u/file
refuse_uc 2 "unionctl: $W/u: cannot remove branch $W/br/a: 1 file is open on it" "$W/u" \
	"$W/u" --remove "$W/br/a"
exec 8<u/file
refuse_uc 2 "unionctl: $W/u: cannot remove branch 0: 2 files are open on it" "$W/u" \
	"$W/u" --remove 0
exec 7<&- 8<&-
refuse_uc 2 "unionctl: $W/u: cannot add branch $W/br/a/sub: $overlap" "$W/u" \
	"$W/u" --add "$W/br/a/sub"
refuse_uc 2 "unionctl: $W/u: cannot add branch $W/br: $overlap" "$W/u" \
	"$W/u" --add --mode ro "$W/br"
refuse_uc 2 "unionctl: $W/u: cannot add branch $W/br/a: already a branch (index 0)" "$W/u" \
	"$W/u" --add "$W/br/a"
refuse_uc 2 "unionctl: $W/u: cannot add branch $W/u/insub: it lies inside the union" "$W/u" \
	"$W/u" --add "$W/u/insub"
refuse_uc 2 "unionctl: $W/u: cannot add branch $W/u2/x: it lies inside another union ($W/u2)" "$W/u" \
	"$W/u" --add "$W/u2/x"
refuse_uc 2 "unionctl: $W/u: cannot add branch $W/br/plain: Not a directory" "$W/u" \
	"$W/u" --add "$W/br/plain"
refuse_uc 2 "unionctl: $W/u: cannot add branch $W/nonexistent: No such file or directory" "$W/u" \
	"$W/u" --add "$W/nonexistent"
refuse_uc 2 "unionctl: $W/u: no branch 2 (the union has 2 branches)" "$W/u" \
	"$W/u" --remove 2
refuse_uc 2 "unionctl: $W/u: no branch 5 (the union has 2 branches)" "$W/u" \
	"$W/u" --add --before 5 "$W/br/new"
refuse_uc 2 "unionctl: $W/u: $W/br/new: not a branch of this union" "$W/u" \
	"$W/u" --remove "$W/br/new"
refuse_uc 2 "unionctl: $W/u: $W/br/new: not a branch of this union" "$W/u" \
	"$W/u" --mode "$W/br/new" ro
refuse_uc 2 "unionctl: $W/u2: cannot set branch $W/rofs/d to rw: the branch's filesystem is mounted read-only" "$W/u2" \
	"$W/u2" --mode "$W/rofs/d" rw
refuse_uc 2 "unionctl: $W/u2: cannot add branch $W/rofs/e: its filesystem is mounted read-only" "$W/u2" \
	"$W/u2" --add "$W/rofs/e"
refuse_uc 3 "unionctl: $W/br: not on a unionfs" "$W/u" \
	"$W/br" --add "$W/br/new"
refuse_uc 1 $'unionctl: invalid mode \'xyz\' (expected rw, ro or nfsro)\nTry \'unionctl --help\' for more information.' "$W/u" \
	"$W/u" --mode "$W/br/b" xyz
before=$(layout "$W/u")
rc=0
out=$(as_nobody "$uc" "$W/u" --add "$W/br/new" 2>&1) || rc=$?
assert_eq "2 unionctl: $W/u: cannot add branch $W/br/new: $cap" "$rc $out" \
	"unionctl --add as nobody"
rc=0
out=$(as_nobody "$uc" "$W/u" --mode "$W/br/b" rw 2>&1) || rc=$?
assert_eq "2 unionctl: $W/u: cannot set branch $W/br/b to rw: $cap" "$rc $out" \
	"unionctl --mode as nobody"
assert_eq "$before" "$(layout "$W/u")" "the branches and generation of u after unionctl as nobody"
assert_eq $'\t'"$W/br/a (rw-)"$'\n\t'"$W/br/b (r--)" "$(as_nobody "$uc" "$W/u" --list)" "unionctl --list as nobody"

step "remount: refusals fail mount(8) and say why in the kernel log"
refuse_remount "last branch" "$W/u1" "del=$W/br/solo"
exec 7<u/file
refuse_remount "open files?" "$W/u" "del=$W/br/a"
exec 7<&-
refuse_remount "overlap" "$W/u" "add=$W/br/a/sub"
refuse_remount "overlap" "$W/u" "add=$W/br=ro"
refuse_remount "overlap|already" "$W/u" "add=$W/br/a"
refuse_remount "overlap|union" "$W/u" "add=$W/u/insub"
refuse_remount "not a directory" "$W/u" "add=$W/br/plain"
refuse_remount "$W/nonexistent" "$W/u" "add=$W/nonexistent"
refuse_remount "not a branch of this union" "$W/u" "del=$W/br/new"
refuse_remount "not a branch of this union" "$W/u" "add=$W/br/new2:$W/br/new"
refuse_remount "not a branch of this union" "$W/u" "mode=$W/br/new=ro"
refuse_remount "xyzzy" "$W/u" "add=$W/br/new=xyzzy"
refuse_remount "read-only" "$W/u2" "mode=$W/rofs/d=rw"
refuse_remount "read-only" "$W/u2" "add=$W/rofs/e=rw"

step "after all that, the unions work and change as asked"
assert_eq $'\t'"$W/br/a (rw-)"$'\n\t'"$W/br/b (r--)" "$("$uc" "$W/u" --list)" "unionctl --list u"
"$uc" "$W/u" --add "$W/br/new"
echo top >u/newfile
assert_file_content br/new/newfile top
"$uc" "$W/u" --remove "$W/br/new"
assert_missing u/newfile
"$uc" "$W/u" --remove "$W/br/a"
assert_eq $'\t'"$W/br/b (r--)" "$("$uc" "$W/u" --list)" "unionctl --list u, b left"
assert_listing u "bfile"
refuse_uc 2 "unionctl: $W/u: cannot remove branch 0: it is the union's last branch" "$W/u" \
	"$W/u" --remove 0

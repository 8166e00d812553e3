#!/bin/bash
# timeout: 720
# Branch changes under load: for a minute, four processes create, write,
# append, rename, delete and read files with checkable contents in a union
# (progs/branch_load.py run), holding some open for a while, while another
# process changes the union's branches in a loop (all but the last 6 s, so
# the writers leave recent states on branches that stay), through unionctl
# and remount: a new branch on top (--add, --add --before, add=), the base
# made read-only (writes then copy up into the new branch) and read-write
# again, the new branch made read-only, the bottom branch switched to
# nfsro and back, a branch appended at the bottom and removed, and the
# new branch removed again (EBUSY while files are open on it: tried again
# until it goes). Writers see only EROFS (a file's top copy on a
# read-only branch with no writable one above) or, when the layout changed
# during their operation, ENOENT and EEXIST; with the layout unchanged the
# union shows exactly what they did. Afterwards every name whose last
# state lives on a branch that was not removed reads exactly as the writer
# left it, every file on every branch directory (removed ones too) is whole,
# the union mounted afresh shows the same tree, and the leftover branches
# can be removed. The runner then checks the kernel log and unloads the
# module.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd python3 mkfs.ext4
require_unionctl

W=$PWD
load=${UFS_VM:?}/progs/branch_load.py
seconds=$(run_length 60 600)	# make check-long: ten minutes of it
quiet=6
writers=4
mkbranch_ext4 base 64M
rmdir base/lost+found
mkbranch_tmpfs t 128m
mkdir -p lower u
python3 "$load" seed --dir "$W/lower" --writers "$writers"
lower_before=$(tree_snapshot lower)
mount -t unionfs -o "dirs=$W/base:$W/lower=ro" none "$W/u"

# The branch changer: one cycle after another until $W/stop appears, which
# leaves the union as it is then (so the last cycle's branch, and what was
# written to it, stays). Every failure but EBUSY from a removal stops it
# with a message in changer.log.
changer() {
	local i=0 t rc out tries busy=0 removed=0 left=() still b
	# shellcheck disable=SC2317 # called indirectly
	run() {
		out=$("$@" 2>&1) || { echo "FAILED: $*: $out"; exit 1; }
	}
	# pause SECONDS: false once it is time to stop.
	pause() {
		sleep "$1"
		[[ ! -e $W/stop ]]
	}
	# remove BRANCH: true once it is gone; false while files are open on it.
	remove() {
		rc=0
		out=$("$uc" "$W/u" --remove "$1" 2>&1) || rc=$?
		[[ $rc -eq 0 ]] && return 0
		# EBUSY, in unionctl's words (unionctl(8), ERRORS).
		[[ $out == *"files are open on it" || $out == *"file is open on it" ]] ||
			{ echo "FAILED: --remove $1: $out"; exit 1; }
		return 1
	}
	while :; do
		t=$W/t/$i
		mkdir "$t"
		case $((i % 3)) in
		0) run "$uc" "$W/u" --add "$t" ;;
		1) run mount -o "remount,add=$t" "$W/u" ;;
		2) run "$uc" "$W/u" --add --before "$W/base" "$t" ;;
		esac
		pause 1 || break
		if ((i % 2)); then
			run mount -o "remount,mode=$W/base=ro" "$W/u"
		else
			run "$uc" "$W/u" --mode "$W/base" ro
		fi
		pause 1 || break
		run "$uc" "$W/u" --mode "$W/base" rw
		pause 0.5 || break
		run "$uc" "$W/u" --mode "$t" ro
		if ((i % 3 == 0)); then
			run "$uc" "$W/u" --mode "$W/lower" nfsro
			pause 0.2 || break
			run mount -o "remount,mode=$W/lower=ro" "$W/u"
		fi
		if ((i % 4 == 1)); then
			mkdir "$t.bottom"
			run mount -o "remount,add=:$t.bottom=ro" "$W/u"
			pause 0.2 || break
			run mount -o "remount,del=$t.bottom" "$W/u"
		fi
		pause 0.3 || break
		# Remove this cycle's branch, and any earlier one that was busy then.
		left+=("$t")
		still=()
		for b in "${left[@]}"; do
			tries=0
			until remove "$b"; do
				busy=$((busy + 1))
				tries=$((tries + 1))
				if [[ $tries -ge 20 || -e $W/stop ]]; then
					still+=("$b")
					continue 2
				fi
				sleep 0.2
			done
			removed=$((removed + 1))
		done
		left=("${still[@]}")
		i=$((i + 1))
	done
	# The writers' last seconds: the base writable, lower read-only again (the
	# stop may have come while it was nfsro), the added branches as they are.
	run "$uc" "$W/u" --mode "$W/base" rw
	run "$uc" "$W/u" --mode "$W/lower" ro
	echo "changer: $i cycles, $removed branches removed, $busy removals refused with EBUSY"
}

step "$seconds s of writers, the branches changing for all but the last $quiet s"
rm -f stop
# The writers at a lower priority: the changer gets the CPU when it wants it.
nice -n 10 python3 "$load" run --union "$W/u" --writers "$writers" --seconds "$seconds" \
	--journal "$W/journal" &
writers_pid=$!
changer >changer.log 2>&1 &
changer_pid=$!
sleep $((seconds - quiet))
touch stop
changer_rc=0
wait "$changer_pid" || changer_rc=$?
rc=0
wait "$writers_pid" || rc=$?
cat changer.log
[[ $changer_rc -eq 0 ]] || fail "the branch changer failed (status $changer_rc)"
[[ $rc -eq 0 ]] || fail "the writers found problems (status $rc)"

step "every file on a branch still there is intact"
"$uc" "$W/u" --list
physical=$W/base,$W/lower
for d in t/*; do
	physical+=,$W/$d
done
python3 "$load" verify --union "$W/u" --journal "$W/journal" --physical "$physical"

step "a fresh mount of the same branches shows the same tree"
view() { (cd "$W/u" && find . -printf '%p %y %s %m\n' | LC_ALL=C sort && find . -type f -exec cksum {} + | LC_ALL=C sort); }
before=$(view)
opts=$(mount_options "$W/u")
dirs=${opts#*dirs=}
dirs=${dirs%%,*}
umount u
mount -t unionfs -o "dirs=$dirs" none "$W/u"
assert_eq "$before" "$(view)" "the union mounted again"

step "the leftover branches can be removed, with nothing open"
for b in $("$uc" "$W/u" --list --json | python3 -c 'import json, sys
for b in json.load(sys.stdin)["branches"]:
    print(b["path"])'); do
	[[ $b == "$W"/t/* ]] || continue
	"$uc" "$W/u" --remove "$b"
done
"$uc" "$W/u" --mode "$W/base" rw
assert_eq $'\t'"$W/base (rw-)"$'\n\t'"$W/lower (r--)" "$("$uc" "$W/u" --list)" "branches at the end"
umount u
assert_eq "$lower_before" "$(tree_snapshot lower)" "the read-only bottom branch"

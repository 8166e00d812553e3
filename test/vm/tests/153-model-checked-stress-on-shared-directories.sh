#!/bin/bash
# timeout: 600
# A model-checked stress test (progs/model_stress.py): six processes work at
# once in the same directories of a union dirs=UP=rw:LOW=ro, each on its
# own names (p<N>-...) inside the shared d0..d3 tree and below its own
# directories, so a per-process model predicts every call's outcome and
# the final state: creates, writes, appends and truncates (copyups of its
# lower files), unlinks, renames within and across directories and onto
# its own files, hard links, mkdir/rmdir, directory renames across d0..d3
# (of its lower directory too, which the union copies), listings and reads.
# Meanwhile another process keeps adding an empty read-only branch at the
# bottom and removing it again (remount add=:/del= and unionctl) and
# bumping the generation, which must change nothing. Afterwards the union
# holds exactly the shared directories plus every model's names, contents
# and hard links (so no .wh. name and no other stray name shows), no copyup
# temporary is left, a fresh mount shows the same, and the read-only
# branch is unchanged. The same seeded operations first run on a plain
# tmpfs copy of the lower tree and must match their models there too, so
# a harness bug cannot pass. Meant for 4 vCPUs (scripts/check.sh runs it
# with --smp 4).
#
# The seed is random and printed; repeat a run with
#     test/vm/run --smp 4 --append ufs_seed=N 153
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs
require_cmd python3

W=$PWD
ms=${UFS_VM:?}/progs/model_stress.py
uc=${UFS_REPO:?}/unionctl/build/unionctl
[[ -x $uc ]] || uc= # then only remount changes the branches
seed=$(run_seed)
procs=6
ops=$(run_length 1500 5000)
echo "seed $seed, $procs processes x $ops operations, $(nproc) vCPUs (repeat: test/vm/run --smp 4 --append ufs_seed=$seed 153)"
# shellcheck disable=SC2154 # _rc is assigned in the trap itself
trap '_rc=$?; [[ $_rc -eq 0 ]] || echo "FAILED with seed $seed"; (exit $_rc); _ufs_exit' EXIT

mkbranch_ext4 up 256M
rmdir up/lost+found
mkbranch_tmpfs low 64m
mkbranch_tmpfs plain 256m
mkdir -p u extra/d0 extra/d1/s0 extra/d2/s1/t0 extra/d3
python3 "$ms" seed --dir "$W/low" --procs "$procs" --seed "$seed"
cp -a low/. plain/
low_before=$(tree_snapshot low)

step "the operations on a plain tmpfs directory (no union): the harness itself"
python3 "$ms" run --root "$W/plain" --procs "$procs" --seed "$seed" --ops "$ops" --models "$W/plain.json" ||
	fail "the plain directory did not behave as the model predicts (a harness bug), seed $seed"
python3 "$ms" verify --root "$W/plain" --models "$W/plain.json" ||
	fail "the plain directory's final state differs from the model (a harness bug), seed $seed"

mount -t unionfs -o "dirs=$W/up=rw:$W/low=ro" none "$W/u"

# The branch changer: an empty read-only branch added at the bottom and
# removed again, and the generation bumped, until $W/stop appears.
changer() {
	local i=0 busy=0 out
	run() { out=$("$@" 2>&1) || { echo "FAILED: $*: $out"; exit 1; }; }
	remove() {
		out=$("$@" 2>&1) && return 0
		[[ $out == *"busy"* || $out == *"open on it"* ]] || { echo "FAILED: $*: $out"; exit 1; }
		busy=$((busy + 1))
		sleep 0.1
		return 1
	}
	while [[ ! -e $W/stop ]]; do
		if [[ -n $uc ]] && ((i % 2)); then
			run "$uc" "$W/u" --add --after "$W/low" --mode ro "$W/extra"
		else
			run mount -o "remount,add=:$W/extra=ro" "$W/u"
		fi
		sleep 0.1
		if [[ -n $uc ]] && ((i % 3 == 1)); then
			until remove "$uc" "$W/u" --remove "$W/extra"; do :; done
		else
			until remove mount -o "remount,del=$W/extra" "$W/u"; do :; done
		fi
		((i % 4 != 3)) || run mount -o remount,incgen "$W/u"
		sleep 0.05
		i=$((i + 1))
	done
	echo "changer: $i cycles of add and remove, $busy removals refused as busy"
}

step "the same operations on the union, its branches changing"
rm -f stop
changer >changer.log 2>&1 &
changer_pid=$!
rc=0
python3 "$ms" run --root "$W/u" --procs "$procs" --seed "$seed" --ops "$ops" --models "$W/union.json" || rc=$?
touch stop
changer_rc=0
wait "$changer_pid" || changer_rc=$?
cat changer.log
[[ $changer_rc -eq 0 ]] || fail "the branch changer failed"
[[ $rc -eq 0 ]] || fail "the union did not behave as the model predicts, seed $seed"
assert_eq "$(cat plain.json)" "$(cat union.json)" "the models of the union run and of the plain run"

step "the union's final state is the models', no temporaries left"
python3 "$ms" verify --root "$W/u" --models "$W/union.json" --writable "$W/up" ||
	fail "the union's final state differs from the model, seed $seed"
view() { (cd "$1" && find . -mindepth 1 -printf '%P %y %m\n' | LC_ALL=C sort &&
	find . -type f -exec cksum {} + | LC_ALL=C sort); }
assert_eq "$(view plain)" "$(view u)" "the union and the plain directory"

step "a fresh mount shows the same"
umount u
mount -t unionfs -o "dirs=$W/up=rw:$W/low=ro" none "$W/u"
python3 "$ms" verify --root "$W/u" --models "$W/union.json" --writable "$W/up" ||
	fail "the union mounted afresh differs from the model, seed $seed"
umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"

#!/bin/bash
# timeout: 300
# Creates, writes, renames and removals below a directory that another
# process keeps moving between places of different depth (a/X <-> b/c/X),
# while one more lists and stats the whole tree.
# Each worker works in X/s wherever X is at the moment (its working
# directory follows X), so none of its calls may fail, and nothing may land
# anywhere else. Why it could: the VFS moves a renamed directory's dentry
# (d_move) only after the union's ->rename has returned, outside the
# union's locks. A change below X that walked up from its name in between
# saw X's old place with X's new lower directories, or a chain torn by the
# move (its top not the root: EINVAL from open(O_CREAT), as test 150 once
# met on 4 vCPUs). Runs on 4 vCPUs in make check (vm-smp4).
#
# Longer: test/vm/run --smp 4 --append ufs_long=1 155
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
seconds=$(run_length 30 180)
mkbranch_tmpfs up 64m
mkbranch_tmpfs low 16m
mkdir -p up/a/X/s up/b/c low/a low/b/c u
echo lower >low/a/shown
low_before=$(tree_snapshot low)
mount -t unionfs -o "dirs=$W/up:$W/low=ro" none "$W/u"

step "4 workers change names in X/s while X moves, ${seconds} s"
python3 - "$W/u" "$seconds" <<'EOF'
import errno, os, sys, time
from multiprocessing import Event, Process, Queue

root, seconds = sys.argv[1], float(sys.argv[2])
places = [os.path.join(root, "a", "X"), os.path.join(root, "b", "c", "X")]


def mover(stop, out):
    moves = 0
    while not stop.is_set():
        os.rename(places[moves % 2], places[(moves + 1) % 2])
        moves += 1
    out.put(("mover", moves, []))


def lister(stop, out):
    """Lists and stats the whole tree meanwhile: X may move under it."""
    rounds = 0
    while not stop.is_set():
        for top, dirs, files in os.walk(root):
            for name in dirs + files:
                try:
                    os.lstat(os.path.join(top, name))
                except FileNotFoundError:
                    pass
        rounds += 1
    out.put(("lister", rounds, []))


def enter_s():
    """chdir into X/s, wherever X is now (it may move meanwhile: try again)."""
    while True:
        for place in places:
            try:
                os.chdir(os.path.join(place, "s"))
                return
            except FileNotFoundError:
                pass


def worker(k, stop, out):
    enter_s()
    ops, bad = 0, []
    data = b"%d" % k * 1000
    while not stop.is_set() and len(bad) < 5:
        f, g = "f%d" % k, "g%d" % k
        try:
            fd = os.open(f, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
            os.write(fd, data)
            os.close(fd)
            os.rename(f, g)
            os.mkdir("d%d" % k)
            os.rmdir("d%d" % k)
            with open(g, "rb") as r:
                if r.read() != data:
                    bad.append("%s: other data" % g)
            os.unlink(g)
        except OSError as e:
            bad.append("%s: %s" % (errno.errorcode.get(e.errno, e.errno), e))
        ops += 1
    out.put(("worker %d" % k, ops, bad))


stop, out = Event(), Queue()
procs = [Process(target=mover, args=(stop, out)), Process(target=lister, args=(stop, out))]
procs += [Process(target=worker, args=(k, stop, out)) for k in range(4)]
for p in procs:
    p.start()
time.sleep(seconds)
stop.set()
results = [out.get(timeout=120) for _ in procs]
for p in procs:
    p.join(60)
failed = False
for who, count, bad in results:
    print("%s: %d rounds" % (who, count))
    for b in bad:
        print("PROBLEM: %s: %s" % (who, b))
        failed = True
    if count == 0:
        print("PROBLEM: %s did nothing" % who)
        failed = True
sys.exit(1 if failed else 0)
EOF

step "X is in one place, empty but for s; nothing landed elsewhere"
x=$( (cd u && find . -name X -printf '%p\n') )
case $x in
./a/X | ./b/c/X) ;;
*) fail "X found at: ${x//$'\n'/ }" ;;
esac
assert_eq "s" "$(ls -A "u/$x")" "the union's X"
assert_eq "" "$(ls -A "u/$x/s")" "the union's X/s"
assert_eq "$(printf '%s\n' ./a ./a/shown ./b ./b/c "$x" "$x/s" | LC_ALL=C sort)" \
	"$(cd u && find . -mindepth 1 | LC_ALL=C sort)" "the union's tree"
assert_eq "$(printf '%s\n' ./a ./b ./b/c "$x" "$x/s" | LC_ALL=C sort)" \
	"$(cd up && find . -mindepth 1 | LC_ALL=C sort)" "the writable branch's tree"
umount u
assert_eq "$low_before" "$(tree_snapshot low)" "the read-only branch"

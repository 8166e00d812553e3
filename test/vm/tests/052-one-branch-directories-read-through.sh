#!/bin/bash
# timeout: 300
# A directory only one branch has a part in is read straight through that
# branch directory (module/readdir.c), with the branch's own offsets. It
# lists what the branch holds, less the union's own ".wh." names; every
# d_ino ("." and ".." included) is the st_ino stat gives through the union,
# also on a second filesystem (whose numbers the union maps) and in a
# directory holding a copy (whose number is its origin's); telldir/seekdir
# and lseek to getdents64's d_off work with the branch's 64-bit hash
# cookies (ext4 htree), and a directory read again comes from memory (no
# readdir of the branch) with the very same offsets; names made or removed through the union or on the
# branch show at the next opendir and after a rewind; and an NFSv3 client
# lists a big one-branch directory, read in many READDIR calls that each
# resume at a cookie, completely and once.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
readdir_seek=$(prog readdir-seek)
mkbranch_ext4 up 64M
mkbranch_ext4 lo 64M
mkdir lo/big lo/small lo/gone up/new
for ((i = 0; i < 3000; i++)); do : >"lo/big/entry-$i"; done
mkdir lo/few	# one block: ext4 hashes it too, "." not first nor at 0
for ((i = 0; i < 20; i++)); do : >"lo/few/f$i"; done
touch lo/small/f lo/small/g lo/gone/x
mkdir u
mount -t unionfs -o "dirs=$W/up:$W/lo=ro" none "$W/u"

# getdents.py: a directory's entries as getdents64 gives them, in small calls.
cat >"$W/getdents.py" <<'PY'
import ctypes, os, struct, sys

libc = ctypes.CDLL(None, use_errno=True)
SYS_getdents64 = 217

def entries(path, start=0):
    """(name, d_ino, d_off) of every entry from offset start."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    os.lseek(fd, start, os.SEEK_SET)
    buf = ctypes.create_string_buffer(1024)
    out = []
    while True:
        n = libc.syscall(SYS_getdents64, fd, buf, len(buf))
        if n < 0:
            sys.exit("getdents64 %s: errno %d" % (path, ctypes.get_errno()))
        if n == 0:
            break
        i = 0
        while i < n:
            ino, off, reclen, dtype = struct.unpack_from("QqHB", buf.raw, i)
            out.append((buf.raw[i + 19:i + reclen].split(b"\0", 1)[0].decode(), ino, off))
            i += reclen
    os.close(fd)
    return out
PY
export PYTHONPATH=$W

step "its offsets are the branch's, also when read again from memory"
python3 - "$W/lo" "$W/u" big few <<'PY'
import os, sys
from getdents import entries

def offsets(path, start=0):
    return [(name, off) for name, _, off in entries(path, start)]

for d in sys.argv[3:]:
    lower, union = (os.path.join(root, d) for root in sys.argv[1:3])
    branch = offsets(lower)
    if max(off for _, off in branch) < 1 << 32:
        sys.exit("%s: no 64-bit offsets on the branch: the step checks less than it says" % d)
    for read in range(1, 4):	# through, recorded as it passes, from memory (a reader cannot tell)
        if offsets(union) != branch:
            sys.exit("%s, read %d of the union: offsets differ from the branch's" % (d, read))
    mid = len(branch) // 2
    if offsets(union, branch[mid][1]) != branch[mid + 1:]:
        sys.exit("%s: resuming at the d_off of %s: not the branch's rest" % (d, branch[mid][0]))
    print("%s: %d entries, names and offsets as the branch's, 3 reads and a resume" % (d, len(branch)))
PY

step "read again, it comes from memory: the branch's readdir is not called"
# A kprobe counts ext4_readdir calls (the guest's ext4 is a module, loaded by now).
# A kernel without kprobe events (the debug lane's refuses them) skips the count.
T=/sys/kernel/tracing
mountpoint -q $T || mount -t tracefs nodev $T 2>/dev/null || true
probe=
if echo 'p:ufs052_readdir ext4_readdir' 2>/dev/null >>$T/kprobe_events; then
	on_exit sh -c "echo 0 >$T/events/kprobes/ufs052_readdir/enable; echo -:ufs052_readdir >>$T/kprobe_events"
	echo 1 >$T/events/kprobes/ufs052_readdir/enable
	probe=1
else
	echo "no kprobe events in this kernel: the branch's readdirs are not counted"
fi
readdirs_during() { echo >$T/trace; "$@" >/dev/null; grep -c ufs052_readdir $T/trace || true; }
if [[ -n $probe ]]; then
	[[ $(readdirs_during ls -f lo/few) -gt 0 ]] || fail "the probe counts no readdir of the branch itself"
	for d in few big; do
		assert_eq 0 "$(readdirs_during ls -f "u/$d")" "branch readdirs for a 4th read of u/$d"
	done
fi
touch lo/few/behind-its-back	# a change on the branch: the kept listing is stale
[[ -z $probe || $(readdirs_during ls -f u/few) -gt 0 ]] || fail "a stale listing was read from memory"
assert_eq behind-its-back "$(ls u/few | grep behind)" "the name made on the branch"

step "a directory of the read-only branch alone lists as the branch does"
assert_eq "$(ls -f lo/big | LC_ALL=C sort)" "$(ls -f u/big | LC_ALL=C sort)" "ls -fa of u/big against lo/big"
"$readdir_seek" "$W/u/big" 3000
"$readdir_seek" "$W/u/big" 3000	# a second open reads it the same way

step "union metadata never shows"
rm -rf u/gone
mkdir u/gone
touch u/gone/y
[[ -e up/gone/.wh.__dir_opaque ]] || fail "u/gone is not an opaque directory: the step checks nothing"
assert_eq ". .. y" "$(ls -fa u/gone | LC_ALL=C sort | paste -sd' ')" "ls -fa of an opaque directory"

step "every d_ino is what stat says, dots included"
g_ino=$(stat -c %i u/small/g)
mv u/small/g u/new/g	# u/new: only on up, now holding a copy
[[ ! -e lo/new ]] || fail "u/new has a part on the lower branch: the step checks the wrong thing"
python3 - "$W/u" big new gone . <<'PY'
import os, sys
from getdents import entries

root = sys.argv[1]
checked = 0
for d in sys.argv[2:]:
    path = os.path.normpath(os.path.join(root, d))
    for name, ino, _ in entries(path):
        if d == "." and name == "..":
            continue	# a mount root's ".." is the fs's own, as on any filesystem
        st = os.lstat(os.path.join(path, name))
        if st.st_ino != ino:
            sys.exit("%s/%s: d_ino %d, st_ino %d" % (path, name, ino, st.st_ino))
        checked += 1
print("%d entries: d_ino == st_ino" % checked)
PY
assert_eq "$g_ino" "$(stat -c %i u/new/g)" "the moved copy keeps its number"

step "names made and removed show at the next opendir and after a rewind"
mkdir u/fresh	# only on up, and no copy in it
python3 - "$W/u/fresh" "$W/up/fresh" <<'PY'
import os, random, sys

u, branch = sys.argv[1], sys.argv[2]
rng = random.Random(52)
model = set(os.listdir(u))
held = os.open(u, os.O_RDONLY | os.O_DIRECTORY)
for step in range(60):
    name = "n%d" % rng.randrange(12)
    where = u if step % 3 else branch	# through the union, or behind its back
    path = os.path.join(where, name)
    if name in model:
        os.unlink(path)
        model.discard(name)
    else:
        open(path, "w").close()
        model.add(name)
    fresh = set(os.listdir(u))
    with os.scandir(held) as it:	# reads the held file from offset 0
        rewound = {e.name for e in it}
    for how, got in (("opendir", fresh), ("rewind", rewound)):
        if got != model:
            sys.exit("step %d (%s): differs in %s" % (step, how, sorted(got ^ model)))
os.close(held)
print("60 changes, listings as the model")
PY

step "an NFSv3 client lists the big directory completely, each name once"
nfs_server_start
nfsd_start
exportfs -o "fsid=52,ro,no_root_squash,no_subtree_check,sync" "127.0.0.1:$W/u"
mkdir c3
mount -t nfs -o vers=3,nolock,noac,proto=tcp,timeo=50,retrans=3,rsize=4096 "127.0.0.1:$W/u" c3
on_exit umount -f -l "$W/c3"
assert_eq "$(ls -f lo/big | LC_ALL=C sort)" "$(ls -f c3/big | LC_ALL=C sort)" "the client's listing of big"
umount c3
exportfs -ua

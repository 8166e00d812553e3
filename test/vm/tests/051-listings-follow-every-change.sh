#!/bin/bash
# timeout: 300
# A directory's listing is kept with its inode for the next opens and
# rewinds (module/readdir.c) while its lower directories are unchanged. It
# must never show an old state: every name made or removed - through the
# union, or on a branch behind its back, in the same clock tick as the
# listing before - shows at the next opendir, and at a rewinddir of a
# directory already open. Each step is checked against a model of the
# names, on tmpfs and ext4 branches.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_unionfs

W=$PWD
for fs in tmpfs ext4; do
	for b in top mid bottom; do
		if [[ $fs == tmpfs ]]; then mkbranch_tmpfs "$fs/$b" 16m; else mkbranch_ext4 "$fs/$b" 32M; fi
		mkdir -p "$fs/$b/d"
	done
	touch "$fs/mid/d/m1" "$fs/mid/d/m2" "$fs/bottom/d/b1" "$fs/bottom/d/m1"
	mkdir "$fs/u"
	mount -t unionfs -o "dirs=$W/$fs/top:$W/$fs/mid=ro:$W/$fs/bottom=ro" none "$W/$fs/u"

	step "$fs: opendir and rewinddir after every change, against a model"
	python3 - "$W/$fs" <<'PY'
import os, random, sys

root = sys.argv[1]
u, top, mid = (os.path.join(root, p, "d") for p in ("u", "top", "mid"))
model = {"m1", "m2", "b1"}
rng = random.Random(7)
held = os.open(u, os.O_RDONLY | os.O_DIRECTORY)

def listed_new():
    return set(os.listdir(u))

def listed_rewound():
    # scandir of a descriptor reads the open file from offset 0 (rewinddir)
    with os.scandir(held) as it:
        return {e.name for e in it}

for step in range(400):
    kind = rng.randrange(5)
    name = "n%d" % rng.randrange(40)
    if kind == 0 and name not in model:
        open(os.path.join(u, name), "w").close()
        model.add(name)
    elif kind == 1 and model:
        victim = rng.choice(sorted(model))
        os.unlink(os.path.join(u, victim))
        model.discard(victim)
    elif kind == 2:
        # behind the union's back, on a read-only branch
        path = os.path.join(mid, name)
        if not os.path.exists(path):
            open(path, "w").close()
            if not os.path.exists(os.path.join(top, ".wh." + name)):
                model.add(name)
    elif kind == 3 and model:
        old = rng.choice(sorted(model))
        if name not in model:
            os.rename(os.path.join(u, old), os.path.join(u, name))
            model.discard(old)
            model.add(name)
    for how, got in (("opendir", listed_new()), ("rewinddir", listed_rewound())):
        if got != model:
            sys.exit("step %d (%s): listed %s, expected %s" %
                     (step, how, sorted(got ^ model), "the model"))
os.close(held)
print("400 steps, listings as the model")
PY
	umount "$fs/u"
done

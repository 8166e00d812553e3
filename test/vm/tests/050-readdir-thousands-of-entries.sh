#!/bin/bash
# timeout: 300
# A directory of 4000 names spread over four branches with overlaps lists
# completely, each name exactly once, the content of a shared name coming from
# the leftmost branch. Reading it in many small getdents64 calls, seeking back
# and forth with telldir/seekdir and lseek, and rewinddir all agree
# (test/vm/progs/readdir-seek.c).
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_unionfs

W=$PWD
readdir_seek=$(prog readdir-seek)
for b in 0 1 2 3; do
	mkbranch_tmpfs "b$b" 32m
	mkdir "b$b/big"
done
# b0: 0-1199, b1: 1000-2199, b2: 2000-3199, b3: 3000-3999 and 0-99 again.
# Each file says which branch it is on; a few names are directories.
python3 - "$W" <<'PY'
import os, sys
w = sys.argv[1]
ranges = {0: [range(0, 1200)], 1: [range(1000, 2200)], 2: [range(2000, 3200)],
          3: [range(3000, 4000), range(0, 100)]}
for b, rs in ranges.items():
    for r in rs:
        for i in r:
            p = os.path.join(w, "b%d" % b, "big", "entry-%04d" % i)
            if i % 500 == 7:
                os.mkdir(p)
            else:
                with open(p, "w") as f:
                    f.write("b%d\n" % b)
PY

step "control: readdir-seek on a plain tmpfs directory"
"$readdir_seek" "$W/b0/big" 1200

mkdir u
mount -t unionfs -o "dirs=$W/b0:$W/b1:$W/b2:$W/b3" none "$W/u"
step "listing"
expected=$(seq -f 'entry-%04g' 0 3999)
assert_eq "$expected" "$(ls -f u/big | grep -v '^\.\.\?$' | LC_ALL=C sort)" "ls -f of the union (sorted)"
assert_eq "" "$(ls -f u/big | LC_ALL=C sort | uniq -d)" "names listed more than once"
assert_eq 4000 "$(find u/big -mindepth 1 -maxdepth 1 | wc -l)" "find count"
assert_eq ". .." "$(ls -fa u/big | grep '^\.\.\?$' | LC_ALL=C sort | paste -sd' ')" "dot entries"

step "precedence of shared names"
assert_file_content u/big/entry-0050 b0
assert_file_content u/big/entry-1100 b0
assert_file_content u/big/entry-2100 b1
assert_file_content u/big/entry-3100 b2
assert_file_content u/big/entry-3999 b3
assert_eq directory "$(stat -c %F u/big/entry-1507)" "type of entry-1507"

step "readdir-seek on the union"
"$readdir_seek" "$W/u/big" 4000

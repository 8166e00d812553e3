#!/bin/bash
# timeout: 900
# Differential test (progs/differential.py): thousands of random operations
# (create, write, append, truncate, rename of files and directories, link,
# symlink, unlink, mkdir, rmdir, chmod, chown, user.* xattrs) applied both to
# the union and to a plain copy of its merged view give identical trees, and
# the read-only branches stay byte-identical; over rw/ro, rw/rw and three
# branches, under each delete mode (delete=first with its own, non-POSIX,
# reference: the lower instance shows through). Branches and the reference
# live on ext4, which (unlike 6.1's tmpfs) has user.* xattrs. A directory
# is also held open in both trees under make check-long, and some
# operations go through it, as through a shell's working directory, while
# renames move it; and a file is held open read-write, written and read
# through (test 199 pins what those found).
#
# The seed is random and printed; repeat a run with
#     test/vm/run --append ufs_seed=N 140
# and make it longer (10x the operations) with --append ufs_long=1.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
seed=$(run_seed)
ops=$(run_length 400 4000)
mkbranch_ext4 fs 256M
# Under make check-long it also holds a directory and a file open (--hold).
hold=()
[[ -z $(run_length "" long) ]] || hold=(--hold)
python3 "${UFS_VM:?}/progs/differential.py" --workdir "$W/fs" --seed "$seed" --ops "$ops" "${hold[@]}"

#!/bin/bash
# timeout: 600
# The differential test (progs/differential.py, as in test 140) with the
# union's branches changing between operations in ways that must not show:
# remount incgen, an empty read-only branch added at the bottom, switched
# between ro and nfsro, and removed. Every cached name is then resolved
# again under a new layout, while the random operations (creates, copyups,
# renames, removals under each delete mode) go on; the union and a plain
# reference directory must stay identical and the read-only branches
# untouched.
#
# The seed is random and printed; repeat a run with
#     test/vm/run --append ufs_seed=N 195
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
seed=$(run_seed)
ops=$(run_length 200 3000)
mkbranch_ext4 fs 256M
python3 "${UFS_VM:?}/progs/differential.py" --workdir "$W/fs" --seed "$seed" --ops "$ops" --churn \
	--config rw-ro:all --config rw-rw:whiteout --config rw-ro-ro:first --config rw-rw-ro:all

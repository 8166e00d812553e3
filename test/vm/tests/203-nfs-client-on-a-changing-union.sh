#!/bin/bash
# timeout: 2400
# The differential test (progs/differential.py, as in tests 140 and 195)
# through an NFSv4.2 client of the exported union: random creates, writes,
# copyups, renames, links, removals, chmod/chown and user xattrs go through
# the client, the same operations go to a plain reference directory, and
# the two trees must stay identical while the server drops its caches and
# the union's branches change under the export (remount incgen, an empty
# branch added, switched between ro and nfsro, removed). At the end the
# server restarts on a remounted union and the trees are compared again.
#
# The seed is random and printed; repeat a run with
#     test/vm/run --append ufs_seed=N 203
# With --append ufs_long=1 (make check-long) each configuration runs 3,000
# operations instead of 120.
set -eu
# shellcheck source=../lib.sh
. "${UFS_LIB:?}"
require_real_unionfs

W=$PWD
seed=$(run_seed)
ops=$(run_length 120 3000)
# ext4: the reference needs user xattrs, and it is the v4 pseudo root too.
mkbranch_ext4 fs 256M
nfs_server_start
nfsd_start
nfs_export_v4_root "$W/fs"
nfs_wait_for_grace
# Under make check-long the client also holds a directory open and works
# through it (--hold) while the branches change.
hold=()
[[ -z $(run_length "" long) ]] || hold=(--hold)
python3 "${UFS_VM:?}/progs/differential.py" --workdir "$W/fs" --seed "$seed" --ops "$ops" --churn \
	--nfs "$W/fs" --config rw-ro:all --config rw-rw-ro:whiteout "${hold[@]}"

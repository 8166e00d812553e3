# test/vm/bench/workloads.sh: the benchmark's data set and its workloads.
# shellcheck shell=bash disable=SC2034 # its variables are used by run.sh
# Sourced by run.sh (in the guest).
#
# Every workload runs against ROOT, the directory a contender presents (the
# union's mount point, or for raw ext4 the upper directory itself). Workloads
# that change the tree get a fresh copy of their files for each repetition
# (<workload>/r<N>), so run N never sees what run N-1 did.
#
# Under QEMU TCG every exec costs ~80 ms, so loops that create or append use
# bash builtins (a redirection is open+write+close) instead of one process
# per file; the few commands a workload does run (find, cat, rm, tar) are
# executed once per run, the same for every contender.

# --- sizes --------------------------------------------------------------------

# Full sizes (the defaults) fit `make bench` in ~10 minutes on a 2-core host;
# ufs_bench_quick=1 divides them by ~10 to check the scripts, not to measure.
set_sizes() {
	local quick=$1
	TREE_TOP=20 TREE_SUB=10 TREE_FILES=50 # lookup tree: 20*10*50 = 10000 files
	READDIR_N=5000 READDIR_SHARED=1000    # merged dir: 5000 names, 1000 in both branches
	READ_MB=64                            # sequential read
	CREATE_N=2000                         # create+write+close
	COPYUP_N=200 COPYUP_KB=64             # first write to lower files
	UNLINK_N=2000                         # unlink of lower files
	TAR_DIRS=40 TAR_FILES=45 TAR_LINKS=5  # tarball: 40 dirs of 45 files, 5 symlinks each
	if [[ -n $quick ]]; then
		TREE_TOP=4 TREE_FILES=25 READDIR_N=500 READDIR_SHARED=100 READ_MB=8
		CREATE_N=200 COPYUP_N=20 UNLINK_N=200 TAR_DIRS=4
	fi
	TREE_N=$((TREE_TOP * TREE_SUB * TREE_FILES))
	TAR_N=$((TAR_DIRS * (TAR_FILES + TAR_LINKS + 1) + 2))
}

# Workloads in the order of the table. WL_CACHE: whether caches are
# dropped before each timed run (cold, the default) or the run follows an
# untimed one (warm). WL_WRITES: the workload changes the tree, so each run
# gets its own files (<workload>/r<N>) and there is no untimed run.
WORKLOADS=(stat_cold stat_warm readdir read create copyup unlink tar)
declare -A WL_CACHE=([stat_warm]=warm)
declare -A WL_WRITES=([create]=1 [copyup]=1 [unlink]=1 [tar]=1)

# Prints the table label of a workload (after set_sizes).
workload_label() {
	case $1 in
	stat_cold | stat_warm) echo "lookup+stat $TREE_N files" ;;
	readdir) echo "readdir $READDIR_N merged" ;;
	read) echo "seq read ${READ_MB} MiB lower" ;;
	create) echo "create+write $CREATE_N" ;;
	copyup) echo "copy-up $COPYUP_N x ${COPYUP_KB}K" ;;
	unlink) echo "unlink $UNLINK_N lower" ;;
	tar) echo "tar x $TAR_N entries" ;;
	esac
}

# Prints "cold" or "warm" for a workload.
workload_cache() { echo "${WL_CACHE[$1]:-cold}"; }

# --- the data set -----------------------------------------------------------------

# make_tree LOWER UPPER REPS: writes the data set into the two branches.
# Only readdir/ has names in both; everything else is on the lower branch.
make_tree() {
	local lo=$1 up=$2 reps=$3 r
	local dirs=("$lo/readdir" "$up/readdir")
	for ((r = 1; r <= reps; r++)); do
		dirs+=("$lo/create/r$r" "$lo/copyup/r$r" "$lo/unlink/r$r" "$lo/tar/r$r")
	done
	mkdir -p -- "${dirs[@]}" || return
	make_lookup_tree "$lo/tree" || return
	make_readdir_names "$lo/readdir" 0 $((READDIR_N / 2 + READDIR_SHARED / 2)) || return
	make_readdir_names "$up/readdir" $((READDIR_N / 2 - READDIR_SHARED / 2)) "$READDIR_N" || return
	head -c "${READ_MB}M" /dev/zero >"$lo/big" || return
	for ((r = 1; r <= reps; r++)); do
		make_copyup_files "$lo/copyup/r$r" || return
		make_unlink_files "$lo/unlink/r$r" || return
	done
}

# TREE_TOP dirs of TREE_SUB dirs of TREE_FILES empty files: nested, like a
# source tree, so lookups go through several directory levels.
make_lookup_tree() {
	local top=$1 a b f d dirs=()
	for ((a = 0; a < TREE_TOP; a++)); do
		for ((b = 0; b < TREE_SUB; b++)); do
			dirs+=("$top/d$a/s$b")
		done
	done
	mkdir -p -- "${dirs[@]}" || return
	for d in "${dirs[@]}"; do
		for ((f = 0; f < TREE_FILES; f++)); do
			: >"$d/file$f" || return
		done
	done
}

# Empty files e<FROM>..e<TO-1>, zero-padded so both branches' names interleave.
make_readdir_names() {
	local dir=$1 from=$2 to=$3 i name
	for ((i = from; i < to; i++)); do
		printf -v name 'e%05d' "$i"
		: >"$dir/$name" || return
	done
}

make_copyup_files() {
	local dir=$1 i blob
	printf -v blob "%$((COPYUP_KB * 1024))s" ''
	for ((i = 0; i < COPYUP_N; i++)); do
		printf '%s' "$blob" >"$dir/c$i" || return
	done
}

make_unlink_files() {
	local dir=$1 i
	for ((i = 0; i < UNLINK_N; i++)); do
		echo "$i" >"$dir/u$i" || return
	done
}

# make_tarball FILE: an archive of about TAR_N entries: TAR_DIRS dirs of
# TAR_FILES ~1 KiB files, and a dir of TAR_LINKS symlinks per dir (one ln for
# all of them: an exec per link would cost seconds). Built once in the
# guest's tmpfs; every contender extracts the same file.
make_tarball() {
	local out=$1 src a f text dirs=() targets=()
	src=$(mktemp -d "${TMPDIR:-/tmp}/tarsrc.XXXXXX") || return
	printf -v text '%1023s\n' ''
	for ((a = 0; a < TAR_DIRS; a++)); do
		dirs+=("$src/pkg/lib$a")
	done
	mkdir -p -- "${dirs[@]}" "$src/pkg/links" || return
	for ((a = 0; a < TAR_DIRS; a++)); do
		for ((f = 0; f < TAR_FILES; f++)); do
			printf '%s' "$text" >"$src/pkg/lib$a/m${a}_$f.c" || return
		done
		for ((f = 0; f < TAR_LINKS; f++)); do
			targets+=("../lib$a/m${a}_$f.c")
		done
	done
	ln -s -t "$src/pkg/links" -- "${targets[@]}" || return
	tar -C "$src" -cf "$out" pkg || return
	rm -rf -- "$src"
}

# --- the workloads --------------------------------------------------------------------
#
# wl_<name> ROOT REP is the timed part; prep_<name> ROOT REP, if defined, runs
# untimed just before it and check_<name> ROOT REP just after (a contender that
# gives a wrong answer is reported, not timed). They return non-zero on error,
# with a message on stderr.

# find walks the tree (readdir + a lookup of every name) and -printf %s makes
# it lstat every name: the stat(2) path through the union.
wl_stat_cold() { find "$1/tree" -printf '%s\n' >/dev/null; }
wl_stat_warm() { wl_stat_cold "$@"; }

# A glob is a readdir done by bash itself: no exec (~80 ms under TCG) to
# drown the difference. nullglob and dotglob are set by run.sh.
wl_readdir() {
	local names=("$1"/readdir/*)
	[[ ${#names[@]} -eq $READDIR_N ]] ||
		{ echo "readdir showed ${#names[@]} names, expected $READDIR_N" >&2; return 1; }
}

wl_read() { cat "$1/big" >/dev/null; }

wl_create() {
	local dir=$1/create/r$2 i
	for ((i = 0; i < CREATE_N; i++)); do
		echo "new file $i" >"$dir/n$i" || return
	done
}

check_create() {
	local names=("$1/create/r$2"/*)
	[[ ${#names[@]} -eq $CREATE_N ]] ||
		{ echo "after create: ${#names[@]} names, expected $CREATE_N" >&2; return 1; }
}

# Appending one byte is the first write to a file of the read-only branch:
# the union copies all of it up first.
wl_copyup() {
	local dir=$1/copyup/r$2 i
	for ((i = 0; i < COPYUP_N; i++)); do
		printf x >>"$dir/c$i" || return
	done
}

check_copyup() {
	local size
	size=$(stat -c %s "$1/copyup/r$2/c0") || return
	[[ $size -eq $((COPYUP_KB * 1024 + 1)) ]] ||
		{ echo "after copy-up: c0 has $size bytes, expected $((COPYUP_KB * 1024 + 1))" >&2; return 1; }
}

# The names are listed before the clock starts: rm gets them as arguments,
# so the timed part is the unlinks (whiteouts on a union), not a readdir.
prep_unlink() {
	local i
	UNLINK_PATHS=()
	for ((i = 0; i < UNLINK_N; i++)); do
		UNLINK_PATHS+=("$1/unlink/r$2/u$i")
	done
}
wl_unlink() { rm -f -- "${UNLINK_PATHS[@]}"; }

# Deleted names must stay deleted: a union without whiteouts would show the
# lower files again.
check_unlink() {
	local names=("$1/unlink/r$2"/*)
	[[ ${#names[@]} -eq 0 ]] ||
		{ echo "after unlink: ${#names[@]} names still visible" >&2; return 1; }
}

# mkdir, create, write, chmod, utimes, symlink: the metadata mix of
# unpacking a package, into a directory that exists on the lower branch.
wl_tar() { tar -xf "$TARBALL" -C "$1/tar/r$2"; }

check_tar() {
	local names=("$1/tar/r$2"/pkg/links/*)
	[[ ${#names[@]} -eq $((TAR_DIRS * TAR_LINKS)) ]] ||
		{ echo "after tar x: pkg/links has ${#names[@]} names, expected $((TAR_DIRS * TAR_LINKS))" >&2; return 1; }
}

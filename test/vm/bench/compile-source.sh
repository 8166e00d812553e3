#!/bin/bash
# test/vm/bench/compile-source.sh: the host side of the compile row of
# `make bench`: fetches the Debian source package of less (a mid-size C
# program: 40 files, 27,000 lines) from the Debian archive with
# `apt-get source` and configures it, here on the host, once: configure
# runs hundreds of small programs, which under TCG would take longer than
# the compile itself, and the guest runs the host's compiler over 9p
# anyway. Prints the configured tree's path.
#
# It also lists the files the build uses outside its tree (compiler,
# assembler, linker, their libraries, the system headers), traced with
# strace in a throwaway build here: the guest copies them into its memory
# first (compile.sh), as their reads over 9p would wait for the host.
#
# apt-get reads a sources list of its own (deb-src of the release this
# machine runs) and keeps its lists under build/bench/apt: the machine's
# apt configuration is not touched.
set -euo pipefail

readonly PACKAGE=less
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH/../../.." && pwd)
readonly BENCH REPO
out=$REPO/build/bench/compile
apt_dir=$REPO/build/bench/apt

die() { echo "test/vm/bench/compile-source.sh: $*" >&2; exit 2; }

# The configured tree, if an earlier run left a complete one.
tree=$(find "$out" -mindepth 2 -maxdepth 2 -name .configured -printf '%h\n' 2>/dev/null | head -n1 || true)
if [[ -n $tree ]]; then
	echo "$tree"
	exit 0
fi

. /etc/os-release
[[ -n ${VERSION_CODENAME:-} ]] || die "cannot tell this machine's Debian release"
mkdir -p "$apt_dir/lists/partial" "$out"
cat >"$apt_dir/bench.sources" <<SOURCES
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $VERSION_CODENAME
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt_opts=(-q -o "Dir::Etc::SourceList=$apt_dir/bench.sources" -o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$apt_dir/lists" -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" update >&2 || die "cannot read the source index of $VERSION_CODENAME"
rm -rf "${out:?}"/*
(cd "$out" && apt-get "${apt_opts[@]}" source --download-only "$PACKAGE" >&2) ||
	die "cannot fetch the source of $PACKAGE"
(cd "$out" && dpkg-source -x --no-check ./"$PACKAGE"_*.dsc >/dev/null) ||
	die "cannot unpack the source of $PACKAGE"
tree=$(find "$out" -mindepth 1 -maxdepth 1 -type d -name "$PACKAGE-*" | head -n1)
[[ -n $tree ]] || die "no $PACKAGE-* directory in the unpacked source"
(cd "$tree" && ./configure -q >/dev/null) || die "configure of $PACKAGE failed (see $tree/config.log)"
trial=$out/trial
cp -a "$tree" "$trial"
(cd "$trial" && strace -f -qq -e trace=execve,open,openat -e signal=none -o "$out/build.trace" \
	make -s >/dev/null 2>&1) || die "a trial build of $PACKAGE failed"
grep -v ' = -1 ' "$out/build.trace" | grep -oE '"/[^"]+"' | tr -d '"' |
	grep -vE "^($trial|$out|/tmp|/proc|/dev|/sys)(/|\$)" | sort -u >"$tree/../toolchain.list"
rm -rf "$trial" "$out/build.trace"
touch "$tree/.configured"
echo "$tree"

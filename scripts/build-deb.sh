#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-deb.sh - `make deb`: builds the Debian packages unionfs-dkms,
# unionfs-tools and unionfs-dev with Debian's own tools (dpkg-buildpackage,
# debhelper, dh-dkms) from a copy of the repository's files, so that
# nothing is written into the work tree or its parent, then checks them
# with lintian (an error fails the build; warnings are printed).
# The packages land in build/deb/.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/deb
version=$(sh "$top/scripts/version.sh")
src=$out/unionfs-$version	# dpkg-buildpackage writes the packages beside it

rm -rf "$out"
mkdir -p "$src"
cd "$top"
if git rev-parse --git-dir >/dev/null 2>&1; then
	# Tracked files and new ones not ignored: what a commit would hold.
	git ls-files -z --cached --others --exclude-standard |
		xargs -0 -r cp --parents -P -t "$src" 2>/dev/null || true
else
	tar -C "$top" --exclude=./build --exclude='*.o' --exclude='*.ko' -cf - . | tar -C "$src" -xf -
fi
[[ -f $src/debian/rules ]] || { echo "build-deb.sh: no debian/ copied" >&2; exit 1; }

cd "$src"
dpkg-buildpackage -us -uc -b -j"$(nproc)"
cd "$out"
ls -1 ./*.deb
# --fail-on error: warnings are listed, not fatal.
lintian --fail-on error --tag-display-limit 0 ./*.changes

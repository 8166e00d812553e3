#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dkms-source.sh DEST - copies what building unionfs.ko needs (and nothing
# else: no tests, no tools) into DEST, the module's DKMS source directory
# (/usr/src/unionfs-VERSION in the unionfs-dkms package), and records the
# version there in a file VERSION. DKMS then builds it with the same Kbuild
# rules as `make module`, C++ core included, and checks the result with
# scripts/check-module-abi.sh (debian/unionfs-dkms.dkms).
set -eu
dest=${1:?usage: dkms-source.sh DEST}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
version=$(sh scripts/version.sh)
[ -n "$version" ] || { echo "dkms-source.sh: no version in debian/changelog" >&2; exit 1; }

mkdir -p "$dest"
for f in Kbuild module/*.c module/*.h module/uapi/*.h core/include/*.h \
	 core/src/*.cpp core/src/*.h scripts/check-module-abi.sh scripts/version.sh; do
	install -D -m 0644 "$f" "$dest/$f"
done
chmod 0755 "$dest/scripts/check-module-abi.sh" "$dest/scripts/version.sh"
printf '%s\n' "$version" >"$dest/VERSION"

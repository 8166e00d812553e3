#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# version.sh - prints the unionfs version. Its one source is the top entry
# of debian/changelog ("unionfs (0.9.0) unstable; ..."); the module's DKMS
# source carries it in a file VERSION instead, written when it is packaged.
top=$(cd "$(dirname "$0")/.." && pwd)
if [ -f "$top/VERSION" ]; then
	cat "$top/VERSION"
else
	sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$top/debian/changelog"
fi

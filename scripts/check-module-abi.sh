#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-module-abi.sh MODULE.ko - the C++ core must not need a C++ runtime
# the kernel does not have: no static constructors or destructors, and no
# unresolved C++ runtime symbols (exceptions, RTTI, guards, the library's
# operator new). Fails the build otherwise.
set -euo pipefail

ko=${1:?usage: check-module-abi.sh MODULE.ko}
fail=0

if [ ! -f "$ko" ]; then
	echo "check-module-abi: $ko does not exist" >&2
	exit 1
fi
nm -u "$ko" >/dev/null	# fails loudly on a file that is not an object

# Static constructors would need a runtime to call them; the kernel has none.
for section in .init_array .fini_array .ctors .dtors; do
	if readelf -S --wide "$ko" | grep -qF " $section "; then
		echo "check-module-abi: $ko has a $section section (static constructor/destructor)" >&2
		fail=1
	fi
done

# C++ runtime entry points left unresolved would fail at load time or worse.
runtime='^(__cxa_|_Unwind_|__gxx_personality|_ZTV|_ZTI|_ZTS|_Znw|_Zna|_Zdl|_Zda|_ZSt|__dynamic_cast)'
if undefined=$(nm -u "$ko" | awk '{print $2}' | grep -E "$runtime"); then
	echo "check-module-abi: $ko leaves C++ runtime symbols unresolved:" >&2
	awk '{ print "  " $0 }' <<<"$undefined" >&2
	fail=1
fi
exit $fail

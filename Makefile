# SPDX-License-Identifier: GPL-2.0
#
# unionfs - top-level entry points. `make help` lists them.
#
#   make            build unionfs.ko against Debian's kernel headers (cached by
#                   scripts/setup.sh; override with KDIR=/path/to/build) and
#                   the tools (unionctl, snapmerge)
#   make demo       set everything up and run the article's example in a guest
#   make check      set everything up and run every test (host + guest)
#   make check-long the guest suite with longer randomized and stress runs
#   make check-debug the guest suite (2 vCPUs) on a lockdep/KASAN/KFENCE 6.1
#                   kernel built once from Debian's linux-source-6.1 and cached
#                   (scripts/build-debug-kernel.sh; first build 7 min on an idle
#                   2-core machine, ~30 min beside other guests; suite ~1 h);
#                   any lockdep, KASAN, KFENCE or sleep-in-atomic report fails it.
#                   It rebuilds ./unionfs.ko for that kernel (run `make` after it)
#   make bench      time unionfs against raw ext4, overlayfs and FUSE unions
#                   in one guest, then the other parts (README, "Benchmarks")
#                   and the concurrency rows with 1, 2 and 4 vCPUs (~60 min);
#                   tables in build/bench/<series>/
#   make deb        the Debian packages unionfs-dkms, unionfs-tools and
#                   unionfs-dev in build/deb/ (dpkg-buildpackage, checked
#                   by lintian); install them with apt install ./build/deb/*.deb
#   make install    install unionctl, snapmerge, their man pages, unionfs(5)
#                   and bash completion under
#                   PREFIX (/usr/local), and unionfs.ko for the KDIR kernel
#                   (DESTDIR= for staging)

KERNEL  ?= 6.1
KDIR    ?= $(shell scripts/kernel-env.sh --kernel $(KERNEL) KDIR)
UFS_CXX ?= g++
PWD     := $(shell pwd)
PREFIX  ?= /usr/local

.PHONY: all module tools setup check check-unit check-vm check-long check-debug bench demo deb install clean help

all: module tools

module:
	$(MAKE) -C $(KDIR) M=$(PWD) UFS_CXX=$(UFS_CXX) modules
	scripts/check-module-abi.sh unionfs.ko

setup:
	scripts/setup.sh --kernel $(KERNEL)

# Each step gets its own sub-make so KDIR is read after setup has fetched it.
check: setup
	$(MAKE) module tools
	scripts/check.sh --kernel $(KERNEL)

check-unit:
	$(MAKE) -C core/tests run
	$(MAKE) -C unionctl check
	$(MAKE) -C snapmerge check

tools:
	$(MAKE) -C unionctl
	$(MAKE) -C snapmerge

check-vm: module tools
	test/vm/run --kernel $(KERNEL) --smp 2 --timeout 2700

# Longer differential, concurrency, branch-change and random file-operation
# runs (about 100 minutes on a quiet 2-core machine; 175 alone ~30, 203's
# NFS client with a held directory ~25).
check-long: module tools
	test/vm/run --kernel $(KERNEL) --append ufs_long=1 --timeout-factor 4 --timeout 14400

# The suite on the debug kernel. Its unionfs.ko is the one in the repository
# root, shared with the normal build: `make` afterwards rebuilds it for $(KERNEL).
# Per-test timeouts are multiplied by DEBUG_TIMEOUT_FACTOR (KASAN + lockdep
# under TCG); --keep-going boots again after a report panics the guest, so
# one run shows every report.
DEBUG_TIMEOUT_FACTOR ?= 4
check-debug:
	scripts/build-debug-kernel.sh
	$(MAKE) module tools KERNEL=6.1-debug KDIR=$$(scripts/kernel-env.sh --kernel 6.1-debug KDIR)
	test/vm/run --kernel 6.1-debug --smp 2 --timeout-factor $(DEBUG_TIMEOUT_FACTOR) \
		--timeout 14400 --keep-going

# One guest boot; prints medians and ratios, fails only if unionfs errs.
bench: module
	test/vm/bench/bench --kernel $(KERNEL)

demo: setup
	$(MAKE) module
	test/vm/run --kernel $(KERNEL) --script test/vm/demo.sh

deb:
	scripts/build-deb.sh

install: all
	install -D -m 0755 unionctl/build/unionctl $(DESTDIR)$(PREFIX)/sbin/unionctl
	install -D -m 0755 snapmerge/build/snapmerge $(DESTDIR)$(PREFIX)/sbin/snapmerge
	install -D -m 0644 unionctl/unionctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/unionctl.8
	install -D -m 0644 snapmerge/snapmerge.8 $(DESTDIR)$(PREFIX)/share/man/man8/snapmerge.8
	install -D -m 0644 doc/unionfs.5 $(DESTDIR)$(PREFIX)/share/man/man5/unionfs.5
	install -D -m 0644 completion/unionctl $(DESTDIR)$(PREFIX)/share/bash-completion/completions/unionctl
	install -D -m 0644 completion/snapmerge $(DESTDIR)$(PREFIX)/share/bash-completion/completions/snapmerge
	install -D -m 0644 module/uapi/unionfs.h $(DESTDIR)$(PREFIX)/include/linux/unionfs.h
	$(MAKE) -C $(KDIR) M=$(PWD) INSTALL_MOD_PATH=$(DESTDIR) modules_install

clean:
	-[ -z "$(KDIR)" ] || $(MAKE) -C $(KDIR) M=$(PWD) clean
	$(MAKE) -C core/tests clean
	$(MAKE) -C unionctl clean
	$(MAKE) -C snapmerge clean
	rm -rf build

help:
	@sed -n 's/^#   //p' Makefile

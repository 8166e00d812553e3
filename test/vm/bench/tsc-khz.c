// SPDX-License-Identifier: GPL-2.0
/*
 * tsc-khz: print the host's TSC frequency in kHz, measured against
 * CLOCK_MONOTONIC_RAW over 200 ms.
 *
 * Under QEMU TCG the guest's TSC is the host's, but the guest kernel cannot
 * calibrate it (no HPET or PM timer with acpi=off, and the PIT loop is too
 * slow under emulation), so it falls back to a 4 ms jiffies clock. Booting
 * it with tsc_early_khz=<this> gives the benchmark a nanosecond clock.
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static uint64_t ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(void)
{
	uint64_t t0 = ns_now(), c0 = __rdtsc(), t1, c1;

	do {
		t1 = ns_now();
	} while (t1 - t0 < 200000000u);
	c1 = __rdtsc();
	printf("%llu\n", (unsigned long long)((c1 - c0) * 1000000u / (t1 - t0)));
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * env_host.cpp - uni_env_* for the host tests.
 */
#include "env_host.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>

#include "uni_core.h"

namespace {

unsigned long g_allocations;
unsigned long g_fail_at;	/* allocation number that fails, 0 = none */
bool g_failed;
long g_live;

} /* namespace */

extern "C" void *uni_env_alloc(unsigned long size)
{
	++g_allocations;
	if (g_fail_at && g_allocations == g_fail_at) {
		g_failed = true;
		return nullptr;
	}
	void *memory = std::malloc(size ? size : 1);

	if (memory)
		++g_live;
	return memory;
}

extern "C" void uni_env_free(void *ptr)
{
	/* The core promises never to hand us null; catch it if it does. */
	if (!ptr) {
		std::fprintf(stderr, "uni_env_free(NULL)\n");
		std::abort();
	}
	--g_live;
	std::free(ptr);
}

extern "C" void uni_env_bug(const char *what)
{
	std::fprintf(stderr, "uni_env_bug: %s\n", what);
	std::abort();
}

namespace test_env {

void fail_allocation(unsigned long nth)
{
	g_failed = false;
	g_fail_at = nth ? g_allocations + nth : 0;
}

bool allocation_failed()
{
	return g_failed;
}

long live_allocations()
{
	return g_live;
}

unsigned long allocation_count()
{
	return g_allocations;
}

unsigned long check_every_allocation_failure(const std::function<int()> &attempt,
					     const std::function<void()> &cleanup)
{
	long live_before = g_live;

	for (unsigned long nth = 1;; ++nth) {
		unsigned long before = g_allocations;

		fail_allocation(nth);
		int ret = attempt();
		bool failed = allocation_failed();

		fail_allocation(0);
		if (cleanup)
			cleanup();
		INFO("failing allocation " << nth);
		REQUIRE(g_live == live_before);
		if (!failed) {
			REQUIRE(ret == 0);
			return g_allocations - before;
		}
		REQUIRE(ret == -UNI_ENOMEM);
	}
}

} /* namespace test_env */

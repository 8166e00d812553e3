/* SPDX-License-Identifier: GPL-2.0 */
/*
 * env_host.h - the core's environment on the host: malloc-backed
 * uni_env_alloc() with accounting and an allocation-failure injector.
 */
#ifndef UNI_TESTS_ENV_HOST_H
#define UNI_TESTS_ENV_HOST_H

#include <functional>

namespace test_env {

/* Make the nth allocation from now fail (1 = the next one); 0 turns it off. */
void fail_allocation(unsigned long nth);
/* Did the injected failure fire since fail_allocation()? */
bool allocation_failed();
/* Allocations made through uni_env_alloc() and not yet freed. */
long live_allocations();
unsigned long allocation_count();

/*
 * Runs attempt() once per allocation it makes, failing that allocation,
 * until a run completes without hitting the injected failure. Every failed
 * run must return -UNI_ENOMEM and, after cleanup() (which undoes whatever
 * the attempt left for its caller), hold no memory; the final run must
 * return 0. Returns the number of allocations the successful run made.
 */
unsigned long check_every_allocation_failure(const std::function<int()> &attempt,
					     const std::function<void()> &cleanup = {});

} /* namespace test_env */

#endif /* UNI_TESTS_ENV_HOST_H */

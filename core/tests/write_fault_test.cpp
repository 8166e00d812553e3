// SPDX-License-Identifier: GPL-2.0
/*
 * write_fault_test.cpp - every case of the semantics table, failed at each
 * lower operation in turn (reads included), and at each allocation.
 *
 * Whatever fails, the union view must be either what the clean run gave
 * (the operation completed: the failure hit a step with a fallback, a
 * retry on the next branch, or a best-effort cleanup) or exactly what it
 * was before (the operation failed and put everything back). No reference
 * may leak and no handle rule may break. Without delete=all, which removes
 * hidden lower copies before the visible step, a failed operation must
 * also leave every branch byte for byte as it was (except for leftovers of
 * earlier failures under hidden temporary names: removing those is best
 * effort and never undone).
 */
#include <cerrno>

#include <catch2/catch.hpp>

#include "env_host.h"
#include "write_cases.h"
#include "write_util.h"

namespace {

const char *const kModeNames[] = {"all", "whiteout", "first"};

struct Baseline {
	std::string before_dump;
	std::string before_view;
	std::string after_view;
	int ret;
	unsigned long calls;
	unsigned long allocations;
};

Baseline clean_run(const WriteCase &c, int mode)
{
	auto u = make_union(c.layout, c.modes);
	RunOptions options;
	Baseline base;

	base.before_dump = u->fs.dump();
	base.before_view = union_view(*u);
	unsigned long allocations = test_env::allocation_count();
	base.ret = run_op(*u, static_cast<uni_delete_mode>(mode), c.op, c.path, c.path2, &options);
	base.allocations = test_env::allocation_count() - allocations;
	base.calls = options.calls;
	base.after_view = union_view(*u);
	return base;
}

/* The run's outcome against the clean run. */
void check_outcome(TestUnion &u, const Baseline &base, int ret, int mode)
{
	bool has_leftovers = base.before_dump.find(".wh..wh.ufs.tmp.") != std::string::npos;
	std::string view = union_view(u);

	if (ret == 0 && base.ret == 0) {
		CHECK(view == base.after_view);
	} else {
		CHECK(ret != 0);
		CHECK(view == base.before_view);
		if (mode != UNI_DELETE_ALL && !has_leftovers)
			CHECK(u.fs.dump() == base.before_dump);
	}
	INFO("violations: " << join(u.fs.violations()));
	CHECK(u.fs.violations().empty());
	CHECK(u.fs.outstanding_refs() == 0);
}

unsigned long sweep_lower_failures(int error)
{
	unsigned long runs = 0;

	for (const WriteCase &c : write_cases()) {
		for (int mode = 0; mode < 3; ++mode) {
			Baseline base = clean_run(c, mode);

			for (unsigned long k = 0; k < base.calls; ++k) {
				INFO(c.what << " [" << c.layout << " | " << c.modes << "] " << c.op << " "
					    << c.path << " " << c.path2 << ", delete=" << kModeNames[mode]
					    << ", lower call " << k << " fails with " << error);
				auto u = make_union(c.layout, c.modes);
				RunOptions options;
				memfs::Fault fault(memfs::Op::kAny);

				fault.skip = static_cast<unsigned>(k);
				fault.times = 1;
				fault.error = -error;
				options.fault = fault;
				int ret = run_op(*u, static_cast<uni_delete_mode>(mode), c.op, c.path,
						 c.path2, &options);
				INFO("lower operations: " << join(u->fs.write_log()) << "; result " << ret);
				CHECK(u->fs.fault_fired());
				check_outcome(*u, base, ret, mode);
				++runs;
			}
		}
	}
	return runs;
}

} /* namespace */

TEST_CASE("write faults: each lower operation failing with EIO, in every case and mode")
{
	unsigned long runs = sweep_lower_failures(EIO);

	WARN(runs << " runs over " << write_cases().size() << " cases x 3 modes");
	CHECK(runs > 1000);
}

TEST_CASE("write faults: each lower operation failing with ENOSPC (retried further up)")
{
	unsigned long runs = sweep_lower_failures(ENOSPC);

	WARN(runs << " runs");
	CHECK(runs > 1000);
}

TEST_CASE("write faults: each allocation failing, in every case and mode")
{
	unsigned long runs = 0;

	for (const WriteCase &c : write_cases()) {
		for (int mode = 0; mode < 3; ++mode) {
			Baseline base = clean_run(c, mode);

			for (unsigned long nth = 1; nth <= base.allocations; ++nth) {
				INFO(c.what << ", delete=" << kModeNames[mode] << ", allocation " << nth
					    << " of " << base.allocations << " fails");
				auto u = make_union(c.layout, c.modes);
				RunOptions options;
				long live = test_env::live_allocations();

				options.fail_allocation = nth;
				int ret = run_op(*u, static_cast<uni_delete_mode>(mode), c.op, c.path,
						 c.path2, &options);
				CHECK(options.allocation_failed);
				CHECK((ret == 0 || ret == -ENOMEM || ret == base.ret));
				check_outcome(*u, base, ret, mode);
				CHECK(test_env::live_allocations() == live);
				++runs;
			}
		}
	}
	WARN(runs << " runs");
	CHECK(runs > 1000);
}

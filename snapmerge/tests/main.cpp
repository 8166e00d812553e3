// SPDX-License-Identifier: GPL-2.0
/*
 * main.cpp - Catch2's main and a TAP reporter: one "ok N - name" line per
 * test case (Catch2 2.x's own TAP reporter prints one per assertion),
 * failures as "#" diagnostics, and a last "# N passed, N failed" line.
 */
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

namespace {

class TapReporter : public Catch::StreamingReporterBase<TapReporter> {
public:
	explicit TapReporter(const Catch::ReporterConfig &config) : StreamingReporterBase(config)
	{
		m_reporterPrefs.shouldReportAllAssertions = false;
	}

	static std::string getDescription() { return "TAP, one line per test case"; }

	void testRunStarting(const Catch::TestRunInfo &info) override
	{
		StreamingReporterBase::testRunStarting(info);
		stream << "TAP version 13\n";
	}

	void assertionStarting(const Catch::AssertionInfo &) override {}

	bool assertionEnded(const Catch::AssertionStats &stats) override
	{
		const Catch::AssertionResult &result = stats.assertionResult;

		if (result.isOk())
			return true;
		stream << "# " << result.getSourceInfo() << ":";
		if (result.hasExpression())
			stream << " " << result.getExpressionInMacro() << "\n#   with expansion "
			       << result.getExpandedExpression();
		if (result.hasMessage())
			stream << " " << result.getMessage();
		stream << "\n";
		for (const Catch::MessageInfo &info : stats.infoMessages)
			stream << "#   with " << info.message << "\n";
		return true;
	}

	void testCaseEnded(const Catch::TestCaseStats &stats) override
	{
		bool ok = stats.totals.assertions.failed == 0;

		(ok ? passed_ : failed_)++;
		stream << (ok ? "ok " : "not ok ") << passed_ + failed_ << " - " << stats.testInfo.name
		       << "\n" << std::flush;
		StreamingReporterBase::testCaseEnded(stats);
	}

	void testRunEnded(const Catch::TestRunStats &stats) override
	{
		stream << "1.." << passed_ + failed_ << "\n# " << passed_ << " passed, " << failed_
		       << " failed\n" << std::flush;
		StreamingReporterBase::testRunEnded(stats);
	}

private:
	unsigned passed_ = 0;
	unsigned failed_ = 0;
};

} /* namespace */

CATCH_REGISTER_REPORTER("tap", TapReporter)

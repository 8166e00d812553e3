// SPDX-License-Identifier: GPL-2.0
/*
 * case_tap_reporter.hpp - a Catch2 2.x reporter named "tap" with one line
 * per test case, shared by the host tests of core, unionctl and snapmerge.
 *
 * Catch2 2.x's own TAP reporter (catch_reporter_tap.hpp, not part of the
 * single header) prints one line per assertion, thousands for a data-heavy
 * test. Harnesses want one "ok N - name" per test case, with failure details
 * as "#" diagnostics, and a closing "# N passed, N failed" that
 * scripts/check.sh sums. Include it after <catch2/catch.hpp> in the file
 * that defines CATCH_CONFIG_MAIN.
 */
#ifndef UNI_CASE_TAP_REPORTER_HPP
#define UNI_CASE_TAP_REPORTER_HPP

namespace {

class CaseTapReporter : public Catch::StreamingReporterBase<CaseTapReporter> {
public:
	explicit CaseTapReporter(const Catch::ReporterConfig &config)
		: StreamingReporterBase(config)
	{
		m_reporterPrefs.shouldReportAllAssertions = false;
	}

	static std::string getDescription()
	{
		return "TAP, one line per test case, failures as # diagnostics";
	}

	void noMatchingTestCases(const std::string &spec) override
	{
		stream << "# no test cases matched '" << spec << "'\n";
	}

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
		stream << "# " << result.getSourceInfo() << ": ";
		if (result.hasExpression())
			stream << result.getExpressionInMacro() << " with expansion "
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

		++count_;
		(ok ? passed_ : failed_)++;
		stream << (ok ? "ok " : "not ok ") << count_ << " - " << stats.testInfo.name << "\n";
		StreamingReporterBase::testCaseEnded(stats);
	}

	void testRunEnded(const Catch::TestRunStats &stats) override
	{
		stream << "1.." << count_ << "\n";
		stream << "# " << passed_ << " passed, " << failed_ << " failed\n";
		stream.flush();
		StreamingReporterBase::testRunEnded(stats);
	}

private:
	unsigned count_ = 0;
	unsigned passed_ = 0;
	unsigned failed_ = 0;
};

} /* namespace */

CATCH_REGISTER_REPORTER("tap", CaseTapReporter)

#endif /* UNI_CASE_TAP_REPORTER_HPP */

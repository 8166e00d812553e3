// SPDX-License-Identifier: GPL-2.0
/*
 * main.cpp - Catch2's main, and the reporter "tap": one TAP line per test
 * case (failed assertions as "#" lines above it) and a closing
 * "# N passed, N failed" line, which scripts/check.sh-style harnesses sum.
 * Catch2 2.x's own TAP reporter prints a line per assertion instead.
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

	void noMatchingTestCases(const std::string &spec) override
	{
		stream << "# no test case matches '" << spec << "'\n";
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

		if (!result.isOk()) {
			diagnostic(Catch::StringMaker<Catch::SourceLineInfo>::convert(result.getSourceInfo()) +
				   ": " + result.getExpressionInMacro());
			if (result.hasExpandedExpression())
				diagnostic("  expands to " + result.getExpandedExpression());
			if (result.hasMessage())
				diagnostic("  " + result.getMessage());
			for (const Catch::MessageInfo &info : stats.infoMessages)
				diagnostic("  with " + info.message);
		}
		return true;
	}

	void testCaseEnded(const Catch::TestCaseStats &stats) override
	{
		bool ok = stats.totals.assertions.failed == 0;

		(ok ? passed_ : failed_)++;
		stream << (ok ? "ok " : "not ok ") << passed_ + failed_ << " - " << stats.testInfo.name
		       << "\n";
		StreamingReporterBase::testCaseEnded(stats);
	}

	void testRunEnded(const Catch::TestRunStats &stats) override
	{
		stream << "1.." << passed_ + failed_ << "\n"
		       << "# " << passed_ << " passed, " << failed_ << " failed\n";
		stream.flush();
		StreamingReporterBase::testRunEnded(stats);
	}

private:
	/* Every line of TEXT as a TAP comment, so a multi-line expansion stays one. */
	void diagnostic(const std::string &text)
	{
		size_t start = 0;

		for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
			stream << "# " << text.substr(start, end - start) << "\n";
		stream << "# " << text.substr(start) << "\n";
	}

	unsigned passed_ = 0;
	unsigned failed_ = 0;
};

} /* namespace */

CATCH_REGISTER_REPORTER("tap", TapReporter)

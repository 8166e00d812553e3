// SPDX-License-Identifier: GPL-2.0
/*
 * report_test.cpp - printable names, sizes, the summary, the progress line.
 */
#include <catch2/catch.hpp>

#include <sstream>
#include <thread>

#include "report.h"

using namespace snapmerge;

TEST_CASE("quote() escapes what is not printable UTF-8")
{
	using snapmerge::quote;

	CHECK(quote("plain-name.txt") == "plain-name.txt");
	CHECK(quote("a b") == "a\\040b");
	CHECK(quote("a\nb\tc") == "a\\012b\\011c");
	CHECK(quote("\\") == "\\134");
	CHECK(quote("\x7f") == "\\177");
	CHECK(quote("caf\xc3\xa9") == "caf\xc3\xa9");
	CHECK(quote("\xc3") == "\\303");			/* truncated sequence */
	CHECK(quote("\xc0\xaf") == "\\300\\257");		/* overlong */
	CHECK(quote("\xed\xa0\x80") == "\\355\\240\\200");	/* surrogate */
	CHECK(quote("\xc2\x85") == "\\302\\205");		/* C1 control (NEL) */
	CHECK(quote("\xf0\x9f\x98\x80") == "\xf0\x9f\x98\x80");
}

TEST_CASE("sizes and the summary read naturally")
{
	CHECK(human_bytes(0) == "0 bytes");
	CHECK(human_bytes(1) == "1 byte");
	CHECK(human_bytes(1023) == "1023 bytes");
	CHECK(human_bytes(1536) == "1.5 KiB");
	CHECK(human_bytes(uint64_t(3) << 40) == "3.0 TiB");
	Stats stats;

	stats.files = 1;
	stats.bytes = 5;
	stats.deleted = 2;
	CHECK(summary_text(stats) == "1 file copied (5 bytes), 0 hard links, 0 directories created, 2 deleted");
	stats.links = 2;
	stats.dirs = 1;
	stats.cleaned = 1;
	stats.bytes = 4096;
	CHECK(summary_text(stats) == "1 file copied (4.0 KiB, 4096 bytes), 2 hard links, 1 directory "
				     "created, 2 deleted, 1 leftover of an earlier run removed");
}

TEST_CASE("the progress line appears after a second, and is erased at the end")
{
	std::ostringstream terminal;
	Progress progress(&terminal, "/snap", 4);

	progress.advance(10);
	CHECK(terminal.str().empty());
	std::this_thread::sleep_for(std::chrono::milliseconds(1100));
	progress.advance(2048);
	CHECK(terminal.str() == "\rsnapmerge: /snap: 2/4 (50%) entries, 2.0 KiB\033[K");
	progress.advance(0);	/* too soon after the last one */
	progress.finish();
	CHECK(terminal.str() == "\rsnapmerge: /snap: 2/4 (50%) entries, 2.0 KiB\033[K\r\033[K");
}

// SPDX-License-Identifier: GPL-2.0
/*
 * naming_test.cpp - hidden names, whiteout names and union inode numbers.
 */
#include <cstring>
#include <string>

#include <catch2/catch.hpp>

#include "uni_core.h"

namespace {

bool hidden(const std::string &name)
{
	return uni_name_is_hidden(name.data(), static_cast<unsigned>(name.size())) != 0;
}

} /* namespace */

TEST_CASE("whiteout: names with the .wh. prefix are hidden")
{
	REQUIRE(hidden(".wh.Tomato"));
	REQUIRE(hidden(".wh."));
	REQUIRE(hidden(UNI_OPAQUE_NAME));
	REQUIRE(hidden(UNI_OCI_OPAQUE_NAME));
	REQUIRE_FALSE(hidden(".wh"));
	REQUIRE_FALSE(hidden(".whTomato"));
	REQUIRE_FALSE(hidden("wh.Tomato"));
	REQUIRE_FALSE(hidden("x.wh.Tomato"));
	REQUIRE_FALSE(hidden(""));
	REQUIRE_FALSE(hidden(".WH.Tomato"));
	/* only len bytes count: the NUL-free prefix of a longer buffer */
	REQUIRE_FALSE(uni_name_is_hidden(".wh.x", 3));
}

TEST_CASE("whiteout: name is .wh. + name, NUL-terminated")
{
	char buf[UNI_NAME_MAX + 1];

	std::memset(buf, 'x', sizeof(buf));
	REQUIRE(uni_whiteout_name("Tomato", 6, buf, sizeof(buf)) == 10);
	REQUIRE(std::string(buf) == ".wh.Tomato");
	/* not NUL-terminated input: only len bytes are used */
	REQUIRE(uni_whiteout_name("Carrots and more", 7, buf, sizeof(buf)) == 11);
	REQUIRE(std::string(buf) == ".wh.Carrots");
}

TEST_CASE("whiteout: names up to NAME_MAX minus the prefix can be whited out")
{
	char buf[UNI_NAME_MAX + 1];
	std::string longest(UNI_NAME_MAX - UNI_WH_PREFIX_LEN, 'n');
	std::string too_long = longest + "n";

	REQUIRE(uni_whiteout_name(longest.data(), longest.size(), buf, sizeof(buf)) ==
		UNI_NAME_MAX);
	REQUIRE(std::strlen(buf) == UNI_NAME_MAX);
	REQUIRE(uni_whiteout_name(too_long.data(), too_long.size(), buf, sizeof(buf)) ==
		-UNI_ENAMETOOLONG);
}

TEST_CASE("whiteout: a buffer too small for the result is EINVAL")
{
	char buf[11];

	REQUIRE(uni_whiteout_name("Tomato", 6, buf, 10) == -UNI_EINVAL);
	REQUIRE(uni_whiteout_name("Tomato", 6, buf, 11) == 10);
	REQUIRE(uni_whiteout_name("Tomato", 6, nullptr, 0) == -UNI_EINVAL);
}

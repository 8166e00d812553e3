// SPDX-License-Identifier: GPL-2.0
/*
 * support_test.cpp - the core's own containers and utilities.
 */
#include <string>

#include <catch2/catch.hpp>

#include "env_host.h"
#include "name_set.h"
#include "ownership.h"
#include "text.h"
#include "vector.h"

using namespace uni;

namespace {

Result<int> half(int n)
{
	if (n % 2)
		return Error(UNI_EINVAL);
	return n / 2;
}

Result<int> quarter(int n)
{
	int h = TRY(half(n));

	return TRY(half(h));
}

Result<void> check_even(int n)
{
	TRY(half(n));
	return {};
}

std::string str(StringView view)
{
	return std::string(view.data(), view.length());
}

Result<StringBuf> make(const char *text)
{
	return StringBuf::try_create(text);
}

} /* namespace */

TEST_CASE("support: Result and TRY pass values and errors along")
{
	Result<int> q = quarter(12);
	REQUIRE_FALSE(q.is_error());
	REQUIRE(q.value() == 3);
	Result<int> bad = quarter(6);
	REQUIRE(bad.is_error());
	REQUIRE(bad.error().code() == UNI_EINVAL);
	REQUIRE(bad.error().to_errno() == -UNI_EINVAL);
	REQUIRE(to_errno(check_even(4)) == 0);
	REQUIRE(to_errno(check_even(5)) == -UNI_EINVAL);
	REQUIRE(to_errno(from_env(-UNI_EIO)) == -UNI_EIO);
	REQUIRE(to_errno(from_env(7)) == -UNI_EIO);
	REQUIRE(to_errno(from_env(0)) == 0);
}

TEST_CASE("support: Result holds move-only values")
{
	Result<StringBuf> text = make("hello");
	REQUIRE_FALSE(text.is_error());
	StringBuf owned = text.release_value();
	REQUIRE(std::string(owned.c_str()) == "hello");
}

TEST_CASE("support: StringView slicing and searching")
{
	StringView v("/a=b=ro");

	REQUIRE(v.length() == 7);
	REQUIRE(v.find('=') == 2);
	REQUIRE(v.find_last('=') == 4);
	REQUIRE(v.find('x') == StringView::kNotFound);
	REQUIRE(v.find_last('x') == StringView::kNotFound);
	REQUIRE(str(v.substring(0, 4)) == "/a=b");
	REQUIRE(str(v.substring(5)) == "ro");
	REQUIRE(str(v.substring(9)) == "");
	REQUIRE(v.starts_with("/a"));
	REQUIRE_FALSE(v.starts_with("/a=b=ro!"));
	REQUIRE(StringView("abc") == StringView("abcd", 3));
	REQUIRE_FALSE(StringView("abc") == StringView("abd"));
	REQUIRE(StringView(nullptr).is_empty());
}

TEST_CASE("support: StringBuf copies and concatenates")
{
	Result<StringBuf> joined = StringBuf::try_concat("/b", "=", "ro");
	REQUIRE_FALSE(joined.is_error());
	REQUIRE(std::string(joined.value().c_str()) == "/b=ro");
	REQUIRE(joined.value().length() == 5);
	StringBuf moved = move(joined.value());
	REQUIRE(std::string(moved.c_str()) == "/b=ro");
	REQUIRE(std::string(joined.value().c_str()) == "");

	test_env::fail_allocation(1);
	REQUIRE(StringBuf::try_create("x").is_error());
	test_env::fail_allocation(0);
}

TEST_CASE("support: MessageWriter truncates and terminates")
{
	char buf[6];
	MessageWriter w(buf, sizeof(buf));

	w.set("ab", StringView("cdefgh"));
	REQUIRE(std::string(buf) == "abcde");
	w.set("x");
	REQUIRE(std::string(buf) == "x");
	MessageWriter none(nullptr, 0);
	none.set("ignored");
	REQUIRE(invalid(none, "x").code() == UNI_EINVAL);
}

TEST_CASE("support: Vector grows, inserts and removes owning elements")
{
	Vector<StringBuf> v;

	for (int i = 0; i < 100; ++i)
		REQUIRE_FALSE(v.try_append(make(std::to_string(i).c_str()).release_value()).is_error());
	REQUIRE(v.size() == 100);
	REQUIRE_FALSE(v.try_insert(0, make("first").release_value()).is_error());
	REQUIRE_FALSE(v.try_insert(50, make("middle").release_value()).is_error());
	REQUIRE_FALSE(v.try_insert(v.size(), make("last").release_value()).is_error());
	REQUIRE(v.try_insert(v.size() + 1, StringBuf()).error().code() == UNI_EINVAL);
	REQUIRE(v.size() == 103);
	REQUIRE(std::string(v[0].c_str()) == "first");
	REQUIRE(std::string(v[1].c_str()) == "0");
	REQUIRE(std::string(v[50].c_str()) == "middle");
	REQUIRE(std::string(v[51].c_str()) == "49");
	REQUIRE(std::string(v.last().c_str()) == "last");
	v.remove(50);
	REQUIRE(std::string(v[50].c_str()) == "49");
	v.truncate(10);
	REQUIRE(v.size() == 10);
	Vector<StringBuf> other = move(v);
	REQUIRE(other.size() == 10);
	REQUIRE(v.size() == 0);
	other.clear();
	REQUIRE(other.is_empty());
}

TEST_CASE("support: a Vector that cannot grow is left as it was")
{
	Vector<int> v;

	for (int i = 0; i < 4; ++i)
		REQUIRE_FALSE(v.try_append(i).is_error());
	REQUIRE(v.capacity() == 4);
	test_env::fail_allocation(1);
	REQUIRE(v.try_append(4).error().code() == UNI_ENOMEM);
	test_env::fail_allocation(0);
	REQUIRE(v.size() == 4);
	REQUIRE(v[3] == 3);
	int more[] = {7, 8, 9};
	REQUIRE_FALSE(v.try_append_copies(more, 3).is_error());
	REQUIRE(v.size() == 7);
	REQUIRE(v[6] == 9);
	REQUIRE_FALSE(v.try_resize(10, -1).is_error());
	REQUIRE(v[9] == -1);
	/* sizes that would overflow are refused, not wrapped */
	REQUIRE(v.try_reserve(kUsizeMax / 2).error().code() == UNI_ENOMEM);
}

TEST_CASE("support: NameSet holds each name once")
{
	NameSet set;

	REQUIRE_FALSE(set.contains("a"));
	REQUIRE(set.try_insert("a").value());
	REQUIRE_FALSE(set.try_insert("a").value());
	REQUIRE(set.try_insert("").value());
	REQUIRE(set.contains(""));
	REQUIRE(set.contains("a"));
	REQUIRE_FALSE(set.contains("b"));
	REQUIRE(set.size() == 2);
}

TEST_CASE("support: NameSet scales to 100000 names")
{
	NameSet set;

	for (int i = 0; i < 100000; ++i)
		REQUIRE(set.try_insert(("n" + std::to_string(i)).c_str()).value());
	REQUIRE(set.size() == 100000);
	for (int i = 0; i < 100000; i += 7)
		REQUIRE(set.contains(("n" + std::to_string(i)).c_str()));
	REQUIRE_FALSE(set.contains("n100000"));
	REQUIRE(hash_name("") == 2166136261u);
	REQUIRE(hash_name("a") != hash_name("b"));
}

TEST_CASE("support: NameSet survives allocation failures")
{
	NameSet *set = nullptr;

	test_env::check_every_allocation_failure(
		[&]() -> int {
			set = try_new<NameSet>();
			if (!set)
				return -UNI_ENOMEM;
			for (int i = 0; i < 200; ++i) {
				std::string name = "n" + std::to_string(i);
				Result<bool> added = set->try_insert(name.c_str());

				if (added.is_error()) {
					REQUIRE_FALSE(set->contains(name.c_str()));
					return added.error().to_errno();
				}
			}
			return set->size() == 200 ? 0 : -UNI_EIO;
		},
		[&] {
			delete_object(set);
			set = nullptr;
		});
}

TEST_CASE("support: OwnPtr and ScopeGuard release what they own")
{
	long live = test_env::live_allocations();
	{
		Result<OwnPtr<StringBuf>> p = try_make_own<StringBuf>();
		REQUIRE_FALSE(p.is_error());
		OwnPtr<StringBuf> owner = p.release_value();
		REQUIRE(owner);
		OwnPtr<StringBuf> second = move(owner);
		REQUIRE_FALSE(owner);
		REQUIRE(test_env::live_allocations() == live + 1);
	}
	REQUIRE(test_env::live_allocations() == live);

	int undone = 0;
	{
		ScopeGuard guard([&] { ++undone; });
	}
	{
		ScopeGuard guard([&] { ++undone; });
		guard.dismiss();
	}
	REQUIRE(undone == 1);

	test_env::fail_allocation(1);
	REQUIRE(try_make_own<StringBuf>().is_error());
	test_env::fail_allocation(0);
}

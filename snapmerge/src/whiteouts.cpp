// SPDX-License-Identifier: GPL-2.0
/*
 * whiteouts.cpp - whiteout and opaque-marker names, from the unionfs core.
 */
#include "whiteouts.h"

#include <unistd.h>

#include <stdexcept>

#include "uni_core.h"
#include "whiteout.h"	/* core/src: uni::is_opaque_marker() */

namespace snapmerge {

namespace {

bool is_hidden(std::string_view name)
{
	return uni_name_is_hidden(name.data(), static_cast<unsigned>(name.size())) != 0;
}

/* ".wh." applied to a name we choose ourselves, so it always fits. */
std::string hidden(std::string_view name)
{
	std::optional<std::string> result = whiteout_name(name);

	if (!result)
		throw std::logic_error("snapmerge: internal name too long");
	return *result;
}

} /* namespace */

NameMeaning classify_name(std::string_view name)
{
	if (!is_hidden(name))
		return {NameKind::kPlain, {}};
	if (uni::is_opaque_marker(uni::StringView(name.data(), name.size())))
		return {NameKind::kOpaque, {}};

	std::string_view target = name.substr(UNI_WH_PREFIX_LEN);

	/* The union never shows a hidden name, so hiding one does nothing. */
	if (target.empty() || is_hidden(target) || target == "." || target == "..")
		return {NameKind::kInert, {}};
	return {NameKind::kWhiteout, std::string(target)};
}

std::optional<std::string> whiteout_name(std::string_view name)
{
	char buffer[UNI_NAME_MAX + 1];
	int length = uni_whiteout_name(name.data(), static_cast<unsigned>(name.size()), buffer,
				       sizeof(buffer));

	if (length < 0)
		return std::nullopt;
	return std::string(buffer, length);
}

std::string temp_name()
{
	static unsigned long serial;

	return hidden(hidden("snapmerge.tmp." + std::to_string(::getpid()) + "." +
			     std::to_string(++serial)));
}

bool is_temp_name(std::string_view name)
{
	static const std::string prefix = hidden(hidden("snapmerge.tmp."));

	return name.substr(0, prefix.size()) == prefix;
}

std::string done_marker_name()
{
	return hidden(hidden("snapmerge.done"));
}

} /* namespace snapmerge */
